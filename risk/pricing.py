"""Score to grade, daily rate and credit line.

Everything that depends only on the score is computed once per (scorecard, policy) into a
table indexed by score, so a decision reads its grade, probability and price by index.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from lending.products import DEFAULT_PRODUCT
from lending.schedule import RepaymentMethod, build_schedule
from risk.application import InviterStanding
from risk.policy import RiskPolicy
from risk.scorecard import Scorecard

# Any fixed date gives the same figure within a rounding; a fixed one keeps decisions reproducible.
REFERENCE_START = date(2026, 1, 15)


@dataclass(frozen=True, slots=True)
class Price:
    grade: str
    probability_of_default: float
    daily_rate: Decimal
    apr: Decimal  # shown basis (simple), of the default offer: shown_apr


def grade_for(score: int, policy: RiskPolicy) -> str:
    for grade, floor in policy.grade_floors:
        if score >= floor:
            return grade
    return policy.declined_grade


def highest_rate_under_cap(policy: RiskPolicy) -> Decimal:
    """The policy's top rate, stepped down until no offer the product can make at it, from any
    start date, has a shown APR above the cap (lending.Product.rate_fits_cap)."""
    product = replace(DEFAULT_PRODUCT, apr_cap=policy.apr_cap, daily_rate_max=policy.max_daily_rate)
    rate = policy.max_daily_rate
    while rate > 0 and not product.rate_fits_cap(rate):
        rate -= policy.rate_step
    return rate


def shown_apr(daily_rate: Decimal, policy: RiskPolicy) -> Decimal:
    """The APR shown with a credit line: that of the default offer (policy.shown_term_months of
    equal instalments on policy.shown_amount_fen), from its real schedule."""
    schedule = build_schedule(
        policy.shown_amount_fen,
        policy.shown_term_months,
        daily_rate,
        RepaymentMethod.EQUAL_INSTALLMENT,
        REFERENCE_START,
    )
    return schedule.apr.apr


def risk_based_rate(
    pd: float, best_pd: float, worst_pd: float, policy: RiskPolicy, top: Decimal
) -> Decimal:
    """Linear in the probability of default between the best grade and the cut-off, up to `top`
    (highest_rate_under_cap).

    Rounded down to the quoting step: a borrower is never charged for rounding.
    """
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
    top_rate: Decimal  # the highest rate any score is priced at

    def at(self, score: int) -> Price:
        index = min(max(score - self.low, 0), len(self.prices) - 1)
        return self.prices[index]


def build_price_table(card: Scorecard, policy: RiskPolicy) -> PriceTable:
    low, high = card.score_range
    best_pd = card.probability_of_default(policy.grade_floors[0][1])
    worst_pd = card.probability_of_default(policy.grade_floors[-1][1])
    top = highest_rate_under_cap(policy)
    aprs: dict[Decimal, Decimal] = {}
    prices = []
    for score in range(low, high + 1):
        pd = card.probability_of_default(score)
        rate = risk_based_rate(pd, best_pd, worst_pd, policy, top)
        if rate not in aprs:
            aprs[rate] = shown_apr(rate, policy)
        prices.append(Price(grade_for(score, policy), pd, rate, aprs[rate]))
    return PriceTable(low, tuple(prices), top)


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
