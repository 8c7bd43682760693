"""Paying the next instalment before its due date: interest only for the days used.

The principal returned early stops earning interest on the day it is paid, so the instalment's
interest shrinks by what that principal would have earned up to the due date, and the cost of
the loan by its actual dated cash flows stays within the 24 % cap.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lending.ledger import Ledger
from lending.products import DEFAULT_PRODUCT
from lending.schedule import RepaymentMethod, Schedule, build_schedule
from lending.servicing import (
    Loan,
    amount_due,
    as_of,
    balances,
    disburse,
    open_loan,
    repay,
    run_day,
    states,
)

TOP_RATE = DEFAULT_PRODUCT.daily_rate_max
START = date(2028, 1, 15)


def _irr_per_year(flows: list[tuple[date, int]]) -> float:
    """Daily IRR of dated flows (borrower's view: the payout negative) by bisection, x 365."""
    first = flows[0][0]

    def value(rate: float) -> float:
        return sum(fen / (1 + rate) ** (day - first).days for day, fen in flows)

    low, high = 0.0, 0.01
    for _ in range(200):
        middle = (low + high) / 2
        if value(middle) > 0:
            low = middle
        else:
            high = middle
    return high * 365


def _saved(principal_fen: int, rate: Decimal, days: int) -> int:
    return math.ceil(Decimal(principal_fen) * rate * days)


def _disbursed(schedule: Schedule) -> Loan:
    loan = open_loan("L", schedule)
    return loan.with_entries([disburse(loan, schedule.start, "L:d")])


def _pay_first_on_day_zero_then_on_due_dates(
    schedule: Schedule,
) -> tuple[Loan, list[tuple[date, int]], int]:
    """The borrower's dated cash flows and the principal the day-0 payment settled."""
    loan = _disbursed(schedule)
    flows = [(schedule.start, -schedule.disbursed_fen)]
    first = schedule.instalments[0]
    paid = amount_due(loan, first.due_date)  # the repay screen's "Next payment"
    result = repay(loan, paid, schedule.start, "p1")
    loan = result.loan
    flows.append((schedule.start, paid))
    early_principal = result.allocation.principal_current_fen
    for inst in schedule.instalments[1:]:
        loan = run_day(loan, inst.due_date - timedelta(days=1)).loan
        due = amount_due(loan, inst.due_date)
        loan = repay(loan, due, inst.due_date, f"p{inst.number}").loan
        flows.append((inst.due_date, due))
    return loan, flows, early_principal


@pytest.mark.parametrize("term", [3, 6])
@pytest.mark.parametrize("amount", [10_000, 300_000, 4_000_000])
def test_paying_the_first_instalment_on_day_zero_stays_within_the_cap(
    term: int, amount: int
) -> None:
    schedule = build_schedule(amount, term, TOP_RATE, RepaymentMethod.EQUAL_INSTALLMENT, START)
    loan, flows, early = _pay_first_on_day_zero_then_on_due_dates(schedule)
    assert loan.status == "closed"
    assert sum(Ledger.from_entries(loan.entries).balances().values()) == 0
    assert _irr_per_year(flows) <= 0.24
    # The interest charged is the schedule's less what the early principal would have earned.
    first = schedule.instalments[0]
    saved = _saved(early, TOP_RATE, (first.due_date - START).days)
    assert early == first.principal_fen
    interest_paid = sum(fen for _, fen in flows) + schedule.disbursed_fen - schedule.principal_fen
    assert interest_paid == schedule.total_interest_fen - saved


def test_the_reduced_interest_is_what_accrues_and_the_credit_rolls_on() -> None:
    schedule = build_schedule(300_000, 3, TOP_RATE, RepaymentMethod.EQUAL_INSTALLMENT, START)
    loan = _disbursed(schedule)
    first, second = schedule.instalments[:2]
    days = (first.due_date - START).days
    on = START + timedelta(days=4)
    loan = run_day(loan, on - timedelta(days=1)).loan
    paid = amount_due(loan, first.due_date)
    result = repay(loan, paid, on, "early")
    saved = _saved(first.principal_fen, TOP_RATE, days - 4)
    assert result.allocation.principal_current_fen == first.principal_fen
    assert result.loan.schedule.instalments[0].interest_fen == first.interest_fen - saved
    assert result.loan.schedule.instalments[1:] == schedule.instalments[1:]
    held = result.balances.credit_fen
    # A replay of the key changes nothing.
    again = repay(result.loan, paid, on, "early")
    assert again.replayed and again.entries == () and again.loan is result.loan
    # On the due date the held credit pays the reduced interest; the rest is held for the next.
    due_day = as_of(result.loan, first.due_date + timedelta(days=1))
    settled = states(due_day)[0]
    assert settled.settled and settled.interest_accrued_fen == first.interest_fen - saved
    paid_then = result.allocation.interest_current_fen  # the 4 days used, paid on the day
    assert balances(due_day).credit_fen == held - (first.interest_fen - saved - paid_then)
    assert amount_due(due_day, second.due_date) == second.total_fen - balances(due_day).credit_fen
    assert sum(Ledger.from_entries(due_day.entries).balances().values()) == 0


def test_a_payment_on_the_due_date_or_late_charges_the_scheduled_interest() -> None:
    schedule = build_schedule(300_000, 3, TOP_RATE, RepaymentMethod.EQUAL_INSTALLMENT, START)
    loan = _disbursed(schedule)
    first = schedule.instalments[0]
    loan = run_day(loan, first.due_date - timedelta(days=1)).loan
    result = repay(loan, amount_due(loan, first.due_date), first.due_date, "on-time")
    assert result.loan.schedule == schedule
