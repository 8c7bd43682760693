"""Loan servicing: disbursement, repayment, payoff, waiver, write-off and the queries the
flows and the scheduler ask. Every function is pure: it returns new entries (and the new Loan),
it stores nothing.

The caller chooses repayment, waiver and write-off keys (the payment reference or the Telegram
update id); a replayed key returns the original result with no new entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal

from lending.allocation import Allocation, allocation_of, waterfall
from lending.close_of_business import DayResult, prepare, run_day, run_days, settle_entry
from lending.delinquency import bucket, days_past_due_of
from lending.ledger import (
    BORROWER_CREDIT,
    CASH,
    FEE_INCOME,
    INTEREST,
    PENALTY,
    PRINCIPAL,
    WAIVER_EXPENSE,
    WRITE_OFF_EXPENSE,
    Entry,
    entry,
    receivable,
    split_receivable,
)
from lending.loan import (
    DISBURSEMENT,
    REPAYMENT,
    WAIVER,
    WRITE_OFF,
    IdempotencyConflictError,
    Loan,
    LoanClosedError,
    LoanNotActiveError,
    OverpaymentError,
    ServicingError,
    balances,
    open_loan,
    states,
)
from lending.position import Balances
from lending.schedule import Instalment, Schedule

__all__ = [
    "Allocation",
    "Balances",
    "DayResult",
    "IdempotencyConflictError",
    "Loan",
    "LoanClosedError",
    "LoanNotActiveError",
    "OverpaymentError",
    "PayoffQuote",
    "RepaymentResult",
    "ServicingError",
    "amount_due",
    "as_of",
    "available_credit",
    "balances",
    "bucket",
    "days_past_due",
    "days_past_due_today",
    "disburse",
    "next_due",
    "open_loan",
    "outstanding_principal",
    "overdue_today",
    "payoff_quote",
    "repay",
    "run_day",
    "run_days",
    "should_freeze",
    "states",
    "waive",
    "write_off",
]


@dataclass(frozen=True, slots=True)
class RepaymentResult:
    loan: Loan
    entries: tuple[Entry, ...]  # new entries, close-of-business catch-up included
    allocation: Allocation
    balances: Balances
    closed: bool
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    on: date
    principal_fen: int
    interest_fen: int  # for the days used only
    penalty_fen: int
    credit_fen: int  # already held for the borrower, deducted
    fee_fen: int = 0  # early repayment is free; kept explicit for disclosure

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.penalty_fen - self.credit_fen


def disburse(loan: Loan, at: date, key: str) -> Entry:
    """The entry paying out the loan: the borrower owes the principal, receives it less the fee."""
    if any(e.kind == DISBURSEMENT for e in loan.entries):
        existing = next(e for e in loan.entries if e.kind == DISBURSEMENT)
        if existing.key != key:
            raise IdempotencyConflictError("loan already disbursed under another key")
        return existing
    sched = loan.schedule
    amounts = {receivable(PRINCIPAL, i.number): i.principal_fen for i in sched.instalments}
    amounts[CASH] = -sched.disbursed_fen
    amounts[FEE_INCOME] = -sched.fee_fen
    return entry(key, at, DISBURSEMENT, amounts)


def _require_active(loan: Loan, on: date) -> None:
    status = loan.status
    if status == "closed":
        raise LoanClosedError(f"loan {loan.loan_id} is already repaid in full")
    if status != "active":
        raise LoanNotActiveError(f"loan {loan.loan_id} is {status}")
    if on < loan.schedule.start:
        raise ServicingError("date before the loan started")


def payoff_quote(loan: Loan, on: date) -> PayoffQuote:
    """What repays the loan in full during day `on`: principal, interest for the days used,
    any penalty, less credit held. No early-repayment fee."""
    _require_active(loan, on)
    prepared, _ = prepare(loan, on)
    b = balances(prepared)
    return PayoffQuote(on, b.principal_fen, b.interest_fen, b.penalty_fen, b.credit_fen)


def repay(loan: Loan, amount_fen: int, on: date, key: str) -> RepaymentResult:
    """Apply a payment received during day `on` by the waterfall in `allocation`.

    A payment equal to the payoff closes the loan; one above it is refused (OverpaymentError,
    carrying the payoff) so no money is taken that is not owed; a smaller one settles what is
    overdue and current and holds the rest as credit for the next due date. Principal it settles
    before its due date stops earning interest that day: the instalment's interest in the
    loan's schedule is cut accordingly (`interest_for_days_used`), so the result's loan may
    carry a new schedule, which the caller stores with the entries.
    """
    for existing in loan.entries:
        if existing.key == key:
            if existing.kind != REPAYMENT or existing.amount(CASH) != amount_fen:
                raise IdempotencyConflictError(f"key {key} was used for another request")
            return RepaymentResult(
                loan=loan,
                entries=(),
                allocation=allocation_of(existing, loan.schedule),
                balances=balances(loan),
                closed=loan.status == "closed",
                replayed=True,
            )
    if amount_fen <= 0:
        raise ServicingError("a repayment must be a positive number of fen")
    _require_active(loan, on)
    loan, posted = prepare(loan, on)
    owed = balances(loan)
    payoff = owed.owed_fen
    if amount_fen > payoff:
        raise OverpaymentError(amount_fen, payoff)
    if amount_fen == payoff:
        available = amount_fen + owed.credit_fen
        settled, left = waterfall(states(loan), available, on, payoff=True)
        assert left == 0, "a payoff settles every receivable"
        made = settle_entry(key, on, REPAYMENT, settled, amount_fen, -owed.credit_fen)
    else:
        settled, left = waterfall(states(loan), amount_fen, on)
        made = settle_entry(key, on, REPAYMENT, settled, amount_fen, left)
        loan = interest_for_days_used(loan, settled, on)
    loan = loan.with_entries([made])
    posted.append(made)
    return RepaymentResult(
        loan=loan,
        entries=tuple(posted),
        allocation=allocation_of(made, loan.schedule),
        balances=balances(loan),
        closed=loan.status == "closed",
    )


def interest_saved_fen(schedule: Schedule, principal_fen: int, on: date, due: date) -> int:
    """The interest `principal_fen` returned during day `on` would have earned up to `due`,
    exactly, rounded up: the borrower is never charged for a fraction of a fen not used."""
    days = max((due - on).days, 0)
    exact = Decimal(principal_fen) * schedule.daily_rate * days
    return int(exact.to_integral_value(rounding=ROUND_CEILING))


def interest_for_days_used(loan: Loan, settled: dict[str, int], on: date) -> Loan:
    """`loan` (brought up to `on`) whose instalments have principal settled by a payment on
    `on` before their due date, charging each only for the days that principal was used: its
    scheduled interest, worked out on a balance that still held that principal to the due
    date, less what it would have earned from `on` to then. Never below the interest already
    accrued (the days used so far); later instalments are unchanged (their balances exclude it).
    """
    instalments = list(loan.schedule.instalments)
    now = states(loan)
    changed = False
    for account, fen in settled.items():
        parsed = split_receivable(account)
        if parsed is None or parsed[0] != PRINCIPAL:
            continue
        index = parsed[1] - 1
        inst = instalments[index]
        saved = interest_saved_fen(loan.schedule, fen, on, inst.due_date)
        if saved <= 0:
            continue
        interest = max(inst.interest_fen - saved, now[index].interest_accrued_fen)
        if interest != inst.interest_fen:
            instalments[index] = replace(inst, interest_fen=interest)
            changed = True
    if not changed:
        return loan
    return replace(loan, schedule=replace(loan.schedule, instalments=tuple(instalments)))


def waive(
    loan: Loan, on: date, key: str, *, penalty_fen: int = 0, interest_fen: int = 0
) -> Entry | None:
    """Forgive up to the given penalty and accrued interest, oldest instalment first."""
    if key in loan.keys:
        return None
    if penalty_fen < 0 or interest_fen < 0:
        raise ServicingError("a waiver cannot be negative")
    amounts: dict[str, int] = {}
    for kind, limit in ((PENALTY, penalty_fen), (INTEREST, interest_fen)):
        for state in states(loan):
            part = min(limit, state.owed(kind))
            if part > 0:
                amounts[receivable(kind, state.number)] = -part
                limit -= part
    if not amounts:
        return None
    amounts[WAIVER_EXPENSE] = -sum(amounts.values())
    return entry(key, on, WAIVER, amounts)


def write_off(loan: Loan, on: date, key: str) -> Entry | None:
    """Take every receivable off the books; credit held is applied first, so it is not lost."""
    if key in loan.keys:
        return None
    _require_active(loan, on)
    amounts: dict[str, int] = {}
    for state in states(loan):
        for kind in (PENALTY, INTEREST, PRINCIPAL):
            if state.owed(kind):
                amounts[receivable(kind, state.number)] = -state.owed(kind)
    credit = balances(loan).credit_fen
    amounts[BORROWER_CREDIT] = credit
    amounts[WRITE_OFF_EXPENSE] = -sum(amounts.values())
    return entry(key, on, WRITE_OFF, amounts)


def next_due(loan: Loan, on: date) -> Instalment | None:
    """The earliest instalment not yet settled (possibly overdue); None once the loan is over."""
    if loan.status not in ("active", "approved"):
        return None
    for state in states(loan, on):
        if loan.status == "approved" or not state.settled:
            return state.instalment
    return None


def amount_due(loan: Loan, on: date) -> int:
    """What must be paid by the end of `on` for the loan to be current, less credit held."""
    if loan.status != "active":
        return 0
    prepared, _ = prepare(loan, on)
    owed = sum(
        s.principal_fen + s.interest_unsettled_fen + s.penalty_fen
        for s in states(prepared)
        if s.due_date <= on
    )
    return max(owed - balances(prepared).credit_fen, 0)


def owed_by(loan: Loan, on: date) -> int:
    """`amount_due(loan, on)` read from the position as it stands, without bringing the loan
    forward to `on` (a few additions instead of a catch-up). Interest accrual and applying
    held credit change both sides of it alike, so it equals amount_due whenever no penalty
    can accrue before `on`: the loan is brought up to `on` already, or nothing before `on` is
    overdue. In every case it is zero exactly when amount_due is (held credit that covers
    everything settles overdue principal before it earns penalty)."""
    if loan.status != "active":
        return 0
    owed = sum(
        s.principal_fen + s.interest_unsettled_fen + s.penalty_fen
        for s in states(loan)
        if s.due_date <= on
    )
    return max(owed - balances(loan).credit_fen, 0)


def days_past_due(loan: Loan, on: date) -> int:
    """Days since the oldest unsettled due date, as seen during day `on`."""
    if loan.status != "active":
        return 0
    return days_past_due_of(states(loan, on), on)


def as_of(loan: Loan, today: date) -> Loan:
    """An active loan brought up to `today` in memory (earlier days closed, interest earned so
    far), as a borrower's screens read it: close of business may be behind (downtime)."""
    return prepare(loan, today)[0] if loan.status == "active" else loan


def days_past_due_today(loan: Loan, today: date) -> int:
    """`days_past_due` of the loan brought up to `today` first: money held for a borrower who
    paid ahead settles an instalment only when its day is closed, so the stored position
    alone would call them late while close of business is behind."""
    return days_past_due(as_of(loan, today), today)


def overdue_today(loans: Iterable[Loan], today: date) -> bool:
    """Whether any active loan is past due on `today`, each read by `days_past_due_today`."""
    return any(days_past_due_today(loan, today) > 0 for loan in loans if loan.status == "active")


def outstanding_principal(loan: Loan) -> int:
    """Principal the loan holds against a credit line; an approved, unpaid loan reserves its
    full amount."""
    status = loan.status
    if status == "approved":
        return loan.schedule.principal_fen
    if status == "active":
        return balances(loan).principal_fen
    return 0


def available_credit(limit_fen: int, loans: Iterable[Loan], *, frozen: bool = False) -> int:
    """Limit minus outstanding principal, never negative; nothing while the line is frozen."""
    if frozen:
        return 0
    return max(limit_fen - sum(outstanding_principal(loan) for loan in loans), 0)


def should_freeze(loans: Iterable[Loan], on: date) -> bool:
    return any(days_past_due(loan, on) >= loan.freeze_after_dpd for loan in loans)
