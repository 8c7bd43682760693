"""A Bot API session that answers in memory, so benchmarks measure the bot, not the network."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import Message

TOKEN = "42:BENCHMARK-token-no-network-is-used"


class MemorySession(BaseSession):
    """Answers every Bot API call at once with a plausible result: no HTTP, no JSON."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.sent = 0  # sendMessage calls: the messages a chat actually shows
        self._message = Message.model_validate(
            {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "ok"}
        )

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        self.calls += 1
        if method.__api_method__ == "sendMessage":
            self.sent += 1
        return self._message if method.__returning__ is Message else True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # pragma: no cover - benchmarks download nothing
        raise NotImplementedError
        yield b""

    async def close(self) -> None:
        return None
