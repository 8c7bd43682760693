"""One send budget for the whole bot: every message asks it for a slot before it goes out.

Telegram allows about 30 messages a second per bot (to different chats) and about one a second
per chat (short bursts allowed). Slots are handed out one at a time, at least 1/bot_rate apart, so no one-second window
ever holds more than bot_rate sends. Among the senders waiting when a slot comes up, the most
urgent one whose chat is ready wins: interactive replies, then reminders, then broadcasts, which
are further held to broadcast_rate. A 429's retry_after pauses every sender (Telegram throttles
the bot, not the chat); a 5xx is retried after a backoff by asking again with `not_before`.

The clock and the sleep are injected so tests and benchmarks can run on a scaled or virtual
clock; only the dispatcher ever sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum

# Float sums of 1/rate drift; a hair more than the interval keeps a window from holding one
# send too many.
_EPSILON = 1e-9


CATCH_UP_SLOTS = 3


def _window_opens(sent: deque[float]) -> float:
    """When the next send fits in every one-second window: once the oldest of a full window
    is a second old."""
    if len(sent) < (sent.maxlen or 0):
        return 0.0
    return sent[0] + 1.0 + _EPSILON


class Priority(IntEnum):
    INTERACTIVE = 0  # a reply to what someone just did
    REMINDER = 1  # outbox rows: reminders, notices
    BROADCAST = 2


TELEGRAM_BOT_RATE = 30.0  # messages a second Telegram takes from one bot, all chats together


@dataclass(frozen=True, slots=True)
class BudgetLimits:
    bot_rate: float = TELEGRAM_BOT_RATE  # sends per second, all chats together
    chat_interval: float = 1.0  # seconds between two sends to one chat
    broadcast_rate: float = 25.0  # sends per second left to broadcasts, at most

    @property
    def slot(self) -> float:
        return 1.0 / self.bot_rate + _EPSILON


# Limits that hold nothing back, for measuring how fast the bot itself answers (benchmarks) and
# for several bots in one process against their own fake servers (tests): every send still
# goes through the budget, as in production, but never waits for it.
WIDE_OPEN = BudgetLimits(bot_rate=10_000, chat_interval=0.0, broadcast_rate=10_000)


def shared_limits(broadcast_rate: float, processes: int) -> BudgetLimits:
    """One process's share when `processes` run the same bot (replicas behind a webhook): each
    budget counts only its own sends, and Telegram counts the bot's, so each takes its part."""
    return BudgetLimits(
        bot_rate=TELEGRAM_BOT_RATE / processes, broadcast_rate=broadcast_rate / processes
    )


@dataclass(order=True, slots=True)
class _Waiter:
    priority: int
    seq: int
    chat_id: int = field(compare=False)
    not_before: float = field(compare=False)
    granted: asyncio.Future[None] = field(compare=False)


def backoff_seconds(attempt: int, base: float = 1.0, cap: float = 60.0) -> float:
    """The wait before retry `attempt` (1, 2, ...) after a server error: 1, 2, 4 ... 60 s."""
    return float(min(cap, base * 2 ** max(0, attempt - 1)))


class SendBudget:
    def __init__(
        self,
        limits: BudgetLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or BudgetLimits()
        self._clock = clock
        self._sleep = sleep
        self._waiting: list[_Waiter] = []
        self._seq = itertools.count()
        self._next_slot = 0.0
        self._next_broadcast = 0.0
        self._paused_until = 0.0
        self._chat_ready: dict[int, float] = {}
        # The latest grants, as many as one second may hold: the oldest must be a second old
        # before another goes, whatever the schedule says.
        self._sent: deque[float] = deque(maxlen=max(1, int(self.limits.bot_rate)))
        self._broadcast_sent: deque[float] = deque(maxlen=max(1, int(self.limits.broadcast_rate)))
        self._arrived = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None

    async def acquire(
        self, chat_id: int, priority: Priority, not_before: float | None = None
    ) -> None:
        """Wait for this send's slot. Send right after it returns."""
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(int(priority), next(self._seq), chat_id, not_before or 0.0, granted)
        self._waiting.append(waiter)
        self._start()
        self._arrived.set()
        try:
            await granted
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            raise

    def retry_after(self, seconds: float) -> None:
        """Telegram said 429: nobody sends until the wait is over."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None

    def _start(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.get_running_loop().create_task(
                self._dispatch(), name="send-budget"
            )

    async def _dispatch(self) -> None:
        slot = self.limits.slot
        while True:
            if not self._waiting:
                self._arrived.clear()
                await self._arrived.wait()
                continue
            now = self._clock()
            opens = max(self._next_slot, self._paused_until, _window_opens(self._sent))
            if now < opens:
                await self._sleep(opens - now)
                continue
            chosen = self._pick(now)
            if chosen is None:
                # Everyone waits for their chat, a backoff or the broadcast pace. Look again
                # after one slot at most, so a reply that arrives meanwhile is not held longer.
                await self._sleep(min(slot, max(self._earliest(now) - now, _EPSILON)))
                continue
            self._waiting.remove(chosen)
            # Slots follow a schedule, so a late wake-up (a busy loop) is made up by a few
            # quick grants; the windows below still cap any one second at the rate.
            self._next_slot = max(self._next_slot + slot, now - CATCH_UP_SLOTS * slot)
            self._sent.append(now)
            self._chat_ready[chosen.chat_id] = now + self.limits.chat_interval + _EPSILON
            if chosen.priority == Priority.BROADCAST:
                pace = 1.0 / self.limits.broadcast_rate + _EPSILON
                self._next_broadcast = max(self._next_broadcast + pace, now - CATCH_UP_SLOTS * pace)
                self._broadcast_sent.append(now)
            if not chosen.granted.done():
                chosen.granted.set_result(None)
            self._forget_idle_chats(now)
            await asyncio.sleep(0)  # let the granted sender start before the next grant

    def _ready(self, waiter: _Waiter, now: float) -> bool:
        # A reply may follow the person's own message at once (Telegram allows short bursts
        # in a chat); reminders and broadcasts keep to one a second per chat.
        return (
            waiter.not_before <= now
            and (
                waiter.priority == Priority.INTERACTIVE
                or self._chat_ready.get(waiter.chat_id, 0.0) <= now
            )
            and (
                waiter.priority != Priority.BROADCAST
                or max(self._next_broadcast, _window_opens(self._broadcast_sent)) <= now
            )
        )

    def _pick(self, now: float) -> _Waiter | None:
        ready = [waiter for waiter in self._waiting if self._ready(waiter, now)]
        return min(ready) if ready else None

    def _earliest(self, now: float) -> float:
        def opens(waiter: _Waiter) -> float:
            pace = (
                max(self._next_broadcast, _window_opens(self._broadcast_sent))
                if waiter.priority == Priority.BROADCAST
                else 0.0
            )
            chat = (
                0.0
                if waiter.priority == Priority.INTERACTIVE
                else self._chat_ready.get(waiter.chat_id, 0.0)
            )
            return max(waiter.not_before, chat, pace)

        return min(opens(waiter) for waiter in self._waiting)

    def _forget_idle_chats(self, now: float) -> None:
        if len(self._chat_ready) > 10_000:
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}


class Unreachable(Exception):
    """403: the person blocked the bot. Not retried; broadcasts skip them from now on."""


class Rejected(Exception):
    """400 (chat not found, bad request): not retried; the reason is recorded."""


class ServerTrouble(Exception):
    """5xx or a network failure: retried after a backoff."""
