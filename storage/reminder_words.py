"""A reminder's words are written when the outbox leases it for sending, not when the sweep
queues it.

The sweep decides who is reminded today and queues one outbox row per borrower that names the
reminders it answers. Telegram takes about 30 messages a second, so a morning's reminders leave
over minutes; a borrower who repays meanwhile must not then read "pay ¥X". So the figures, the
headline and even whether to send at all are settled here, in the transaction that leases the
row, from the borrower's loans as they stand at that moment (the same pure rules the sweep used:
flows.reminder_plan.choose, flows.notices.reminder). A row with nothing left to say is voided:
never sent, its reminders settled. This is also what keeps the sweep's cost to bookkeeping
(`make bench` prints both halves).

The worded row keeps its reference (`worded`): a send that fails (Telegram's 429, a lease that
ran out) leaves the row to be leased again, maybe after the borrower paid or after midnight, and
every lease words it afresh, or voids it, as the loans stand then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flows.events import Reply
from flows.notices import reminder
from flows.reminder_plan import DEFAULT_HOUR, Candidate, Preferences, choose
from lending import servicing
from lending.servicing import Loan
from storage.codec import reply_to_json
from storage.loans import load_loans_of
from storage.sql import Row, Tx, day, in_list

_PREFIX = '{"reminders":'


def reference(reminder_ids: Sequence[int]) -> str:
    """The payload the sweep queues: the reminders one message answers, most urgent first."""
    return f"{_PREFIX}{json.dumps(list(reminder_ids))}}}"


def worded(reminder_ids: Sequence[int], message: Reply) -> str:
    """The payload of a worded reminder: its reference and its words in one JSON object, read
    as a reply by storage.codec.reply_from_json (which ignores the reference) and as a
    reference by `referenced`, so a retry words it again."""
    return f"{reference(reminder_ids)[:-1]},{reply_to_json(message)[1:]}"


def referenced(payload: str) -> list[int] | None:
    """The reminder ids of a reminder row, worded or not; None for an ordinary reply."""
    if not payload.startswith(_PREFIX):
        return None
    ids: list[int] = json.loads(payload)["reminders"]
    return ids


def paid(loan: Loan, number: int, today: date) -> bool:
    """Nothing is owed for this instalment any more: settled, or paid ahead (money held for
    the borrower covers everything due by its date)."""
    if loan.status != "active":
        return True
    instalment = loan.schedule.instalments[number - 1]
    if loan.current_states()[number - 1].settled:
        return True
    return servicing.owed_by(loan, max(today, instalment.due_date)) == 0


def preferences_of(person: Row) -> Preferences:
    return Preferences(
        DEFAULT_HOUR if person.hour is None else person.hour,
        True if person.three_day_notice is None else bool(person.three_day_notice),
    )


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(_zone(timezone)).date()


def word(tx: Tx, leased: Sequence[Row], now: datetime) -> dict[int, Reply | None]:
    """The words of each leased reminder row (by outbox id), None for a row with nothing left to
    say; settles the reminders it answers (sent, covered, dropped) and voids the silent rows.
    A row worded by an earlier lease whose send failed is worded again: paid meanwhile, or its
    day passed ("due today" after midnight), it is voided like a fresh one."""
    refs = {row.id: ids for row in leased if (ids := referenced(row.payload)) is not None}
    if not refs:
        return {}
    placeholders, params = in_list((r for ids in refs.values() for r in ids), "r")
    reminders = {
        row.id: row
        for row in tx.all(
            "SELECT id, user_id, loan_id, instalment, kind, local_day FROM reminders"
            f" WHERE id IN ({placeholders})",
            **params,
        )
    }
    users = sorted({row.user_id for row in reminders.values()})
    persons = people(tx, users)
    loans = load_loans_of(tx, users)
    words: dict[int, Reply | None] = {}
    status: dict[str, list[int]] = {"sent": [], "covered": [], "dropped": []}
    for outbox_id, ids in refs.items():
        rows = [reminders[i] for i in ids if i in reminders]
        person = persons.get(rows[0].user_id) if rows else None
        if person is None:  # deleted meanwhile (their data erased): nobody to tell
            words[outbox_id] = None
            status["dropped"] += [row.id for row in rows]
            continue
        message, settled = _decide(rows, person, loans.get(person.user_id, []), now)
        words[outbox_id] = message
        for name, settled_ids in settled.items():
            status[name] += settled_ids
    _settle(tx, refs, words, status, now)
    return words


def _decide(
    rows: Sequence[Row], person: Row, loans: Sequence[Loan], now: datetime
) -> tuple[Reply | None, dict[str, list[int]]]:
    """One borrower's queued reminders, as their loans stand now -> the message (or None) and
    how each reminder ends."""
    today = local_today(now, person.timezone)
    by_id = {loan.loan_id: loan for loan in loans}
    candidates = []
    for row in rows:
        loan = by_id.get(row.loan_id)
        settled = loan is None or paid(loan, row.instalment, today)
        candidates.append(
            Candidate(row.id, row.loan_id, row.instalment, row.kind, day(row.local_day), settled)
        )
    verdict = choose(candidates, today, preferences_of(person))
    ends: dict[str, list[int]] = {"dropped": list(verdict.dropped)}
    best = verdict.send
    if best is None:
        return None, ends
    message = reminder(person.locale, best.kind, loans, today)
    if message is None:  # nothing owed after all: nothing to say
        ends["covered"] = [best.reminder_id, *verdict.covered]
        return None, ends
    ends["sent"], ends["covered"] = [best.reminder_id], list(verdict.covered)
    return message, ends


def _settle(
    tx: Tx,
    refs: dict[int, list[int]],
    words: dict[int, Reply | None],
    status: dict[str, list[int]],
    now: datetime,
) -> None:
    outbox_of = {rid: outbox_id for outbox_id, ids in refs.items() for rid in ids}
    tx.executemany(
        "UPDATE outbox SET payload = :payload WHERE id = :id",
        [{"payload": worded(refs[i], m), "id": i} for i, m in words.items() if m is not None],
    )
    tx.executemany(
        "UPDATE outbox SET status = 'void', lease_until = NULL WHERE id = :id",
        [{"id": i} for i, m in words.items() if m is None],
    )
    tx.executemany(
        "UPDATE reminders SET status = :status, outbox_id = :outbox, updated_at = :now"
        " WHERE id = :id",
        [
            {"status": name, "outbox": outbox_of.get(rid), "now": now, "id": rid}
            for name, ids in status.items()
            for rid in ids
        ],
    )


def people(tx: Tx, users: Sequence[int]) -> dict[int, Row]:
    """The borrowers to remind, by user id, as both the sweep and the wording read them: where
    a message goes (chat_id, platform), whether they blocked the bot (unreachable), their
    locale, timezone and reminder settings (hour and three_day_notice None when never chosen:
    read them through preferences_of)."""
    if not users:
        return {}
    placeholders, params = in_list(users, "u")
    return {
        row.user_id: row
        for row in tx.all(
            "SELECT c.user_id, c.chat_id, c.locale, c.timezone, u.platform,"
            " (SELECT 1 FROM unreachable_users x WHERE x.user_id = u.id) AS unreachable,"
            " r.hour, r.three_day_notice"
            " FROM conversations c JOIN users u ON u.id = c.user_id"
            " LEFT JOIN reminder_preferences r ON r.user_id = c.user_id"
            f" WHERE c.user_id IN ({placeholders})",
            **params,
        )
    }


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
