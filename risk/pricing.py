"""Score to grade, daily rate and credit line.

Everything that depends only on the score is computed once per (scorecard, policy) into a
table indexed by score, so a decision reads its grade, probability and price by index.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from lending.apr import daily_rate_apr
from risk.application import InviterStanding
from risk.policy import RiskPolicy
from risk.scorecard import Scorecard


@dataclass(frozen=True, slots=True)
class Price:
    grade: str
    probability_of_default: float
    daily_rate: Decimal
    apr: Decimal


def grade_for(score: int, policy: RiskPolicy) -> str:
    for grade, floor in policy.grade_floors:
        if score >= floor:
            return grade
    return policy.declined_grade


def highest_rate_under_cap(policy: RiskPolicy) -> Decimal:
    """The product's top rate, stepped down until its compounded APR is within the cap."""
    rate = policy.max_daily_rate
    while rate > 0 and daily_rate_apr(rate) > policy.apr_cap:
        rate -= policy.rate_step
    return rate


def risk_based_rate(pd: float, best_pd: float, worst_pd: float, policy: RiskPolicy) -> Decimal:
    """Linear in the probability of default between the best grade and the cut-off.

    Rounded down to the quoting step: a borrower is never charged for rounding.
    """
    top = highest_rate_under_cap(policy)
    span = max(worst_pd - best_pd, 1e-12)
    position = Decimal(repr(min(max((pd - best_pd) / span, 0.0), 1.0)))
    rate = policy.min_daily_rate + (top - policy.min_daily_rate) * position
    return max(
        policy.min_daily_rate,
        min(top, rate.quantize(policy.rate_step, rounding=ROUND_FLOOR)),
    )


@dataclass(frozen=True, slots=True)
class PriceTable:
    low: int
    prices: tuple[Price, ...]

    def at(self, score: int) -> Price:
        index = min(max(score - self.low, 0), len(self.prices) - 1)
        return self.prices[index]


def build_price_table(card: Scorecard, policy: RiskPolicy) -> PriceTable:
    low, high = card.score_range
    best_pd = card.probability_of_default(policy.grade_floors[0][1])
    worst_pd = card.probability_of_default(policy.grade_floors[-1][1])
    prices = []
    for score in range(low, high + 1):
        pd = card.probability_of_default(score)
        rate = risk_based_rate(pd, best_pd, worst_pd, policy)
        prices.append(Price(grade_for(score, policy), pd, rate, daily_rate_apr(rate)))
    return PriceTable(low, tuple(prices))


def credit_line_fen(
    monthly_income_fen: int, grade: str, policy: RiskPolicy, inviter: InviterStanding | None
) -> int:
    """The line before the minimum check: capped, invite-adjusted, whole hundreds of CNY.

    The invite adjustment is applied inside the caps, never beyond them: an inviter's good
    standing says something about the borrower's circle, nothing about their income.
    """
    multiples = dict(policy.grade_income_multiple)
    ceiling = min(policy.max_limit_fen, monthly_income_fen * 12 // policy.annual_income_divisor)
    line = min(ceiling, monthly_income_fen * multiples.get(grade, 0))
    if inviter is not None:
        bound = min(int(line * policy.invite_share // 1), policy.invite_cap_fen)
        if inviter.has_overdue:
            line -= bound
        elif inviter.tenure_days >= policy.invite_min_tenure_days:
            line = min(ceiling, line + bound)
    line = max(line, 0)
    return line - line % policy.limit_step_fen
