"""Close of business: the daily job that accrues interest, applies held credit to what fell
due, charges penalty on overdue principal and reports days past due.

Its entries are keyed "<loan id>:<ISO date>:<kind>" (accrual, credit, penalty): running a day
twice, or after a payment already caught that day up, posts nothing new. Missed days are closed
in order before the requested one, so a scheduler that was down simply calls it again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from lending.allocation import waterfall
from lending.delinquency import (
    bucket,
    days_past_due_of,
    overdue_principal_days,
    penalty_for_day_from,
)
from lending.ledger import (
    BORROWER_CREDIT,
    CASH,
    INTEREST,
    INTEREST_INCOME,
    PENALTY,
    PENALTY_INCOME,
    Entry,
    entry,
    receivable,
)
from lending.loan import CREDIT_APPLIED, PENALTY_ACCRUAL, Loan, balances, states
from lending.position import ACCRUAL, Position, interest_earned_fen


@dataclass(frozen=True, slots=True)
class DayResult:
    loan: Loan
    day: date
    entries: tuple[Entry, ...]  # new entries
    days_past_due: int
    bucket: str
    overdue_instalments: tuple[int, ...]
    freeze: bool  # the borrower's line should be frozen
    status: str


def _day_key(loan: Loan, day: date, kind: str) -> str:
    return f"{loan.loan_id}:{day.isoformat()}:{kind}"


def _accrual(loan: Loan, day: date) -> Entry | None:
    amounts: dict[str, int] = {}
    for state in states(loan):
        delta = interest_earned_fen(loan.schedule, state.number, day) - state.interest_accrued_fen
        if delta > 0:
            amounts[receivable(INTEREST, state.number)] = delta
    if not amounts:
        return None
    amounts[INTEREST_INCOME] = -sum(amounts.values())
    return entry(_day_key(loan, day, ACCRUAL), day, ACCRUAL, amounts)


def settle_entry(
    key: str, at: date, kind: str, settled: dict[str, int], cash: int, credit_change: int
) -> Entry:
    """Credit the settled receivables; `credit_change` > 0 holds money, < 0 releases it."""
    amounts = {account: -fen for account, fen in settled.items()}
    amounts[CASH] = cash
    amounts[BORROWER_CREDIT] = -credit_change
    return entry(key, at, kind, amounts)


def _apply_credit(loan: Loan, day: date) -> Entry | None:
    credit = balances(loan).credit_fen
    if credit <= 0:
        return None
    settled, left = waterfall(states(loan), credit, day + timedelta(days=1), current=False)
    if not settled:
        return None
    return settle_entry(
        _day_key(loan, day, "credit"), day, CREDIT_APPLIED, settled, 0, left - credit
    )


def _penalty(loan: Loan, day: date) -> Entry | None:
    position = loan.position.counted_through(loan.schedule, day)
    per_instalment = penalty_for_day_from(position, loan.penalty_daily_rate)
    if not per_instalment:
        return None
    amounts = {receivable(PENALTY, n): fen for n, fen in per_instalment.items()}
    amounts[PENALTY_INCOME] = -sum(per_instalment.values())
    return entry(_day_key(loan, day, PENALTY_ACCRUAL), day, PENALTY_ACCRUAL, amounts)


def _close_one_day(loan: Loan, day: date) -> tuple[Loan, list[Entry]]:
    posted: list[Entry] = []
    # Only applying credit can close a loan mid-day, so status is checked before and after it.
    active = loan.status == "active"
    for step in (_accrual, _apply_credit, _penalty):
        if not active:
            break
        made = step(loan, day)
        if made is not None and made.key not in loan.keys:
            loan = _advanced(loan, made)
            posted.append(made)
            active = step is not _apply_credit or loan.status == "active"
    if loan.closed_through is None or day > loan.closed_through:
        loan = _rebuilt(loan, loan.position.counted_through(loan.schedule, day), (), day)
    return loan, posted


def _rebuilt(
    loan: Loan, opening: Position | None, entries: tuple[Entry, ...], closed_through: date | None
) -> Loan:
    """`loan` with a new opening, entries and last closed day. Spelled out rather than
    dataclasses.replace, whose field introspection was a third of a night's work per loan."""
    return Loan(
        loan.loan_id,
        loan.schedule,
        loan.penalty_daily_rate,
        entries,
        closed_through,
        loan.freeze_after_dpd,
        opening,
    )


def _advanced(loan: Loan, made: Entry) -> Loan:
    """The loan with `made` folded into its opening position: each day of a catch-up costs the
    same, however many days came before it."""
    return _rebuilt(loan, loan.position.plus([made]), (), loan.closed_through)


def _with_principal_days(loan: Loan) -> Position:
    """The loan's position with the overdue principal-days counted through its last closed
    day: carried by a stored loan, added up from the entries of one held in memory."""
    position = loan.position
    if loan.opening is not None or loan.closed_through is None:
        return position
    days = tuple(
        overdue_principal_days(inst, loan.entries, loan.closed_through)
        for inst in loan.schedule.instalments
    )
    return replace(position, principal_days=days)


def _catch_up(loan: Loan, through: date) -> tuple[Loan, list[Entry]]:
    """Close every day not yet closed, from the start (or the last closed day) to `through`."""
    posted: list[Entry] = []
    first = loan.schedule.start if loan.closed_through is None else loan.closed_through
    day = first if loan.closed_through is None else first + timedelta(days=1)
    if day > through:
        return loan, posted
    work = (
        loan
        if loan.opening is not None and not loan.entries
        else _rebuilt(loan, _with_principal_days(loan), (), loan.closed_through)
    )
    while day <= through:
        work, made = _close_one_day(work, day)
        posted += made
        day += timedelta(days=1)
    # Counted principal-days are not entries: a stored loan carries them on its opening
    # position; a loan held with all its entries counts them again from those.
    opening = (
        None
        if loan.opening is None
        else loan.opening.with_principal_days(work.position.principal_days)
    )
    return _rebuilt(loan, opening, loan.entries + tuple(posted), work.closed_through), posted


def run_day(loan: Loan, day: date) -> DayResult:
    """Close of business for `day`: accrue interest, apply held credit to what fell due, charge
    penalty on overdue principal, then report days past due and bucket.

    Missed earlier days are closed first, in order; a day already closed posts nothing.
    """
    if loan.status == "approved":
        return _day_result(loan, day, [])
    loan, posted = _catch_up(loan, day)
    return _day_result(loan, day, posted)


def run_days(loan: Loan, start: date, end: date) -> list[DayResult]:
    """Close of business for each day from `start` to `end` inclusive, in order."""
    results = []
    day = start
    while day <= end:
        result = run_day(loan, day)
        loan = result.loan
        results.append(result)
        day += timedelta(days=1)
    return results


def _day_result(loan: Loan, day: date, posted: list[Entry]) -> DayResult:
    status = loan.status
    now = states(loan, day)
    overdue = tuple(s.number for s in now if s.is_overdue(day)) if status == "active" else ()
    dpd = days_past_due_of(now, day) if status == "active" else 0
    return DayResult(
        loan=loan,
        day=day,
        entries=tuple(posted),
        days_past_due=dpd,
        bucket=bucket(dpd),
        overdue_instalments=overdue,
        freeze=status == "active" and dpd >= loan.freeze_after_dpd,
        status=status,
    )


def prepare(loan: Loan, on: date) -> tuple[Loan, list[Entry]]:
    """The loan as it stands during day `on`: earlier days closed, interest earned to `on`."""
    loan, posted = _catch_up(loan, on - timedelta(days=1))
    if loan.status == "active":
        made = _accrual(loan, on)
        if made is not None and made.key not in loan.keys:
            loan = replace(loan, entries=(*loan.entries, made))
            posted.append(made)
    return loan, posted
