"""Reminder rows: the sweep that queues what is due, the borrower's preferences, and who
cannot be reached.

The sweep reads planned reminders through the (status, due_at) index, so its cost follows what
is due, not the size of the book. For each borrower it queues at most one message a local day
(reminder_days' primary key refuses a second, even from another scheduler): an outbox row, in
the transaction that marks the reminders it answers 'queued', and settles the rest (covered by
another message today, or dropped: turned off, a pre-due day that has passed). When the outbox
leases the row to send it, storage.reminder_words writes its words from the loans as they are
then, and drops it if the instalment has been paid meanwhile (the reminders end 'sent',
'covered' or 'dropped'). The outbox acknowledges it once Telegram accepted it; a crash between
the two is the one window in which a reminder can be sent twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flows.reminder_plan import (
    Candidate,
    Preferences,
    ReminderPolicy,
    choose,
    quiet_until,
    send_at,
)
from storage.outbox import enqueue_many
from storage.reminder_words import local_today, people, preferences_of, reference
from storage.sql import Row, Tx, day, in_list


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
    placeholders, params = in_list(users, "u")
    return tx.all(
        "SELECT r.id, r.user_id, r.loan_id, r.instalment, r.kind, r.local_day FROM reminders r"
        " WHERE r.status = 'planned' AND r.due_at <= :now"
        f" AND r.user_id IN ({placeholders}) ORDER BY r.id" + lock,
        now=now,
        **params,
    )


def _set(tx: Tx, ids: Sequence[int], status: str, now: datetime) -> None:
    if ids:
        tx.executemany(
            "UPDATE reminders SET status = :status, updated_at = :now WHERE id = :id",
            [{"status": status, "now": now, "id": i} for i in ids],
        )


def preferences(tx: Tx, user_id: int) -> Preferences:
    row = tx.one(
        "SELECT hour, three_day_notice FROM reminder_preferences WHERE user_id = :user",
        user=user_id,
    )
    return Preferences() if row is None else preferences_of(row)


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


@dataclass(slots=True)
class _Batch:
    """What one sweep decided, written at the end in a few statements."""

    status: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    deferred: list[dict[str, object]] = field(default_factory=list)
    # (user, today, the reminders one message answers (most urgent first), where it goes)
    messages: list[tuple[int, date, tuple[int, ...], Row]] = field(default_factory=list)


def _decide(user_id: int, rows: Sequence[Row], person: Row, now: datetime, batch: _Batch) -> None:
    """One awake borrower's due reminders -> at most one message, the rest settled. Whether
    an instalment is paid by now is left to the wording (storage.reminder_words), which runs
    when the message is about to leave."""
    today = local_today(now, person.timezone)
    candidates = [
        Candidate(row.id, row.loan_id, row.instalment, row.kind, day(row.local_day), False)
        for row in rows
    ]
    verdict = choose(candidates, today, preferences_of(person))
    batch.status["dropped"] += verdict.dropped
    if verdict.send is not None:
        answers = (verdict.send.reminder_id, *verdict.covered)
        batch.messages.append((user_id, today, answers, person))


def _write(tx: Tx, batch: _Batch, now: datetime, report: SweepReport) -> None:
    """The batch's decisions in a few statements. A borrower's day is claimed in
    reminder_days (its key refuses a second message that day, even from another scheduler)
    before their message is queued; the outbox row and the 'queued' mark share this
    transaction."""
    first = _claim_days(tx, [(user, today, ids[0]) for user, today, ids, _ in batch.messages])
    queued = [item for item in batch.messages if (item[0], item[1]) in first]
    for user, today, ids, _ in batch.messages:
        if (user, today) not in first:  # reminded today already: that message covered this
            batch.status["covered"] += ids
    outbox_ids = enqueue_many(
        tx,
        [(p.chat_id, p.platform, reference(ids), f"reminder:{ids[0]}") for _, _, ids, p in queued],
        now,
    )
    marks = []
    for _, _, ids, _ in queued:
        outbox_id = outbox_ids.get(f"reminder:{ids[0]}")
        if outbox_id is None:  # its row exists: queued by an earlier sweep that crashed?
            batch.status["covered"] += ids
            continue
        marks += [{"outbox": outbox_id, "now": now, "id": i} for i in ids]
        report.sent += 1
    tx.executemany(
        "UPDATE reminders SET status = 'queued', outbox_id = :outbox, updated_at = :now"
        " WHERE id = :id",
        marks,
    )
    for status, settled in batch.status.items():
        _set(tx, settled, status, now)
    tx.executemany("UPDATE reminders SET due_at = :due WHERE id = :id", batch.deferred)
    report.covered += len(batch.status.get("covered", ()))
    report.dropped += len(batch.status.get("dropped", ()))
    report.unreachable += len(batch.status.get("unreachable", ()))
    report.deferred += len(batch.deferred)


CHUNK = 500  # rows per multi-row statement, well inside both drivers' parameter limits


def _claim_days(tx: Tx, days: Sequence[tuple[int, date, int]]) -> set[tuple[int, date]]:
    """Insert (user, local day) for each would-be message; returns the pairs that were new."""
    claimed: set[tuple[int, date]] = set()
    for start in range(0, len(days), CHUNK):
        chunk = days[start : start + CHUNK]
        params: dict[str, object] = {}
        days_named: dict[date, str] = {}  # a batch spans a day or two: each bound once
        values = []
        for i, (user, today, reminder_id) in enumerate(chunk):
            name = days_named.setdefault(today, f"d{len(days_named)}")
            params[name], params[f"u{i}"], params[f"r{i}"] = today, user, reminder_id
            values.append(f"(:u{i}, :{name}, :r{i})")
        for row in tx.all(
            "INSERT INTO reminder_days (user_id, local_day, reminder_id) VALUES "
            + ", ".join(values)
            + " ON CONFLICT DO NOTHING RETURNING user_id, local_day",
            **params,
        ):
            claimed.add((row.user_id, day(row.local_day)))
    return claimed


def sweep(
    tx: Tx, now: datetime, limit: int = 1000, policy: ReminderPolicy | None = None
) -> SweepReport:
    """One batch of the reminders due at `now`, in this transaction: a few reads for the whole
    batch (who is due, and their settings), the rules per borrower, a few writes. The words,
    and the check that something is still owed, come when the outbox sends the message."""
    policy = policy or ReminderPolicy()
    report = SweepReport()
    by_user: dict[int, list[Row]] = defaultdict(list)
    for row in _due(tx, now, limit):
        by_user[row.user_id].append(row)
    if not by_user:
        return report
    # In user order: two sweepers (or a sweep and close of business) then take each borrower's
    # row locks in the same order, so they wait for each other instead of deadlocking.
    users = sorted(by_user)
    persons = people(tx, users)
    batch = _Batch()
    awake = []
    quiet: dict[str, datetime | None] = {}
    for user_id in users:
        ids = [row.id for row in by_user[user_id]]
        person = persons.get(user_id)
        if person is None or person.unreachable:
            batch.status["unreachable"] += ids
            continue
        zone = person.timezone
        if zone not in quiet:
            quiet[zone] = quiet_until(now, zone, policy)
        if quiet[zone] is not None:
            batch.deferred += [{"due": quiet[zone], "id": i} for i in ids]
            continue
        awake.append(user_id)
    for user_id in awake:
        _decide(user_id, by_user[user_id], persons[user_id], now, batch)
    _write(tx, batch, now, report)
    return report
