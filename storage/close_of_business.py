"""The nightly close of business over the whole book, one batch of loans per transaction.

A batch claims active loans not yet closed through the night (PostgreSQL: FOR UPDATE SKIP
LOCKED, so two schedulers on one database take different loans, and a loan whose borrower is
mid-step is left for the next pass), closes each through the night with lending's pure rules,
posts the new entries, moves the persisted position and `closed_through` forward, plans the
reminders of the borrower's next day, and freezes or unfreezes credit lines, all in the one
transaction. Rerunning a night, or a batch after a crash half-way, finds nothing left to claim:
idempotent per (loan, day), with the ledger's unique keys behind it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from flows.notices import frozen_notice, unfrozen_notice
from flows.ports import OutboxMessage
from flows.reminder_plan import ReminderPolicy, plan_day, send_at
from flows.steps.privacy import required_consent_withdrawn
from lending.close_of_business import DayResult, run_day
from lending.loan import status_of
from storage.database import Database
from storage.loans import instalments_where, position_to_json, stored_loan
from storage.outbox import enqueue
from storage.reminder_words import preferences_of
from storage.sql import Row, Tx, day, in_list

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ServicingRules:
    freeze_after_dpd: int = 30
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)


@dataclass(slots=True)
class BatchReport:
    loans: int = 0
    entries: int = 0
    reminders_planned: int = 0
    frozen: list[int] = field(default_factory=list)


def oldest_open_night(tx: Tx) -> date | None:
    """The first night some active loan has not been closed for."""
    value = tx.scalar("SELECT MIN(closed_through) FROM loan_positions WHERE status = 'active'")
    return None if value is None else day(value) + timedelta(days=1)


def _claim(tx: Tx, night: date, limit: int) -> list[Row]:
    return tx.all(
        "SELECT l.*, p.balances, p.closed_through AS position_through, c.timezone, c.locale,"
        " c.chat_id, u.platform, r.hour, r.three_day_notice FROM loan_positions p"
        " JOIN loans l ON l.id = p.loan_id JOIN users u ON u.id = p.user_id"
        " JOIN conversations c ON c.user_id = p.user_id"
        " LEFT JOIN reminder_preferences r ON r.user_id = p.user_id"
        " WHERE p.status = 'active' AND p.closed_through < :night"
        # The index gives this order: the batch is read, not sorted out of the whole book.
        " ORDER BY p.closed_through LIMIT :limit"
        + (" FOR UPDATE OF p SKIP LOCKED" if tx.postgres else ""),
        night=night,
        limit=limit,
    )


def _post(tx: Tx, results: Sequence[DayResult], now: datetime) -> int:
    """The batch's new entries: ledger rows in a few statements; returns how many."""
    if not any(r.entries for r in results):
        return 0
    placeholders, params = in_list([r.loan.loan_id for r in results if r.entries], "l")
    last = {
        row.loan_id: row.seq
        for row in tx.all(
            "SELECT loan_id, MAX(seq) AS seq FROM ledger_entries"
            f" WHERE loan_id IN ({placeholders}) GROUP BY loan_id",
            **params,
        )
    }
    entries, postings = [], []
    for result in results:
        seq = last.get(result.loan.loan_id, 0)
        for item in result.entries:
            seq += 1
            entries.append(
                {
                    "key": item.key,
                    "loan": result.loan.loan_id,
                    "seq": seq,
                    "at": item.at,
                    "kind": item.kind,
                    "now": now,
                }
            )
            postings += [
                {"key": item.key, "account": p.account, "amount": p.amount_fen}
                for p in item.postings
            ]
    # No ON CONFLICT here: the claim guarantees these days were never closed, and a key posted
    # anyway (a bug) must fail the batch loudly rather than leave the position off the ledger.
    tx.executemany(
        "INSERT INTO ledger_entries (key, loan_id, seq, at, kind, posted_at)"
        " VALUES (:key, :loan, :seq, :at, :kind, :now)",
        entries,
    )
    tx.executemany(
        "INSERT INTO postings (entry_key, account, amount_fen) VALUES (:key, :account, :amount)",
        postings,
    )
    return len(entries)


def _plan_reminders(
    tx: Tx, rows: Sequence[Row], results: Sequence[DayResult], night: date, rules: ServicingRules,
    now: datetime,
) -> int:  # fmt: skip
    tomorrow = night + timedelta(days=1)
    planned = []
    for row, result in zip(rows, results, strict=True):
        if result.status != "active":
            continue
        prefs = preferences_of(row)
        states = result.loan.current_states()
        for item in plan_day(states, tomorrow, rules.policy, prefs):
            planned.append(
                {
                    "user": row.user_id,
                    "loan": row.id,
                    "number": item.instalment,
                    "kind": item.kind,
                    "day": tomorrow,
                    "due": send_at(tomorrow, prefs, row.timezone),
                    "now": now,
                }
            )
    if planned:
        tx.executemany(
            "INSERT INTO reminders (user_id, loan_id, instalment, kind, local_day, due_at, status,"
            " updated_at) VALUES (:user, :loan, :number, :kind, :day, :due, 'planned', :now)"
            " ON CONFLICT DO NOTHING",
            planned,
        )
    return len(planned)


def _freeze(
    tx: Tx, rows: Sequence[Row], night: date, rules: ServicingRules, now: datetime,
    report: BatchReport,
) -> None:  # fmt: skip
    """A borrower with a loan past the threshold (`rows`: those loans) is frozen and told why,
    once."""
    for row in {row.user_id: row for row in rows}.values():
        dpd = tx.scalar(
            "SELECT MAX(days_past_due) FROM loan_positions WHERE user_id = :user"
            " AND status = 'active'",
            user=row.user_id,
        )
        if (dpd or 0) < rules.freeze_after_dpd:
            continue
        if not tx.execute(
            "INSERT INTO servicing_freezes (user_id, since, days_past_due)"
            " VALUES (:user, :night, :dpd) ON CONFLICT DO NOTHING",
            user=row.user_id,
            night=night,
            dpd=dpd,
        ):
            continue  # frozen already
        _set_status(tx, row.user_id, "active", "frozen")
        notice = frozen_notice(row.locale, dpd, operator_frozen=operator_frozen(tx, row.user_id))
        _tell(tx, row, notice, f"freeze:{row.user_id}:{night}", now)
        report.frozen.append(row.user_id)


def release_cured(
    tx: Tx, night: date, now: datetime, rules: ServicingRules | None = None
) -> list[int]:
    """After a night is closed: every borrower this job froze whose loans are no longer that
    late (caught up some other way than a repayment, which lifts it at once) loses this job's
    freeze, and is unfrozen and told unless an operator's freeze keeps the line closed."""
    rules = rules or ServicingRules()
    cured = tx.all(
        "SELECT f.user_id, c.locale, c.chat_id, c.answers, u.platform FROM servicing_freezes f"
        " JOIN conversations c ON c.user_id = f.user_id JOIN users u ON u.id = f.user_id"
        " WHERE NOT EXISTS (SELECT 1 FROM loan_positions p WHERE p.user_id = f.user_id"
        " AND p.status = 'active' AND p.days_past_due >= :threshold)",
        threshold=rules.freeze_after_dpd,
    )
    for row in cured:
        if lift_arrears_freeze(tx, row.user_id):
            withdrawn = required_consent_withdrawn(json.loads(row.answers))
            notice = unfrozen_notice(row.locale, consent_withdrawn=withdrawn)
            _tell(tx, row, notice, f"unfreeze:{row.user_id}:{night}", now)
    return [row.user_id for row in cured]


def arrears_frozen(tx: Tx, user_id: int) -> bool:
    found = tx.scalar("SELECT 1 FROM servicing_freezes WHERE user_id = :user", user=user_id)
    return found is not None


def operator_frozen(tx: Tx, user_id: int) -> bool:
    found = tx.scalar("SELECT 1 FROM account_freezes WHERE user_id = :user", user=user_id)
    return found is not None


def lift_arrears_freeze(tx: Tx, user_id: int) -> bool:
    """Drop this job's freeze of the person; the line opens unless an operator froze it too.
    True when the line opened, so the person may be told; False when there was no such freeze
    (lifted already) or an operator's freeze keeps the line closed."""
    if not tx.execute("DELETE FROM servicing_freezes WHERE user_id = :user", user=user_id):
        return False
    if operator_frozen(tx, user_id):
        return False
    _set_status(tx, user_id, "frozen", "active")
    return True


def _set_status(tx: Tx, user_id: int, before: str, after: str) -> None:
    # The version moves too: a step of this person in flight fails its version check and is
    # redone on the new status, instead of writing the old one back.
    tx.execute(
        "UPDATE conversations SET status = :after, version = version + 1"
        " WHERE user_id = :user AND status = :before",
        after=after,
        user=user_id,
        before=before,
    )


def _tell(tx: Tx, row: Row, reply: object, key: str, now: datetime) -> None:
    message = OutboxMessage(row.chat_id, row.platform, reply, key)  # type: ignore[arg-type]
    enqueue(tx, message, now, leased=False)


def close_batch(
    tx: Tx, night: date, limit: int, now: datetime, rules: ServicingRules | None = None
) -> BatchReport:
    """Close up to `limit` loans through `night` in this transaction; an empty report when
    every active loan is closed through it already."""
    rules = rules or ServicingRules()
    report = BatchReport()
    rows = _claim(tx, night, limit)
    if not rows:
        return report
    placeholders, params = in_list([row.id for row in rows], "l")
    instalments = instalments_where(tx, f"l.id IN ({placeholders})", **params)
    results = [run_day(stored_loan(row, instalments[row.id]), night) for row in rows]
    report.loans = len(rows)
    report.entries = _post(tx, results, now)
    tx.executemany(
        "UPDATE loan_positions SET balances = :balances, status = :status,"
        " closed_through = :night, days_past_due = :dpd, updated_at = :now WHERE loan_id = :loan",
        [
            {
                "balances": position_to_json(r.loan.position),
                "status": status_of(r.loan.position),
                "night": night,
                "dpd": r.days_past_due,
                "now": now,
                "loan": r.loan.loan_id,
            }
            for r in results
        ],
    )
    tx.executemany(
        "UPDATE loans SET closed_through = :night WHERE id = :loan",
        [{"night": night, "loan": r.loan.loan_id} for r in results],
    )
    report.reminders_planned = _plan_reminders(tx, rows, results, night, rules, now)
    late = [
        row
        for row, r in zip(rows, results, strict=True)
        if r.days_past_due >= rules.freeze_after_dpd
    ]
    _freeze(tx, late, night, rules, now, report)
    return report


@dataclass(slots=True)
class NightsReport:
    nights: list[date] = field(default_factory=list)
    loans: int = 0
    entries: int = 0
    reminders_planned: int = 0
    frozen: list[int] = field(default_factory=list)
    unfrozen: list[int] = field(default_factory=list)


DEADLOCK_RETRIES = 3


async def _retrying_deadlocks(db: Database, work: Callable[[Tx], T]) -> T:
    """Run a batch, again if PostgreSQL chose it as a deadlock's victim: two processes closing
    nights at once can lock a borrower's rows in opposite orders, and the batch is idempotent
    per (loan, day), so running it again is safe."""
    for attempt in range(DEADLOCK_RETRIES):
        try:
            return await db.run(work)
        except Exception as error:
            if getattr(error, "sqlstate", None) != "40P01" or attempt == DEADLOCK_RETRIES - 1:
                raise
            log.info("close of business batch hit a deadlock; running it again")
    raise AssertionError("unreachable")


async def close_through(
    db: Database,
    through: date,
    now: datetime,
    batch_size: int = 500,
    rules: ServicingRules | None = None,
) -> NightsReport:
    """Close every night not yet closed up to `through`, oldest first (a scheduler that was down
    catches up in date order), each night in batches of one transaction each."""
    report = NightsReport()
    first = await db.run(oldest_open_night)
    night = first if first is not None and first <= through else None
    while night is not None and night <= through:
        while True:
            batch = await _retrying_deadlocks(
                db,
                lambda tx, n=night: close_batch(tx, n, batch_size, now, rules),  # type: ignore[misc]
            )
            if not batch.loans:
                break
            report.loans += batch.loans
            report.entries += batch.entries
            report.reminders_planned += batch.reminders_planned
            report.frozen += batch.frozen
        report.unfrozen += await db.run(
            lambda tx, n=night: release_cured(tx, n, now, rules)  # type: ignore[misc]
        )
        report.nights.append(night)
        night += timedelta(days=1)
    return report
