"""Reminder rows: the sweep that sends what is due, the borrower's preferences, and who cannot
be reached.

The sweep reads planned reminders through the (status, due_at) index, so its cost follows what
is due, not the size of the book. For each borrower it sends at most one message a local day
(reminder_days' primary key refuses a second, even from another scheduler), writes that message's
outbox row in the transaction that marks the reminder sent, and settles the rest: covered by that
message, or dropped (paid, turned off, a pre-due day that has passed). The outbox then sends it
after commit and acknowledges it; a crash between Telegram accepting it and the acknowledgement
is the one window in which a reminder can be sent twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flows.notices import reminder
from flows.ports import OutboxMessage
from flows.reminder_plan import (
    Candidate,
    Preferences,
    ReminderPolicy,
    choose,
    quiet_until,
    send_at,
)
from lending import servicing
from lending.servicing import Loan
from storage.loans import load_loans
from storage.outbox import enqueue
from storage.sql import Row, Tx, day


@dataclass(slots=True)
class SweepReport:
    sent: int = 0
    covered: int = 0
    dropped: int = 0
    deferred: int = 0  # in quiet hours: moved to their end
    unreachable: int = 0


def _due(tx: Tx, now: datetime, limit: int) -> list[Row]:
    """Every due reminder of the borrowers first in line (up to `limit` reminders' worth), so a
    borrower's reminders are weighed together; PostgreSQL: rows another sweep holds are skipped."""
    lock = " FOR UPDATE SKIP LOCKED" if tx.postgres else ""
    first = tx.all(
        "SELECT r.user_id FROM reminders r WHERE r.status = 'planned' AND r.due_at <= :now"
        " ORDER BY r.due_at, r.id LIMIT :limit" + lock,
        now=now,
        limit=limit,
    )
    users = list(dict.fromkeys(row.user_id for row in first))
    if not users:
        return []
    names = {f"u{i}": user for i, user in enumerate(users)}
    return tx.all(
        "SELECT r.id, r.user_id, r.loan_id, r.instalment, r.kind, r.local_day FROM reminders r"
        " WHERE r.status = 'planned' AND r.due_at <= :now"
        f" AND r.user_id IN ({', '.join(':' + n for n in names)}) ORDER BY r.id" + lock,
        now=now,
        **names,
    )


def _set(tx: Tx, ids: Sequence[int], status: str, now: datetime) -> None:
    if ids:
        tx.executemany(
            "UPDATE reminders SET status = :status, updated_at = :now WHERE id = :id",
            [{"status": status, "now": now, "id": i} for i in ids],
        )


def preferences(tx: Tx, user_id: int) -> Preferences:
    row = tx.one("SELECT * FROM reminder_preferences WHERE user_id = :user", user=user_id)
    if row is None:
        return Preferences()
    return Preferences(row.hour, bool(row.three_day_notice))


def save_preferences(
    tx: Tx, user_id: int, prefs: Preferences, timezone: str, now: datetime
) -> None:
    """Store the choice and move this borrower's planned reminders to the new hour."""
    tx.execute(
        "INSERT INTO reminder_preferences (user_id, hour, three_day_notice, updated_at)"
        " VALUES (:user, :hour, :three, :now) ON CONFLICT (user_id) DO UPDATE SET"
        " hour = excluded.hour, three_day_notice = excluded.three_day_notice,"
        " updated_at = excluded.updated_at",
        user=user_id,
        hour=prefs.hour,
        three=prefs.three_day_notice,
        now=now,
    )
    planned = tx.all(
        "SELECT id, local_day FROM reminders WHERE user_id = :user AND status = 'planned'",
        user=user_id,
    )
    if planned:
        tx.executemany(
            "UPDATE reminders SET due_at = :due WHERE id = :id",
            [{"due": send_at(day(r.local_day), prefs, timezone), "id": r.id} for r in planned],
        )


def mark_unreachable(tx: Tx, chat_id: int, platform: str, now: datetime) -> None:
    """Telegram said 403 for this chat: the person blocked the bot."""
    tx.execute(
        "INSERT INTO unreachable_users (user_id, since) SELECT c.user_id, :now FROM conversations c"
        " JOIN users u ON u.id = c.user_id WHERE c.chat_id = :chat AND u.platform = :platform"
        " ON CONFLICT DO NOTHING",
        now=now,
        chat=chat_id,
        platform=platform,
    )


# How bot/delivery.py words Telegram's 403 (the person blocked the bot, or never started it).
BLOCKED = "blocked or not allowed"


def blocked_by(tx: Tx, outbox_id: int, now: datetime) -> None:
    """Delivery of this outbox row got a 403: its person is unreachable, and the row is not
    retried (it would only be refused again)."""
    row = tx.one("SELECT chat_id, platform FROM outbox WHERE id = :id", id=outbox_id)
    if row is None:
        return
    mark_unreachable(tx, row.chat_id, row.platform, now)
    tx.execute("UPDATE outbox SET status = 'dead' WHERE id = :id", id=outbox_id)


def mark_reachable(tx: Tx, user_id: int) -> None:
    """The person wrote to us again."""
    tx.execute("DELETE FROM unreachable_users WHERE user_id = :user", user=user_id)


def _sweep_one(
    tx: Tx, user_id: int, rows: Sequence[Row], now: datetime, policy: ReminderPolicy,
    report: SweepReport,
) -> None:  # fmt: skip
    person = tx.one(
        "SELECT c.chat_id, c.locale, c.timezone, u.platform,"
        " (SELECT 1 FROM unreachable_users x WHERE x.user_id = u.id) AS unreachable"
        " FROM conversations c JOIN users u ON u.id = c.user_id WHERE c.user_id = :user",
        user=user_id,
    )
    ids = [row.id for row in rows]
    if person is None or person.unreachable:
        _set(tx, ids, "unreachable", now)
        report.unreachable += len(ids)
        return
    quiet = quiet_until(now, person.timezone, policy)
    if quiet is not None:
        tx.executemany(
            "UPDATE reminders SET due_at = :due WHERE id = :id",
            [{"due": quiet, "id": i} for i in ids],
        )
        report.deferred += len(ids)
        return
    today = now.astimezone(ZoneInfo(person.timezone)).date()
    loans = {loan.loan_id: loan for loan in load_loans(tx, user_id)}
    candidates = []
    for row in rows:
        loan = loans.get(row.loan_id)
        settled = loan is None or _paid(loan, row.instalment, today)
        candidates.append(
            Candidate(row.id, row.loan_id, row.instalment, row.kind, day(row.local_day), settled)
        )
    verdict = choose(candidates, today, preferences(tx, user_id))
    _set(tx, verdict.dropped, "dropped", now)
    report.dropped += len(verdict.dropped)
    if verdict.send is None:
        return
    best = verdict.send
    message = reminder(person.locale, best.kind, list(loans.values()), today)
    first_today = message is not None and tx.execute(
        "INSERT INTO reminder_days (user_id, local_day, reminder_id) VALUES (:user, :day, :id)"
        " ON CONFLICT DO NOTHING",
        user=user_id,
        day=today,
        id=best.reminder_id,
    )
    if not first_today or message is None:
        # Already reminded today (or nothing owed after all): today's message covered this.
        _set(tx, [best.reminder_id, *verdict.covered], "covered", now)
        report.covered += 1 + len(verdict.covered)
        return
    outbox_id = enqueue(
        tx,
        OutboxMessage(person.chat_id, person.platform, message, f"reminder:{best.reminder_id}"),
        now,
        leased=False,
    )
    tx.execute(
        "UPDATE reminders SET status = 'sent', outbox_id = :outbox, updated_at = :now WHERE id = :id",
        outbox=outbox_id,
        now=now,
        id=best.reminder_id,
    )
    _set(tx, verdict.covered, "covered", now)
    report.sent += 1
    report.covered += len(verdict.covered)


def _paid(loan: Loan, number: int, today: date) -> bool:
    """Nothing is owed for this instalment any more: settled, or paid ahead (money held for
    the borrower covers everything due by its date)."""
    if loan.status != "active":
        return True
    instalment = loan.schedule.instalments[number - 1]
    if loan.position.states(loan.schedule)[number - 1].settled:
        return True
    return servicing.amount_due(loan, max(today, instalment.due_date)) == 0


def sweep(
    tx: Tx, now: datetime, limit: int = 1000, policy: ReminderPolicy | None = None
) -> SweepReport:
    """One batch of the reminders due at `now`, in this transaction."""
    policy = policy or ReminderPolicy()
    report = SweepReport()
    by_user: dict[int, list[Row]] = defaultdict(list)
    for row in _due(tx, now, limit):
        by_user[row.user_id].append(row)
    # In user order: two sweepers (or a sweep and close of business) then take each borrower's
    # row locks in the same order, so they wait for each other instead of deadlocking.
    for user_id in sorted(by_user):
        _sweep_one(tx, user_id, by_user[user_id], now, policy, report)
    return report
