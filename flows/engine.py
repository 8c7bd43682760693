"""The conversation engine: one event in, one unit of work, replies out.

Per update: take the user's lock, then in one transaction on the database thread: drop a
replayed update (answering with what it answered then), read the session (from memory when this
process saved it last, else from the database), let the step decide on a copy while reading
through the same transaction, and commit the new session, the step's changes, the processed
update id, its replies and any outbox rows. A stale session or a change refused at commit time
rolls the whole unit back and the step is done again on fresh data.

A message from someone who has never been admitted (no invite) is answered without writing a
row: strangers cost nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flows.config import FlowConfig
from flows.context import StepContext
from flows.events import ButtonPress, Event, Outgoing, Replay, Reply
from flows.i18n import N_, locale_for, texts
from flows.lru import Lru
from flows.menu import command_menu
from flows.pacing import mark_new_screen, merge, record
from flows.ports import (
    ChangeRefused,
    OutboxMessage,
    Replayed,
    StaleSession,
    Store,
    UnitOfWork,
    run_to_end,
)
from flows.router import route
from flows.session import Session
from flows.states import State
from flows.step_table import STEPS

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SessionKey = tuple[str, int]
MAX_ATTEMPTS = 3
SOMETHING_WENT_WRONG = N_(
    "Sorry, something went wrong on our side. Nothing was changed; please try again in a moment."
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class UserLocks:
    """One asyncio lock per user, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[SessionKey, tuple[asyncio.Lock, int]] = {}

    def hold(self, key: SessionKey) -> _Held:
        return _Held(self._locks, key)


class _Held:
    """`async with locks.hold(key)`: a plain class, as it runs for every update (a generator-based
    context manager costs several times more)."""

    __slots__ = ("_key", "_lock", "_locks")

    def __init__(self, locks: dict[SessionKey, tuple[asyncio.Lock, int]], key: SessionKey) -> None:
        self._locks = locks
        self._key = key

    async def __aenter__(self) -> None:
        lock, users = self._locks.get(self._key, (None, 0))
        self._lock = lock or asyncio.Lock()
        self._locks[self._key] = (self._lock, users + 1)
        try:
            await self._lock.acquire()
        except BaseException:
            self._leave()
            raise

    async def __aexit__(self, *_: object) -> None:
        self._lock.release()
        self._leave()

    def _leave(self) -> None:
        lock, users = self._locks[self._key]
        if users == 1:
            del self._locks[self._key]
        else:
            self._locks[self._key] = (lock, users - 1)


@dataclass(frozen=True, slots=True)
class _Done:
    outgoing: list[Outgoing]
    session: Session | None = None  # what was committed; None when nothing was


class Engine:
    def __init__(
        self,
        store: Store,
        config: FlowConfig | None = None,
        clock: Clock = utc_now,
        cache_size: int = 10_000,
    ) -> None:
        self.store = store
        self.config = config or FlowConfig()
        self.clock = clock
        self._locks = UserLocks()
        # The sessions this process saved last. The database's version check catches any other
        # writer, so a stale entry costs a retry, never a wrong answer.
        self._cache: Lru[SessionKey, Session] = Lru(cache_size)

    async def handle(self, event: Event) -> list[Outgoing]:
        key = (event.platform, event.user_id)
        async with self._locks.hold(key):
            for _ in range(MAX_ATTEMPTS):
                cached = self._cache.get(key)
                try:
                    done = await self.store.unit_of_work(
                        lambda uow, cached=cached: self._step(uow, event, cached)  # type: ignore[misc]
                    )
                except Replayed as replay:
                    return Replay(
                        Outgoing(event.chat_id, r, None, event.platform) for r in replay.replies
                    )
                except (StaleSession, ChangeRefused):
                    # Another process (or an operator) moved this user on: read again, redo.
                    self._cache.drop(key)
                    continue
                except Exception:
                    # Nothing was committed, so the person may simply try again; they must hear
                    # that, in their language, rather than silence. The log has no message text.
                    log.exception("step failed")
                    self._cache.drop(key)
                    locale = cached.locale if cached else self._new_session(event).locale
                    return [
                        Outgoing(
                            event.chat_id,
                            Reply(texts(locale)._(SOMETHING_WENT_WRONG)),
                            None,
                            event.platform,
                        )
                    ]
                if done.session is not None:
                    self._cache.put(key, done.session)
                return done.outgoing
            log.warning("gave up on an update after %d conflicts", MAX_ATTEMPTS)
            return []

    def _step(self, uow: UnitOfWork, event: Event, cached: Session | None) -> _Done:
        """One update, inside its transaction, on the database thread."""
        uow.serialize_user(event.platform, event.user_id)
        if event.update_id is not None:
            replies = uow.replayed(event.platform, event.update_id)
            if replies is not None:
                raise Replayed(replies)
        stored = cached or uow.load_session(event.platform, event.user_id)
        before = stored or self._new_session(event)
        session = before.copy()
        session.chat_id = event.chat_id
        now = self.clock()
        ctx = StepContext(event, session, uow, self.config, now, STEPS)
        run_to_end(route(ctx))
        ctx.replies = merge(ctx.replies)
        if session.screen != before.screen:
            ctx.replies = mark_new_screen(ctx.replies)
        record(
            session.answers,
            before.screen,
            session.screen,
            ctx.replies,
            now,
            their_message=not isinstance(event.payload, ButtonPress),
        )
        if stored is None and session.state is State.NEW and not ctx.changes:
            # Not admitted: answer, but keep no trace of a stranger.
            return _Done([Outgoing(event.chat_id, r, None, event.platform) for r in ctx.replies])
        # Keyed by the version this step saves: a version is committed once, so is each row.
        step_key = f"step:{event.platform}:{event.user_id}:{before.version + 1}"
        outbox = (
            [
                OutboxMessage(event.chat_id, event.platform, reply, f"{step_key}:{n}")
                for n, reply in enumerate(ctx.replies)
            ]
            if ctx.durable
            else []
        )
        result = uow.commit(
            before.version,
            session,
            ctx.changes,
            event.update_id,
            outbox,
            () if ctx.durable else ctx.replies,  # outbox rows are resent by the outbox itself
            now,
        )
        session.user_id = result.user_id
        session.version = before.version + 1
        ids: Sequence[int | None] = result.outbox_ids if ctx.durable else [None] * len(ctx.replies)
        return _Done(
            [
                Outgoing(event.chat_id, reply, outbox_id, event.platform)
                for reply, outbox_id in zip(ctx.replies, ids, strict=True)
            ],
            session,
        )

    def _new_session(self, event: Event) -> Session:
        return Session(
            platform=event.platform,
            platform_user_id=event.user_id,
            chat_id=event.chat_id,
            locale=locale_for(event.language_code, self.config.default_locale),
            timezone=self.config.default_timezone,
        )

    async def mark_delivered(self, outbox_id: int) -> None:
        await self.store.mark_delivered(outbox_id, self.clock())

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        await self.store.mark_failed(outbox_id, error, self.clock())

    async def due_outbox(self, limit: int = 50) -> list[Outgoing]:
        return await self.store.due_outbox(self.clock(), limit)

    def command_menu(
        self, locale: str, admin: bool = False, operator: bool = False
    ) -> list[tuple[str, str]]:
        return command_menu(locale, admin, operator)
