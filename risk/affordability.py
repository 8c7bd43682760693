"""What a person can afford: the new loan's real instalment and the line their income carries.

Every figure comes from a real schedule (equal instalments, actual days, rounded to the fen as
the borrower would be charged), never from an estimate, and counts every repayment the person
makes: ours and those elsewhere (mortgage, car, cards, other apps).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lending.schedule import largest_equal_instalment_fen
from risk.policy import RiskPolicy


def largest_instalment_fen(
    amount_fen: int, term_months: int, daily_rate: Decimal, start: date
) -> int:
    """The largest monthly payment of an equal-instalment loan of `amount_fen` from `start`."""
    if amount_fen <= 0:
        return 0
    return largest_equal_instalment_fen(amount_fen, max(term_months, 1), daily_rate, start)


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
    at_most: int,
) -> int:
    """The largest line, up to `at_most` and in whole steps, whose full drawdown over the
    longest term keeps every monthly repayment within the ceiling (0 when nothing fits).

    One real schedule settles the usual case (`at_most` fits); otherwise the instalment, which
    grows in proportion to the line within a few fen, points at the answer, and two schedules
    around it confirm it (a bisection between them covers any case they do not settle).
    """
    room = repayment_room_fen(monthly_income_fen, monthly_debt_fen, policy)
    term = policy.affordability_term_months
    step = policy.limit_step_fen

    def instalment(steps: int) -> int:
        return largest_instalment_fen(steps * step, term, daily_rate, start)

    high = at_most // step  # the instalment grows with the line: bisect on steps
    if high <= 0 or room <= 0:
        return 0
    top = instalment(high)
    if top <= room:
        return high * step
    estimate = room * high // top
    low = 0  # fits (a line of 0 needs no repayment); `high` does not
    for probe in (estimate, estimate + 1):
        if low < probe < high:
            if instalment(probe) <= room:
                low = probe
            else:
                high = probe
    while high - low > 1:
        middle = (low + high) // 2
        if instalment(middle) <= room:
            low = middle
        else:
            high = middle
    return low * step
