"""Penalty interest is accrued exactly and never takes the cost of a loan past the cap."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lending.apr import dated_npv_at
from lending.delinquency import overdue_principal_days, penalty_accrued_fen, penalty_for_day
from lending.ledger import CASH, PRINCIPAL, Entry, entry, receivable
from lending.loan import balances, states
from lending.position import InstalmentState, instalment_states
from lending.products import DEFAULT_PRODUCT
from lending.schedule import RepaymentMethod, Schedule, build_schedule
from lending.servicing import run_day
from tests.lending.conftest import START, make_loan

CAP = DEFAULT_PRODUCT.apr_cap
TOP_PENALTY_RATE = DEFAULT_PRODUCT.penalty_daily_rate(DEFAULT_PRODUCT.daily_rate_max)
AMOUNTS_FEN = [10_000, 10_001, 12_345, 99_999, 500_000, 4_000_000, 20_000_000]  # 100 to 200,000


def test_the_penalty_rate_is_the_cap_itself_at_the_top_rate() -> None:
    assert CAP / DEFAULT_PRODUCT.day_count == TOP_PENALTY_RATE


@pytest.mark.parametrize("amount", AMOUNTS_FEN)
def test_penalty_charged_day_by_day_never_exceeds_the_cap(amount: int) -> None:
    """Every day from 1 to 720 days overdue: what has been charged so far is the exact accrual
    rounded down once, so never more than the cap allows and never a fen less than exact."""
    schedule = build_schedule(
        amount, 1, Decimal("0.00064"), RepaymentMethod.BULLET, START, term_days=30
    )
    (only,) = schedule.instalments
    owed = entry("d", START, "disbursement", {receivable(PRINCIPAL, 1): amount, CASH: -amount})
    charged: list[Entry] = []
    total = 0
    for late in range(1, 721):
        day = only.due_date + timedelta(days=late)
        posted = [owed, *charged]
        now = states_of(schedule, posted)
        fen = penalty_for_day(now, posted, day, TOP_PENALTY_RATE).get(1, 0)
        if fen:
            charged.append(
                entry(f"p{late}", day, "penalty", {"penalty:1": fen, "penalty_income": -fen})
            )
        total += fen
        exact = amount * late * CAP / 365
        assert total <= exact, (amount, late)
        assert exact - total < 1, (amount, late)


def states_of(schedule: Schedule, entries: list[Entry]) -> tuple[InstalmentState, ...]:
    return instalment_states(schedule, entries)


def test_a_hundred_yuan_loan_unpaid_540_days_costs_at_most_24_percent_a_year() -> None:
    """The whole path, close of business every day: interest and penalty together, paid off
    at the end, are within the cap on the shown basis."""
    loan = make_loan(principal_fen=10_000, term=3, rate="0.00064")
    last_due = loan.schedule.instalments[-1].due_date
    end = last_due + timedelta(days=540)
    loan = run_day(loan, end).loan
    owed = balances(loan)
    assert owed.penalty_fen > 0
    exact_penalty = sum(
        Decimal(s.instalment.principal_fen) * (end - s.due_date).days * CAP / 365
        for s in states(loan)
    )
    assert owed.penalty_fen <= exact_penalty < owed.penalty_fen + len(states(loan))
    flows = [(START, -10_000), (end, owed.principal_fen + owed.interest_fen + owed.penalty_fen)]
    assert dated_npv_at(flows, CAP, 365) <= 0


def test_principal_days_follow_payments() -> None:
    due = date(2026, 2, 15)
    schedule = build_schedule(3_000, 1, Decimal(0), RepaymentMethod.BULLET, START, term_days=31)
    (only,) = schedule.instalments
    assert only.due_date == due
    entries = [
        entry("d", START, "disbursement", {"principal:1": 3_000, CASH: -3_000}),
        # 1,000 repaid on the 3rd day overdue: that day counts the lower balance
        entry("r", due + timedelta(days=3), "repayment", {"principal:1": -1_000, CASH: 1_000}),
    ]
    assert overdue_principal_days(only, entries, due) == 0
    assert overdue_principal_days(only, entries, due + timedelta(days=2)) == 6_000
    assert overdue_principal_days(only, entries, due + timedelta(days=3)) == 8_000
    assert overdue_principal_days(only, entries, due + timedelta(days=5)) == 12_000
    assert penalty_accrued_fen(12_000, Decimal("0.0005")) == 6
    assert penalty_accrued_fen(11_999, Decimal("0.0005")) == 5
