"""The contract between transports and the conversation: what came in, what goes out.

Transports turn a platform update into an `Event` and render each `Reply`; nothing else
crosses the boundary, so a conversation reads the same on Telegram and in a console.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Command:
    """`/start abc` -> Command("start", "abc"). The name is lower-case, without the slash."""

    name: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """An inline button was pressed. `token` is the opaque callback data the bot attached."""

    token: str
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class SharedContact:
    """A contact card. `owner_user_id` is the platform user the contact belongs to, if known."""

    phone: str
    owner_user_id: int | None


@dataclass(frozen=True, slots=True)
class Unsupported:
    """Anything the conversation cannot read (sticker, photo, voice...); `what` names it."""

    what: str


Payload = Text | Command | ButtonPress | SharedContact | Unsupported


@dataclass(frozen=True, slots=True)
class Event:
    platform: str
    user_id: int
    chat_id: int
    update_id: int | None
    at: datetime
    language_code: str | None
    payload: Payload


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    token: str


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent to the chat (the person's data export). Never stored: a replayed update
    or an outbox row carries the reply's text only."""

    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """One outgoing message, already localised and formatted.

    `buttons` are inline rows. `contact_request` asks for a reply keyboard with a single
    share-contact button labelled so; `remove_keyboard` takes any reply keyboard away.
    `edit` asks the transport to replace the message whose button was pressed, when it can.
    `toast` answers the press itself (a small notice over the chat) and adds nothing to the chat.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    contact_request: str | None = None
    remove_keyboard: bool = False
    edit: bool = False
    toast: bool = (
        False  # answer the button press with this text (callback toast), not a chat message
    )
    new_screen: bool = False  # older inline keyboards in this chat stopped working: take them off
    document: Document | None = None  # sent after the text


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A reply bound for a chat. `outbox_id` is set when the reply is an outbox row that must be
    acknowledged (`Engine.mark_delivered`) once the platform has accepted it."""

    chat_id: int
    reply: Reply
    outbox_id: int | None = None
    platform: str = field(default="telegram")


class Replay(list[Outgoing]):
    """What a redelivered update (same platform and update id) answered the first time.
    Delivered as it was, toast included, and nothing else happens: the update's own effects
    (a spent keyboard taken off, a toast that became a chat message) happened then."""


class Conversation(Protocol):
    """What a transport needs from the engine. Transports hold nothing else of the bot's."""

    async def handle(self, event: Event) -> list[Outgoing]:
        """Process one event in one transaction; return what to send, in order.

        A replayed event (same platform and update id) returns a `Replay` of the replies kept
        for it (empty when they were outbox rows: the outbox resends those). Replies with an `outbox_id`
        must be acknowledged with `mark_delivered` after the platform accepted them.
        """
        ...

    async def mark_delivered(self, outbox_id: int) -> None: ...

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        """The platform refused or could not be reached; the row is retried later."""
        ...

    async def due_outbox(self, limit: int = 50) -> list[Outgoing]:
        """Outbox rows ready to (re)send now: scheduled reminders, broadcasts, and replies
        whose delivery was interrupted. Each returned row is leased, so two workers never
        send the same row at once."""
        ...

    def command_menu(
        self, locale: str, admin: bool = False, operator: bool = False
    ) -> list[tuple[str, str]]:
        """(command, description) pairs for the platform's command menu, in `locale`."""
        ...
