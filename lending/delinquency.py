"""Days past due and delinquency buckets.

An instalment not settled by the end of its due date is overdue from the next day: on the day
after the due date it is 1 day past due. A loan's days past due are its oldest overdue
instalment's. Buckets follow the usual reporting bands: current, 1-30, 31-60, 61-90, 90+.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from lending.money import round_fen
from lending.position import InstalmentState

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


def penalty_for_day(
    states: Sequence[InstalmentState], day: date, daily_rate: Decimal
) -> dict[int, int]:
    """Instalment number -> penalty fen for one overdue day, on overdue principal only.

    No penalty on interest or on penalty: charging interest on interest would take the total
    cost past the cap, and the cap is the law here.
    """
    penalties = {}
    for state in states:
        if state.due_date < day and state.principal_fen > 0:
            fen = round_fen(state.principal_fen * daily_rate)
            if fen > 0:
                penalties[state.number] = fen
    return penalties
