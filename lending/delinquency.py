"""Days past due and delinquency buckets.

An instalment not settled by the end of its due date is overdue from the next day: on the day
after the due date it is 1 day past due. A loan's days past due are its oldest overdue
instalment's. Buckets follow the usual reporting bands: current, 1-30, 31-60, 61-90, 90+.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from lending.ledger import PENALTY, PRINCIPAL, Entry, receivable
from lending.position import InstalmentState, Position
from lending.schedule import Instalment

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def days_past_due_of(states: Sequence[InstalmentState], on: date) -> int:
    overdue = [s.due_date for s in states if s.is_overdue(on)]
    return (on - min(overdue)).days if overdue else 0


def bucket(dpd: int) -> str:
    if dpd < 0:
        raise ValueError("days past due cannot be negative")
    if dpd == 0:
        return "current"
    if dpd <= 30:
        return "1-30"
    if dpd <= 60:
        return "31-60"
    if dpd <= 90:
        return "61-90"
    return "90+"


def overdue_principal_days(instalment: Instalment, entries: Iterable[Entry], through: date) -> int:
    """Fen x days of the instalment's principal left unpaid after its due date, counted at the
    end of each day from the day after the due date through `through`."""
    account = receivable(PRINCIPAL, instalment.number)
    changes: dict[date, int] = {}
    for item in entries:
        if item.at <= through:
            for posting in item.postings:
                if posting.account == account:
                    changes[item.at] = changes.get(item.at, 0) + posting.amount_fen
    due = instalment.due_date
    if through <= due:
        return 0
    balance = sum(fen for when, fen in changes.items() if when <= due)
    total, counted = 0, due  # counted: the last day already added
    # the balance only changes on the dates of entries: integrate it between them
    for when in sorted(w for w in changes if w > due):
        total += balance * ((when - counted).days - 1)  # the days before `when`
        balance += changes[when]
        total += balance  # `when` itself, after that day's entries
        counted = when
    total += balance * (through - counted).days
    return total


def penalty_accrued_fen(principal_days: int, daily_rate: Decimal) -> int:
    """Penalty owed for so many fen-days: exact, rounded down once.

    Rounding each day's penalty to the fen would charge a 100 CNY loan 7 fen a day for 6.5 fen of
    penalty, 39 % a year instead of 24 %; the remainder is carried instead, and what is posted
    never exceeds the exact figure, so the penalty never exceeds the cap at any size or duration.
    """
    return int((principal_days * daily_rate).to_integral_value(rounding=ROUND_FLOOR))


def penalty_for_day(
    states: Sequence[InstalmentState], entries: Sequence[Entry], day: date, daily_rate: Decimal
) -> dict[int, int]:
    """Instalment number -> penalty fen to post for `day`, on overdue principal only: what
    brings the penalty charged so far up to the exact accrual through `day`.

    No penalty on interest or on penalty: charging interest on interest would take the total
    cost past the cap, and the cap is the law here.
    """
    penalties = {}
    for state in states:
        if state.due_date < day and state.principal_fen > 0:
            principal_days = overdue_principal_days(state.instalment, entries, day)
            owed = penalty_accrued_fen(principal_days, daily_rate)
            fen = owed - _penalty_charged_fen(state.number, entries)
            if fen > 0:
                penalties[state.number] = fen
    return penalties


def penalty_for_day_from(position: Position, daily_rate: Decimal) -> dict[int, int]:
    """penalty_for_day for close of business, from the running position (whose
    principal-days already count the day): the same exact accrual, rounded down once, less what
    was charged, so a day costs the same however long the loan has been overdue."""
    penalties = {}
    charged = position.penalty_charged
    for index, days in enumerate(position.principal_days):
        before = charged[index] if index < len(charged) else 0
        fen = penalty_accrued_fen(days, daily_rate) - before
        if fen > 0:
            penalties[index + 1] = fen
    return penalties


def _penalty_charged_fen(number: int, entries: Iterable[Entry]) -> int:
    """Penalty posted so far (debits only: payments and waivers do not un-charge it)."""
    account = receivable(PENALTY, number)
    return sum(
        posting.amount_fen
        for item in entries
        for posting in item.postings
        if posting.account == account and posting.amount_fen > 0
    )
