"""The operator audit log: written with each action, read by /audit and /user. Append-only:
this module has no update and no delete."""

from __future__ import annotations

from datetime import datetime

from flows.changes import AuditOperatorAction
from flows.ports import AuditEntry
from storage.sql import Tx, utc


def record(tx: Tx, change: AuditOperatorAction, now: datetime) -> None:
    tx.execute(
        "INSERT INTO operator_audit (actor, role, action, target_user_id, parameters, result, at)"
        " VALUES (:actor, :role, :action, :target, :parameters, :result, :now)",
        actor=change.actor,
        role=change.role,
        action=change.action,
        target=change.target_user_id,
        parameters=change.parameters[:500],
        result=change.result[:32],
        now=now,
    )


def latest(tx: Tx, target_user_id: int | None, action: str | None, limit: int) -> list[AuditEntry]:
    # Filters added only when given: PostgreSQL cannot type a NULL parameter tested alone.
    where = ["1 = 1"]
    if target_user_id is not None:
        where.append("target_user_id = :target")
    if action is not None:
        where.append("action = :action")
    rows = tx.all(
        f"SELECT * FROM operator_audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT :limit",
        target=target_user_id,
        action=action,
        limit=limit,
    )
    return [
        AuditEntry(
            utc(r.at),  # type: ignore[arg-type]
            r.actor,
            r.role,
            r.action,
            r.target_user_id,
            r.parameters,
            r.result,
        )
        for r in rows
    ]
