"""The SQL implementation of flows.ports.Store."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import IntegrityError

from flows.changes import (
    Audit,
    Change,
    OpenLoan,
    PostEntries,
    RecordConsent,
    RecordDecision,
    SaveIdentity,
    UseInvite,
)
from flows.events import Outgoing
from flows.ports import (
    ChangeRefused,
    CommitResult,
    CreditLine,
    Identity,
    Invite,
    OutboxMessage,
    Replayed,
    StaleSession,
)
from flows.session import Session, UserStatus
from flows.states import State
from lending import servicing
from lending.servicing import Loan
from risk.application import InviterStanding
from storage import tables
from storage.codec import dumps, reply_from_json, reply_to_json
from storage.database import Database
from storage.loans import insert_entries, insert_loan, load_loans, set_closed_through
from storage.pii import PiiVault
from storage.tables import table

USERS = table(tables.User)
CONV = table(tables.Conversation)
UPDATES = table(tables.ProcessedUpdate)
INVITES = table(tables.Invite)
CONSENTS = table(tables.Consent)
IDENTITIES = table(tables.Identity)
APPLICATIONS = table(tables.Application)
LINES = table(tables.CreditLine)
OUTBOX = table(tables.Outbox)
AUDIT = table(tables.AuditLog)

OUTBOX_LEASE = timedelta(seconds=60)  # how long a sender may take before another retries
OUTBOX_MAX_ATTEMPTS = 8
INVITE_CODE_BYTES = 16  # 128 bits, 22 url-safe characters


class SqlStore:
    def __init__(self, db: Database, vault: PiiVault) -> None:
        self.db = db
        self.vault = vault

    # -- the conversation ---------------------------------------------------------------

    async def load_session(self, platform: str, platform_user_id: int) -> Session | None:
        def work(conn: Connection) -> Session | None:
            row = conn.execute(
                select(USERS.c.id, CONV)
                .join(CONV, CONV.c.user_id == USERS.c.id)
                .where(USERS.c.platform == platform, USERS.c.platform_user_id == platform_user_id)
            ).first()
            if row is None:
                return None
            return Session(
                platform=platform,
                platform_user_id=platform_user_id,
                chat_id=row.chat_id,
                locale=row.locale,
                timezone=row.timezone,
                user_id=row.user_id,
                status=UserStatus(row.status),
                state=State(row.state),
                answers=json.loads(row.answers),
                screen=row.screen,
                version=row.version,
            )

        return await self.db.run(work)

    async def commit(
        self,
        before_version: int,
        session: Session,
        changes: Sequence[Change],
        update_id: int | None,
        outbox: Sequence[OutboxMessage],
        now: datetime,
    ) -> CommitResult:
        def work(conn: Connection) -> CommitResult:
            if update_id is not None:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(UPDATES).values(
                                platform=session.platform, update_id=update_id, at=now
                            )
                        )
                except IntegrityError:
                    raise Replayed from None
            user_id = _save_session(conn, before_version, session, now)
            for change in changes:
                self._apply(conn, user_id, change, now)
            ids = tuple(_enqueue(conn, message, now, leased=True) for message in outbox)
            return CommitResult(user_id, ids)

        return await self.db.run(work)

    def _apply(self, conn: Connection, user_id: int, change: Change, now: datetime) -> None:
        match change:
            case UseInvite(code=code):
                used = conn.execute(
                    update(INVITES)
                    .where(
                        INVITES.c.code == code, INVITES.c.uses_left > 0, INVITES.c.expires_at > now
                    )
                    .values(uses_left=INVITES.c.uses_left - 1)
                ).rowcount
                if used != 1:
                    raise ChangeRefused("invite no longer usable")
                inviter = conn.execute(
                    select(INVITES.c.inviter).where(INVITES.c.code == code)
                ).scalar_one()
                conn.execute(update(USERS).where(USERS.c.id == user_id).values(invited_by=inviter))
            case RecordConsent():
                conn.execute(
                    insert(CONSENTS).values(
                        user_id=user_id,
                        purpose=change.purpose,
                        granted=change.granted,
                        text_version=change.text_version,
                        text_hash=change.text_hash,
                        locale=change.locale,
                        at=now,
                    )
                )
            case SaveIdentity():
                self._save_identity(conn, user_id, change, now)
            case RecordDecision():
                _record_decision(conn, user_id, change, now)
            case OpenLoan():
                loan = servicing.open_loan(change.loan_id, change.schedule)
                try:
                    with conn.begin_nested():
                        insert_loan(
                            conn, user_id, loan, change.idempotency_key, change.term_months, now
                        )
                except IntegrityError:
                    raise ChangeRefused("drawdown already made") from None
                insert_entries(conn, change.loan_id, [change.disbursement], now)
            case PostEntries():
                insert_entries(conn, change.loan_id, change.entries, now)
                set_closed_through(conn, change.loan_id, change.closed_through)
            case Audit():
                conn.execute(
                    insert(AUDIT).values(
                        actor=f"user:{user_id}",
                        action=change.action,
                        detail=change.detail[:500],
                        at=now,
                    )
                )

    def _save_identity(
        self, conn: Connection, user_id: int, change: SaveIdentity, now: datetime
    ) -> None:
        values: dict[str, object] = {"updated_at": now}
        if change.name is not None:
            values["name_enc"] = self.vault.encrypt(change.name)
        if change.id_number is not None:
            values["id_number_enc"] = self.vault.encrypt(change.id_number)
            values["id_hash"] = self.vault.lookup_hash(change.id_number)
            values["birth_date"] = change.birth_date
        if change.phone is not None:
            values["phone_enc"] = self.vault.encrypt(change.phone)
            values["phone_hash"] = self.vault.lookup_hash(change.phone)
        updated = conn.execute(
            update(IDENTITIES).where(IDENTITIES.c.user_id == user_id).values(**values)
        ).rowcount
        if not updated:
            conn.execute(insert(IDENTITIES).values(user_id=user_id, **values))

    # -- reads for the steps --------------------------------------------------------------

    async def find_invite(self, code: str) -> Invite | None:
        def work(conn: Connection) -> Invite | None:
            row = conn.execute(select(INVITES).where(INVITES.c.code == code)).first()
            return (
                Invite(row.code, row.inviter, row.uses_left, _utc(row.expires_at)) if row else None
            )

        return await self.db.run(work)

    async def identity(self, user_id: int) -> Identity | None:
        def work(conn: Connection) -> Identity | None:
            row = conn.execute(select(IDENTITIES).where(IDENTITIES.c.user_id == user_id)).first()
            if row is None:
                return None
            reveal = self.vault.decrypt
            return Identity(
                name=reveal(row.name_enc) if row.name_enc else None,
                id_number=reveal(row.id_number_enc) if row.id_number_enc else None,
                birth_date=row.birth_date,
                phone=reveal(row.phone_enc) if row.phone_enc else None,
            )

        return await self.db.run(work)

    async def _taken(self, column: str, user_id: int | None, value: str) -> bool:
        digest = self.vault.lookup_hash(value)

        def work(conn: Connection) -> bool:
            query = select(IDENTITIES.c.user_id).where(IDENTITIES.c[column] == digest)
            if user_id is not None:
                query = query.where(IDENTITIES.c.user_id != user_id)
            return conn.execute(query.limit(1)).first() is not None

        return await self.db.run(work)

    async def identity_taken(self, user_id: int | None, id_number: str) -> bool:
        return await self._taken("id_hash", user_id, id_number)

    async def phone_taken(self, user_id: int | None, phone: str) -> bool:
        return await self._taken("phone_hash", user_id, phone)

    async def credit_line(self, user_id: int) -> CreditLine | None:
        def work(conn: Connection) -> CreditLine | None:
            row = conn.execute(select(LINES).where(LINES.c.user_id == user_id)).first()
            if row is None:
                return None
            return CreditLine(
                row.limit_fen, Decimal(row.daily_rate), Decimal(row.apr), row.grade, row.valid_until
            )

        return await self.db.run(work)

    async def loans(self, user_id: int) -> list[Loan]:
        return await self.db.run(lambda conn: load_loans(conn, user_id))

    async def inviter_standing(self, inviter: str, today: date) -> InviterStanding | None:
        if not inviter.startswith("user:") or not inviter[5:].isdigit():
            return None
        inviter_id = int(inviter[5:])

        def work(conn: Connection) -> tuple[datetime, list[Loan]] | None:
            created = conn.execute(
                select(USERS.c.created_at).where(USERS.c.id == inviter_id)
            ).scalar_one_or_none()
            return None if created is None else (created, load_loans(conn, inviter_id))

        found = await self.db.run(work)
        if found is None:
            return None
        created, loans = found
        return InviterStanding(
            has_overdue=any(
                servicing.days_past_due(loan, today) > 0
                for loan in loans
                if loan.status == "active"
            ),
            tenure_days=(today - created.date()).days,
        )

    # -- the outbox -----------------------------------------------------------------------

    async def due_outbox(self, now: datetime, limit: int) -> list[Outgoing]:
        def work(conn: Connection) -> list[Outgoing]:
            ready = or_(
                and_(OUTBOX.c.status == "pending", OUTBOX.c.not_before <= now),
                and_(OUTBOX.c.status == "leased", OUTBOX.c.lease_until < now),
            )
            rows = conn.execute(
                select(OUTBOX).where(ready).order_by(OUTBOX.c.id).limit(limit)
            ).all()
            leased = []
            for row in rows:
                # Lease each row with a conditional update, so two workers never both win it.
                won = conn.execute(
                    update(OUTBOX)
                    .where(
                        OUTBOX.c.id == row.id,
                        OUTBOX.c.status == row.status,
                        OUTBOX.c.attempts == row.attempts,
                    )
                    .values(
                        status="leased", lease_until=now + OUTBOX_LEASE, attempts=row.attempts + 1
                    )
                ).rowcount
                if won:
                    leased.append(
                        Outgoing(row.chat_id, reply_from_json(row.payload), row.id, row.platform)
                    )
            return leased

        return await self.db.run(work)

    async def mark_delivered(self, outbox_id: int, now: datetime) -> None:
        await self.db.run(
            lambda conn: conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == outbox_id)
                .values(status="sent", sent_at=now, lease_until=None)
            )
        )

    async def mark_failed(self, outbox_id: int, error: str, now: datetime) -> None:
        def work(conn: Connection) -> None:
            attempts = conn.execute(
                select(OUTBOX.c.attempts).where(OUTBOX.c.id == outbox_id)
            ).scalar_one_or_none()
            if attempts is None:
                return
            status = "dead" if attempts >= OUTBOX_MAX_ATTEMPTS else "pending"
            backoff = timedelta(seconds=min(2**attempts, 3600))
            conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == outbox_id)
                .values(
                    status=status,
                    not_before=now + backoff,
                    lease_until=None,
                    last_error=error[:200],
                )
            )

        await self.db.run(work)

    async def enqueue(self, messages: Sequence[OutboxMessage], now: datetime) -> list[int]:
        """Queue messages outside a conversation step (reminders, broadcasts); a message whose
        dedupe key is queued already is not queued twice."""
        return await self.db.run(
            lambda conn: [i for m in messages if (i := _enqueue_once(conn, m, now))]
        )

    # -- operators ---------------------------------------------------------------------------

    async def create_invite(self, inviter: str, uses: int, days: int, now: datetime) -> str:
        code = secrets.token_urlsafe(INVITE_CODE_BYTES)

        def work(conn: Connection) -> str:
            conn.execute(
                insert(INVITES).values(
                    code=code,
                    inviter=inviter,
                    max_uses=uses,
                    uses_left=uses,
                    expires_at=now + timedelta(days=days),
                    created_at=now,
                )
            )
            conn.execute(
                insert(AUDIT).values(
                    actor=inviter,
                    action="invite_created",
                    detail=f"uses={uses} days={days}",
                    at=now,
                )
            )
            return code

        return await self.db.run(work)


def _inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None, "an INSERT into a table with a serial key returns the key"
    return int(key[0])


def _utc(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _save_session(conn: Connection, before_version: int, session: Session, now: datetime) -> int:
    values = {
        "chat_id": session.chat_id,
        "locale": session.locale,
        "timezone": session.timezone,
        "status": str(session.status),
        "state": str(session.state),
        "answers": dumps(session.answers),
        "screen": session.screen,
        "version": before_version + 1,
        "updated_at": now,
    }
    if session.user_id is None:
        try:
            with conn.begin_nested():
                user_id = _inserted_id(
                    conn.execute(
                        insert(USERS).values(
                            platform=session.platform,
                            platform_user_id=session.platform_user_id,
                            created_at=now,
                        )
                    )
                )
        except IntegrityError:
            raise StaleSession from None
        conn.execute(insert(CONV).values(user_id=user_id, **values))
        return user_id
    saved = conn.execute(
        update(CONV)
        .where(CONV.c.user_id == session.user_id, CONV.c.version == before_version)
        .values(**values)
    ).rowcount
    if saved != 1:
        raise StaleSession
    return session.user_id


def _record_decision(conn: Connection, user_id: int, change: RecordDecision, now: datetime) -> None:
    application_id = _inserted_id(
        conn.execute(
            insert(APPLICATIONS).values(
                user_id=user_id,
                inputs=dumps(change.inputs),
                inputs_hash=change.inputs_hash,
                scorecard_version=change.scorecard_version,
                outcome=change.outcome,
                score=change.score,
                grade=change.grade,
                reasons=dumps(list(change.reasons)),
                decided_at=now,
            )
        )
    )
    if change.limit_fen <= 0:
        return
    values = {
        "application_id": application_id,
        "limit_fen": change.limit_fen,
        "daily_rate": str(change.daily_rate),
        "apr": str(change.apr),
        "grade": change.grade,
        "valid_until": change.valid_until,
        "updated_at": now,
    }
    if not conn.execute(update(LINES).where(LINES.c.user_id == user_id).values(**values)).rowcount:
        conn.execute(insert(LINES).values(user_id=user_id, **values))


def _enqueue(conn: Connection, message: OutboxMessage, now: datetime, leased: bool) -> int:
    return _inserted_id(
        conn.execute(
            insert(OUTBOX).values(
                chat_id=message.chat_id,
                platform=message.platform,
                payload=reply_to_json(message.reply),
                status="leased" if leased else "pending",
                attempts=1 if leased else 0,
                not_before=message.not_before or now,
                lease_until=now + OUTBOX_LEASE if leased else None,
                dedupe_key=message.dedupe_key,
                created_at=now,
            )
        )
    )


def _enqueue_once(conn: Connection, message: OutboxMessage, now: datetime) -> int | None:
    try:
        with conn.begin_nested():
            return _enqueue(conn, message, now, leased=False)
    except IntegrityError:
        return None
