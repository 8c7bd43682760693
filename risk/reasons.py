"""Reason codes and the plain-language messages shown to the borrower.

Messages are English msgids of the `risk` gettext domain, marked with `N_` so that
`pybabel extract -k N_` finds them; the conversation translates and renders them, adding when
the borrower may reapply and how to ask for a person to review the decision (PIPL art. 24).
"""

from __future__ import annotations

from collections.abc import Sequence

from risk.application import Reason
from risk.scorecard import Scorecard


def N_(message: str) -> str:
    """Mark a msgid for extraction; translation happens where the message is shown."""
    return message


FACTOR_REASONS: dict[str, Reason] = {
    "bank_balance": Reason(
        "F_BANK_BALANCE",
        N_("Your account balance is low or overdrawn, or you have no bank account."),
    ),
    "credit_history": Reason(
        "F_CREDIT_HISTORY",
        N_("Your credit history shows late or missed repayments, or is too short to rely on."),
    ),
    "purpose": Reason(
        "F_PURPOSE", N_("Loans for the purpose you chose have been repaid less reliably.")
    ),
    "savings": Reason("F_SAVINGS", N_("You have little or no savings.")),
    "employment_length": Reason(
        "F_EMPLOYMENT_LENGTH", N_("You have been in your current work for a short time.")
    ),
    "housing": Reason("F_HOUSING", N_("You do not own the home you live in.")),
    "property": Reason(
        "F_PROPERTY", N_("You have few assets, such as a home, a car or insurance savings.")
    ),
    "other_instalments": Reason(
        "F_OTHER_INSTALMENTS", N_("You are already paying off other instalment plans.")
    ),
    "job": Reason("F_JOB", N_("Your kind of work has been linked with less reliable repayment.")),
    "duration_months": Reason("F_TERM", N_("The repayment term you asked for is long.")),
    "amount_dm": Reason("F_AMOUNT", N_("The amount you asked for is large.")),
    "instalment_rate": Reason(
        "F_INSTALMENT_BURDEN", N_("The monthly repayment would take a large share of your income.")
    ),
    "age": Reason(
        "F_AGE", N_("Applicants of your age have repaid less reliably in the data we rely on.")
    ),
    "existing_credits": Reason("F_EXISTING_CREDITS", N_("You are already repaying several loans.")),
    "dependents": Reason("F_DEPENDENTS", N_("Several people depend on your income.")),
}

POLICY_REASONS: dict[str, Reason] = {
    "P_AGE": Reason("P_AGE", N_("Your age is outside the range we can lend to.")),
    "P_DUPLICATE_IDENTITY": Reason(
        "P_DUPLICATE_IDENTITY", N_("Your identity is already linked to another account.")
    ),
    "P_DUPLICATE_PHONE": Reason(
        "P_DUPLICATE_PHONE", N_("Your phone number is already linked to another account.")
    ),
    "P_OVERDUE": Reason("P_OVERDUE", N_("You have an overdue loan with us.")),
    "P_FROZEN": Reason("P_FROZEN", N_("Your account is frozen.")),
    "P_INCOME": Reason("P_INCOME", N_("Your monthly income is below the minimum we require.")),
    "P_DEBT_TO_INCOME": Reason(
        "P_DEBT_TO_INCOME",
        N_("Your monthly repayments, with this loan, would be too high for your income."),
    ),
}

LIMIT_TOO_LOW = Reason(
    "L_LIMIT_TOO_LOW", N_("The credit line we could offer you is below our minimum.")
)
REVIEW_LARGE_AMOUNT = Reason(
    "R_LARGE_AMOUNT", N_("The amount you asked for needs a review by a member of our staff.")
)
SCORE_TOO_LOW = Reason(
    "S_SCORE_TOO_LOW", N_("Your overall score is below the level we can approve.")
)


def top_factors(card: Scorecard, points: Sequence[int], limit: int) -> tuple[Reason, ...]:
    """The features that cost the most points against the best answer, largest gap first."""
    gaps = sorted(
        (
            (feature.best - earned, index)
            for index, (feature, earned) in enumerate(zip(card.features, points, strict=True))
            if earned < feature.best
        ),
        key=lambda gap: (-gap[0], gap[1]),
    )
    return tuple(FACTOR_REASONS[card.features[i].name] for _, i in gaps[:limit])
