"""The tables. Money in integer fen (BIGINT), rates as exact decimals (NUMERIC without a bound
on PostgreSQL, text on SQLite, whose NUMERIC would round them to a float), time in UTC.

A person's conversation (state, answers, locale, status) is one row, read and written once per
update; everything about money and identity lives in its own table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _big() -> Any:
    """A required BIGINT column: Telegram ids and fen amounts outgrow 32 bits."""
    return Field(sa_column=Column(BigInteger, nullable=False))


def _rate() -> Any:
    """A required exact rate: every digit the pricing code produces is kept (a capped penalty
    rate has 30 of them)."""
    return Field(sa_column=Column(Numeric().with_variant(Text(), "sqlite"), nullable=False))


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    platform_user_id: int = _big()
    invited_by: str | None = Field(default=None, max_length=64)
    created_at: datetime


class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    chat_id: int = _big()
    locale: str = Field(max_length=8)
    timezone: str = Field(max_length=64)
    status: str = Field(max_length=16, index=True)
    state: str = Field(max_length=32)
    answers: str  # JSON; never holds a name, an ID number or a phone number
    screen: int
    version: int
    updated_at: datetime


class ProcessedUpdate(SQLModel, table=True):
    __tablename__ = "processed_updates"
    platform: str = Field(primary_key=True, max_length=16)
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    at: datetime = Field(index=True)
    replies: str | None = None  # JSON: what it answered, resent when Telegram redelivers it


class Invite(SQLModel, table=True):
    __tablename__ = "invites"
    code: str = Field(primary_key=True, max_length=64)
    inviter: str = Field(max_length=64)
    max_uses: int
    uses_left: int
    expires_at: datetime
    created_at: datetime


class Consent(SQLModel, table=True):
    __tablename__ = "consents"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    purpose: str = Field(max_length=32)
    granted: bool
    text_version: str = Field(max_length=32)
    text_hash: str = Field(max_length=64)
    locale: str = Field(max_length=8)
    at: datetime


class Identity(SQLModel, table=True):
    __tablename__ = "identities"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    name_enc: str | None = None
    id_number_enc: str | None = None
    # Unique: two accounts can never hold one ID number or phone, even when both register at
    # the same moment (NULLs, e.g. an erased account, do not collide).
    id_hash: str | None = Field(default=None, unique=True, max_length=64)
    birth_date_enc: str | None = None  # encrypted like the ID number it is read from
    phone_enc: str | None = None
    phone_hash: str | None = Field(default=None, unique=True, max_length=64)
    updated_at: datetime


class Application(SQLModel, table=True):
    __tablename__ = "applications"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    inputs: str  # JSON of the risk inputs (no personal identifiers)
    inputs_hash: str = Field(max_length=64)
    scorecard_version: str = Field(max_length=64)
    outcome: str = Field(max_length=16, index=True)
    score: int
    grade: str = Field(max_length=8)
    reasons: str  # JSON list of reason codes
    decided_at: datetime


class CreditLine(SQLModel, table=True):
    __tablename__ = "credit_lines"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    application_id: int = Field(foreign_key="applications.id")
    limit_fen: int = _big()
    daily_rate: str = _rate()
    apr: str = _rate()
    grade: str = Field(max_length=8)
    valid_until: date | None = None
    updated_at: datetime


class Loan(SQLModel, table=True):
    __tablename__ = "loans"
    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="users.id", index=True)
    idempotency_key: str = Field(unique=True, max_length=128)
    principal_fen: int = _big()
    term_months: int
    method: str = Field(max_length=32)
    daily_rate: str = _rate()
    penalty_daily_rate: str = _rate()
    fee_fen: int = _big()
    start_date: date
    freeze_after_dpd: int
    closed_through: date | None = None
    created_at: datetime


class Instalment(SQLModel, table=True):
    __tablename__ = "instalments"
    loan_id: str = Field(primary_key=True, foreign_key="loans.id", max_length=32)
    number: int = Field(primary_key=True)
    due_date: date = Field(index=True)
    principal_fen: int = _big()
    interest_fen: int = _big()


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    key: str = Field(primary_key=True, max_length=160)
    loan_id: str = Field(foreign_key="loans.id", index=True, max_length=32)
    seq: int  # order of posting within the loan; entries are replayed in this order
    at: date
    kind: str = Field(max_length=32)
    posted_at: datetime


class Posting(SQLModel, table=True):
    __tablename__ = "postings"
    id: int | None = Field(default=None, primary_key=True)
    entry_key: str = Field(foreign_key="ledger_entries.key", index=True, max_length=160)
    account: str = Field(max_length=64)
    amount_fen: int = _big()


class Outbox(SQLModel, table=True):
    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = _big()
    platform: str = Field(max_length=16)
    payload: str  # JSON of the Reply
    status: str = Field(max_length=16, index=True)  # pending, leased, sent, dead, void
    attempts: int = 0
    not_before: datetime = Field(index=True)
    lease_until: datetime | None = None
    dedupe_key: str = Field(unique=True, max_length=160)
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime
    sent_at: datetime | None = None


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64, index=True)
    detail: str = Field(max_length=500)
    at: datetime


class VaultCheck(SQLModel, table=True):
    """Proof of the key the personal data was written with: a start with another PII_KEY
    stops before it can write under the wrong key or miss a duplicate."""

    __tablename__ = "vault_check"
    id: int = Field(primary_key=True)
    canary_enc: str  # a known text, encrypted with PII_KEY
    lookup_check: str = Field(max_length=64)  # the keyed hash of that text


class PiiLookupKey(SQLModel, table=True):
    """The key of the duplicate-lookup hashes, encrypted with PII_KEY: it stays the same when
    the encryption key is rotated, so the hashes stay findable (storage/pii.py)."""

    __tablename__ = "pii_lookup_key"
    id: int = Field(primary_key=True)
    key_enc: str


class ErasedAccount(SQLModel, table=True):
    """An account whose personal data was erased. What the law makes us keep (loans, ledger,
    consent records) stays, tied to the person only by a keyed hash, until `keep_until`; the
    retention job then removes it too."""

    __tablename__ = "erased_accounts"
    user_id: int = Field(primary_key=True)
    subject_hash: str = Field(max_length=64)  # keyed hash of the platform user id
    reason: str = Field(max_length=32)  # deleted by the person, or retention
    erased_at: datetime
    keep_until: date = Field(index=True)
    purged_at: datetime | None = None


class JobLease(SQLModel, table=True):
    """Who runs a recurring job for which period (storage/leases.py): with several processes on
    one database, each period of a job is claimed by exactly one of them."""

    __tablename__ = "job_leases"
    job: str = Field(primary_key=True, max_length=64)
    period: str = Field(max_length=32)  # e.g. 2026-11-24 for a daily job; sorts in time order
    holder: str = Field(max_length=128)  # host:pid of the claiming process
    lease_until: datetime
    done_at: datetime | None = None


class LoanPosition(SQLModel, table=True):
    """What a loan's ledger adds up to, updated in the transaction of every posting (so a read
    never replays days), and how far close of business has gone. The ledger stays the truth:
    tests check the one against the other."""

    __tablename__ = "loan_positions"
    # The nightly job's claim: active loans not yet closed through a night, read by index.
    __table_args__ = (Index("ix_loan_positions_work", "status", "closed_through"),)
    loan_id: str = Field(primary_key=True, foreign_key="loans.id", max_length=32)
    user_id: int = Field(foreign_key="users.id", index=True)
    status: str = Field(max_length=16)  # approved, active, closed, written_off
    closed_through: date  # the last day close of business ran for (start - 1 before any)
    days_past_due: int = 0  # as of closed_through
    balances: str  # JSON of lending.position.Position
    updated_at: datetime


class ServicingFreeze(SQLModel, table=True):
    """A credit line frozen by close of business for days past due (not by an operator): only
    these are lifted automatically when the borrower is cured."""

    __tablename__ = "servicing_freezes"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    since: date
    days_past_due: int


class Reminder(SQLModel, table=True):
    """One repayment reminder of one instalment: unique per (loan, instalment, kind), so it is
    planned and sent once; its outbox row is written in the transaction that marks it sent."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("loan_id", "instalment", "kind"),
        # The sweep reads what is due through this index: its cost follows what is due.
        Index("ix_reminders_due", "status", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    loan_id: str = Field(foreign_key="loans.id", max_length=32)
    instalment: int
    kind: str = Field(max_length=16)  # before_3, before_1, due, overdue_7...
    local_day: date  # the borrower's calendar day it is meant for
    due_at: datetime  # UTC: the borrower's reminder hour that day, or the end of quiet hours
    status: str = Field(max_length=16)  # planned, sent, covered, dropped, unreachable
    outbox_id: int | None = None
    updated_at: datetime


class ReminderDay(SQLModel, table=True):
    """At most one reminder message per borrower per local day, even from two schedulers."""

    __tablename__ = "reminder_days"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    local_day: date = Field(primary_key=True)
    reminder_id: int


class ReminderPreference(SQLModel, table=True):
    __tablename__ = "reminder_preferences"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    hour: int  # local, 8..20
    three_day_notice: bool
    updated_at: datetime


class UnreachableUser(SQLModel, table=True):
    """Telegram answered 403 (the person blocked the bot): no reminders until they write again."""

    __tablename__ = "unreachable_users"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    since: datetime
    reason: str | None = Field(default=None, max_length=200)  # Telegram's words, if known


class OperatorGrant(SQLModel, table=True):
    """The operator role given in the chat by an admin (`/operator add`); a revoke deletes the
    row, and both are in the operator audit log. OPERATOR_IDS and ADMIN_IDS need no row."""

    __tablename__ = "operator_grants"
    platform: str = Field(primary_key=True, max_length=16)
    platform_user_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    granted_by: int = _big()
    granted_at: datetime


class OperatorAudit(SQLModel, table=True):
    """The operator audit log: one row per operator action, in the action's own transaction.
    Append-only: no code path updates or deletes a row."""

    __tablename__ = "operator_audit"
    id: int | None = Field(default=None, primary_key=True)
    actor: int = _big()  # the operator's platform user id
    role: str = Field(max_length=16)
    action: str = Field(max_length=32, index=True)
    target_user_id: int | None = Field(default=None, index=True)  # internal account id
    parameters: str = Field(max_length=500)  # personal data masked before it gets here
    result: str = Field(max_length=32)
    at: datetime


class AccountFreeze(SQLModel, table=True):
    """Why an account is frozen (the conversation's status says that it is)."""

    __tablename__ = "account_freezes"
    user_id: int = Field(primary_key=True, foreign_key="users.id")
    reason: str = Field(max_length=300)
    frozen_by: int = _big()
    frozen_at: datetime


class Broadcast(SQLModel, table=True):
    """An announcement to many people, composed by an admin; its recipients are fixed when it
    is confirmed, and each one's progress is a row of broadcast_recipients."""

    __tablename__ = "broadcasts"
    id: int | None = Field(default=None, primary_key=True)
    created_by: int = _big()  # the admin's platform user id
    admin_chat_id: int = _big()
    admin_locale: str = Field(max_length=8)
    platform: str = Field(max_length=16)
    text_en: str | None = None
    text_zh: str | None = None
    audience: str = Field(max_length=16)
    kind: str = Field(max_length=16)  # service or marketing
    status: str = Field(max_length=16, index=True)  # running, done, cancelled
    status_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    total: int
    created_at: datetime
    finished_at: datetime | None = None


class BroadcastRecipient(SQLModel, table=True):
    __tablename__ = "broadcast_recipients"
    broadcast_id: int = Field(primary_key=True, foreign_key="broadcasts.id")
    user_id: int = Field(primary_key=True)
    chat_id: int = _big()
    locale: str = Field(max_length=8)
    timezone: str = Field(max_length=64)
    # pending -> sending (claimed, committed before the send) -> sent | failed | unreachable
    status: str = Field(max_length=16, index=True)
    attempts: int = 0
    not_before: datetime
    error: str | None = Field(default=None, max_length=200)
    sent_at: datetime | None = None


class ReviewDecision(SQLModel, table=True):
    """A person's decision on an application that waited for one. One per application: of two
    operators deciding at once, the second insert fails and that operator is told."""

    __tablename__ = "review_decisions"
    application_id: int = Field(primary_key=True, foreign_key="applications.id")
    user_id: int = Field(foreign_key="users.id", index=True)
    decision: str = Field(max_length=16)  # approved, declined
    reason: str = Field(max_length=300)
    operator: int = _big()
    decided_at: datetime


class StaffMenu(SQLModel, table=True):
    """A staff command menu published to one chat (setMyCommands with a chat scope): kept so a
    role revoked in the chat, or taken out of ADMIN_IDS/OPERATOR_IDS, gets its menu deleted,
    even when that happened while the bot was down."""

    __tablename__ = "staff_menus"
    platform: str = Field(primary_key=True, max_length=16)
    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    role: str = Field(max_length=16)  # admin, operator
    published_at: datetime


class DrawdownRequest(SQLModel, table=True):
    """A drawdown above the review threshold, waiting for a person. Decided once: the decision
    is an UPDATE guarded by status = 'pending', so of two operators at once one wins; an
    approval opens the loan under the request's own idempotency key."""

    __tablename__ = "drawdown_requests"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    idempotency_key: str = Field(unique=True, max_length=128)  # a double Confirm asks once
    amount_fen: int = _big()
    term_months: int
    daily_rate: str = _rate()  # the line's rate the borrower saw and confirmed
    status: str = Field(max_length=16, index=True)  # pending, approved, declined
    requested_at: datetime
    decided_at: datetime | None = None
    operator: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    reason: str | None = Field(default=None, max_length=300)
    loan_id: str | None = Field(default=None, max_length=32)


class Ticket(SQLModel, table=True):
    """A complaint: opened by a borrower, answered and closed by operators."""

    __tablename__ = "tickets"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, max_length=32)  # shown to both sides: <account>-<n>
    user_id: int = Field(foreign_key="users.id", index=True)
    category: str = Field(max_length=32)
    text: str = Field(max_length=2000)
    status: str = Field(max_length=16, index=True)  # open, answered, closed
    created_at: datetime
    respond_by: datetime  # the response time promised when it was opened
    closed_at: datetime | None = None


class TicketReply(SQLModel, table=True):
    __tablename__ = "ticket_replies"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    operator: int = _big()
    text: str = Field(max_length=2000)
    at: datetime
