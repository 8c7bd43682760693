"""Partial prepayment: money beyond what is due reduces principal at once, and the rest of the
loan is re-amortised as the borrower chooses.

A prepayment on day `on` settles, in this order, everything due by the end of `on` (overdue
penalty, interest and principal, and any instalment falling due that day), then the current
period's interest for the days used, and puts the rest against principal. From `on` the smaller
principal runs on the loan's remaining due dates:
- KEEP_TERM: the same due dates, a lower instalment;
- KEEP_INSTALMENT: an instalment no higher than before, over fewer due dates (a shorter term).
Either way every later period charges interest only on the principal then in use, by actual
days: the prepaid principal earns nothing after `on`.

In the schedule the prepayment becomes an instalment of its own, due on `on` (principal = the
amount prepaid, interest = the current period's interest to date), followed by the new
instalments; the instalments already settled are kept as they were, so the ledger of every
instalment still reads back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from lending.allocation import allocation_of, waterfall
from lending.close_of_business import prepare, settle_entry
from lending.ledger import PRINCIPAL, Entry, entry, receivable
from lending.loan import REPAYMENT, Loan, ServicingError, balances, states
from lending.position import InstalmentState
from lending.schedule import (
    Instalment,
    RepaymentMethod,
    Schedule,
    annuity_payment_fen,
    equal_instalment_rows,
    equal_principal_rows,
    monthly_rate,
    period_interest_fen,
)
from lending.servicing import RepaymentResult

RESCHEDULE = "reschedule"


class Keep(StrEnum):
    TERM = "term"  # same due dates, lower instalment
    INSTALMENT = "instalment"  # instalment no higher, fewer due dates


class NotAPrepaymentError(ServicingError):
    """The amount does not go beyond what is due (a plain repayment), or it pays the loan off."""


@dataclass(frozen=True, slots=True)
class PrepaymentPlan:
    loan_id: str
    on: date
    amount_fen: int  # new money from the borrower
    keep: Keep
    due_now_fen: int  # settled first: everything due by the end of `on`
    interest_to_date_fen: int  # the current period's interest for the days used
    principal_reduction_fen: int
    schedule: Schedule  # the loan's schedule once the prepayment is made
    first_new: int  # number of the first re-amortised instalment
    interest_saved_fen: int  # scheduled interest before, less after

    @property
    def new_instalments(self) -> tuple[Instalment, ...]:
        return self.schedule.instalments[self.first_new - 1 :]


def _outstanding(state: InstalmentState) -> int:
    return state.principal_fen + state.interest_fen + state.penalty_fen


def _rows(
    principal_fen: int, schedule: Schedule, on: date, dates: list[date], day_count: int
) -> list[Instalment]:
    if schedule.method is RepaymentMethod.EQUAL_PRINCIPAL:
        return equal_principal_rows(principal_fen, schedule.daily_rate, on, dates)
    if schedule.method is RepaymentMethod.BULLET:
        days = (dates[0] - on).days
        interest = period_interest_fen(principal_fen, schedule.daily_rate, days)
        return [Instalment(1, dates[0], principal_fen, interest)]
    return equal_instalment_rows(principal_fen, schedule.daily_rate, on, dates, day_count)


def _dates_kept(
    principal_fen: int, schedule: Schedule, dates: list[date], keep: Keep, day_count: int
) -> list[date]:
    """The due dates the rest of the loan runs on: all of them, or as few as keep the
    instalment no higher than the original one."""
    if keep is Keep.TERM or schedule.method is RepaymentMethod.BULLET:
        return dates
    n = len(schedule.instalments)
    if schedule.method is RepaymentMethod.EQUAL_PRINCIPAL:
        part = schedule.principal_fen // n
        return dates[: max(1, min(len(dates), -(-principal_fen // max(part, 1))))]
    rate = monthly_rate(schedule.daily_rate, day_count)
    level = annuity_payment_fen(schedule.principal_fen, rate, n)
    for count in range(1, len(dates) + 1):
        if annuity_payment_fen(principal_fen, rate, count) <= level:
            return dates[:count]
    return dates


def plan_prepayment(
    loan: Loan, amount_fen: int, on: date, keep: Keep, *, day_count: int = 365
) -> PrepaymentPlan:
    """What a prepayment of `amount_fen` during day `on` would do; nothing is posted."""
    if amount_fen <= 0:
        raise ServicingError("a prepayment must be a positive number of fen")
    prepared, _ = prepare(loan, on)
    now = states(prepared)
    current = next((i for i, s in enumerate(now) if s.due_date > on), None)
    if current is None:
        raise NotAPrepaymentError("no instalment is left to re-amortise: pay the loan off")
    due_now = sum(_outstanding(s) for s in now[:current])
    interest_to_date = now[current].interest_fen
    remaining = sum(s.principal_fen for s in now[current:])
    available = amount_fen + balances(prepared).credit_fen
    reduction = available - due_now - interest_to_date
    if reduction <= 0 or reduction >= remaining:
        raise NotAPrepaymentError("the amount is not between what is due and the payoff")
    old = prepared.schedule
    dates = [i.due_date for i in old.instalments[current:]]
    left = remaining - reduction
    rows = _rows(left, old, on, _dates_kept(left, old, dates, keep, day_count), day_count)
    prepaid = Instalment(current + 1, on, reduction, now[current].interest_accrued_fen)
    first_new = current + 2
    new_rows = tuple(replace(row, number=first_new + k) for k, row in enumerate(rows))
    schedule = replace(old, instalments=(*old.instalments[:current], prepaid, *new_rows))
    return PrepaymentPlan(
        loan_id=loan.loan_id,
        on=on,
        amount_fen=amount_fen,
        keep=keep,
        due_now_fen=due_now,
        interest_to_date_fen=interest_to_date,
        principal_reduction_fen=reduction,
        schedule=schedule,
        first_new=first_new,
        interest_saved_fen=old.total_interest_fen - schedule.total_interest_fen,
    )


def _reschedule_entry(loan: Loan, plan: PrepaymentPlan, key: str) -> Entry:
    """Moves the principal still owed from the old instalments to the new ones (sums to 0)."""
    amounts: dict[str, int] = {}
    first = plan.first_new - 1  # the prepayment instalment
    for state in states(loan)[first - 1 :]:
        account = receivable(PRINCIPAL, state.number)
        amounts[account] = amounts.get(account, 0) - state.principal_fen
    for inst in plan.schedule.instalments[first - 1 :]:
        account = receivable(PRINCIPAL, inst.number)
        amounts[account] = amounts.get(account, 0) + inst.principal_fen
    return entry(key, plan.on, RESCHEDULE, amounts)


def prepay(loan: Loan, plan: PrepaymentPlan, key: str) -> RepaymentResult:
    """Make the planned prepayment: the loan takes the new schedule and the payment settles what
    is due, the interest to date and the prepaid principal. A replayed key changes nothing."""
    if any(e.key == key for e in loan.entries):
        mine = next(e for e in loan.entries if e.key == key)
        return RepaymentResult(
            loan=loan,
            entries=(),
            allocation=allocation_of(mine, loan.schedule),
            balances=balances(loan),
            closed=loan.status == "closed",
            replayed=True,
        )
    fresh = plan_prepayment(loan, plan.amount_fen, plan.on, plan.keep)
    if fresh != plan:
        raise ServicingError("the loan changed since the prepayment was shown: show it again")
    prepared, posted = prepare(loan, plan.on)
    moved = _reschedule_entry(prepared, plan, f"{key}:{RESCHEDULE}")
    rescheduled = replace(prepared.with_entries([moved]), schedule=plan.schedule)
    credit = balances(rescheduled).credit_fen
    settled, left = waterfall(
        states(rescheduled), plan.amount_fen + credit, plan.on + timedelta(days=1), current=False
    )
    assert left == 0, "a prepayment settles exactly what it was planned to"
    made = settle_entry(key, plan.on, REPAYMENT, settled, plan.amount_fen, -credit)
    done = rescheduled.with_entries([made])
    return RepaymentResult(
        loan=done,
        entries=(*posted, moved, made),
        allocation=allocation_of(made, done.schedule),
        balances=balances(done),
        closed=False,
    )
