"""A Bot API stand-in for broadcasts: records every accepted message and answers 429, 403 and
5xx the way Telegram does, at random but reproducibly."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable

from bot.delivery import RetryLater
from bot.send_budget import ServerTrouble, Unreachable


class Crash(BaseException):
    """The process dies during a send: before Telegram accepted it, or (crash_accepted) just
    after, before the sender heard the answer."""


class RecordingApi:
    def __init__(
        self,
        clock: Callable[[], float],
        blocked: set[int] = frozenset(),  # type: ignore[assignment]
        seed: int = 7,
        flood: float = 0.0,
        server_errors: float = 0.0,
    ) -> None:
        self.clock = clock
        self.blocked = blocked
        self.random = random.Random(seed)
        self.flood = flood
        self.server_errors = server_errors
        self.delivered: list[tuple[int, str]] = []
        self.sent_at: list[float] = []
        self.edits: list[tuple[int, int, str]] = []
        self.crash_after: int | None = None
        self.crash_accepted = False  # the crash comes after Telegram accepted that message
        self.next_message_id = 1

    async def send_text(self, chat_id: int, text: str) -> int:
        crash = self.crash_after is not None and len(self.delivered) >= self.crash_after
        if crash and not self.crash_accepted:
            self.crash_after = None
            raise Crash
        if self.random.random() < self.flood:
            raise RetryLater(self.random.choice((1, 2, 3)))
        if self.random.random() < self.server_errors:
            raise ServerTrouble("502 Bad Gateway")
        if chat_id in self.blocked:
            raise Unreachable("Forbidden: bot was blocked by the user")
        self.delivered.append((chat_id, text))
        self.sent_at.append(self.clock())
        await asyncio.sleep(0)  # the answer's way back: other sends may be on the wire meanwhile
        if crash:
            self.crash_after = None
            raise Crash
        self.next_message_id += 1
        return self.next_message_id

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> None:
        self.edits.append((chat_id, message_id, text))

    def copies(self) -> Counter[int]:
        return Counter(chat for chat, _ in self.delivered)
