"""Platform-neutral translation between Telegram-shaped objects and the Event/Reply contract.

aiogram and python-telegram-bot expose the same Bot API field names (`message.text`,
`message.contact.user_id`, `callback_query.data`...), so reading an update and deciding what a
reply looks like is written once here; each transport only builds its library's objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from flows.events import (
    Button,
    ButtonPress,
    Command,
    Event,
    Payload,
    Reply,
    SharedContact,
    Text,
    Unsupported,
)

# Bot API limit for a message text, counted in UTF-16 code units.
MAX_MESSAGE_UTF16 = 4096

# Bot API: answerCallbackQuery shows at most 200 characters of text.
MAX_TOAST_CHARS = 200

# Bot API: command names are 1-32 of [a-z0-9_]; clients accept mixed case, so we lower it.
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+(.*))?$", re.DOTALL)

# Content attributes of a Bot API Message that the conversation cannot read, in the order we
# name them; the first one present wins (a photo with a caption is still a photo).
_UNSUPPORTED_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video_note",
    "video",
    "audio",
    "animation",
    "document",
    "location",
    "venue",
    "poll",
    "dice",
    "game",
    "story",
    "paid_media",
    "invoice",
)


def parse_text(text: str) -> Text | Command:
    """`/start abc` and `/start@SomeBot abc` -> Command("start", "abc"); anything else is Text.

    A slash followed by something that is not a command name ("/ 5000", "/张三") stays text,
    so the conversation can answer it like any other wrong input.
    """
    if text.startswith("/"):
        match = _COMMAND.match(text.strip())
        if match:
            return Command(match.group(1).lower(), (match.group(3) or "").strip())
    return Text(text)


def payload_from_message(message: Any) -> Payload:
    """Read a Bot API Message (aiogram or PTB) into the payload the conversation sees."""
    text = message.text
    if text is not None:
        return parse_text(text)
    contact = message.contact
    if contact is not None:
        return SharedContact(phone=contact.phone_number, owner_user_id=contact.user_id)
    for kind in _UNSUPPORTED_KINDS:
        if getattr(message, kind, None):
            return Unsupported(kind)
    return Unsupported("other")


def event_from_message(platform: str, update_id: int | None, message: Any) -> Event | None:
    """None for messages the bot ignores: no sender (channel posts) or not a private chat.

    A lending conversation carries personal data, so it only ever happens one-to-one.
    """
    user = message.from_user
    if user is None or message.chat.type != "private":
        return None
    return Event(
        platform=platform,
        user_id=user.id,
        chat_id=message.chat.id,
        update_id=update_id,
        at=message.date or datetime.now(UTC),
        language_code=user.language_code,
        payload=payload_from_message(message),
    )


def event_from_callback(platform: str, update_id: int | None, query: Any) -> Event | None:
    """None when the button's message is gone (too old) or not in a private chat."""
    message = query.message
    if message is None or message.chat.type != "private":
        return None
    return Event(
        platform=platform,
        user_id=query.from_user.id,
        chat_id=message.chat.id,
        update_id=update_id,
        at=datetime.now(UTC),
        language_code=query.from_user.language_code,
        payload=ButtonPress(query.data or "", message.message_id),
    )


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """Split into pieces Telegram accepts, preferring paragraph, line and word boundaries.

    Lengths are UTF-16 code units, as the Bot API counts them; a piece never ends inside a
    character, so an emoji or a CJK character is never broken.
    """
    if utf16_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _prefix_fitting(rest, limit)
        head = rest[:cut]
        for separator in ("\n\n", "\n", " "):
            at = head.rfind(separator)
            # A boundary in the first half would leave tiny pieces; cut hard instead.
            if at > cut // 2:
                cut = at + len(separator)
                break
        pieces.append(rest[:cut].rstrip("\n") or rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def _prefix_fitting(text: str, limit: int) -> int:
    """Length (in characters) of the longest prefix whose UTF-16 length is <= limit."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


MarkupKind = Literal["none", "inline", "contact", "remove"]


@dataclass(frozen=True, slots=True)
class Markup:
    """What keyboard goes with a message, independent of the library that draws it."""

    kind: MarkupKind = "none"
    buttons: tuple[tuple[Button, ...], ...] = ()
    contact_label: str = ""


NO_MARKUP = Markup()


def markup_for(reply: Reply) -> Markup:
    """Inline buttons win over keyboard changes: Telegram allows one markup per message.

    A contact request and inline buttons on one reply cannot both be shown; the flow should
    not ask for it, and the inline choice is the one that keeps the conversation moving.
    """
    if reply.buttons:
        return Markup("inline", reply.buttons)
    if reply.contact_request:
        return Markup("contact", contact_label=reply.contact_request)
    if reply.remove_keyboard:
        return Markup("remove")
    return NO_MARKUP


def markup_json(markup: Markup) -> dict[str, Any] | None:
    """The Bot API's reply_markup for `markup`, as plain JSON data: what a library's markup
    objects become on the wire, without building them first (PTB turns a markup object back
    into JSON by walking its classes' attributes on every send)."""
    if markup.kind == "inline":
        return {
            "inline_keyboard": inline_rows(
                markup.buttons, lambda b: {"text": b.label, "callback_data": b.token}
            )
        }
    if markup.kind == "contact":
        return {
            "keyboard": [[{"text": markup.contact_label, "request_contact": True}]],
            "resize_keyboard": True,
            "one_time_keyboard": True,
        }
    if markup.kind == "remove":
        return {"remove_keyboard": True}
    return None


def plan_messages(reply: Reply) -> list[tuple[str, Markup]]:
    """The messages one reply becomes; the keyboard rides on the last piece, under the text
    it belongs to."""
    pieces = split_text(reply.text)
    markup = markup_for(reply)
    if len(pieces) == 1:
        return [(pieces[0], markup)]
    return [(piece, NO_MARKUP) for piece in pieces[:-1]] + [(pieces[-1], markup)]


def can_edit(reply: Reply) -> bool:
    """An edit replaces text and inline buttons only; reply keyboards and long texts need new
    messages."""
    return (
        reply.edit
        and reply.contact_request is None
        and not reply.remove_keyboard
        and utf16_len(reply.text) <= MAX_MESSAGE_UTF16
    )


T = TypeVar("T")


def inline_rows(
    buttons: tuple[tuple[Button, ...], ...], make: Callable[[Button], T]
) -> list[list[T]]:
    return [[make(button) for button in row] for row in buttons]


def fits_toast(text: str) -> bool:
    return 0 < len(text) <= MAX_TOAST_CHARS
