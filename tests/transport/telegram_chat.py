"""One private chat as the person sees it on Telegram, driven through a real framework.

The real engine (on SQLite) runs behind the real aiogram or python-telegram-bot transport; the
framework's HTTP layer is replaced by `TelegramChat`, which keeps every message with the
keyboard it shows now (sends, edits, keyboard removals), the toasts the person saw, and when
each message arrived by the engine's clock. A test types and taps as a person would and reads
the screen, on either framework, with the same code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Update
from telegram import Update as PTBUpdate
from telegram.request import BaseRequest, RequestData

from bot.aiogram_transport import AiogramTransport, build_dispatcher
from bot.ptb_transport import PTBTransport, build_application
from flows.events import Conversation
from tests.transport import fakes
from tests.transport.fakes import USER_ID

TOKEN = "42:TEST-token-for-the-chat-model-only"
Keyboard = list[list[tuple[str, str]]]  # rows of (label, callback data)


@dataclass
class Shown:
    message_id: int
    text: str
    keyboard: Keyboard
    at: datetime


@dataclass
class TelegramChat:
    """What Telegram would hold for the chat with USER_ID, and what the person saw."""

    clock: Callable[[], datetime]
    messages: dict[int, Shown] = field(default_factory=dict)
    toasts: list[str | None] = field(default_factory=list)
    _next_id: int = 1000

    def call(self, name: str, chat_id: Any, message_id: Any, text: Any, keyboard: Any) -> Any:
        if name == "getMe":
            return fakes.BOT_USER
        if name == "answerCallbackQuery":
            self.toasts.append(text)
            return True
        if name == "sendMessage":
            assert int(chat_id) == USER_ID
            self._next_id += 1
            self.messages[self._next_id] = Shown(self._next_id, text, keyboard or [], self.clock())
            return fakes.sent_message_json(USER_ID, self._next_id, text)
        if name in ("editMessageText", "editMessageReplyMarkup"):
            shown = self.messages[int(message_id)]
            if name == "editMessageText":
                shown.text = text
            shown.keyboard = keyboard or []
            return fakes.sent_message_json(USER_ID, shown.message_id, shown.text)
        return True

    # --- reading the screen -----------------------------------------------------------------

    def sent(self) -> list[Shown]:
        return list(self.messages.values())

    def tappable(self) -> list[tuple[int, str, str]]:
        """(message id, label, callback data) of every button still on screen."""
        return [
            (shown.message_id, label, data)
            for shown in self.messages.values()
            for row in shown.keyboard
            for label, data in row
        ]

    def find(self, label_part: str) -> tuple[int, str]:
        """The newest message showing a button like `label_part`: (message id, data)."""
        for message_id, label, data in reversed(self.tappable()):
            if label_part in label:
                return message_id, data
        raise AssertionError(f"no button like {label_part!r} on screen")

    # --- what the person sends --------------------------------------------------------------

    def callback(self, message_id: int, data: str, update_id: int) -> dict[str, Any]:
        """A tap as Telegram reports it: the message with the keyboard the client showed."""
        update = fakes.callback_update(data, message_id=message_id, update_id=update_id)
        shown = self.messages[message_id]
        message = update["callback_query"]["message"]
        message["text"] = shown.text
        keyboard = shown.keyboard or [[("·", data)]]  # a fast second tap: still drawn
        message["reply_markup"] = {
            "inline_keyboard": [
                [{"text": label, "callback_data": token} for label, token in row]
                for row in keyboard
            ]
        }
        return update


def _keyboard_of(markup: Any) -> Keyboard | None:
    if isinstance(markup, InlineKeyboardMarkup):
        return [[(b.text, b.callback_data or "") for b in row] for row in markup.inline_keyboard]
    if isinstance(markup, str):
        markup = json.loads(markup)
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return [
            [(b["text"], b.get("callback_data", "")) for b in row]
            for row in markup["inline_keyboard"]
        ]
    return None


class ChatSession(BaseSession):
    """aiogram's HTTP layer, answered by the chat model."""

    def __init__(self, chat: TelegramChat) -> None:
        super().__init__()
        self.chat = chat

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        result = self.chat.call(
            method.__api_method__,
            getattr(method, "chat_id", None),
            getattr(method, "message_id", None),
            getattr(method, "text", None),
            _keyboard_of(getattr(method, "reply_markup", None)),
        )
        body = json.dumps({"ok": True, "result": result})
        return self.check_response(bot, method, 200, body).result

    async def close(self) -> None:
        pass

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:
        yield b""


class ChatRequest(BaseRequest):
    """python-telegram-bot's HTTP layer, answered by the chat model."""

    def __init__(self, chat: TelegramChat) -> None:
        self.chat = chat

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kw: Any
    ) -> tuple[int, bytes]:
        params = request_data.parameters if request_data else {}
        result = self.chat.call(
            url.rsplit("/", 1)[-1],
            params.get("chat_id"),
            params.get("message_id"),
            params.get("text"),
            _keyboard_of(params.get("reply_markup")),
        )
        return 200, json.dumps({"ok": True, "result": result}).encode()


class Framework:
    """Feeds Bot API updates to one real framework wired to `conversation` and `chat`."""

    name: str

    async def feed(self, update: dict[str, Any]) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        pass


class AiogramFramework(Framework):
    name = "aiogram"

    def __init__(self, conversation: Conversation, chat: TelegramChat) -> None:
        self.bot = Bot(TOKEN, session=ChatSession(chat))
        self.dispatcher = build_dispatcher(AiogramTransport(conversation, self.bot))

    async def feed(self, update: dict[str, Any]) -> None:
        await self.dispatcher.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )


class PTBFramework(Framework):
    name = "ptb"

    def __init__(self, conversation: Conversation, chat: TelegramChat) -> None:
        self.application = build_application(TOKEN, request=ChatRequest(chat))
        PTBTransport(conversation, self.application)

    async def start(self) -> None:
        await self.application.initialize()

    async def feed(self, update: dict[str, Any]) -> None:
        await self.application.process_update(PTBUpdate.de_json(update, self.application.bot))

    async def close(self) -> None:
        await self.application.shutdown()
