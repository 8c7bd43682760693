"""The loan aggregate: a plain frozen record storage can persist as rows and rebuild.

Fields are ints, Decimals, dates and strings plus the schedule, an opening position and the
ledger entries posted after it; its status and every balance are derived from those two, never
stored beside them. A loan built in memory opens at zero and carries all its entries; a loan
read back from storage opens at the position persisted with its last posting and carries none,
so reading it costs the same whatever its age.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from lending.ledger import Entry
from lending.position import Balances, InstalmentState, Position
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
    # What the entries not carried here add up to (storage's snapshot); None: they are all here.
    opening: Position | None = None
    # opening + entries, derived once per instance so every read is a few additions.
    position: Position = field(init=False, repr=False, compare=False)
    # Derived from `position` on first use and kept: a reminder or a screen asks a loan for its
    # status, states and balances several times each, and a loan never changes once built.
    _status: str = field(init=False, repr=False, compare=False)
    _states: tuple[InstalmentState, ...] | None = field(
        init=False, default=None, repr=False, compare=False
    )
    _balances: Balances | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        start = self.opening or Position.empty(len(self.schedule.instalments))
        position = start.plus(self.entries) if self.entries else start
        object.__setattr__(self, "position", position)
        object.__setattr__(self, "_status", status_of(position))

    @property
    def keys(self) -> frozenset[str]:
        """Keys of the entries carried here (a stored loan's older keys live in the ledger,
        whose unique key refuses them again)."""
        return frozenset(e.key for e in self.entries)

    @property
    def status(self) -> str:
        """approved (not paid out), active, closed or written_off."""
        return self._status

    def current_states(self) -> tuple[InstalmentState, ...]:
        """Every instalment as the loan stands (its latest position)."""
        if self._states is None:
            object.__setattr__(self, "_states", self.position.states(self.schedule))
        assert self._states is not None
        return self._states

    def current_balances(self) -> Balances:
        if self._balances is None:
            object.__setattr__(self, "_balances", self.position.balances)
        assert self._balances is not None
        return self._balances

    def with_entries(self, new: Iterable[Entry]) -> Loan:
        known = self.keys
        fresh = tuple(e for e in new if e.key not in known)
        return replace(self, entries=self.entries + fresh) if fresh else self


def status_of(position: Position) -> str:
    if WRITE_OFF in position.kinds:
        return "written_off"
    if DISBURSEMENT not in position.kinds:
        return "approved"
    b = position.balances
    if b.principal_fen == 0 and b.interest_fen == 0 and b.penalty_fen == 0:
        return "closed"
    return "active"


def open_loan(loan_id: str, schedule: Schedule, product: Product = DEFAULT_PRODUCT) -> Loan:
    return Loan(
        loan_id=loan_id,
        schedule=schedule,
        penalty_daily_rate=product.penalty_daily_rate(schedule.daily_rate),
        freeze_after_dpd=product.freeze_after_dpd,
    )


def _as_at(loan: Loan, on: date | None) -> Position:
    """The position at the end of day `on`. A stored loan knows only its latest position, so
    a day before its snapshot reads that (no caller asks about days before a posting it has
    already made: reads ask about today, close of business about days not yet closed)."""
    latest = loan.position.latest
    if on is None or latest is None or on >= latest:
        return loan.position
    if loan.opening is None:
        start = Position.empty(len(loan.schedule.instalments))
        return start.plus(e for e in loan.entries if e.at <= on)
    return loan.position


def states(loan: Loan, on: date | None = None) -> tuple[InstalmentState, ...]:
    position = _as_at(loan, on)
    return loan.current_states() if position is loan.position else position.states(loan.schedule)


def balances(loan: Loan, on: date | None = None) -> Balances:
    """Outstanding principal, interest and penalty, and credit held, from the ledger."""
    position = _as_at(loan, on)
    return loan.current_balances() if position is loan.position else position.balances
