"""The review queue (applications waiting for a person) and a reviewer's decision."""

from __future__ import annotations

import json
from datetime import datetime

from flows.changes import DecideReview
from flows.ports import Account, ChangeRefused
from flows.states import ALLOWED, State
from storage.codec import dumps
from storage.operators import queue_notice
from storage.sql import Row, Tx, utc

_QUEUE = (
    "SELECT c.user_id, c.chat_id, c.locale, c.status, c.state, c.answers, c.updated_at,"
    " u.platform, u.platform_user_id, a.id AS application_id, a.outcome, a.score, a.grade,"
    " a.reasons, a.inputs FROM conversations c JOIN users u ON u.id = c.user_id"
    " JOIN applications a ON a.id = (SELECT MAX(id) FROM applications WHERE user_id = c.user_id)"
    " WHERE c.state = 'manual_review'"
    " AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.application_id = a.id)"
)


def waiting(tx: Tx, limit: int, user_id: int | None = None) -> list[Row]:
    if user_id is None:
        return tx.all(_QUEUE + " ORDER BY c.updated_at, c.user_id LIMIT :limit", limit=limit)
    return tx.all(_QUEUE + " AND c.user_id = :user", user=user_id)


def account_of(row: Row) -> Account:
    return Account(
        row.user_id,
        row.platform,
        row.platform_user_id,
        row.chat_id,
        row.locale,
        row.status,
        row.state,
    )


def decided(tx: Tx, application_id: int) -> bool:
    found = tx.scalar(
        "SELECT 1 FROM review_decisions WHERE application_id = :id", id=application_id
    )
    return found is not None


def decide(tx: Tx, change: DecideReview, now: datetime) -> None:
    won = tx.execute(
        "INSERT INTO review_decisions (application_id, user_id, decision, reason, operator,"
        " decided_at) VALUES (:app, :user, :decision, :reason, :operator, :now)"
        " ON CONFLICT DO NOTHING",
        app=change.application_id,
        user=change.user_id,
        decision=change.decision,
        reason=change.reason[:300],
        operator=change.operator,
        now=now,
    )
    row = tx.one("SELECT state, answers FROM conversations WHERE user_id = :u", u=change.user_id)
    if not won or row is None or row.state != State.MANUAL_REVIEW:
        raise ChangeRefused("decided already")
    target = State.HOME if change.decision == "approved" else State.DECLINED
    if (State.MANUAL_REVIEW, target) not in ALLOWED:  # the state table is the whole truth
        raise ChangeRefused(f"no edge manual_review -> {target}")
    answers = json.loads(row.answers)
    answers["decision"] = change.decision_answers
    # The version bump refuses any cached copy of the borrower's session: it is read again.
    tx.execute(
        "UPDATE conversations SET state = :state, answers = :answers, version = version + 1,"
        " updated_at = :now WHERE user_id = :user",
        state=str(target),
        answers=dumps(answers),
        now=now,
        user=change.user_id,
    )
    line = change.credit_line
    if line is not None:
        tx.execute(
            "INSERT INTO credit_lines (user_id, application_id, limit_fen, daily_rate, apr, grade,"
            " valid_until, updated_at) VALUES (:user, :app, :limit, :rate, :apr, :grade, :until,"
            " :now) ON CONFLICT (user_id) DO UPDATE SET application_id = excluded.application_id,"
            " limit_fen = excluded.limit_fen, daily_rate = excluded.daily_rate, apr = excluded.apr,"
            " grade = excluded.grade, valid_until = excluded.valid_until,"
            " updated_at = excluded.updated_at",
            user=change.user_id,
            app=change.application_id,
            limit=line["limit_fen"],
            rate=line["daily_rate"],
            apr=line["apr"],
            grade=line["grade"],
            until=line["valid_until"],
            now=now,
        )
    queue_notice(tx, change.notice, now)


def queued_at(row: Row) -> datetime:
    at = utc(row.updated_at)
    assert at is not None
    return at
