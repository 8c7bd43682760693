"""What the risk module is asked and what it answers.

The answers a borrower gives in chat, in the vocabulary of the chat (not of the training data):
the scorecard maps them to its own bins. Protected attributes (sex, marital status, nationality)
have no field here, on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class BankBalance(StrEnum):
    """Usual balance of the main bank (checking) account."""

    NO_ACCOUNT = "no_account"
    OVERDRAWN = "overdrawn"
    LOW = "low"  # under 2,000 CNY
    HIGH = "high"  # 2,000 CNY or more, or salary paid in for a year or more


class CreditHistory(StrEnum):
    NEVER_BORROWED = "never_borrowed"
    ALL_REPAID = "all_repaid"
    REPAYING_ON_TIME = "repaying_on_time"
    PAST_DELAYS = "past_delays"
    CRITICAL = "critical"  # a loan elsewhere is overdue now: a policy decline (risk.rules)


class Purpose(StrEnum):
    CAR = "car"
    FURNITURE = "furniture"
    ELECTRONICS = "electronics"
    REPAIRS = "repairs"
    EDUCATION = "education"
    BUSINESS = "business"
    EVERYDAY = "everyday"


class Savings(StrEnum):
    """Bands at 10 CNY per DM, the training data's own savings bands (risk.mapping)."""

    NONE = "none"
    UNDER_5K = "under_5k"
    FROM_5K_TO_10K = "5k_10k"
    OVER_10K = "over_10k"


class Employment(StrEnum):
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    STUDENT = "student"
    UNEMPLOYED = "unemployed"
    RETIRED = "retired"


class EmploymentLength(StrEnum):
    NONE = "none"
    UNDER_1Y = "under_1y"
    FROM_1_TO_4Y = "1_4y"
    FROM_4_TO_7Y = "4_7y"
    OVER_7Y = "over_7y"


class Housing(StrEnum):
    OWN = "own"
    RENT = "rent"
    FAMILY = "family"  # lives for free, e.g. with parents


class Property(StrEnum):
    REAL_ESTATE = "real_estate"
    INSURANCE_OR_FUND = "insurance_or_fund"
    CAR = "car"
    NONE = "none"


class OtherInstalments(StrEnum):
    NONE = "none"
    BANK = "bank"
    STORES = "stores"  # e.g. shopping instalments


@dataclass(frozen=True, slots=True)
class Application:
    age: int
    monthly_income_fen: int
    employment: Employment
    employment_length: EmploymentLength
    bank_balance: BankBalance
    credit_history: CreditHistory
    purpose: Purpose
    savings: Savings
    housing: Housing
    property: Property
    other_instalments: OtherInstalments
    existing_credits: int  # loans the applicant repays now, anywhere
    dependents: int
    requested_amount_fen: int = 1_000_000  # what they expect to borrow first (10,000 CNY)
    requested_term_months: int = 12
    # Only read when purpose is CAR: new cars were repaid less reliably than used ones in the
    # training data. None (not asked) scores as the two pooled together.
    car_is_new: bool | None = None
    # What the person repays each month on debts elsewhere: mortgage, car, cards, other apps.
    outside_monthly_repayments_fen: int = 0


@dataclass(frozen=True, slots=True)
class InviterStanding:
    """Read only when the borrower consented to the use of the invite relationship."""

    has_overdue: bool
    tenure_days: int


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """Facts from our own books that policy rules need; the caller looks them up."""

    as_of: date
    duplicate_identity: bool = False  # the ID number's keyed hash belongs to another account
    duplicate_phone: bool = False
    has_overdue_loan: bool = False
    account_frozen: bool = False
    existing_monthly_debt_fen: int = 0
    inviter: InviterStanding | None = None


class Outcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code and its message id (English, translated through the `risk` catalog)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    score: int
    probability_of_default: float
    grade: str
    limit_fen: int  # 0 unless approved
    daily_rate: Decimal  # a fraction per day: Decimal("0.0004") is 0.04 % a day
    apr: Decimal  # IRR-based, shown (simple) basis, of the default offer (risk.pricing.shown_apr)
    reasons: tuple[Reason, ...] = ()
    retry_after_days: int = 0
    scorecard_version: str = ""
    inputs_hash: str = ""
    valid_until: date | None = None
    rules_fired: tuple[str, ...] = field(default=())
