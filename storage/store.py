"""The SQL implementation of flows.ports.Store."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Coroutine, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from flows.changes import (
    AnswerTicket,
    Audit,
    AuditOperatorAction,
    CancelBroadcast,
    Change,
    CloseTicket,
    CreateInvite,
    DecideDrawdown,
    DecideReview,
    EraseAccount,
    GrantOperator,
    LiftArrearsFreeze,
    OpenLoan,
    OpenTicket,
    PostEntries,
    RecordConsent,
    RecordDecision,
    RequestDrawdown,
    Reschedule,
    RevokeInvite,
    RevokeOperator,
    SaveIdentity,
    SaveReminderPreferences,
    SendNotice,
    SetFrozen,
    StartBroadcast,
    UseInvite,
)
from flows.events import Outgoing, Reply
from flows.operators.broadcast_rules import Audience, Kind
from flows.ports import (
    Account,
    AuditEntry,
    BroadcastSummary,
    ChangeRefused,
    CommitResult,
    ConsentRecord,
    CreditLine,
    DrawdownItem,
    Funnel,
    Identity,
    Invite,
    InviteFigures,
    OutboxMessage,
    PendingDrawdown,
    Portfolio,
    Replayed,
    ReviewItem,
    StaleSession,
    TicketView,
    UserRecord,
    run_to_end,
)
from flows.reminder_plan import Preferences
from flows.session import Session, UserStatus
from flows.states import State
from flows.validation import birth_date_in
from lending import servicing
from lending.servicing import Loan
from risk.application import InviterStanding
from storage import audit as audit_log
from storage import broadcasts, drawdown_reviews, operators, privacy, reviews, stats, tickets
from storage import outbox as outbox_rows
from storage import reminders as reminder_rows
from storage.close_of_business import arrears_frozen, lift_arrears_freeze
from storage.codec import dumps, reply_from_json, reply_to_json
from storage.database import Database
from storage.loans import insert_entries, load_loans, set_closed_through
from storage.pii import PiiVault
from storage.prepayments import replace_instalments
from storage.sql import Row, Tx, is_unique_violation, optional_day, utc

INVITE_CODE_BYTES = 16  # 128 bits, 22 url-safe characters
T = TypeVar("T")


class TxStore:
    """The unit of work of one update: every read and the commit, on one open transaction."""

    def __init__(self, tx: Tx, vault: PiiVault) -> None:
        self.tx = tx
        self.vault = vault
        self.erased = False  # personal data was erased: scrub the database file after commit
        # Reads a step repeats (a Confirm and the home screen after it both want the credit
        # line and the loans) are answered once: nothing is written before the commit, so the
        # second read inside this transaction could only return the same rows.
        self._lines: dict[int, CreditLine | None] = {}
        self._loans: dict[int, list[Loan]] = {}
        self._pending: dict[int, PendingDrawdown | None] = {}

    # -- the engine's side ----------------------------------------------------------------

    def serialize_user(self, platform: str, platform_user_id: int) -> None:
        if self.tx.postgres:
            self.tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))",
                key=f"user:{platform}:{platform_user_id}",
            )

    def replayed(self, platform: str, update_id: int) -> list[Reply] | None:
        row = self.tx.one(
            "SELECT replies FROM processed_updates WHERE platform = :platform AND update_id = :id",
            platform=platform,
            id=update_id,
        )
        if row is None:
            return None
        return [reply_from_json(item) for item in json.loads(row.replies or "[]")]

    def load_session(self, platform: str, platform_user_id: int) -> Session | None:
        # The columns a session holds, as a plain tuple: a step without a cached session reads
        # this every time, and `c.*` into a named row cost twice as much.
        rows = self.tx.tuples(
            "SELECT c.chat_id, c.locale, c.timezone, c.user_id, c.status, c.state, c.answers,"
            " c.screen, c.version FROM users u JOIN conversations c ON c.user_id = u.id"
            " WHERE u.platform = :platform AND u.platform_user_id = :user",
            platform=platform,
            user=platform_user_id,
        )
        if not rows:
            return None
        chat_id, locale, timezone, user_id, status, state, answers, screen, version = rows[0]
        return Session(
            platform=platform,
            platform_user_id=platform_user_id,
            chat_id=chat_id,
            locale=locale,
            timezone=timezone,
            user_id=user_id,
            status=UserStatus(status),
            state=State(state),
            answers=json.loads(answers),
            screen=screen,
            version=version,
        )

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
        tx = self.tx
        if update_id is not None and not tx.execute(
            "INSERT INTO processed_updates (platform, update_id, at, replies)"
            " VALUES (:platform, :id, :now, :replies) ON CONFLICT DO NOTHING",
            platform=session.platform,
            id=update_id,
            now=now,
            replies=dumps([reply_to_json(reply) for reply in replies]),
        ):
            raise Replayed  # another worker committed it meanwhile and answers it
        user_id = _save_session(tx, before_version, session, now)
        reminder_rows.mark_reachable(tx, user_id)  # they wrote to us: no longer blocked
        for change in changes:
            self._apply(user_id, change, now)
        ids = [outbox_rows.enqueue(tx, message, now, leased=True) for message in outbox]
        if None in ids:  # the version check makes each step's keys new; never expected
            raise StaleSession
        return CommitResult(user_id, tuple(i for i in ids if i is not None))

    def _apply(self, user_id: int, change: Change, now: datetime) -> None:
        tx = self.tx
        match change:
            case UseInvite(code=code):
                inviter = tx.scalar(
                    "UPDATE invites SET uses_left = uses_left - 1"
                    " WHERE code = :code AND uses_left > 0 AND expires_at > :now RETURNING inviter",
                    code=code,
                    now=now,
                )
                if inviter is None:
                    raise ChangeRefused("invite no longer usable")
                tx.execute(
                    "UPDATE users SET invited_by = :inviter WHERE id = :id",
                    inviter=inviter,
                    id=user_id,
                )
            case RecordConsent():
                tx.execute(
                    "INSERT INTO consents (user_id, purpose, granted, text_version, text_hash, locale, at)"
                    " VALUES (:user, :purpose, :granted, :version, :hash, :locale, :now)",
                    user=user_id,
                    purpose=change.purpose,
                    granted=change.granted,
                    version=change.text_version,
                    hash=change.text_hash,
                    locale=change.locale,
                    now=now,
                )
            case SaveIdentity():
                save_identity(tx, self.vault, user_id, change, now)
            case RecordDecision():
                _record_decision(tx, user_id, change, now)
            case OpenLoan():
                drawdown_reviews.open_loan(tx, user_id, change, now)
            case PostEntries():
                insert_entries(tx, change.loan_id, change.entries, now, change.days_past_due)
                set_closed_through(tx, change.loan_id, change.closed_through)
            case LiftArrearsFreeze():
                lift_arrears_freeze(tx, user_id)
            case Audit():
                _audit(tx, f"user:{user_id}", change.action, change.detail, now)
            case Reschedule():
                replace_instalments(tx, change.loan_id, change.schedule)
            case EraseAccount():
                privacy.erase_person(tx, self.vault, user_id, "deleted", change.keep_until, now)
                self.erased = True
            case SaveReminderPreferences():
                prefs = Preferences(change.hour, change.three_day_notice)
                reminder_rows.save_preferences(tx, user_id, prefs, change.timezone, now)
            case AuditOperatorAction():
                audit_log.record(tx, change, now)
            case GrantOperator():
                operators.grant_operator(tx, change, now)
            case RevokeOperator():
                operators.revoke_operator(tx, change)
            case SetFrozen():
                operators.set_frozen(tx, change, now)
            case StartBroadcast():
                broadcasts.create(tx, change, now, now.date())
            case CancelBroadcast():
                broadcasts.cancel(tx, change.broadcast_id, now)
            case DecideReview():
                reviews.decide(tx, change, now)
            case RequestDrawdown():
                drawdown_reviews.request(tx, user_id, change, now)
            case DecideDrawdown():
                drawdown_reviews.decide(tx, change, now)
            case SendNotice():
                operators.queue_notice(tx, change.notice, now)
            case OpenTicket():
                tickets.open_ticket(tx, user_id, change, now)
            case AnswerTicket():
                tickets.answer(tx, change, now)
            case CloseTicket():
                tickets.close(tx, change, now)
            case CreateInvite():
                operators.create_invite(tx, change, now)
            case RevokeInvite():
                operators.revoke_invite(tx, change)

    # -- reads for the steps (coroutines that never suspend) --------------------------------

    async def find_invite(self, code: str) -> Invite | None:
        row = self.tx.one("SELECT * FROM invites WHERE code = :code", code=code)
        if row is None:
            return None
        return Invite(row.code, row.inviter, row.uses_left, utc(row.expires_at))  # type: ignore[arg-type]

    async def identity(self, user_id: int) -> Identity | None:
        row = self.tx.one("SELECT * FROM identities WHERE user_id = :user", user=user_id)
        if row is None:
            return None
        reveal = self.vault.decrypt
        id_number = reveal(row.id_number_enc) if row.id_number_enc else None
        return Identity(
            name=reveal(row.name_enc) if row.name_enc else None,
            id_number=id_number,
            # A row written before birth dates were encrypted lost its plaintext date in that
            # migration; the ID number it came from still holds it.
            birth_date=optional_day(reveal(row.birth_date_enc))
            if row.birth_date_enc
            else (birth_date_in(id_number) if id_number else None),
            phone=reveal(row.phone_enc) if row.phone_enc else None,
        )

    def _taken(self, column: str, user_id: int | None, value: str) -> bool:
        found = self.tx.scalar(
            f"SELECT user_id FROM identities WHERE {column} = :digest AND user_id <> :user LIMIT 1",
            digest=self.vault.lookup_hash(value),
            user=-1 if user_id is None else user_id,
        )
        return found is not None

    async def identity_taken(self, user_id: int | None, id_number: str) -> bool:
        return self._taken("id_hash", user_id, id_number)

    async def phone_taken(self, user_id: int | None, phone: str) -> bool:
        return self._taken("phone_hash", user_id, phone)

    async def credit_line(self, user_id: int) -> CreditLine | None:
        if user_id not in self._lines:
            rows = self.tx.tuples(
                "SELECT limit_fen, daily_rate, apr, grade, valid_until FROM credit_lines"
                " WHERE user_id = :user",
                user=user_id,
            )
            self._lines[user_id] = _credit_line(*rows[0]) if rows else None
        return self._lines[user_id]

    async def loans(self, user_id: int) -> list[Loan]:
        if user_id not in self._loans:
            self._loans[user_id] = load_loans(self.tx, user_id)
        return list(self._loans[user_id])

    async def inviter_standing(self, inviter: str, today: date) -> InviterStanding | None:
        if not inviter.startswith("user:") or not inviter[5:].isdigit():
            return None
        inviter_id = int(inviter[5:])
        created = utc(self.tx.scalar("SELECT created_at FROM users WHERE id = :id", id=inviter_id))
        if created is None:
            return None
        loans = load_loans(self.tx, inviter_id)
        return InviterStanding(
            has_overdue=servicing.overdue_today(loans, today),
            tenure_days=(today - created.date()).days,
        )

    async def consents(self, user_id: int) -> list[ConsentRecord]:
        return privacy.consent_records(self.tx, user_id)

    async def export_data(self, user_id: int, chat_id: int) -> dict[str, Any]:
        return privacy.export_data(self.tx, self.vault, user_id, chat_id)

    async def last_money_day(self, user_id: int) -> date | None:
        return privacy.last_money_day(self.tx, user_id)

    async def reminder_preferences(self, user_id: int) -> Preferences:
        return reminder_rows.preferences(self.tx, user_id)

    # -- operators (issue 11) -------------------------------------------------------------

    async def granted_operator(self, platform: str, platform_user_id: int) -> bool:
        return operators.is_granted_operator(self.tx, platform, platform_user_id)

    async def find_accounts(
        self, platform: str, telegram_id: int | None, account_id: int | None
    ) -> list[Account]:
        return operators.find_accounts(self.tx, platform, telegram_id, account_id)

    async def freeze_reason(self, user_id: int) -> str | None:
        return operators.freeze_reason(self.tx, user_id)

    async def frozen_for_arrears(self, user_id: int) -> bool:
        return arrears_frozen(self.tx, user_id)

    async def audit_entries(
        self, target_user_id: int | None, action: str | None, limit: int
    ) -> list[AuditEntry]:
        return audit_log.latest(self.tx, target_user_id, action, limit)

    async def audience_size(self, audience: str, kind: str, today: date) -> int:
        return len(broadcasts.audience_members(self.tx, Audience(audience), Kind(kind), today))

    async def running_broadcast_id(self) -> int | None:
        return broadcasts.latest_running_id(self.tx)

    async def review_queue(self, limit: int) -> list[ReviewItem | DrawdownItem]:
        applications = [await self._review_item(row) for row in reviews.waiting(self.tx, limit)]
        drawdowns = [
            drawdown_reviews.item(row, await self.identity(row.user_id))
            for row in drawdown_reviews.waiting(self.tx, limit)
        ]
        both: list[ReviewItem | DrawdownItem] = [*applications, *drawdowns]
        return sorted(both, key=lambda item: item.queued_at)[:limit]

    async def drawdown_item(self, request_id: int) -> DrawdownItem | None:
        rows = drawdown_reviews.waiting(self.tx, 1, request_id)
        if not rows:
            return None
        return drawdown_reviews.item(rows[0], await self.identity(rows[0].user_id))

    async def drawdown_decided(self, request_id: int) -> bool:
        return drawdown_reviews.decided(self.tx, request_id)

    async def application_decided(self, application_id: int) -> bool:
        return reviews.decided(self.tx, application_id)

    async def pending_drawdown(self, user_id: int) -> PendingDrawdown | None:
        # Asked up to three times by a Confirm (its check, the home screen's available credit
        # and its notice): one read, like the credit line above.
        if user_id not in self._pending:
            self._pending[user_id] = drawdown_reviews.pending(self.tx, user_id)
        return self._pending[user_id]

    async def review_item(self, user_id: int) -> ReviewItem | None:
        rows = reviews.waiting(self.tx, 1, user_id)
        return await self._review_item(rows[0]) if rows else None

    async def tickets_of(self, user_id: int) -> list[TicketView]:
        return tickets.of_user(self.tx, user_id)

    async def open_tickets(self, limit: int) -> list[TicketView]:
        return tickets.still_open(self.tx, limit)

    async def ticket(self, number: str) -> TicketView | None:
        return tickets.one(self.tx, number)

    async def funnel(self, since: datetime) -> Funnel:
        return stats.funnel(self.tx, since)

    async def portfolio(self, today: date) -> Portfolio:
        return stats.portfolio(self.tx, today)

    async def user_record(self, user_id: int) -> UserRecord:
        return stats.user_record(self.tx, user_id)

    async def invites_by(self, inviter_prefix: str) -> list[InviteFigures]:
        return stats.invites_of(self.tx, inviter_prefix)

    async def _review_item(self, row: Row) -> ReviewItem:
        return ReviewItem(
            account=reviews.account_of(row),
            application_id=row.application_id,
            outcome=row.outcome,
            score=row.score,
            grade=row.grade,
            reasons=tuple(json.loads(row.reasons)),
            inputs=json.loads(row.inputs),
            identity=await self.identity(row.user_id),
            decision=json.loads(row.answers).get("decision", {}),
            queued_at=reviews.queued_at(row),
        )

    async def recent_broadcasts(self, limit: int) -> list[BroadcastSummary]:
        return [
            BroadcastSummary(job.id, job.created_at, job.kind, job.status, job.total, counts)
            for job, counts in broadcasts.recent(self.tx, limit)
        ]


class SqlStore:
    """The store the engine holds: opens units of work, and serves tools and jobs that work
    outside a conversation step (the outbox, invites, tests) one transaction per call."""

    def __init__(self, db: Database, vault: PiiVault) -> None:
        self.db = db
        self.vault = vault
        self._delivered = outbox_rows.DeliveredMarks()

    async def unit_of_work(self, work: Callable[[TxStore], T]) -> T:
        vault = self.vault
        units: list[TxStore] = []

        def unit(tx: Tx) -> TxStore:
            units.append(TxStore(tx, vault))
            return units[-1]

        result = await self.db.run(lambda tx: _refusing_duplicates(lambda: work(unit(tx))))
        if any(uow.erased for uow in units):
            await self.db.scrub()  # committed: now the old pages go too
        return result

    async def _read(self, read: Callable[[TxStore], Coroutine[Any, Any, T]]) -> T:
        return await self.unit_of_work(lambda uow: run_to_end(read(uow)))

    # -- reads outside a step (tools, tests) ----------------------------------------------

    async def load_session(self, platform: str, platform_user_id: int) -> Session | None:
        return await self.unit_of_work(lambda uow: uow.load_session(platform, platform_user_id))

    async def find_invite(self, code: str) -> Invite | None:
        return await self._read(lambda uow: uow.find_invite(code))

    async def identity(self, user_id: int) -> Identity | None:
        return await self._read(lambda uow: uow.identity(user_id))

    async def identity_taken(self, user_id: int | None, id_number: str) -> bool:
        return await self._read(lambda uow: uow.identity_taken(user_id, id_number))

    async def phone_taken(self, user_id: int | None, phone: str) -> bool:
        return await self._read(lambda uow: uow.phone_taken(user_id, phone))

    async def credit_line(self, user_id: int) -> CreditLine | None:
        return await self._read(lambda uow: uow.credit_line(user_id))

    async def loans(self, user_id: int) -> list[Loan]:
        return await self._read(lambda uow: uow.loans(user_id))

    async def inviter_standing(self, inviter: str, today: date) -> InviterStanding | None:
        return await self._read(lambda uow: uow.inviter_standing(inviter, today))

    async def reminder_preferences(self, user_id: int) -> Preferences:
        return await self._read(lambda uow: uow.reminder_preferences(user_id))

    async def audit_entries(
        self, target_user_id: int | None, action: str | None, limit: int
    ) -> list[AuditEntry]:
        return await self._read(lambda uow: uow.audit_entries(target_user_id, action, limit))

    # -- the outbox (storage/outbox.py) ------------------------------------------------

    async def due_outbox(self, now: datetime, limit: int) -> list[Outgoing]:
        return await self.db.run(lambda tx: outbox_rows.lease_due(tx, now, limit))

    async def mark_delivered(self, outbox_id: int, now: datetime) -> None:
        """On SQLite the mark rides the writer's next batch, unawaited: the sender does not
        wait for a commit that tells it nothing, and the marks of rows delivered meanwhile
        share one statement. Any unit queued later (a read of the outbox, the next lease)
        runs after it, so sees the row sent. A crash before that batch commits leaves the
        row leased and it is sent again when the lease runs out: the same as a crash between
        the send and an awaited mark. PostgreSQL promises no order between units: awaited."""
        if not self.db.runs_in_queue_order:
            await self.db.run(lambda tx: outbox_rows.mark_delivered(tx, [(outbox_id, now)]))
        elif self._delivered.add(outbox_id, now):
            self.db.run_later(self._delivered.write)

    async def mark_failed(self, outbox_id: int, error: str, now: datetime) -> None:
        def work(tx: Tx) -> None:
            outbox_rows.mark_failed(tx, outbox_id, error, now)
            if error.startswith(reminder_rows.BLOCKED):
                reminder_rows.blocked_by(tx, outbox_id, now)

        await self.db.run(work)

    async def enqueue(self, messages: Sequence[OutboxMessage], now: datetime) -> list[int]:
        """Queue messages outside a conversation step (reminders, broadcasts); a message whose
        dedupe key is queued already is not queued twice."""
        return await self.db.run(lambda tx: outbox_rows.enqueue_new(tx, messages, now))

    # -- operators ---------------------------------------------------------------------------

    async def create_invite(self, inviter: str, uses: int, days: int, now: datetime) -> str:
        code = secrets.token_urlsafe(INVITE_CODE_BYTES)

        def work(tx: Tx) -> str:
            tx.execute(
                "INSERT INTO invites (code, inviter, max_uses, uses_left, expires_at, created_at)"
                " VALUES (:code, :inviter, :uses, :uses, :expires, :now)",
                code=code,
                inviter=inviter,
                uses=uses,
                expires=now + timedelta(days=days),
                now=now,
            )
            _audit(tx, inviter, "invite_created", f"uses={uses} days={days}", now)
            return code

        return await self.db.run(work)


@lru_cache(maxsize=4096)
def _credit_line(
    limit_fen: int, daily_rate: Any, apr: Any, grade: str, valid_until: Any
) -> CreditLine:
    """A credit line as its row reads, built once for as long as the row reads the same
    (every step that shows the home screen reads it; a CreditLine is immutable)."""
    return CreditLine(
        limit_fen, Decimal(daily_rate), Decimal(apr), grade, optional_day(valid_until)
    )


def _refusing_duplicates(work: Callable[[], T]) -> T:
    """A unique key the step's own checks could not see (two people registering one ID number
    at the same moment) is a refused change: the engine redoes the step, which now sees it."""
    try:
        return work()
    except Exception as error:
        if is_unique_violation(error):
            raise ChangeRefused("a unique key is taken") from error
        raise


def save_identity(
    tx: Tx, vault: PiiVault, user_id: int, change: SaveIdentity, now: datetime
) -> None:
    values: dict[str, object] = {}
    if change.name is not None:
        values["name_enc"] = vault.encrypt(change.name)
    if change.id_number is not None:
        values["id_number_enc"] = vault.encrypt(change.id_number)
        values["id_hash"] = vault.lookup_hash(change.id_number)
        values["birth_date_enc"] = (
            vault.encrypt(change.birth_date.isoformat()) if change.birth_date else None
        )
    if change.phone is not None:
        values["phone_enc"] = vault.encrypt(change.phone)
        values["phone_hash"] = vault.lookup_hash(change.phone)
    columns = ", ".join(values)
    updates = ", ".join(f"{column} = excluded.{column}" for column in [*values, "updated_at"])
    tx.execute(
        f"INSERT INTO identities (user_id, {columns}, updated_at)"
        f" VALUES (:user_id, {', '.join(':' + c for c in values)}, :updated_at)"
        f" ON CONFLICT (user_id) DO UPDATE SET {updates}",
        user_id=user_id,
        updated_at=now,
        **values,
    )


def _audit(tx: Tx, actor: str, action: str, detail: str, now: datetime) -> None:
    tx.execute(
        "INSERT INTO audit_log (actor, action, detail, at) VALUES (:actor, :action, :detail, :now)",
        actor=actor,
        action=action,
        detail=detail[:500],
        now=now,
    )


def _save_session(tx: Tx, before_version: int, session: Session, now: datetime) -> int:
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
        user_id = tx.scalar(
            "INSERT INTO users (platform, platform_user_id, created_at) VALUES (:platform, :user, :now)"
            " ON CONFLICT DO NOTHING RETURNING id",
            platform=session.platform,
            user=session.platform_user_id,
            now=now,
        )
        if user_id is None:  # another process wrote this person's first message first
            raise StaleSession
        tx.execute(
            "INSERT INTO conversations (user_id, chat_id, locale, timezone, status, state, answers,"
            " screen, version, updated_at) VALUES (:user_id, :chat_id, :locale, :timezone, :status,"
            " :state, :answers, :screen, :version, :updated_at)",
            user_id=user_id,
            **values,
        )
        return int(user_id)
    saved = tx.execute(
        "UPDATE conversations SET chat_id = :chat_id, locale = :locale, timezone = :timezone,"
        " status = :status, state = :state, answers = :answers, screen = :screen,"
        " version = :version, updated_at = :updated_at WHERE user_id = :user_id AND version = :before",
        user_id=session.user_id,
        before=before_version,
        **values,
    )
    if saved != 1:
        raise StaleSession
    return session.user_id


def _record_decision(tx: Tx, user_id: int, change: RecordDecision, now: datetime) -> None:
    application_id = tx.scalar(
        "INSERT INTO applications (user_id, inputs, inputs_hash, scorecard_version, outcome, score,"
        " grade, reasons, decided_at) VALUES (:user, :inputs, :hash, :version, :outcome, :score,"
        " :grade, :reasons, :now) RETURNING id",
        user=user_id,
        inputs=dumps(change.inputs),
        hash=change.inputs_hash,
        version=change.scorecard_version,
        outcome=change.outcome,
        score=change.score,
        grade=change.grade,
        reasons=dumps(list(change.reasons)),
        now=now,
    )
    if change.limit_fen <= 0:
        return
    tx.execute(
        "INSERT INTO credit_lines (user_id, application_id, limit_fen, daily_rate, apr, grade,"
        " valid_until, updated_at) VALUES (:user, :application, :limit, :rate, :apr, :grade,"
        " :until, :now) ON CONFLICT (user_id) DO UPDATE SET application_id = excluded.application_id,"
        " limit_fen = excluded.limit_fen, daily_rate = excluded.daily_rate, apr = excluded.apr,"
        " grade = excluded.grade, valid_until = excluded.valid_until, updated_at = excluded.updated_at",
        user=user_id,
        application=application_id,
        limit=change.limit_fen,
        rate=change.daily_rate,
        apr=change.apr,
        grade=change.grade,
        until=change.valid_until,
        now=now,
    )
