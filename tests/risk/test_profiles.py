"""Ten realistic applicants, as a compliance review would try them: outcomes, not scores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

import risk
from risk.affordability import largest_instalment_fen
from risk.application import (
    Application,
    BankBalance,
    CreditHistory,
    Decision,
    Employment,
    EmploymentLength,
    Housing,
    Outcome,
    Property,
    Savings,
)
from risk.policy import DEFAULT_POLICY
from tests.risk.factory import context, solid


def approved_with_a_modest_line(app: Application, d: Decision) -> None:
    assert d.outcome is Outcome.APPROVED
    assert 0 < d.limit_fen <= app.monthly_income_fen * 4


def approved_within_a_third_of_annual_income(app: Application, d: Decision) -> None:
    assert d.outcome is Outcome.APPROVED
    assert 0 < d.limit_fen <= app.monthly_income_fen * 12 // 3


def declined_for(code: str) -> Callable[[Application, Decision], None]:
    def check(app: Application, d: Decision) -> None:
        assert d.outcome is Outcome.DECLINED
        assert d.limit_fen == 0
        assert code in d.rules_fired
        assert d.reasons[0].code == code

    return check


def approved_within_the_ceiling(app: Application, d: Decision) -> None:
    assert d.outcome is Outcome.APPROVED
    # the whole line, drawn over the longest term, keeps every repayment within the ceiling
    instalment = largest_instalment_fen(
        d.limit_fen, DEFAULT_POLICY.affordability_term_months, d.daily_rate, context().as_of
    )
    debt = app.outside_monthly_repayments_fen + instalment
    assert debt * 2 <= app.monthly_income_fen


@dataclass(frozen=True)
class Profile:
    name: str
    app: Application
    expect: Callable[[Application, Decision], None]


PROFILES = [
    Profile(
        "employee 24, 6,000 a month, renting",
        solid(
            age=24,
            monthly_income_fen=600_000,
            housing=Housing.RENT,
            employment_length=EmploymentLength.FROM_1_TO_4Y,
            savings=Savings.UNDER_5K,
            property=Property.NONE,
            requested_amount_fen=500_000,
            requested_term_months=12,
        ),
        approved_with_a_modest_line,
    ),
    Profile(
        "business owner 45, 30,000 a month",
        solid(
            age=45,
            monthly_income_fen=3_000_000,
            employment=Employment.SELF_EMPLOYED,
            requested_amount_fen=2_000_000,
            requested_term_months=12,
        ),
        approved_within_a_third_of_annual_income,
    ),
    Profile(
        "student 20 with 3,500 part-time income",
        solid(
            age=20,
            monthly_income_fen=350_000,
            employment=Employment.STUDENT,
            employment_length=EmploymentLength.UNDER_1Y,
            credit_history=CreditHistory.NEVER_BORROWED,
        ),
        declined_for("P_STUDENT"),
    ),
    Profile(
        "retiree 62",
        solid(age=62, employment=Employment.RETIRED, monthly_income_fen=500_000),
        declined_for("P_AGE"),
    ),
    Profile(
        "employee 30, 8,000, a loan elsewhere overdue now",
        solid(age=30, monthly_income_fen=800_000, credit_history=CreditHistory.CRITICAL),
        declined_for("P_OVERDUE_ELSEWHERE"),
    ),
    Profile(
        "teacher 35, 12,000, a 4,500 mortgage, asking 40,000",
        solid(
            age=35,
            monthly_income_fen=1_200_000,
            outside_monthly_repayments_fen=450_000,
            requested_amount_fen=4_000_000,
            requested_term_months=12,
        ),
        # ~3,500 a month for the ask on top of 4,500 is more than half of 12,000
        declined_for("P_DEBT_TO_INCOME"),
    ),
    Profile(
        "teacher 35, 12,000, a 4,500 mortgage, asking 5,000",
        solid(
            age=35,
            monthly_income_fen=1_200_000,
            outside_monthly_repayments_fen=450_000,
            requested_amount_fen=500_000,
            requested_term_months=12,
        ),
        approved_within_the_ceiling,
    ),
    Profile(
        "freelancer 40, 3,200, wants 40,000",
        solid(
            age=40,
            monthly_income_fen=320_000,
            employment=Employment.SELF_EMPLOYED,
            employment_length=EmploymentLength.FROM_1_TO_4Y,
            bank_balance=BankBalance.LOW,
            requested_amount_fen=4_000_000,
            requested_term_months=12,
        ),
        declined_for("P_DEBT_TO_INCOME"),
    ),
]


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_profile_outcome(profile: Profile) -> None:
    profile.expect(profile.app, risk.assess(profile.app, context()))


def test_the_teacher_with_a_mortgage_gets_no_line_her_income_cannot_carry() -> None:
    teacher = PROFILES[6].app
    decision = risk.assess(teacher, context())
    assert decision.outcome is Outcome.APPROVED  # a small ask is fine
    assert decision.limit_fen < 4_800_000
    without_mortgage = risk.assess(
        solid(age=35, monthly_income_fen=1_200_000, requested_amount_fen=500_000), context()
    )
    assert decision.limit_fen < without_mortgage.limit_fen


@pytest.mark.parametrize("seed", range(3))
def test_the_affordable_line_is_the_largest_that_fits(seed: int) -> None:
    import random
    from decimal import Decimal

    from risk.affordability import affordable_line_fen, repayment_room_fen

    rng = random.Random(seed)
    start = context().as_of
    for _ in range(60):
        income = rng.randint(3_000, 60_000) * 100
        debt = rng.randint(0, income // 2)
        rate = Decimal(rng.randint(20, 64)) / 100_000
        at_most = rng.randint(5, 2_000) * 10_000
        line = affordable_line_fen(income, debt, rate, start, DEFAULT_POLICY, at_most=at_most)
        room = repayment_room_fen(income, debt, DEFAULT_POLICY)
        step = DEFAULT_POLICY.limit_step_fen
        assert line % step == 0 and 0 <= line <= at_most
        assert largest_instalment_fen(line, 12, rate, start) <= room
        if line + step <= at_most:
            assert largest_instalment_fen(line + step, 12, rate, start) > room
