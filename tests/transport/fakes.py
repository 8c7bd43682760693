"""Test doubles shared by the transport tests: a scripted Conversation and update builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flows.events import Event, Outgoing, Reply

Responder = Callable[[Event], list[Outgoing]]

USER_ID = 4242
OTHER_USER_ID = 777


def echo(event: Event) -> list[Outgoing]:
    return [Outgoing(event.chat_id, Reply("ok"))]


@dataclass
class FakeConversation:
    """Records what the transport hands over; answers with `respond(event)`."""

    respond: Responder = echo
    events: list[Event] = field(default_factory=list)
    delivered: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    outbox: list[Outgoing] = field(default_factory=list)

    async def handle(self, event: Event) -> list[Outgoing]:
        self.events.append(event)
        return self.respond(event)

    async def mark_delivered(self, outbox_id: int) -> None:
        self.delivered.append(outbox_id)

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        self.failed.append((outbox_id, error))

    async def due_outbox(self, limit: int = 50) -> list[Outgoing]:
        rows, self.outbox = self.outbox[:limit], self.outbox[limit:]
        return rows

    def command_menu(
        self, locale: str, admin: bool = False, operator: bool = False
    ) -> list[tuple[str, str]]:
        menu = [("start", f"start ({locale})"), ("help", f"help ({locale})")]
        return [*menu, ("stats", f"stats ({locale})")] if admin else menu


def always(*outgoing: Outgoing) -> Responder:
    return lambda event: list(outgoing)


# --- Bot API update JSON, as Telegram sends it ---------------------------------------------

_user = {"id": USER_ID, "is_bot": False, "first_name": "Zhang", "language_code": "zh-hans"}
_chat = {"id": USER_ID, "type": "private", "first_name": "Zhang"}


def message_update(update_id: int = 1, **content: Any) -> dict[str, Any]:
    message = {"message_id": 10 + update_id, "date": 1_700_000_000, "chat": _chat, "from": _user}
    return {"update_id": update_id, "message": {**message, **content}}


def text_update(text: str, update_id: int = 1) -> dict[str, Any]:
    entities = []
    if text.startswith("/"):
        length = len(text.split()[0])
        entities = [{"type": "bot_command", "offset": 0, "length": length}]
    return message_update(update_id, text=text, entities=entities)


def contact_update(phone: str, owner: int | None, update_id: int = 1) -> dict[str, Any]:
    contact: dict[str, Any] = {"phone_number": phone, "first_name": "Zhang"}
    if owner is not None:
        contact["user_id"] = owner
    return message_update(update_id, contact=contact)


def sticker_update(update_id: int = 1) -> dict[str, Any]:
    sticker = {
        "file_id": "CAAC",
        "file_unique_id": "AQAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return message_update(update_id, sticker=sticker)


def callback_update(
    data: str, message_id: int = 99, update_id: int = 1, with_keyboard: bool = False
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": 1_700_000_000,
        "chat": _chat,
        "from": {"id": 1, "is_bot": True, "first_name": "ChatLend", "username": "ChatLendBot"},
        "text": "Choose",
    }
    if with_keyboard:
        message["reply_markup"] = {"inline_keyboard": [[{"text": "Agree", "callback_data": data}]]}
    query = {"id": "cb1", "from": _user, "chat_instance": "ci", "data": data, "message": message}
    return {"update_id": update_id, "callback_query": query}


def sent_message_json(chat_id: int, message_id: int, text: str = "") -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Zhang"},
        "from": {"id": 1, "is_bot": True, "first_name": "ChatLend", "username": "ChatLendBot"},
        "text": text or "x",
    }


BOT_USER = {
    "id": 1,
    "is_bot": True,
    "first_name": "ChatLend",
    "username": "ChatLendBot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
