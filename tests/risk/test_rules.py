from __future__ import annotations

from decimal import Decimal

import pytest

import risk
from risk.affordability import largest_instalment_fen
from risk.application import Outcome
from risk.decide import price_table
from risk.policy import DEFAULT_POLICY, RiskPolicy
from tests.risk.factory import context, solid


def codes(app=None, ctx=None, product=None) -> tuple[str, ...]:
    return risk.assess(app or solid(), ctx or context(), product=product).rules_fired


@pytest.mark.parametrize(("age", "blocked"), [(17, True), (18, False), (60, False), (61, True)])
def test_age_bounds(age: int, blocked: bool) -> None:
    decision = risk.assess(solid(age=age), context())
    assert ("P_AGE" in decision.rules_fired) is blocked
    assert (decision.outcome is Outcome.DECLINED) is blocked


def test_age_bounds_are_configurable() -> None:
    assert "P_AGE" in codes(solid(age=50), product=RiskPolicy(max_age=45))
    assert "P_AGE" not in codes(solid(age=19), product=RiskPolicy(min_age=19))


def test_income_floor_boundary() -> None:
    floor = DEFAULT_POLICY.min_monthly_income_fen
    assert "P_INCOME" in codes(solid(monthly_income_fen=floor - 1))
    assert "P_INCOME" not in codes(solid(monthly_income_fen=floor))


def test_debt_to_income_ceiling_boundary() -> None:
    app = solid(monthly_income_fen=1_000_000)
    top = price_table(risk.SCORECARD, DEFAULT_POLICY).top_rate
    new = largest_instalment_fen(
        app.requested_amount_fen, app.requested_term_months, top, context().as_of
    )
    at_ceiling = 500_000 - new  # 50 % of 10,000 CNY, the new loan included
    assert "P_DEBT_TO_INCOME" not in codes(app, context(existing_monthly_debt_fen=at_ceiling))
    over = codes(app, context(existing_monthly_debt_fen=at_ceiling + 1))
    assert "P_DEBT_TO_INCOME" in over


def test_debt_to_income_counts_repayments_elsewhere() -> None:
    app = solid(monthly_income_fen=1_000_000)
    top = price_table(risk.SCORECARD, DEFAULT_POLICY).top_rate
    new = largest_instalment_fen(
        app.requested_amount_fen, app.requested_term_months, top, context().as_of
    )
    room = 500_000 - new
    assert "P_DEBT_TO_INCOME" not in codes(solid(outside_monthly_repayments_fen=room))
    assert "P_DEBT_TO_INCOME" in codes(solid(outside_monthly_repayments_fen=room + 1))


def test_debt_to_income_counts_the_new_loan() -> None:
    # no other debt, but a short term makes the new instalment alone exceed half the income
    app = solid(monthly_income_fen=400_000, requested_amount_fen=1_000_000, requested_term_months=3)
    assert "P_DEBT_TO_INCOME" in codes(app)


def test_ceiling_is_configurable() -> None:
    ctx = context(existing_monthly_debt_fen=300_000)
    assert "P_DEBT_TO_INCOME" not in codes(solid(), ctx)
    assert "P_DEBT_TO_INCOME" in codes(solid(), ctx, RiskPolicy(max_debt_to_income=Decimal("0.3")))


@pytest.mark.parametrize(
    ("flag", "code"),
    [
        ("duplicate_identity", "P_DUPLICATE_IDENTITY"),
        ("duplicate_phone", "P_DUPLICATE_PHONE"),
        ("has_overdue_loan", "P_OVERDUE"),
        ("account_frozen", "P_FROZEN"),
    ],
)
def test_book_facts_decline_before_the_score(flag: str, code: str) -> None:
    assert risk.assess(solid(), context()).outcome is Outcome.APPROVED
    decision = risk.assess(solid(), context(**{flag: True}))
    assert decision.outcome is Outcome.DECLINED
    assert decision.rules_fired == (code,)
    assert [r.code for r in decision.reasons] == [code]
    assert decision.score == 0 and decision.limit_fen == 0
    assert decision.retry_after_days == DEFAULT_POLICY.retry_after_policy_days


def test_every_fired_rule_is_reported() -> None:
    decision = risk.assess(solid(age=17), context(account_frozen=True, duplicate_phone=True))
    assert set(decision.rules_fired) == {"P_AGE", "P_FROZEN", "P_DUPLICATE_PHONE"}
    assert {r.code for r in decision.reasons} == set(decision.rules_fired)
