"""The scorecard's features: which German credit columns feed them and what their values mean.

The chat asks its own questions (risk.application); the training data speaks 1970s German banking.
This module is the one place where the two vocabularies meet: every German category is renamed to
the chat answer it stands for, so the committed scorecard's bins are written in the chat's words
and the run-time mapping (risk.mapping) is a plain lookup.

The UCI file's labels are wrong for several columns; the reference is Grömping (2019), "South
German Credit Data: Correcting a Widely Used Data Set" (Beuth Hochschule für Technik Berlin,
Report 4/2019; the UCI "South German Credit" data set). Each UCI label below stands for its code
(A11, A30, A40...), and each code is renamed to what the corrected code table says it means:
checking account, credit history, savings, purpose, property and housing, and the instalment
rate (whose codes run the other way: 1 is the heaviest burden). tests/risk/test_mapping.py pins
every code, with its source.
"""

from __future__ import annotations

from typing import Final

TARGET_COLUMN: Final = "creditability"
BAD_LABEL: Final = "bad"

# Never read, never fitted, never accepted as input: sex / marital status, nationality, and the
# columns that say nothing a chat may ask about (guarantors, years at the address, a telephone).
PROTECTED_COLUMNS: Final = frozenset({"personal_status_and_sex", "foreign_worker"})
EXCLUDED_COLUMNS: Final = PROTECTED_COLUMNS | {
    "other_debtors_or_guarantors",
    "present_residence_since",
    "telephone",
}
# Keys that, if they appear in an input document, mean someone is trying to pass a protected
# attribute in; the CLI refuses such input rather than silently dropping it.
PROTECTED_INPUT_KEYS: Final = frozenset(
    {
        "personal_status_and_sex",
        "personal_status",
        "sex",
        "gender",
        "marital_status",
        "foreign_worker",
        "nationality",
        "ethnicity",
        "religion",
    }
)

CATEGORICAL: Final[dict[str, tuple[str, dict[str, str]]]] = {
    # feature: (German column, {German value: scorecard category = chat answer})
    "bank_balance": (
        "status_of_existing_checking_account",
        {  # Grömping's correction: A11..A14 are no account, < 0, 0..200, >= 200 / salary
            "... < 0 DM": "no_account",
            "0 <= ... < 200 DM": "overdrawn",
            "... >= 200 DM / salary assignments for at least 1 year": "low",
            "no checking account": "high",
        },
    ),
    "credit_history": (
        "credit_history",
        {  # Grömping's correction: A30..A34 are delays, critical, none/all repaid,
            # existing repaid duly till now, all credits at this bank repaid
            "no credits taken/ all credits paid back duly": "past_delays",
            "all credits at this bank paid back duly": "critical",
            "existing credits paid back duly till now": "never_borrowed",
            "delay in paying off in the past": "repaying_on_time",
            "critical account/ other credits existing (not at this bank)": "all_repaid",
        },
    ),
    "purpose": (
        "purpose",
        {  # Grömping's correction: the UCI labels are shifted by one code. A40..A410 are
            # others, car (new), car (used), furniture/equipment, radio/television, domestic
            # appliances, repairs, education (A47, no row), vacation, retraining, business.
            # The chat does not tell education from retraining, nor appliances from furniture.
            "car (new)": "everyday",  # A40 others
            "car (used)": "car_new",  # A41
            "furniture/equipment": "car_used",  # A42
            "radio/television": "furniture",  # A43 furniture/equipment
            "domestic appliances": "electronics",  # A44 radio/television
            "repairs": "furniture",  # A45 domestic appliances
            "education": "repairs",  # A46
            "retraining": "everyday",  # A48 vacation
            "business": "education",  # A49 retraining
            "others": "business",  # A410
        },
    ),
    "savings": (
        "savings_account_and_bonds",
        {  # Grömping's correction: A61..A65 are none, < 100, 100..500, 500..1000, >= 1000 DM;
            # at 10 CNY per DM (risk.mapping) that is none, under 5,000 (twice), 5,000 to
            # 10,000, and 10,000 CNY or more
            "... < 100 DM": "none",
            "100 <= ... < 500 DM": "under_5k",
            "500 <= ... < 1000 DM": "under_5k",
            "... >= 1000 DM": "5k_10k",
            "unknown/ no savings account": "over_10k",
        },
    ),
    "employment_length": (
        "present_employment_since",
        {
            "unemployed": "none",
            "... < 1 year": "under_1y",
            "1 <= ... < 4 years": "1_4y",
            "4 <= ... < 7 years": "4_7y",
            "... >= 7 years": "over_7y",
        },
    ),
    "housing": (
        "housing",
        {  # Grömping's correction: A151..A153 are for free, rent, own
            "rent": "family",
            "own": "rent",
            "for free": "own",
        },
    ),
    "property": (
        "property",
        {  # Grömping's correction: A121..A124 are no property, car or other, building society
            # savings / life insurance, real estate
            "real estate": "none",
            "building society savings agreement/ life insurance": "car",
            "car or other, not in attribute Savings account/bonds": "insurance_or_fund",
            "unknown / no property": "real_estate",
        },
    ),
    "other_instalments": (
        "other_installment_plans",
        {"none": "none", "bank": "bank", "stores": "stores"},
    ),
    "job": (
        "job",
        {  # the non-resident group (22 people) is folded in: residence status is not asked
            "skilled employee / official": "skilled",
            "management/ self-employed/ highly qualified employee/ officer": "qualified",
            "unskilled - resident": "unskilled",
            "unemployed/ unskilled - non-resident": "unskilled",
        },
    ),
}

# Categories with a natural order, listed from the riskiest end: their points are kept monotone
# so that, say, more savings can never earn fewer points than less.
ORDERED: Final[dict[str, tuple[str, ...]]] = {
    "savings": ("none", "under_5k", "5k_10k", "over_10k"),
    "employment_length": ("none", "under_1y", "1_4y", "4_7y", "over_7y"),
}

# Answers that stand for several training categories when the chat did not ask the detail:
# "car" without saying new or used scores as the pooled group of both (its own weight of
# evidence, fitted on the union), never as the better of the two.
POOLED: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "purpose": {"car": ("car_new", "car_used")},
}

# The instalment-rate codes run from the heaviest burden down (Grömping: 1 is 35 % of disposable
# income or more, 2 is 25-35 %, 3 is 20-25 %, 4 under 20 %); the feature is the burden band,
# 1 (under 20 %) to 4 (35 % or more), so that it grows with the burden as its direction says.
INSTALMENT_RATE_CODES: Final = 4


def burden_band(instalment_rate_code: int) -> int:
    return INSTALMENT_RATE_CODES + 1 - instalment_rate_code


# feature: (German column, declared direction of risk as the value grows, or None)
NUMERIC: Final[dict[str, tuple[str, str | None]]] = {
    "duration_months": ("duration_in_month", "increasing"),
    "amount_dm": ("credit_amount", "increasing"),
    "instalment_rate": ("installment_rate_in_percentage_of_disposable_income", "increasing"),
    "age": ("age_in_years", "decreasing"),
    "existing_credits": ("number_of_existing_credits_at_this_bank", None),
    "dependents": ("number_of_people_being_liable_to_provide_maintenance_for", None),
}

FEATURES: Final = (*CATEGORICAL, *NUMERIC)


def german_row_to_features(row: dict[str, str]) -> dict[str, str | float]:
    """One CSV row of the German data as the scorecard's feature values."""
    values: dict[str, str | float] = {}
    for feature, (column, relabel) in CATEGORICAL.items():
        values[feature] = relabel[row[column]]
    for feature, (column, _) in NUMERIC.items():
        values[feature] = float(row[column])
    values["instalment_rate"] = float(burden_band(int(row[NUMERIC["instalment_rate"][0]])))
    return values
