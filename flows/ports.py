"""What the conversation reads from storage, and the one call that writes.

Flows depend on these protocols only; storage/ implements them. A whole step runs as one unit
of work: `Store.unit_of_work` opens one transaction and hands the engine a `UnitOfWork` bound
to it, so the session, every read the step makes, and the commit of its changes see the same
data, in one trip to the database thread. No decision rests on data the commit did not see.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from flows.changes import Change
from flows.events import Outgoing, Reply
from flows.reminder_plan import Preferences
from flows.session import Session
from lending.servicing import Loan
from risk.application import InviterStanding

T = TypeVar("T")


class Replayed(Exception):
    """The update id was processed before: the update must have no second effect. `replies`
    are what it answered then (resent after a crash between commit and send), or None when
    another worker is answering it right now."""

    def __init__(self, replies: Sequence[Reply] | None = None) -> None:
        super().__init__("update already processed")
        self.replies = tuple(replies or ())


class StaleSession(Exception):
    """Someone else saved this conversation since it was read: read again and redo the step."""


class ChangeRefused(Exception):
    """A change no longer holds at commit time (an invite used up meanwhile, a duplicate key)."""


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    inviter: str
    uses_left: int
    expires_at: datetime

    def usable(self, now: datetime) -> bool:
        return self.uses_left > 0 and now < self.expires_at


@dataclass(frozen=True, slots=True)
class Identity:
    name: str | None
    id_number: str | None
    birth_date: date | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class CreditLine:
    limit_fen: int
    daily_rate: Decimal
    apr: Decimal
    grade: str
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    chat_id: int
    platform: str
    reply: Reply
    dedupe_key: str
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One purpose's consent as it stands: the latest grant or withdrawal."""

    purpose: str
    granted: bool
    text_version: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CommitResult:
    user_id: int
    outbox_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Account:
    """Another person, as an operator acts on them."""

    user_id: int
    platform: str
    platform_user_id: int
    chat_id: int
    locale: str
    status: str
    state: str


@dataclass(frozen=True, slots=True)
class BroadcastSummary:
    broadcast_id: int
    created_at: datetime
    kind: str
    status: str
    total: int
    counts: dict[str, int]  # recipients by status: sent, failed, unreachable, pending...


@dataclass(frozen=True, slots=True)
class ReviewItem:
    account: Account
    application_id: int
    outcome: str  # review (sent to a person) or declined (the person asked for a human review)
    score: int
    grade: str
    reasons: tuple[str, ...]  # reason codes, policy rule hits included
    inputs: dict[str, str]
    identity: Identity | None  # shown masked, never in full
    decision: dict[str, Any]  # what the automatic decision told the borrower (and its offer)
    queued_at: datetime


@dataclass(frozen=True, slots=True)
class DrawdownItem:
    """A drawdown above the review threshold waiting for a person, with what they need to
    decide it: the borrower (masked), the ask, the line, and the score behind the line."""

    account: Account
    request_id: int
    amount_fen: int
    term_months: int
    daily_rate: Decimal
    limit_fen: int
    score: int | None
    grade: str | None
    reasons: tuple[str, ...]
    identity: Identity | None  # shown masked, never in full
    answers: dict[str, Any]  # the borrower's answers: a withdrawn required consent stops it
    timezone: str  # the borrower's: their schedule's due dates follow their calendar
    queued_at: datetime


@dataclass(frozen=True, slots=True)
class PendingDrawdown:
    request_id: int
    amount_fen: int
    term_months: int


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket_id: int
    number: str
    account: Account
    category: str
    text: str
    status: str
    created_at: datetime
    respond_by: datetime


@dataclass(frozen=True, slots=True)
class Funnel:
    invited: int
    started: int
    consented: int
    kyc_done: int
    approved: int
    declined: int
    first_drawdown: int


@dataclass(frozen=True, slots=True)
class Portfolio:
    active_loans: int
    outstanding_principal_fen: int
    buckets: dict[str, tuple[int, int]]  # delinquency bucket -> (loans, principal fen)
    approved: int
    decided: int


@dataclass(frozen=True, slots=True)
class UserRecord:
    consents: list[tuple[str, bool, datetime]]  # purpose, granted, when
    decisions: list[tuple[str, str, int, datetime]]  # outcome, grade, score, when


@dataclass(frozen=True, slots=True)
class InviteFigures:
    code: str
    uses_left: int
    expires_at: datetime
    joined: int
    approved: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: int
    role: str
    action: str
    target_user_id: int | None
    parameters: str
    result: str


class Repository(Protocol):
    """What a step reads, answered from the update's open transaction.

    The methods are coroutines so steps read the same way whatever the store, but inside a unit
    of work they never suspend: the engine runs the whole step on the database thread.
    """

    async def find_invite(self, code: str) -> Invite | None: ...

    async def identity(self, user_id: int) -> Identity | None: ...

    async def identity_taken(self, user_id: int | None, id_number: str) -> bool:
        """The ID number belongs to another account (keyed hash lookup)."""
        ...

    async def phone_taken(self, user_id: int | None, phone: str) -> bool: ...

    async def credit_line(self, user_id: int) -> CreditLine | None: ...

    async def loans(self, user_id: int) -> list[Loan]: ...

    async def inviter_standing(self, inviter: str, today: date) -> InviterStanding | None:
        """How the inviting customer stands; None for operators' invites or unknown inviters.
        Asked only when the borrower consented to the use of the invite relationship."""
        ...

    async def consents(self, user_id: int) -> list[ConsentRecord]:
        """Each purpose's latest consent record."""
        ...

    async def export_data(self, user_id: int, chat_id: int) -> dict[str, Any]:
        """Everything held about the person, table by table, personal fields decrypted."""
        ...

    async def last_money_day(self, user_id: int) -> date | None:
        """The day of the person's last ledger entry, from which retention is counted."""
        ...

    async def reminder_preferences(self, user_id: int) -> Preferences: ...

    # -- operators (issue 11) -------------------------------------------------------------

    async def granted_operator(self, platform: str, platform_user_id: int) -> bool:
        """An admin gave this person the operator role in the chat."""
        ...

    async def find_accounts(
        self, platform: str, telegram_id: int | None, account_id: int | None
    ) -> list[Account]:
        """The accounts with this platform user id or this internal id (0, 1 or 2 of them)."""
        ...

    async def freeze_reason(self, user_id: int) -> str | None: ...

    async def frozen_for_arrears(self, user_id: int) -> bool:
        """Close of business froze this line for days past due (lifted when cured)."""
        ...

    async def audit_entries(
        self, target_user_id: int | None, action: str | None, limit: int
    ) -> list[AuditEntry]:
        """The newest operator audit rows, optionally about one account or of one action."""
        ...

    async def audience_size(self, audience: str, kind: str, today: date) -> int:
        """How many people a broadcast to `audience` of `kind` would reach now."""
        ...

    async def running_broadcast_id(self) -> int | None: ...

    async def recent_broadcasts(self, limit: int) -> list[BroadcastSummary]: ...

    async def review_queue(self, limit: int) -> list[ReviewItem | DrawdownItem]:
        """Applications and drawdowns waiting for a person, oldest first."""
        ...

    async def drawdown_item(self, request_id: int) -> DrawdownItem | None:
        """The drawdown request while it still waits; None once decided."""
        ...

    async def pending_drawdown(self, user_id: int) -> PendingDrawdown | None: ...

    async def drawdown_decided(self, request_id: int) -> bool:
        """A person approved or declined this drawdown request (its row outlives the queue)."""
        ...

    async def review_item(self, user_id: int) -> ReviewItem | None:
        """This person's undecided item, or None (decided meanwhile, or never queued)."""
        ...

    async def application_decided(self, application_id: int) -> bool:
        """A person's decision on this application is recorded."""
        ...

    async def tickets_of(self, user_id: int) -> list[TicketView]: ...

    async def open_tickets(self, limit: int) -> list[TicketView]:
        """Open and answered tickets, oldest first."""
        ...

    async def ticket(self, number: str) -> TicketView | None: ...

    async def funnel(self, since: datetime) -> Funnel: ...

    async def portfolio(self, today: date) -> Portfolio: ...

    async def user_record(self, user_id: int) -> UserRecord: ...

    async def invites_by(self, inviter_prefix: str) -> list[InviteFigures]: ...


class UnitOfWork(Repository, Protocol):
    """One transaction: the engine's view of it. Everything here runs on the database thread."""

    def serialize_user(self, platform: str, platform_user_id: int) -> None:
        """Hold this user's lock until the transaction ends (PostgreSQL: an advisory lock, so
        replicas take one user's updates one at a time; SQLite has one writer anyway)."""
        ...

    def replayed(self, platform: str, update_id: int) -> Sequence[Reply] | None:
        """The replies of an update processed before, or None when it is new."""
        ...

    def load_session(self, platform: str, platform_user_id: int) -> Session | None: ...

    def commit(
        self,
        before_version: int,
        session: Session,
        changes: Sequence[Change],
        update_id: int | None,
        outbox: Sequence[OutboxMessage],
        replies: Sequence[Reply],
        now: datetime,
    ) -> CommitResult:
        """Save the session (if `before_version` still holds), apply the changes, record the
        update id with its (non-outbox) replies and queue the outbox rows. Raises Replayed,
        StaleSession or ChangeRefused; the unit of work is then rolled back whole."""
        ...


class Store(Protocol):
    async def unit_of_work(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run `work` inside one transaction on the database thread; commit when it returns,
        roll back when it raises."""
        ...

    async def due_outbox(self, now: datetime, limit: int) -> list[Outgoing]: ...

    async def mark_delivered(self, outbox_id: int, now: datetime) -> None: ...

    async def mark_failed(self, outbox_id: int, error: str, now: datetime) -> None: ...


class SuspendedInUnitOfWork(RuntimeError):
    """A step awaited something that really waits (network, a timer) inside a unit of work."""


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends, synchronously: a step inside a unit of work only
    awaits the repository, whose reads are answered at once from the open transaction."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise SuspendedInUnitOfWork("a step may only await the repository")
