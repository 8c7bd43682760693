"""Reason codes and the plain-language messages shown to the borrower.

Messages are English msgids of the `risk` gettext domain, marked with `N_` so that
`pybabel extract -k N_` finds them; the conversation translates and renders them, adding when
the borrower may reapply and how to ask for a person to review the decision (PIPL art. 24).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from risk.application import Reason
from risk.scorecard import Scorecard


def N_(message: str) -> str:
    """Mark a msgid for extraction; translation happens where the message is shown."""
    return message


# A factor is named only where it describes the person's own answer and, where something can,
# says what would change the outcome. Age, dependents and the kind of work the model infers from
# the employment answer are never named: nobody can or should change them to get credit.
_SHORT_TIME_IN_WORK = Reason(
    "F_EMPLOYMENT_LENGTH",
    N_("You have been in your current work for a short time; more time in it would help."),
)
_OTHER_PLANS = Reason(
    "F_OTHER_INSTALMENTS",
    N_("You are paying off other instalment plans; finishing them first would help."),
)
ANSWER_REASONS: dict[tuple[str, str], Reason] = {
    ("bank_balance", "no_account"): Reason(
        "F_NO_BANK_ACCOUNT",
        N_("You told us you have no bank account; an account with a regular balance would help."),
    ),
    ("bank_balance", "overdrawn"): Reason(
        "F_OVERDRAWN",
        N_("Your main account is often overdrawn; keeping it in credit would help."),
    ),
    ("bank_balance", "low"): Reason(
        "F_LOW_BALANCE",
        N_("Your usual account balance is under ¥2,000; a higher balance would help."),
    ),
    ("credit_history", "past_delays"): Reason(
        "F_PAST_DELAYS",
        N_("You told us of late payments in the past; a record of paying on time would help."),
    ),
    ("credit_history", "never_borrowed"): Reason(
        "F_NO_HISTORY",
        N_("You have not borrowed before, so there is no repayment record to rely on yet."),
    ),
    ("savings", "none"): Reason(
        "F_NO_SAVINGS", N_("You told us you have no savings; building some would help.")
    ),
    ("savings", "under_5k"): Reason(
        "F_LOW_SAVINGS", N_("Your savings are under ¥5,000; more savings would help.")
    ),
    ("employment_length", "none"): _SHORT_TIME_IN_WORK,
    ("employment_length", "under_1y"): _SHORT_TIME_IN_WORK,
    ("employment_length", "1_4y"): _SHORT_TIME_IN_WORK,
    ("property", "none"): Reason(
        "F_PROPERTY",
        N_("You told us you have no property such as a home, a car or insurance savings."),
    ),
    ("other_instalments", "bank"): _OTHER_PLANS,
    ("other_instalments", "stores"): _OTHER_PLANS,
}
PURPOSE_REASON = Reason(
    "F_PURPOSE", N_("Loans for the purpose you chose have been repaid less reliably.")
)
AMOUNT_REASON = Reason(
    "F_AMOUNT", N_("The amount you expect to borrow is large; a smaller first loan would help.")
)
TERM_REASON = Reason(
    "F_TERM", N_("The repayment term you asked for is over 12 months; a shorter one would help.")
)
BURDEN_REASON = Reason(
    "F_INSTALMENT_BURDEN",
    N_("The monthly repayment would take a large share of your income; a smaller loan would help."),
)
EXISTING_CREDITS_REASON = Reason(
    "F_EXISTING_CREDITS",
    N_("You are already repaying several loans; repaying some of them first would help."),
)
# every factor reason by code (for catalogues and audits)
FACTOR_REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        *ANSWER_REASONS.values(),
        PURPOSE_REASON,
        AMOUNT_REASON,
        TERM_REASON,
        BURDEN_REASON,
        EXISTING_CREDITS_REASON,
    )
}
LONGEST_STANDARD_TERM = 12
HEAVY_BURDEN_BAND = 3  # the instalment takes 25 % of income or more (risk.mapping)
SEVERAL_CREDITS = 3  # the German count includes the loan applied for: two loans already


def factor_reason(feature: str, value: str | float) -> Reason | None:
    """The reason to show for a feature that cost points, given the person's answer, or None
    when the answer gives nothing to act on or the feature must never be named."""
    if isinstance(value, str):
        if feature == "purpose":
            return PURPOSE_REASON
        return ANSWER_REASONS.get((feature, value))
    if feature == "amount_dm":
        return AMOUNT_REASON
    if feature == "duration_months" and value > LONGEST_STANDARD_TERM:
        return TERM_REASON
    if feature == "instalment_rate" and value >= HEAVY_BURDEN_BAND:
        return BURDEN_REASON
    if feature == "existing_credits" and value >= SEVERAL_CREDITS:
        return EXISTING_CREDITS_REASON
    return None


POLICY_REASONS: dict[str, Reason] = {
    "P_AGE": Reason(
        "P_AGE",
        N_("We lend to people aged 18 to 60. This is our policy, not a judgement of you."),
    ),
    "P_STUDENT": Reason(
        "P_STUDENT",
        N_("Regulations do not allow us to lend to students, whatever their income."),
    ),
    "P_OVERDUE_ELSEWHERE": Reason(
        "P_OVERDUE_ELSEWHERE",
        N_("A loan you have elsewhere is overdue. Once it is repaid, you may apply again."),
    ),
    "P_DUPLICATE_IDENTITY": Reason(
        "P_DUPLICATE_IDENTITY", N_("Your identity is already linked to another account.")
    ),
    "P_DUPLICATE_PHONE": Reason(
        "P_DUPLICATE_PHONE", N_("Your phone number is already linked to another account.")
    ),
    "P_OVERDUE": Reason(
        "P_OVERDUE", N_("You have an overdue loan with us. Once it is repaid, you may apply again.")
    ),
    "P_FROZEN": Reason("P_FROZEN", N_("Your account is frozen.")),
    "P_INCOME": Reason("P_INCOME", N_("Your monthly income is below the minimum we require.")),
    "P_DEBT_TO_INCOME": Reason(
        "P_DEBT_TO_INCOME",
        N_("All your monthly repayments, with this loan, would be over half your income."),
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


def top_factors(
    card: Scorecard, points: Sequence[int], values: Mapping[str, str | float], limit: int
) -> tuple[Reason, ...]:
    """The nameable factors that cost the most points against the best answer, largest gap
    first, each reason shown once."""
    # (earned - best, place in the card) sorts the costliest first, ties in the card's order
    gaps = sorted(
        (earned - feature.best, index)
        for index, (feature, earned) in enumerate(zip(card.features, points, strict=True))
        if earned < feature.best
    )
    chosen: list[Reason] = []
    for _, index in gaps:
        if len(chosen) == limit:
            break  # later gaps could only add reasons past the limit
        name = card.features[index].name
        reason = factor_reason(name, values[name])
        if reason is not None and reason not in chosen:
            chosen.append(reason)
    return tuple(chosen[:limit])
