"""The background sender of broadcasts: paced by the bot's send budget, resumable after a crash.

Each recipient goes through claim (committed), send, record (committed) before the lane takes
the next one: progress is committed as soon as Telegram acknowledges the message, never batched.
So a process killed at any moment leaves at most one message per lane in doubt: the one Telegram
accepted before our record of it committed. A restart sends that one again (a notice received
twice beats a notice never received); a recipient claimed but not yet sent is simply sent.
That is the only window; Telegram's sendMessage has no idempotency key to close it. The default
is one lane; more lanes help over a slow link and leave one message in doubt each.
The admin sees one status message, edited every few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from bot import metrics
from bot.delivery import RetryLater
from bot.send_budget import (
    Priority,
    Rejected,
    SendBudget,
    ServerTrouble,
    Unreachable,
    backoff_seconds,
)
from flows.operators.broadcast_rules import Kind, quiet_until, text_for
from flows.operators.broadcast_status import Figures, status_text
from storage import broadcasts
from storage.broadcasts import BroadcastJob, Recipient
from storage.database import Database

log = logging.getLogger(__name__)

MAX_SERVER_RETRIES = 5
POLL_SECONDS = 2.0


class BroadcastApi(Protocol):
    """What the sender needs of a transport. Errors: RetryLater (429), Unreachable (403),
    Rejected (400), ServerTrouble (5xx, network)."""

    async def send_text(self, chat_id: int, text: str) -> int:
        """Send; return the new message's id."""
        ...

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> None: ...


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class BroadcastRunner:
    def __init__(
        self,
        db: Database,
        api: BroadcastApi,
        budget: SendBudget,
        *,
        now: Callable[[], datetime] = _wall_clock,
        monotonic: Callable[[], float] = time.monotonic,
        concurrency: int = 1,
        status_every: float = 5.0,
        batch: int = 64,
    ) -> None:
        self.db = db
        self.api = api
        self.budget = budget
        self.now = now
        self.monotonic = monotonic
        self.concurrency = concurrency
        self.status_every = status_every
        self.batch = batch

    async def run_forever(self, poll: float = POLL_SECONDS) -> None:
        while True:
            try:
                for job in await self.db.run(broadcasts.running):
                    await self.run(job.id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcast sweep failed")
            await asyncio.sleep(poll)

    async def run(self, broadcast_id: int) -> None:
        """Send what is due now; returns when the broadcast is done, cancelled, or only has
        recipients waiting for their quiet hours to end."""
        released = await self.db.run(lambda tx: broadcasts.release_in_doubt(tx, broadcast_id))
        if released:
            log.warning("broadcast %s: %d sends in doubt after a restart", broadcast_id, released)
        job = await self.db.run(lambda tx: broadcasts.job(tx, broadcast_id))
        if job is None or job.status != "running":
            return
        started = self.monotonic()
        counts = await self.db.run(lambda tx: broadcasts.progress(tx, broadcast_id))
        sent_before = counts.get("sent", 0)
        last_status = float("-inf")
        while True:
            job = await self.db.run(lambda tx: broadcasts.job(tx, broadcast_id))
            assert job is not None
            due = (
                await self.db.run(
                    lambda tx: broadcasts.due(tx, broadcast_id, self.now(), self.batch)
                )
                if job.status == "running"
                else []
            )
            # Counting every recipient costs a scan: only for the status message.
            if not due or self.monotonic() - last_status >= self.status_every:
                counts = await self.db.run(lambda tx: broadcasts.progress(tx, broadcast_id))
                finished = job.status == "running" and not due and not counts.get("pending", 0)
                if finished:
                    await self.db.run(lambda tx: broadcasts.finish(tx, broadcast_id, self.now()))
                elapsed = max(self.monotonic() - started, 1e-9)
                rate = (counts.get("sent", 0) - sent_before) / elapsed
                job = await self._show_status(job, counts, rate, finished)
                last_status = self.monotonic()
            if not due:
                return
            await self._send_all(job, due)

    async def _send_all(self, job: BroadcastJob, due: list[Recipient]) -> None:
        """`concurrency` lanes share the list; each takes one recipient at a time through
        claim, send and record, so nothing is claimed ahead of its send."""
        waiting = iter(due)

        async def lane() -> None:
            for r in waiting:  # one shared iterator: each recipient goes to one lane
                if job.kind == Kind.MARKETING and not await self._may_send_now(job, r):
                    continue
                marketing = job.kind == Kind.MARKETING
                claim = partial(
                    broadcasts.claim, broadcast_id=job.id, user_id=r.user_id, marketing=marketing
                )
                locale = await self.db.run(claim)  # the language they have now
                if locale is not None:
                    await self._send_one(job, r, locale)

        lanes = [asyncio.create_task(lane()) for _ in range(max(1, self.concurrency))]
        try:
            await asyncio.gather(*lanes)
        finally:
            for task in lanes:
                task.cancel()  # a lane that died (or our own cancellation) stops the others

    async def _may_send_now(self, job: BroadcastJob, r: Recipient) -> bool:
        wait = quiet_until(self.now(), r.timezone)
        if wait is not None:
            await self.db.run(lambda tx: broadcasts.defer(tx, job.id, r.user_id, wait))
        return wait is None

    async def _send_one(self, job: BroadcastJob, r: Recipient, locale: str) -> None:
        text = text_for(locale, job.text_en, job.text_zh)
        status, error = await self._deliver(r.chat_id, text, Priority.BROADCAST)
        now = self.now()
        await self.db.run(lambda tx: broadcasts.record(tx, job.id, r.user_id, status, error, now))

    async def _deliver(self, chat_id: int, text: str, priority: Priority) -> tuple[str, str | None]:
        not_before: float | None = None
        for attempt in range(1, MAX_SERVER_RETRIES + 2):
            await self.budget.acquire(chat_id, priority, not_before)
            try:
                await self.api.send_text(chat_id, text)
            except RetryLater as wait:
                metrics.count_send("broadcast", "429")
                self.budget.retry_after(wait.seconds)
                not_before = None
            except ServerTrouble as error:
                metrics.count_send("broadcast", "5xx")
                not_before = self.budget_clock() + backoff_seconds(attempt)
                last = str(error)
                if attempt > MAX_SERVER_RETRIES:
                    return "failed", f"server error: {last}"
            except Unreachable as error:
                metrics.count_send("broadcast", "403")
                return "unreachable", str(error) or "blocked"
            except Rejected as error:
                metrics.count_send("broadcast", "400")
                return "failed", str(error) or "rejected"
            else:
                metrics.count_send("broadcast", "ok")
                metrics.count_job_message("broadcast")
                return "sent", None
        return "failed", "gave up"

    def budget_clock(self) -> float:
        return self.monotonic()

    async def _show_status(
        self, job: BroadcastJob, counts: dict[str, int], rate: float, finished: bool
    ) -> BroadcastJob:
        figures = Figures(
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            unreachable=counts.get("unreachable", 0),
            left=counts.get("pending", 0) + counts.get("sending", 0),
            rate=rate,
            finished=finished,
            cancelled=job.status == "cancelled",
        )
        text = status_text(job.admin_locale, job.id, figures)
        try:
            await self.budget.acquire(job.admin_chat_id, Priority.REMINDER)
            if job.status_message_id is None:
                message_id = await self.api.send_text(job.admin_chat_id, text)
                await self.db.run(lambda tx: broadcasts.set_status_message(tx, job.id, message_id))
                return await self.db.run(lambda tx: broadcasts.job(tx, job.id)) or job
            await self.api.edit_text(job.admin_chat_id, job.status_message_id, text)
        except (RetryLater, Unreachable, Rejected, ServerTrouble) as error:
            log.warning(
                "broadcast %s: status message not updated: %s", job.id, type(error).__name__
            )
        return job
