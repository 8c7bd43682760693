"""What a person can afford: the new loan's real instalment and the line their income carries.

Every figure comes from a real schedule (equal instalments, actual days, rounded to the fen as
the borrower would be charged), never from an estimate, and counts every repayment the person
makes: ours and those elsewhere (mortgage, car, cards, other apps).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lending.schedule import RepaymentMethod, build_schedule
from risk.policy import RiskPolicy


def largest_instalment_fen(
    amount_fen: int, term_months: int, daily_rate: Decimal, start: date
) -> int:
    """The largest monthly payment of an equal-instalment loan of `amount_fen` from `start`."""
    if amount_fen <= 0:
        return 0
    schedule = build_schedule(
        amount_fen, max(term_months, 1), daily_rate, RepaymentMethod.EQUAL_INSTALLMENT, start
    )
    return max(i.total_fen for i in schedule.instalments)


def repayment_room_fen(monthly_income_fen: int, monthly_debt_fen: int, policy: RiskPolicy) -> int:
    """How much more a month may go to repayments under the debt-to-income ceiling."""
    ceiling, denominator = policy.max_debt_to_income.as_integer_ratio()
    return max(monthly_income_fen * ceiling // denominator - monthly_debt_fen, 0)


def affordable_line_fen(
    monthly_income_fen: int,
    monthly_debt_fen: int,
    daily_rate: Decimal,
    start: date,
    policy: RiskPolicy,
) -> int:
    """The largest line, in whole steps, whose full drawdown over the longest term keeps every
    monthly repayment within the ceiling (0 when nothing fits)."""
    room = repayment_room_fen(monthly_income_fen, monthly_debt_fen, policy)
    term = policy.affordability_term_months
    step = policy.limit_step_fen

    def fits(line: int) -> bool:
        return largest_instalment_fen(line, term, daily_rate, start) <= room

    # the instalment grows with the amount: bisect over whole steps
    low, high = 0, (room * term) // step + 1  # even at no interest, room x term is the most
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle * step):
            low = middle
        else:
            high = middle - 1
    return low * step
