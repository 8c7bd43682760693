"""Partial prepayment reduces principal at once and saves the interest of the days not used."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lending.loan import OverpaymentError
from lending.money import round_fen
from lending.prepayment import Keep, NotAPrepaymentError, plan_prepayment, prepay
from lending.schedule import RepaymentMethod
from lending.servicing import amount_due, balances, repay, run_day
from tests.lending.conftest import START, make_loan

RATE = Decimal("0.0005")
EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL


@pytest.mark.parametrize("keep", list(Keep))
@pytest.mark.parametrize("method", [EI, EP])
@pytest.mark.parametrize("day", [1, 5, 17, 30])
@pytest.mark.parametrize("amount", [20_000, 500_000, 1_000_000])
def test_the_current_period_saves_exactly_the_interest_of_the_days_not_used(
    keep: Keep, method: RepaymentMethod, day: int, amount: int
) -> None:
    loan = make_loan(principal_fen=1_200_000, term=12, rate=str(RATE), method=method)
    on = START + timedelta(days=day)
    plan = plan_prepayment(loan, amount, on, keep)
    first_due = loan.schedule.instalments[0].due_date
    period = loan.schedule.instalments[0].interest_fen
    prepaid, first_new = plan.schedule.instalments[0], plan.schedule.instalments[1]
    assert prepaid.due_date == on and prepaid.principal_fen == plan.principal_reduction_fen
    assert first_new.due_date == first_due
    charged = prepaid.interest_fen + first_new.interest_fen
    unused_days = (first_due - on).days
    exact = plan.principal_reduction_fen * RATE * unused_days
    # three figures, each rounded once to the fen
    assert abs((period - charged) - exact) <= Decimal("1.5")
    assert plan.interest_saved_fen > 0


@pytest.mark.parametrize("keep", list(Keep))
def test_every_later_period_charges_only_the_principal_in_use(keep: Keep) -> None:
    loan = make_loan(principal_fen=1_200_000, term=12, rate=str(RATE))
    on = START + timedelta(days=5)
    plan = plan_prepayment(loan, 500_000, on, keep)
    balance, previous = 1_200_000 - plan.principal_reduction_fen, on
    for inst in plan.new_instalments:
        assert inst.interest_fen == round_fen(balance * RATE * (inst.due_date - previous).days)
        balance -= inst.principal_fen
        previous = inst.due_date
    assert balance == 0


def test_keep_term_lowers_the_instalment_keep_instalment_shortens_the_term() -> None:
    loan = make_loan(principal_fen=1_200_000, term=12, rate=str(RATE))
    on = START + timedelta(days=5)
    old_level = loan.schedule.instalments[1].total_fen
    term = plan_prepayment(loan, 500_000, on, Keep.TERM)
    shorter = plan_prepayment(loan, 500_000, on, Keep.INSTALMENT)
    assert len(term.new_instalments) == 12
    assert term.new_instalments[-1].due_date == loan.schedule.instalments[-1].due_date
    assert max(i.total_fen for i in term.new_instalments[1:-1]) < old_level
    assert len(shorter.new_instalments) < 12
    assert all(i.total_fen <= old_level for i in shorter.new_instalments[1:-1])
    # a shorter term saves more interest than a lower instalment over the same dates
    assert shorter.interest_saved_fen > term.interest_saved_fen > 0


@pytest.mark.parametrize("keep", list(Keep))
def test_the_new_schedule_is_what_the_borrower_then_pays(keep: Keep) -> None:
    loan = make_loan(principal_fen=1_200_000, term=12, rate=str(RATE))
    on = START + timedelta(days=5)
    plan = plan_prepayment(loan, 500_000, on, keep)
    result = prepay(loan, plan, "pre1")
    assert result.allocation.received_fen == 500_000
    assert result.allocation.interest_current_fen == plan.interest_to_date_fen
    assert result.balances.principal_fen == 1_200_000 - plan.principal_reduction_fen
    assert result.balances.credit_fen == 0
    current = result.loan
    for inst in plan.new_instalments:
        current = run_day(current, inst.due_date - timedelta(days=1)).loan
        due = amount_due(current, inst.due_date)
        assert due == inst.total_fen
        current = repay(current, due, inst.due_date, f"pay{inst.number}").loan
    assert current.status == "closed"
    interest = sum(i.interest_fen for i in current.schedule.instalments)
    assert interest == loan.schedule.total_interest_fen - plan.interest_saved_fen


def test_amounts_that_are_not_a_prepayment_are_refused() -> None:
    loan = make_loan(principal_fen=1_200_000, term=12, rate=str(RATE))
    on = START + timedelta(days=5)
    to_date = plan_prepayment(loan, 500_000, on, Keep.TERM).interest_to_date_fen
    with pytest.raises(NotAPrepaymentError):
        plan_prepayment(loan, to_date, on, Keep.TERM)  # only the interest so far
    with pytest.raises(NotAPrepaymentError):
        plan_prepayment(loan, 1_200_000 + to_date, on, Keep.TERM)  # that is the payoff
    with pytest.raises(OverpaymentError):
        repay(loan, 1_200_000 + to_date + 1, on, "x")


def test_a_replayed_prepayment_posts_nothing_and_a_stale_plan_is_refused() -> None:
    loan = make_loan(principal_fen=1_200_000, term=12, rate=str(RATE))
    on = START + timedelta(days=5)
    plan = plan_prepayment(loan, 500_000, on, Keep.TERM)
    done = prepay(loan, plan, "pre1")
    again = prepay(done.loan, plan, "pre1")
    assert again.replayed and again.entries == ()
    assert balances(again.loan) == balances(done.loan)
    stale = replace(plan, interest_saved_fen=plan.interest_saved_fen + 1)
    with pytest.raises(ValueError):
        prepay(loan, stale, "pre2")


def test_overdue_amounts_are_settled_first() -> None:
    loan = make_loan(principal_fen=1_200_000, term=12, rate=str(RATE))
    first_due = loan.schedule.instalments[0].due_date
    on = first_due + timedelta(days=3)
    late = run_day(loan, on - timedelta(days=1)).loan
    plan = plan_prepayment(late, 400_000, on, Keep.TERM)
    assert plan.due_now_fen == amount_due(late, on)
    result = prepay(late, plan, "pre")
    assert result.allocation.penalty_overdue_fen > 0
    assert result.balances.penalty_fen == 0
    assert date(2026, 3, 15) in {i.due_date for i in plan.new_instalments}
