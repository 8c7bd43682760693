"""Policy rules, checked before the score: each is a pure function returning its code or None."""

from __future__ import annotations

from collections.abc import Callable

from risk.application import Application, CreditHistory, Employment, PolicyContext
from risk.policy import RiskPolicy

Rule = Callable[[Application, PolicyContext, RiskPolicy, int], str | None]


def age_out_of_range(app: Application, ctx: PolicyContext, p: RiskPolicy, inst: int) -> str | None:
    return None if p.min_age <= app.age <= p.max_age else "P_AGE"


def duplicate_identity(
    app: Application, ctx: PolicyContext, p: RiskPolicy, inst: int
) -> str | None:
    return "P_DUPLICATE_IDENTITY" if ctx.duplicate_identity else None


def duplicate_phone(app: Application, ctx: PolicyContext, p: RiskPolicy, inst: int) -> str | None:
    return "P_DUPLICATE_PHONE" if ctx.duplicate_phone else None


def overdue_loan(app: Application, ctx: PolicyContext, p: RiskPolicy, inst: int) -> str | None:
    return "P_OVERDUE" if ctx.has_overdue_loan else None


def overdue_elsewhere(app: Application, ctx: PolicyContext, p: RiskPolicy, inst: int) -> str | None:
    """A debt overdue anywhere now is a decline, like an overdue loan here."""
    return "P_OVERDUE_ELSEWHERE" if app.credit_history is CreditHistory.CRITICAL else None


def student(app: Application, ctx: PolicyContext, p: RiskPolicy, inst: int) -> str | None:
    """Chinese regulators bar micro-lenders from lending to college students, whatever the
    income (CBIRC and others, 2021, on consumer loans to college students)."""
    return "P_STUDENT" if app.employment is Employment.STUDENT else None


def frozen_account(app: Application, ctx: PolicyContext, p: RiskPolicy, inst: int) -> str | None:
    return "P_FROZEN" if ctx.account_frozen else None


def income_below_floor(
    app: Application, ctx: PolicyContext, p: RiskPolicy, inst: int
) -> str | None:
    return "P_INCOME" if app.monthly_income_fen < p.min_monthly_income_fen else None


def debt_to_income_too_high(
    app: Application, ctx: PolicyContext, p: RiskPolicy, new_instalment_fen: int
) -> str | None:
    """All monthly repayments, here and elsewhere and the new loan's, against monthly income."""
    outside = max(app.outside_monthly_repayments_fen, 0)
    debt = ctx.existing_monthly_debt_fen + outside + new_instalment_fen
    if app.monthly_income_fen <= 0:
        return "P_DEBT_TO_INCOME"
    # integer cross-multiplication: debt / income > ceiling, without rounding
    ceiling = p.max_debt_to_income.as_integer_ratio()
    over = debt * ceiling[1] > app.monthly_income_fen * ceiling[0]
    return "P_DEBT_TO_INCOME" if over else None


RULES: tuple[Rule, ...] = (
    age_out_of_range,
    student,
    duplicate_identity,
    duplicate_phone,
    overdue_loan,
    overdue_elsewhere,
    frozen_account,
    income_below_floor,
    debt_to_income_too_high,
)


def fired_rules(
    app: Application, ctx: PolicyContext, policy: RiskPolicy, new_instalment_fen: int
) -> tuple[str, ...]:
    """Codes of every rule that blocks the application (all of them, for the audit trail)."""
    return tuple(
        [code for rule in RULES if (code := rule(app, ctx, policy, new_instalment_fen)) is not None]
    )
