"""What the conversation reads from storage, and the one call that writes.

Flows depend on this protocol only; storage/ implements it. Reads happen before the step
decides; every write of an update goes through `commit`, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from flows.changes import Change
from flows.events import Outgoing, Reply
from flows.session import Session
from lending.servicing import Loan
from risk.application import InviterStanding


class Replayed(Exception):
    """The update id was processed before: the update must have no second effect."""


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
class CommitResult:
    user_id: int
    outbox_ids: tuple[int, ...]


class Store(Protocol):
    async def load_session(self, platform: str, platform_user_id: int) -> Session | None: ...

    async def commit(
        self,
        before_version: int,
        session: Session,
        changes: Sequence[Change],
        update_id: int | None,
        outbox: Sequence[OutboxMessage],
        now: datetime,
    ) -> CommitResult:
        """Save the session (if `before_version` still holds), apply the changes, record the
        update id and queue the outbox rows, all in one transaction. Raises Replayed,
        StaleSession or ChangeRefused, having written nothing."""
        ...

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

    async def due_outbox(self, now: datetime, limit: int) -> list[Outgoing]: ...

    async def mark_delivered(self, outbox_id: int, now: datetime) -> None: ...

    async def mark_failed(self, outbox_id: int, error: str, now: datetime) -> None: ...
