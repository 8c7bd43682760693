"""What a step wants written. Steps return these; storage applies them in one transaction.

Keeping writes as data means a step never half-writes: either the whole update commits (new
state, these changes, the outbox rows, the processed update id) or nothing does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lending.ledger import Entry
from lending.schedule import Schedule


@dataclass(frozen=True, slots=True)
class UseInvite:
    code: str


@dataclass(frozen=True, slots=True)
class RecordConsent:
    purpose: str
    granted: bool
    text_version: str
    text_hash: str
    locale: str


@dataclass(frozen=True, slots=True)
class SaveIdentity:
    """Only the fields given are written; storage encrypts them and keeps keyed hashes."""

    name: str | None = None
    id_number: str | None = None
    birth_date: date | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class RecordDecision:
    inputs: dict[str, object]
    inputs_hash: str
    scorecard_version: str
    outcome: str
    score: int
    grade: str
    reasons: tuple[str, ...]
    limit_fen: int
    daily_rate: Decimal
    apr: Decimal
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class OpenLoan:
    """A drawdown: the loan, its schedule and the disbursement entry, under one key."""

    loan_id: str
    idempotency_key: str
    schedule: Schedule
    term_months: int
    disbursement: Entry


@dataclass(frozen=True, slots=True)
class PostEntries:
    """New ledger entries of a loan (repayment, accruals caught up on the way)."""

    loan_id: str
    entries: tuple[Entry, ...]
    closed_through: date | None = None


@dataclass(frozen=True, slots=True)
class SaveReminderPreferences:
    """The borrower's reminder hour (local) and whether they want the 3-day notice."""

    hour: int
    three_day_notice: bool
    timezone: str


@dataclass(frozen=True, slots=True)
class Audit:
    action: str
    detail: str


@dataclass(frozen=True, slots=True)
class Reschedule:
    """A loan's new schedule after a partial prepayment; applied before its PostEntries."""

    loan_id: str
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class EraseAccount:
    """The person asked to delete their account: their personal data is erased, what the law
    requires is kept without it until `keep_until`."""

    keep_until: date


Change = (
    UseInvite
    | RecordConsent
    | SaveIdentity
    | RecordDecision
    | OpenLoan
    | PostEntries
    | Audit
    | Reschedule
    | EraseAccount
    | SaveReminderPreferences
)
