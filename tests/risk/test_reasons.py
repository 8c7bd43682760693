"""A reason is shown only when it describes the person's own answer, and never names a trait
nobody can or should change."""

from __future__ import annotations

from collections.abc import Callable

import risk
from risk.application import (
    Application,
    BankBalance,
    CreditHistory,
    EmploymentLength,
    OtherInstalments,
    Outcome,
    Property,
    Savings,
)
from tests.risk.factory import context, random_applications, solid, weak

# reason code -> what the person must have answered for it to be shown
DESCRIBES: dict[str, Callable[[Application], bool]] = {
    "F_NO_BANK_ACCOUNT": lambda a: a.bank_balance is BankBalance.NO_ACCOUNT,
    "F_OVERDRAWN": lambda a: a.bank_balance is BankBalance.OVERDRAWN,
    "F_LOW_BALANCE": lambda a: a.bank_balance is BankBalance.LOW,
    "F_PAST_DELAYS": lambda a: a.credit_history is CreditHistory.PAST_DELAYS,
    "F_NO_HISTORY": lambda a: a.credit_history is CreditHistory.NEVER_BORROWED,
    "F_NO_SAVINGS": lambda a: a.savings is Savings.NONE,
    "F_LOW_SAVINGS": lambda a: a.savings is Savings.UNDER_5K,
    "F_EMPLOYMENT_LENGTH": lambda a: (
        a.employment_length
        in (EmploymentLength.NONE, EmploymentLength.UNDER_1Y, EmploymentLength.FROM_1_TO_4Y)
    ),
    "F_PROPERTY": lambda a: a.property is Property.NONE,
    "F_OTHER_INSTALMENTS": lambda a: a.other_instalments is not OtherInstalments.NONE,
    "F_TERM": lambda a: a.requested_term_months > 12,
    "F_EXISTING_CREDITS": lambda a: a.existing_credits >= 2,
    "F_PURPOSE": lambda a: True,
    "F_AMOUNT": lambda a: True,
    "F_INSTALMENT_BURDEN": lambda a: True,
}
NEVER_NAMED = {"F_AGE", "F_DEPENDENTS", "F_JOB", "F_HOUSING"}


def test_every_factor_reason_describes_the_persons_own_answer() -> None:
    seen: set[str] = set()
    for app in random_applications(4000, seed=9):
        decision = risk.assess(app, context())
        for reason in decision.reasons:
            if not reason.code.startswith("F_"):
                continue
            assert reason.code not in NEVER_NAMED, reason.code
            assert DESCRIBES[reason.code](app), (reason.code, app)
            seen.add(reason.code)
    assert {"F_PAST_DELAYS", "F_NO_BANK_ACCOUNT", "F_NO_HISTORY"} <= seen


def test_good_answers_are_never_blamed() -> None:
    for history in (CreditHistory.REPAYING_ON_TIME, CreditHistory.ALL_REPAID):
        decision = risk.assess(weak(credit_history=history), context())
        assert decision.outcome is Outcome.DECLINED
        codes = {r.code for r in decision.reasons}
        assert not codes & {"F_PAST_DELAYS", "F_NO_HISTORY"}


def test_age_is_never_a_factor_to_fix() -> None:
    for age in (18, 19, 21):
        decision = risk.assess(weak(age=age), context())
        assert all("age" not in r.message.lower() for r in decision.reasons)


def test_the_standard_twelve_month_term_is_not_called_long() -> None:
    decision = risk.assess(weak(requested_term_months=12), context())
    assert "F_TERM" not in {r.code for r in decision.reasons}
    assert risk.assess(solid(), context()).outcome is Outcome.APPROVED
