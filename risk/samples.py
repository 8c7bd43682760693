"""Random applications, the one generator tests and benchmarks share.

Every answer is drawn from its whole range (terms and amounts beyond what the chat offers
included, so the rules for them are exercised too); the same seed gives the same list.
"""

from __future__ import annotations

import random

from risk.application import (
    Application,
    BankBalance,
    CreditHistory,
    Employment,
    EmploymentLength,
    Housing,
    OtherInstalments,
    Property,
    Purpose,
    Savings,
)


def random_applications(n: int, seed: int = 0) -> list[Application]:
    rng = random.Random(seed)
    return [
        Application(
            age=rng.randint(17, 65),
            monthly_income_fen=rng.randint(2_000, 200_000) * 100,
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
            outside_monthly_repayments_fen=rng.choice((0, 0, rng.randint(1, 200) * 5_000)),
        )
        for _ in range(n)
    ]
