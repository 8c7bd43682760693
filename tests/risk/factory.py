"""Applications for tests: a solid borrower by default, any answer overridable."""

from __future__ import annotations

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
from risk.samples import random_applications

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


__all__ = ["AS_OF", "context", "random_applications", "solid", "weak"]
