"""Every tunable number of the risk decision, in one place, with the product's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RiskPolicy:
    # policy rules, checked before any score
    min_age: int = 18
    max_age: int = 60
    min_monthly_income_fen: int = 300_000  # 3,000 CNY
    max_debt_to_income: Decimal = Decimal("0.5")  # all monthly repayments / monthly income
    # a line is kept to what the person could repay over the longest term within that ceiling
    affordability_term_months: int = 12
    # score -> grade: the lowest score of each grade, best first; below the last: declined
    grade_floors: tuple[tuple[str, int], ...] = (("A", 570), ("B", 550), ("C", 530), ("D", 510))
    declined_grade: str = "E"
    # price: a daily rate within the product's range, never above the APR cap
    min_daily_rate: Decimal = Decimal("0.0002")  # 0.02 % a day
    max_daily_rate: Decimal = Decimal("0.00064")  # 0.064 % a day: lending.Product's own top
    rate_step: Decimal = Decimal("0.00001")  # rates are quoted to 0.001 % a day
    apr_cap: Decimal = Decimal("0.24")
    # the offer whose APR a credit line shows (labelled so): 12 equal monthly instalments
    shown_term_months: int = 12
    shown_amount_fen: int = 1_000_000  # 10,000 CNY
    # credit line
    max_limit_fen: int = 20_000_000  # 200,000 CNY
    min_limit_fen: int = 50_000  # 500 CNY
    limit_step_fen: int = 10_000  # lines are whole hundreds of CNY
    annual_income_divisor: int = 3  # at most a third of a year's income
    # monthly incomes a line may reach, by grade
    grade_income_multiple: tuple[tuple[str, int], ...] = (("A", 4), ("B", 3), ("C", 2), ("D", 1))
    review_threshold_fen: int = 4_000_000  # asking for more than 40,000 CNY: a person decides
    # invite signal (only with the borrower's consent)
    invite_share: Decimal = Decimal("0.10")
    invite_cap_fen: int = 500_000  # 5,000 CNY
    invite_min_tenure_days: int = 90
    # what a decision promises
    valid_days: int = 30
    retry_after_score_days: int = 30
    retry_after_policy_days: int = 90
    max_reasons: int = 3
    # grades good enough that a factor list would only confuse
    grades_without_reasons: tuple[str, ...] = ("A", "B")


DEFAULT_POLICY = RiskPolicy()
