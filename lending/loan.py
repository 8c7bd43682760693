"""The loan aggregate: a plain frozen record storage can persist as rows and rebuild.

Fields are ints, Decimals, dates and strings plus the schedule and the ledger entries; its status
and every balance are derived from those entries, never stored beside them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from lending.ledger import Entry
from lending.position import Balances, InstalmentState, balances_of, instalment_states
from lending.products import DEFAULT_PRODUCT, Product
from lending.schedule import Schedule

DISBURSEMENT = "disbursement"
PENALTY_ACCRUAL = "penalty"
REPAYMENT = "repayment"
CREDIT_APPLIED = "credit_applied"
WAIVER = "waiver"
WRITE_OFF = "write_off"


class ServicingError(ValueError):
    """A request the loan's state does not allow; the message is safe to log."""


class LoanNotActiveError(ServicingError):
    pass


class LoanClosedError(ServicingError):
    pass


class OverpaymentError(ServicingError):
    def __init__(self, amount_fen: int, payoff_fen: int) -> None:
        super().__init__(f"payment of {amount_fen} fen exceeds the payoff of {payoff_fen} fen")
        self.amount_fen = amount_fen
        self.payoff_fen = payoff_fen


class IdempotencyConflictError(ServicingError):
    """The key was already used for a different request."""


@dataclass(frozen=True, slots=True)
class Loan:
    loan_id: str
    schedule: Schedule
    penalty_daily_rate: Decimal
    entries: tuple[Entry, ...] = ()
    closed_through: date | None = None  # the last day close of business has run for
    freeze_after_dpd: int = 1

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(e.key for e in self.entries)

    @property
    def status(self) -> str:
        """approved (not paid out), active, closed or written_off."""
        kinds = {e.kind for e in self.entries}
        if WRITE_OFF in kinds:
            return "written_off"
        if DISBURSEMENT not in kinds:
            return "approved"
        b = balances_of(self.entries)
        if b.principal_fen == 0 and b.interest_fen == 0 and b.penalty_fen == 0:
            return "closed"
        return "active"

    def with_entries(self, new: Iterable[Entry]) -> Loan:
        known = self.keys
        fresh = tuple(e for e in new if e.key not in known)
        return replace(self, entries=self.entries + fresh) if fresh else self


def open_loan(loan_id: str, schedule: Schedule, product: Product = DEFAULT_PRODUCT) -> Loan:
    return Loan(
        loan_id=loan_id,
        schedule=schedule,
        penalty_daily_rate=product.penalty_daily_rate(schedule.daily_rate),
        freeze_after_dpd=product.freeze_after_dpd,
    )


def states(loan: Loan, on: date | None = None) -> tuple[InstalmentState, ...]:
    return instalment_states(loan.schedule, loan.entries, on)


def balances(loan: Loan, on: date | None = None) -> Balances:
    """Outstanding principal, interest and penalty, and credit held, from the ledger."""
    return balances_of(loan.entries, on)
