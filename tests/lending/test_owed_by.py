"""owed_by reads what amount_due would say without bringing the loan forward: equal where the
reminders and screens use it, and zero exactly when amount_due is."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from lending.close_of_business import prepare
from lending.schedule import RepaymentMethod, build_schedule
from lending.servicing import (
    amount_due,
    disburse,
    next_due,
    open_loan,
    owed_by,
    repay,
    run_day,
    states,
)

START = date(2026, 11, 23)


def test_owed_by_agrees_with_amount_due_over_a_loans_life() -> None:
    schedule = build_schedule(
        300_000, 3, Decimal("0.0005"), RepaymentMethod.EQUAL_INSTALLMENT, START
    )
    loan = open_loan("L", schedule)
    loan = loan.with_entries([disburse(loan, START, "d")])
    # Pays late and partly (penalty accrues), ahead once (credit held), then off.
    payments = {date(2026, 12, 30): 50_000, date(2027, 1, 5): 60_000, date(2027, 1, 20): 120_000}
    day, checked = START + timedelta(days=1), 0
    while loan.status == "active" and day < date(2027, 4, 1):
        loan = run_day(loan, day - timedelta(days=1)).loan  # the nightly job
        today = prepare(loan, day)[0]
        assert owed_by(today, day) == amount_due(loan, day)
        upcoming = next_due(today, day)
        overdue = any(s.is_overdue(day) for s in states(today))
        if upcoming is not None and not overdue:
            assert owed_by(today, upcoming.due_date) == amount_due(loan, upcoming.due_date)
        for inst in schedule.instalments:
            on = max(day, inst.due_date)
            assert (owed_by(loan, on) == 0) == (amount_due(loan, on) == 0)
            checked += 1
        if day in payments:
            loan = repay(loan, payments[day], day, f"p{day}").loan
        if day == date(2027, 2, 1):
            loan = repay(loan, 30_000, day, "ahead").loan
        day += timedelta(days=1)
    assert checked > 200
