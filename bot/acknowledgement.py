"""When Telegram may forget an update: only once the conversation has committed it.

Telegram never resends an update it considers delivered (a 2xx from the webhook, or an offset
past it in getUpdates). So both transports, in both modes, run each update as a task and
acknowledge it only when the task is finished, or, for a slow update, once its commit is done:
then its delivery goes on in the background and a crash costs at most the replies (outbox rows
are re-sent by the delivery loop), never the update itself. A crash before the commit means a
redelivery, and the engine's update_id record drops the second copy once the first committed.

The commit is signalled from inside the framework's handler (`note_committed`, called by
delivery.handle_and_deliver) through a context variable, so neither aiogram nor
python-telegram-bot needs to know about it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# How long an update may hold its acknowledgement after its commit: delivery usually takes
# milliseconds; a flood wait or a slow Bot API should not hold Telegram (or the next polling
# batch) for longer than this.
SLOW_UPDATE_SECONDS = 3.0


@dataclass
class Receipt:
    """What the handler of one update reports back: committed, and any failure before that."""

    committed: asyncio.Event = field(default_factory=asyncio.Event)
    error: BaseException | None = None


_receipt: ContextVar[Receipt | None] = ContextVar("chatlend_update_receipt", default=None)


def note_committed() -> None:
    receipt = _receipt.get()
    if receipt is not None:
        receipt.committed.set()


def note_failed(error: BaseException) -> None:
    """The update was not committed (e.g. the database is unreachable): Telegram must resend.
    Frameworks that swallow handler errors (PTB hands them to its error handlers) still tell
    us this way."""
    receipt = _receipt.get()
    if receipt is not None and not receipt.committed.is_set():
        receipt.error = error


class Acknowledger:
    """Runs updates and says when each may be acknowledged; keeps the slow ones' tails."""

    def __init__(self, slow_after: float = SLOW_UPDATE_SECONDS) -> None:
        self.slow_after = slow_after
        self._background: set[asyncio.Task[None]] = set()

    async def run(self, process: Callable[[], Awaitable[None]]) -> bool:
        """Process one update; True once it may be acknowledged, False when it failed
        before its commit (then Telegram must deliver it again)."""
        receipt = Receipt()

        async def with_receipt() -> None:
            _receipt.set(receipt)  # in this task's own copy of the context
            await process()

        task = asyncio.create_task(with_receipt(), name="update")
        done, _ = await asyncio.wait({task}, timeout=self.slow_after)
        if not done:
            committed = asyncio.create_task(receipt.committed.wait())
            try:
                await asyncio.wait({task, committed}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                committed.cancel()
            if not task.done():
                log.info("slow update: acknowledged after its commit, delivery goes on")
                self._background.add(task)
                task.add_done_callback(self._finished_in_background)
                return True
        return _succeeded(task, receipt)

    def _finished_in_background(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery of a committed update failed: %r", task.exception())

    async def drain(self, timeout: float = 10.0) -> None:
        """On shutdown: give background deliveries a moment to finish."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=timeout)
        for task in list(self._background):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _succeeded(task: asyncio.Task[None], receipt: Receipt) -> bool:
    if task.cancelled():
        return receipt.committed.is_set()
    error = task.exception() or receipt.error
    if error is not None and not receipt.committed.is_set():
        log.error("update not committed, Telegram will deliver it again: %r", error)
        return False
    return True


def next_offset(
    previous: int | None, update_ids: Sequence[int], succeeded: Sequence[bool]
) -> int | None:
    """The getUpdates offset that confirms exactly the updates that may be forgotten.

    The offset confirms every update below it, so it stops at the first one that failed: that
    one and those after it come again, and the engine drops the ones it already committed.
    """
    for update_id, ok in sorted(zip(update_ids, succeeded, strict=True)):
        if not ok:
            return update_id
    return max(update_ids) + 1 if update_ids else previous
