"""What a step wants written. Steps return these; storage applies them in one transaction.

Keeping writes as data means a step never half-writes: either the whole update commits (new
state, these changes, the outbox rows, the processed update id) or nothing does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flows.events import Reply
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
    # The loan's days past due after these entries (a repayment can cure it at once).
    days_past_due: int | None = None


@dataclass(frozen=True, slots=True)
class LiftArrearsFreeze:
    """A repayment cured the borrower: the freeze close of business put on their line for
    days past due is lifted in the repayment's own transaction (an operator's never is)."""


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


# -- operators (issue 11) ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    """A message to another person than the one whose update this is, queued in the outbox in
    the same transaction as the change that it announces."""

    chat_id: int
    platform: str
    reply: Reply
    dedupe_key: str


@dataclass(frozen=True, slots=True)
class AuditOperatorAction:
    """One row of the operator audit log, written with the action it records."""

    actor: int  # the operator's platform user id
    role: str
    action: str
    target_user_id: int | None
    parameters: str  # masked: never a full ID number, phone number or name
    result: str


@dataclass(frozen=True, slots=True)
class GrantOperator:
    platform: str
    platform_user_id: int
    granted_by: int


@dataclass(frozen=True, slots=True)
class RevokeOperator:
    platform: str
    platform_user_id: int


@dataclass(frozen=True, slots=True)
class SetFrozen:
    """Freeze (reason given) or unfreeze (reason None) another person's account, and tell them.
    Their conversation's version is bumped so a session cached anywhere is read again."""

    user_id: int
    reason: str | None
    by: int
    notice: Notice


@dataclass(frozen=True, slots=True)
class StartBroadcast:
    """Fix the recipients and queue the broadcast for the background sender."""

    created_by: int
    admin_chat_id: int
    admin_locale: str
    platform: str
    text_en: str | None
    text_zh: str | None
    audience: str
    kind: str


@dataclass(frozen=True, slots=True)
class CancelBroadcast:
    broadcast_id: int


@dataclass(frozen=True, slots=True)
class DecideReview:
    """A reviewer's final word on an application: moves the borrower out of manual review (the
    edge is checked against flows.states), opens the credit line on approval, and tells them.
    Refused when someone decided first."""

    application_id: int
    user_id: int
    decision: str  # approved or declined
    reason: str
    operator: int
    decision_answers: dict[str, object]  # the borrower's answers["decision"] from now on
    credit_line: dict[str, object] | None  # the offer to open, on approval
    notice: Notice


@dataclass(frozen=True, slots=True)
class RequestDrawdown:
    """The borrower's Confirm on a drawdown above the review threshold: it waits for a person.
    One per key (a second Confirm asks nothing more), one pending per borrower."""

    idempotency_key: str
    amount_fen: int
    term_months: int
    daily_rate: Decimal


@dataclass(frozen=True, slots=True)
class DecideDrawdown:
    """A person's word on a drawdown request. Refused when someone decided first; an approval
    opens `loan` for the borrower (its key is the request's, so it is opened once)."""

    request_id: int
    user_id: int
    decision: str  # approved or declined
    reason: str
    operator: int
    loan: OpenLoan | None
    notice: Notice


@dataclass(frozen=True, slots=True)
class SendNotice:
    """Tell another person something (a reviewer's question, a reply to their complaint)."""

    notice: Notice


@dataclass(frozen=True, slots=True)
class OpenTicket:
    """A complaint of the person whose update this is."""

    number: str
    category: str
    text: str
    respond_by: datetime


@dataclass(frozen=True, slots=True)
class AnswerTicket:
    ticket_id: int
    operator: int
    text: str
    notice: Notice


@dataclass(frozen=True, slots=True)
class CloseTicket:
    ticket_id: int
    notice: Notice


@dataclass(frozen=True, slots=True)
class CreateInvite:
    code: str
    inviter: str
    uses: int
    days: int


@dataclass(frozen=True, slots=True)
class RevokeInvite:
    code: str
    inviter_prefix: str  # an admin revokes only their own invites


OperatorChange = (
    AuditOperatorAction
    | GrantOperator
    | RevokeOperator
    | SetFrozen
    | StartBroadcast
    | CancelBroadcast
    | DecideReview
    | RequestDrawdown
    | DecideDrawdown
    | SendNotice
    | OpenTicket
    | AnswerTicket
    | CloseTicket
    | CreateInvite
    | RevokeInvite
)

Change = (
    UseInvite
    | RecordConsent
    | SaveIdentity
    | RecordDecision
    | OpenLoan
    | PostEntries
    | LiftArrearsFreeze
    | Audit
    | Reschedule
    | EraseAccount
    | SaveReminderPreferences
    | OperatorChange
)
