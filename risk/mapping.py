"""From the chat's answers to the scorecard's feature values.

The categories were renamed to the chat's answers when the scorecard was trained
(risk.features), so most features are the answer itself; this module holds what is not:
money converted to the training data's scale, the instalment burden, and two answers the
German data asked differently.
"""

from __future__ import annotations

from decimal import Decimal

from risk.application import Application, Employment, Purpose

# The German amounts are 1970s Deutsche Mark. What matters to a scorecard is the size of a
# loan in the borrower's life, not an exchange rate, and the chat's own bands were drawn on
# 10 CNY per DM (200 DM of balance <-> the 2,000 CNY "high" balance, 500 and 1,000 DM of savings
# <-> 5,000 and 10,000 CNY). Amounts must use the same factor or the model would see one borrower as rich in
# one feature and poor in another; it also puts the product's 5,000-40,000 CNY drawdowns at
# 500-4,000 DM, inside the bulk of the German loans (median about 2,300 DM).
FEN_PER_DM = 1_000  # 10 CNY

# The instalment burden as the scorecard's band (risk.features.burden_band): 1 under 20 % of
# income, 2 for 20-25 %, 3 for 25-35 %, 4 for 35 % and over, the bands Grömping (2019) gives.
_RATE_BANDS_PERCENT = ((20, 1), (25, 2), (35, 3))

# The German "job" column: the chat's employment answer is the nearest we have.
_JOB = {
    Employment.EMPLOYED: "skilled",
    Employment.SELF_EMPLOYED: "qualified",
    Employment.STUDENT: "unskilled",
    Employment.UNEMPLOYED: "unskilled",
    Employment.RETIRED: "skilled",  # a pension is a steady income, as a salary is
}


def burden_band_of(instalment_fen: int, monthly_income_fen: int) -> int:
    if monthly_income_fen <= 0:
        return 4
    percent = Decimal(100 * instalment_fen) / monthly_income_fen
    for upper, code in _RATE_BANDS_PERCENT:
        if percent < upper:
            return code
    return 4


def feature_values(app: Application, instalment_fen: int) -> dict[str, str | float]:
    purpose: str = app.purpose.value
    if app.purpose is Purpose.CAR and app.car_is_new is not None:
        purpose = "car_new" if app.car_is_new else "car_used"
    return {
        "bank_balance": app.bank_balance.value,
        "credit_history": app.credit_history.value,
        "purpose": purpose,
        "savings": app.savings.value,
        "employment_length": app.employment_length.value,
        "housing": app.housing.value,
        "property": app.property.value,
        "other_instalments": app.other_instalments.value,
        "job": _JOB[app.employment],
        "duration_months": app.requested_term_months,
        "amount_dm": app.requested_amount_fen / FEN_PER_DM,
        "instalment_rate": burden_band_of(instalment_fen, app.monthly_income_fen),
        "age": app.age,
        # the German count includes the loan applied for
        "existing_credits": min(app.existing_credits + 1, 4),
        "dependents": 2 if app.dependents >= 2 else 1,
    }
