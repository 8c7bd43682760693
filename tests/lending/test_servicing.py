import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lending.ledger import CASH, FEE_INCOME, Ledger
from lending.money import round_fen
from lending.schedule import RepaymentMethod, build_schedule
from lending.servicing import (
    IdempotencyConflictError,
    Loan,
    LoanClosedError,
    LoanNotActiveError,
    OverpaymentError,
    amount_due,
    available_credit,
    balances,
    days_past_due,
    days_past_due_today,
    disburse,
    next_due,
    open_loan,
    overdue_today,
    payoff_quote,
    repay,
    run_day,
    run_days,
    should_freeze,
    waive,
    write_off,
)
from tests.lending.conftest import START, make_loan


def test_disbursement_pays_out_principal_less_the_upfront_fee() -> None:
    loan = make_loan(fee_fen=10_000)
    ledger = Ledger.from_entries(loan.entries)
    assert ledger.balance(CASH) == -1_190_000
    assert ledger.balance(FEE_INCOME) == -10_000
    assert balances(loan).principal_fen == 1_200_000
    assert disburse(loan, START, "L1:disbursement") == loan.entries[0]
    with pytest.raises(IdempotencyConflictError):
        disburse(loan, START, "another-key")


def test_an_approved_loan_cannot_be_repaid_but_reserves_the_line() -> None:
    schedule = make_loan().schedule
    approved = open_loan("L9", schedule)
    assert approved.status == "approved"
    with pytest.raises(LoanNotActiveError):
        repay(approved, 100, START, "p")
    assert available_credit(2_000_000, [approved]) == 800_000


def test_paying_each_instalment_on_its_due_date_closes_the_loan_at_scheduled_cost(
    loan: Loan,
) -> None:
    for inst in loan.schedule.instalments:
        result = repay(loan, inst.total_fen, inst.due_date, f"pay-{inst.number}")
        assert result.allocation.to_credit_fen == 0
        assert result.allocation.principal_current_fen == inst.principal_fen
        loan = result.loan
    assert result.closed and loan.status == "closed"
    ledger = Ledger.from_entries(loan.entries)
    assert ledger.balance("interest_income") == -loan.schedule.total_interest_fen
    assert ledger.balance(CASH) == loan.schedule.total_interest_fen
    assert next_due(loan, date(2027, 2, 1)) is None


def test_early_repayment_charges_interest_only_for_the_days_used(loan: Loan) -> None:
    on = START + timedelta(days=10)
    quote = payoff_quote(loan, on)
    first = loan.schedule.instalments[0]
    assert quote.principal_fen == 1_200_000
    assert quote.interest_fen == round_fen(first.interest_fen * Decimal(10) / 31)
    assert abs(quote.interest_fen - 1_200_000 * 0.0005 * 10) <= 1  # 6,000 fen, no more
    assert quote.fee_fen == 0 and quote.penalty_fen == 0
    result = repay(loan, quote.total_fen, on, "payoff")
    assert result.closed
    assert result.allocation.interest_current_fen == quote.interest_fen
    # Closed means closed: no more interest accrues afterwards.
    later = run_day(result.loan, date(2026, 3, 1))
    assert later.entries == () and later.status == "closed"
    assert balances(later.loan).owed_fen == 0


def test_a_payoff_on_the_start_day_costs_no_interest(loan: Loan) -> None:
    quote = payoff_quote(loan, START)
    assert quote.total_fen == 1_200_000


def test_a_repayment_larger_than_the_payoff_is_refused_and_changes_nothing(loan: Loan) -> None:
    on = date(2026, 2, 1)
    payoff = payoff_quote(loan, on).total_fen
    with pytest.raises(OverpaymentError) as refused:
        repay(loan, payoff + 1, on, "too-much")
    assert refused.value.payoff_fen == payoff
    assert balances(loan).principal_fen == 1_200_000


def test_repaying_a_closed_loan_is_refused(loan: Loan) -> None:
    closed = repay(loan, payoff_quote(loan, START).total_fen, START, "payoff").loan
    with pytest.raises(LoanClosedError):
        repay(closed, 100, date(2026, 2, 1), "after")


def test_a_replayed_repayment_key_has_no_second_effect(loan: Loan) -> None:
    first = repay(loan, 50_000, date(2026, 2, 15), "update-42")
    again = repay(first.loan, 50_000, date(2026, 2, 15), "update-42")
    assert again.replayed and again.entries == ()
    assert again.loan.entries == first.loan.entries
    assert again.allocation == first.allocation
    with pytest.raises(IdempotencyConflictError):
        repay(first.loan, 60_000, date(2026, 2, 15), "update-42")


def test_paying_early_charges_interest_only_for_the_days_the_principal_was_used(
    loan: Loan,
) -> None:
    """The first instalment paid 5 days before it is due: its principal is back, so those 5
    days' interest on it is not charged; what was paid for it is credit for the next one."""
    first = loan.schedule.instalments[0]
    result = repay(loan, first.total_fen, date(2026, 2, 10), "early")
    alloc = result.allocation
    assert alloc.principal_current_fen == first.principal_fen
    assert alloc.interest_current_fen == round_fen(first.interest_fen * Decimal(26) / 31)
    assert alloc.to_credit_fen == first.interest_fen - alloc.interest_current_fen
    day = run_day(result.loan, first.due_date)
    unused = first.principal_fen * loan.schedule.daily_rate * 5  # exact, rounded up for them
    assert balances(day.loan).credit_fen == math.ceil(unused) > 0
    assert balances(day.loan).interest_fen == 0
    assert day.days_past_due == 0
    assert next_due(day.loan, first.due_date) == loan.schedule.instalments[1]


def test_a_loan_paid_ahead_is_not_overdue_while_its_due_date_is_not_closed(loan: Loan) -> None:
    """Close of business may be behind (downtime): the credit held for the first instalment
    settles it only when its day is closed, so readers bring the loan up to today first."""
    first = loan.schedule.instalments[0]
    paid = repay(loan, first.total_fen, date(2026, 2, 10), "early").loan
    later = first.due_date + timedelta(days=5)
    assert days_past_due(paid, later) > 0  # the stored position alone: late
    assert days_past_due_today(paid, later) == 0
    assert not overdue_today([paid], later)
    assert overdue_today([paid, make_loan(loan_id="L2")], later)  # the unpaid one is late


def test_allocation_order_penalty_then_interest_then_principal(loan: Loan) -> None:
    first = loan.schedule.instalments[0]
    late = first.due_date + timedelta(days=5)
    state = run_day(loan, late)
    owed = balances(state.loan)
    assert state.days_past_due == 5 and owed.penalty_fen > 0
    small = owed.penalty_fen + 100
    alloc = repay(state.loan, small, late + timedelta(days=1), "p").allocation
    penalty_now = alloc.penalty_overdue_fen
    # Like interest, penalty counts the days before the paying day, not the paying day itself.
    assert penalty_now == owed.penalty_fen
    assert alloc.interest_overdue_fen == small - penalty_now
    assert alloc.principal_overdue_fen == 0 and alloc.principal_current_fen == 0


def test_run_day_twice_posts_once(loan: Loan) -> None:
    once = run_day(loan, date(2026, 2, 20))
    twice = run_day(once.loan, date(2026, 2, 20))
    assert once.entries and twice.entries == ()
    assert twice.loan == once.loan
    assert twice.days_past_due == once.days_past_due == 5


def test_catching_up_ten_missed_days_equals_running_each_day(loan: Loan) -> None:
    first_due = loan.schedule.instalments[0].due_date
    daily = run_days(loan, START, first_due + timedelta(days=10))[-1].loan
    base = run_day(loan, first_due)
    caught_up = run_day(base.loan, first_due + timedelta(days=10))
    assert {e.key for e in caught_up.loan.entries} == {e.key for e in daily.entries}
    assert balances(caught_up.loan) == balances(daily)
    assert len([e for e in caught_up.entries if e.kind == "penalty"]) == 10
    assert caught_up.days_past_due == 10


@pytest.mark.parametrize(
    ("late_days", "expected"),
    [(0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (61, "61-90"), (91, "90+")],
)
def test_overdue_buckets(loan: Loan, late_days: int, expected: str) -> None:
    day = loan.schedule.instalments[0].due_date + timedelta(days=late_days)
    result = run_day(loan, day)
    assert result.days_past_due == late_days == days_past_due(result.loan, day)
    assert result.bucket == expected
    assert result.freeze == (late_days >= 1)


def test_penalty_stays_within_the_cap_and_only_on_overdue_principal() -> None:
    loan = make_loan(rate="0.00065")
    first = loan.schedule.instalments[0]
    day = run_day(loan, first.due_date + timedelta(days=1))
    penalty = [e for e in day.entries if e.kind == "penalty"]
    assert len(penalty) == 1
    charged = penalty[0].amount("penalty:1")
    # exact and rounded down: the fraction of a fen is carried to the next day, never charged
    exact = first.principal_fen * loan.penalty_daily_rate
    assert charged == int(exact) and exact < charged + 1
    assert charged <= first.principal_fen * Decimal("0.24") / 365


def test_amount_due_brings_the_loan_back_to_current(loan: Loan) -> None:
    late = loan.schedule.instalments[0].due_date + timedelta(days=3)
    behind = run_day(loan, late).loan
    due = amount_due(behind, late)
    result = repay(behind, due, late, "catch-up")
    assert days_past_due(result.loan, late + timedelta(days=1)) == 0
    assert result.allocation.principal_current_fen == 0


def test_available_credit_is_limit_minus_outstanding_principal_and_zero_when_frozen(
    loan: Loan,
) -> None:
    assert available_credit(2_000_000, [loan]) == 800_000
    paid = repay(loan, loan.schedule.instalments[0].total_fen, date(2026, 2, 15), "p").loan
    assert (
        available_credit(2_000_000, [paid]) == 800_000 + loan.schedule.instalments[0].principal_fen
    )
    assert available_credit(2_000_000, [paid], frozen=True) == 0
    assert available_credit(1_000_000, [loan]) == 0
    assert should_freeze([loan], date(2026, 2, 16))
    assert not should_freeze([paid], date(2026, 2, 16))


def test_waiver_and_write_off_clear_receivables_in_balance(loan: Loan) -> None:
    late = run_day(loan, date(2026, 3, 1)).loan
    penalty = balances(late).penalty_fen
    waiver = waive(late, date(2026, 3, 1), "w1", penalty_fen=10**9)
    assert waiver is not None and waiver.amount("waiver_expense") == penalty
    late = late.with_entries([waiver])
    assert balances(late).penalty_fen == 0
    off = write_off(late, date(2026, 3, 2), "wo")
    assert off is not None
    gone = late.with_entries([off])
    assert gone.status == "written_off"
    assert balances(gone).owed_fen == 0
    assert run_day(gone, date(2026, 4, 1)).entries == ()
    with pytest.raises(LoanNotActiveError):
        repay(gone, 100, date(2026, 4, 1), "p")


def test_equal_principal_loan_rebuilt_from_rows_behaves_the_same() -> None:
    loan = make_loan(method=RepaymentMethod.EQUAL_PRINCIPAL, term=3)
    stepped = run_day(loan, date(2026, 3, 1)).loan
    rebuilt = Loan(
        loan_id=stepped.loan_id,
        schedule=stepped.schedule,
        penalty_daily_rate=stepped.penalty_daily_rate,
        entries=tuple(stepped.entries),
        closed_through=stepped.closed_through,
        freeze_after_dpd=stepped.freeze_after_dpd,
    )
    assert rebuilt == stepped
    assert payoff_quote(rebuilt, date(2026, 3, 5)) == payoff_quote(stepped, date(2026, 3, 5))
    assert replace(rebuilt, closed_through=None).status == "active"


def test_a_thirty_day_bullet_loan_is_repaid_once_with_interest_for_days_used() -> None:
    schedule = build_schedule(
        300_000, 1, Decimal("0.0005"), RepaymentMethod.BULLET, START, term_days=30
    )
    loan = open_loan("B1", schedule)
    loan = loan.with_entries([disburse(loan, START, "B1:d")])
    assert payoff_quote(loan, START + timedelta(days=12)).interest_fen == 1_800
    due = schedule.instalments[0]
    late = run_day(loan, due.due_date + timedelta(days=2))
    assert late.days_past_due == 2 and balances(late.loan).penalty_fen > 0
    result = repay(late.loan, payoff_quote(late.loan, late.day).total_fen, late.day, "pay")
    assert result.closed
    assert result.allocation.principal_overdue_fen == 300_000
    assert result.allocation.interest_overdue_fen == due.interest_fen == 4_500
