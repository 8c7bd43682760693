"""The person on the other side of the chat: what a Telegram client would send to the bot.

Each action puts an update on the server's queue (the bot gets it by polling or webhook) and
writes a `>` line to the chat's transcript; `await user.settled()` waits until the bot has
answered (the transports acknowledge only after the commit and the delivery).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tests.botapi.server import BotAPIServer, Chat


@dataclass
class TelegramUser:
    server: BotAPIServer
    user_id: int
    language_code: str = "en"
    first_name: str = "Zhang"

    def __post_init__(self) -> None:
        self.last_update_id = 0
        self._pressed: dict[int, Any] = {}  # message id -> its buttons when pressed
        self._last_press: tuple[int, str, dict[str, Any]] | None = None
        self._turn_start = 0  # len(chat.touched) when the user last did something
        self._keyboard: list[tuple[int, dict[str, Any]]] = []
        self.server.chat(self.user)  # the user opened the chat

    @property
    def user(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    @property
    def chat(self) -> Chat:
        return self.server.chat(self.user)

    @property
    def transcript(self) -> list[str]:
        return self.chat.transcript

    def keyboard(self) -> list[tuple[int, dict[str, Any]]]:
        """(message id, button) of the buttons the bot showed in its latest turn that had
        any, in order: what "#N" numbers in the console, so one script drives both."""
        touched = list(dict.fromkeys(self.chat.touched[self._turn_start :]))
        fresh = [
            (message_id, button)
            for message_id in touched
            for row in (self.chat.messages[message_id].markup or {}).get("inline_keyboard") or []
            for button in row
        ]
        if fresh:
            self._keyboard = fresh
        return self._keyboard

    def press_number(self, number: int) -> int:
        buttons = self.keyboard()
        if not 1 <= number <= len(buttons):
            raise AssertionError(f"no button {number} on screen")
        message_id, button = buttons[number - 1]
        return self._press(message_id, self.chat.messages[message_id].text, button)

    def press_label(self, label: str) -> int:
        """Press the button with this label among those the bot showed last."""
        for number, (_, button) in enumerate(self.keyboard(), start=1):
            if button["text"] == label:
                return self.press_number(number)
        raise AssertionError(f"no button {label!r} on screen")

    def _message(self, shown: str, **content: Any) -> int:
        self.keyboard()
        self._turn_start = len(self.chat.touched)
        message = self.chat.new_message(False, content.get("text", ""), None)
        self.transcript.append(f"> {shown}")
        body = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
            "from": self.user,
            **content,
        }
        self.last_update_id = self.server.enqueue({"message": body})
        return self.last_update_id

    def send(self, text: str) -> int:
        """Text as typed; a leading /command gets its bot_command entity, as clients send it."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/") and len(text) > 1:
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._message(text, **content)

    def command(self, name: str, payload: str = "") -> int:
        """E.g. a deep link t.me/bot?start=CODE arrives as /start CODE."""
        return self.send(f"/{name} {payload}".rstrip())

    def share_contact(self, phone: str, owner: int | None = None) -> int:
        """Own contact by default (the share-contact button); `owner` for someone else's card."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": self.first_name}
        contact["user_id"] = self.user_id if owner is None else owner
        return self._message(f"(contact {phone})", contact=contact)

    def send_sticker(self) -> int:
        sticker = {
            "file_id": "CAACAgIAAxkBAAE",
            "file_unique_id": "AgADBAADr",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._message("(sticker)", sticker=sticker)

    def buttons(self) -> list[tuple[int, str, str]]:
        """(message id, label, callback data) of the inline buttons on screen, oldest first."""
        found = []
        for message in self.chat.messages.values():
            for row in (message.markup or {}).get("inline_keyboard") or []:
                for button in row:
                    found.append((message.message_id, button["text"], button["callback_data"]))
        return found

    def press(self, number: int = 1, *, message_id: int | None = None) -> int:
        """Press the `number`-th button (1-based) of the latest message with buttons, or of
        `message_id` (a button still on screen, or one pressed before: a double tap)."""
        on_screen = self.buttons()
        if message_id is None:
            if not on_screen:
                raise AssertionError("no inline buttons on screen")
            message_id = on_screen[-1][0]
        message = self.chat.messages[message_id]
        rows = (message.markup or {}).get("inline_keyboard") or self._pressed.get(message_id)
        if not rows:
            raise AssertionError(f"message {message_id} has no buttons")
        button = [b for row in rows for b in row][number - 1]
        self._pressed[message_id] = rows
        return self._press(message_id, message.text, button)

    def press_again(self) -> int:
        """A double tap: the same button again, before the keyboard disappears on screen."""
        if self._last_press is None:
            raise AssertionError("nothing pressed yet")
        return self._press(*self._last_press)

    def _press(self, message_id: int, text: str, button: dict[str, Any]) -> int:
        self.keyboard()
        self._turn_start = len(self.chat.touched)
        self._last_press = (message_id, text, button)
        self.transcript.append(f"> [{button['text']}]")
        query = {
            "id": self.server.new_callback_query_id(self.user_id),
            "from": self.user,
            "chat_instance": f"ci{self.user_id}",
            "data": button["callback_data"],
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
                "from": {"id": 1, "is_bot": True, "first_name": "ChatLend"},
                "text": text or "…",
                **(
                    {"reply_markup": self.chat.messages[message_id].markup}
                    if (self.chat.messages[message_id].markup or {}).get("inline_keyboard")
                    else {}
                ),
            },
        }
        self.last_update_id = self.server.enqueue({"callback_query": query})
        return self.last_update_id

    async def settled(self, timeout: float = 60.0) -> None:
        await self.server.wait_acknowledged(self.last_update_id, timeout)

    def block_bot(self) -> None:
        self.chat.blocked_bot = True
