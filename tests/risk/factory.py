"""Applications for tests: a solid borrower by default, any answer overridable."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from typing import Any

from risk.application import (
    Application,
    BankBalance,
    CreditHistory,
    Employment,
    EmploymentLength,
    Housing,
    OtherInstalments,
    PolicyContext,
    Property,
    Purpose,
    Savings,
)

AS_OF = date(2026, 11, 23)


def solid(**overrides: Any) -> Application:
    app = Application(
        age=35,
        monthly_income_fen=1_000_000,  # 10,000 CNY
        employment=Employment.EMPLOYED,
        employment_length=EmploymentLength.OVER_7Y,
        bank_balance=BankBalance.HIGH,
        credit_history=CreditHistory.ALL_REPAID,
        purpose=Purpose.ELECTRONICS,
        savings=Savings.FROM_5K_TO_10K,
        housing=Housing.OWN,
        property=Property.REAL_ESTATE,
        other_instalments=OtherInstalments.NONE,
        existing_credits=0,
        dependents=0,
        requested_amount_fen=500_000,
        requested_term_months=6,
    )
    return replace(app, **overrides)


def weak(**overrides: Any) -> Application:
    return solid(
        **{
            "employment_length": EmploymentLength.UNDER_1Y,
            "bank_balance": BankBalance.NO_ACCOUNT,
            "credit_history": CreditHistory.PAST_DELAYS,
            "purpose": Purpose.REPAIRS,
            "savings": Savings.NONE,
            "housing": Housing.RENT,
            "property": Property.NONE,
            "other_instalments": OtherInstalments.BANK,
            "age": 22,
            "requested_term_months": 24,
            **overrides,
        }
    )


def context(**overrides: Any) -> PolicyContext:
    return replace(PolicyContext(as_of=AS_OF), **overrides)


def random_applications(n: int, seed: int = 0) -> list[Application]:
    rng = random.Random(seed)
    return [
        Application(
            age=rng.randint(18, 60),
            monthly_income_fen=rng.randint(3_000, 200_000) * 100,
            employment=rng.choice(list(Employment)),
            employment_length=rng.choice(list(EmploymentLength)),
            bank_balance=rng.choice(list(BankBalance)),
            credit_history=rng.choice(list(CreditHistory)),
            purpose=rng.choice(list(Purpose)),
            savings=rng.choice(list(Savings)),
            housing=rng.choice(list(Housing)),
            property=rng.choice(list(Property)),
            other_instalments=rng.choice(list(OtherInstalments)),
            existing_credits=rng.randint(0, 5),
            dependents=rng.randint(0, 4),
            requested_amount_fen=rng.randint(1, 600) * 10_000,
            requested_term_months=rng.choice((3, 6, 12, 24, 36)),
            car_is_new=rng.choice((None, True, False)),
        )
        for _ in range(n)
    ]
