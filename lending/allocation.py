"""Which receivable a payment settles, in a fixed, documented order.

The waterfall (oldest instalment first within each step):
  1. overdue penalty, 2. overdue interest, 3. overdue principal,
  4. current interest (accrued so far, i.e. for the days used), 5. current principal,
where "overdue" means due before the payment date and "current" the earliest instalment not yet
overdue. A full payoff extends step 4 and 5 to every later instalment. Whatever is left after the
waterfall is held as the borrower's credit and applied on the next due date: never lost, and never
charged interest that is not yet earned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lending.ledger import (
    BORROWER_CREDIT,
    CASH,
    INTEREST,
    PENALTY,
    PRINCIPAL,
    Entry,
    receivable,
    split_receivable,
)
from lending.position import InstalmentState
from lending.schedule import Schedule


@dataclass(frozen=True, slots=True)
class Allocation:
    """Where a payment went, in fen (all non-negative)."""

    received_fen: int = 0  # new money from the borrower
    from_credit_fen: int = 0  # money previously held for the borrower, now applied
    penalty_overdue_fen: int = 0
    interest_overdue_fen: int = 0
    principal_overdue_fen: int = 0
    interest_current_fen: int = 0
    principal_current_fen: int = 0
    to_credit_fen: int = 0  # held for the borrower

    @property
    def applied_fen(self) -> int:
        return (
            self.penalty_overdue_fen
            + self.interest_overdue_fen
            + self.principal_overdue_fen
            + self.interest_current_fen
            + self.principal_current_fen
        )


def waterfall(
    states: Sequence[InstalmentState],
    amount_fen: int,
    on: date,
    *,
    current: bool = True,
    payoff: bool = False,
) -> tuple[dict[str, int], int]:
    """Receivable account -> fen settled, and the fen left over.

    `current=False` settles only what is overdue on `on` (due before it). `payoff` settles every
    instalment's principal and accrued interest.
    """
    left = amount_fen
    settled: dict[str, int] = {}

    def take(state: InstalmentState, kind: str) -> None:
        nonlocal left
        part = min(left, state.owed(kind))
        if part > 0:
            settled[receivable(kind, state.number)] = part
            left -= part

    overdue = [s for s in states if s.due_date < on]
    for kind in (PENALTY, INTEREST, PRINCIPAL):
        for state in overdue:
            take(state, kind)
    if current:
        later = [s for s in states if s.due_date >= on and s.outstanding_fen > 0]
        for state in later if payoff else later[:1]:
            take(state, PENALTY)
            take(state, INTEREST)
            take(state, PRINCIPAL)
    return settled, left


def allocation_of(item: Entry, schedule: Schedule) -> Allocation:
    """Read a repayment entry back as an Allocation (overdue = due before the entry's date)."""
    parts = {
        "penalty_overdue_fen": 0,
        "interest_overdue_fen": 0,
        "principal_overdue_fen": 0,
        "interest_current_fen": 0,
        "principal_current_fen": 0,
    }
    received = from_credit = to_credit = 0
    for posting in item.postings:
        if posting.account == CASH:
            received += posting.amount_fen
        elif posting.account == BORROWER_CREDIT:
            if posting.amount_fen > 0:
                from_credit += posting.amount_fen
            else:
                to_credit -= posting.amount_fen
        else:
            parsed = split_receivable(posting.account)
            if parsed is None:
                continue
            kind, number = parsed
            overdue = schedule.instalments[number - 1].due_date < item.at
            if kind == PENALTY:
                # Penalty only ever arises on overdue instalments.
                parts["penalty_overdue_fen"] -= posting.amount_fen
            else:
                field = f"{kind}_{'overdue' if overdue else 'current'}_fen"
                parts[field] -= posting.amount_fen
    return Allocation(
        received_fen=received, from_credit_fen=from_credit, to_credit_fen=to_credit, **parts
    )
