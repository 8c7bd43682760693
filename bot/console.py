"""An offline transport: chat with the conversation in a terminal, no Telegram token needed.

It goes through the same delivery code as the Telegram transports (splitting, edits, outbox
acknowledgement), so what the console shows is what a Telegram user would get. `play` turns a
list of typed lines into a transcript for tests and the demo.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import threading
from collections.abc import AsyncIterable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.delivery import (
    LiveKeyboards,
    flush_outbox,
    handle_and_deliver,
    start_outbox_loop,
    stop_outbox,
)
from bot.rendering import Markup, parse_text
from flows.events import (
    ButtonPress,
    Conversation,
    Document,
    Event,
    Payload,
    SharedContact,
    Unsupported,
)

PLATFORM = "console"
CONSOLE_USER_ID = 1001
# Someone else's Telegram account, for trying the "not your own contact" path.
OTHER_USER_ID = 2002
DEFAULT_PHONE = "+8613800138000"

BANNER = """\
ChatLend console - you are user {user_id}, language {language}.
  type text or /commands as in Telegram
  #N                   press button N of the latest buttons (e.g. #1)
  ##                   press the last pressed button again (a double tap)
  /contact [phone]     share your own contact (default {phone})
  /contact_other PHONE share someone else's contact
  /sticker, /photo     send something the bot cannot read
  /quit                leave (Ctrl-D works too)"""

_BUTTON = re.compile(r"^#(\d{1,3})$")
_INDENT = "     "

Write = Callable[[str], None]


def language_code_for(locale: str) -> str:
    """What a Telegram client in that locale would report."""
    return "zh-hans" if locale.lower().startswith("zh") else "en"


@dataclass
class ConsoleSender:
    """Prints messages; remembers the latest buttons so `#N` can press them."""

    write: Write
    chat_id: int = CONSOLE_USER_ID
    buttons: dict[int, tuple[str, int]] = field(default_factory=dict)
    _message_id: int = 0
    _numbering_started: bool = False

    def begin_turn(self) -> None:
        self._numbering_started = False

    keyboards: LiveKeyboards = field(default_factory=LiveKeyboards)

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        self._message_id += 1
        self._print("bot>", chat_id, text, markup, self._message_id)
        return self._message_id

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        # Silent, as on Telegram: those buttons simply cannot be pressed any more.
        for number, (_, shown_on) in list(self.buttons.items()):
            if shown_on == message_id:
                del self.buttons[number]

    async def toast(self, text: str | None) -> bool:
        """A button press is answered; Telegram shows its text briefly over the chat."""
        if text:
            self.write(f"{_INDENT}(notice on the button: {text})")
        return True

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        self._print("bot (updated)>", chat_id, text, markup, message_id)

    async def send_document(self, chat_id: int, document: Document) -> None:
        """A terminal cannot show a file: it is written to a private temporary folder."""
        folder = Path(tempfile.mkdtemp(prefix="chatlend-"))
        path = folder / Path(document.filename).name
        path.write_bytes(document.content)
        self.write(f"bot> [file] {path}")

    def _print(self, prefix: str, chat_id: int, text: str, markup: Markup, message_id: int) -> None:
        if chat_id != self.chat_id:
            prefix = f"bot -> chat {chat_id}>"
        lines = text.splitlines() or [""]
        out = [f"{prefix} {lines[0]}"]
        out += [_INDENT + line for line in lines[1:]]
        if markup.kind == "inline":
            if not self._numbering_started:
                # A new keyboard in a new turn: numbering restarts so #1 is always the first.
                self.buttons.clear()
                self._numbering_started = True
            for row in markup.buttons:
                cells = []
                for button in row:
                    number = len(self.buttons) + 1
                    self.buttons[number] = (button.token, message_id)
                    cells.append(f"[{number}] {button.label}")
                out.append(_INDENT + "   ".join(cells))
        elif markup.kind == "contact":
            out.append(f"{_INDENT}({markup.contact_label}: /contact {DEFAULT_PHONE})")
        self.write("\n".join(out))


class ConsoleQuit(Exception):
    """/quit was typed."""


@dataclass
class ConsoleSession:
    conversation: Conversation
    language_code: str
    write: Write
    user_id: int = CONSOLE_USER_ID
    sender: ConsoleSender = field(init=False)
    _update_id: int = 0
    _last_press: ButtonPress | None = None

    def __post_init__(self) -> None:
        self.sender = ConsoleSender(self.write, chat_id=self.user_id)

    def banner(self) -> str:
        return BANNER.format(user_id=self.user_id, language=self.language_code, phone=DEFAULT_PHONE)

    def parse(self, line: str) -> Payload | None:
        """None when the line was a console instruction that sends nothing."""
        stripped = line.strip()
        if not stripped:
            return None
        if stripped == "##":
            if self._last_press is None:
                self.write(f"{_INDENT}(no button pressed yet)")
            return self._last_press
        if match := _BUTTON.match(stripped):
            pressed = self.sender.buttons.get(int(match.group(1)))
            if pressed is None:
                self.write(f"{_INDENT}(no button {match.group(1)} on screen)")
                return None
            self._last_press = ButtonPress(*pressed)
            return self._last_press
        word, _, rest = stripped.partition(" ")
        if word in ("/quit", "/exit"):
            raise ConsoleQuit
        if word == "/contact":
            return SharedContact(rest.strip() or DEFAULT_PHONE, self.user_id)
        if word == "/contact_other":
            return SharedContact(rest.strip() or DEFAULT_PHONE, OTHER_USER_ID)
        if word in ("/sticker", "/photo"):
            return Unsupported(word[1:])
        return parse_text(line.rstrip("\n"))

    async def submit(self, line: str) -> None:
        payload = self.parse(line)
        if payload is None:
            return
        self._update_id += 1
        event = Event(
            platform=PLATFORM,
            user_id=self.user_id,
            chat_id=self.user_id,
            update_id=self._update_id,
            at=datetime.now(UTC),
            language_code=self.language_code,
            payload=payload,
        )
        self.sender.begin_turn()
        answer = self.sender.toast if isinstance(payload, ButtonPress) else None
        await handle_and_deliver(self.conversation, self.sender, event, answer)

    async def flush_outbox(self) -> None:
        await flush_outbox(self.conversation, self.sender)


async def play(conversation: Conversation, lines: Iterable[str], locale: str = "zh_CN") -> str:
    """Type `lines` one by one and return the transcript; due outbox rows (reminders,
    notices) are shown after each line, as the delivery loop would send them."""
    out: list[str] = []
    session = ConsoleSession(conversation, language_code_for(locale), out.append)
    for line in lines:
        out.append(f"you> {line}")
        try:
            await session.submit(line)
        except ConsoleQuit:
            break
        await session.flush_outbox()
    return "\n".join(out)


async def _stdin_lines(prompt: str) -> AsyncIterable[str]:
    """Lines from the terminal without blocking the loop (the outbox keeps printing).

    A daemon thread reads, one line per request, so the prompt appears after the bot's
    answer and Ctrl-C never waits for a pending input().
    """
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    wanted = threading.Semaphore(0)

    def read() -> None:
        while True:
            wanted.acquire()
            try:
                line: str | None = input(prompt)
            except (EOFError, KeyboardInterrupt):
                line = None
            try:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            except RuntimeError:  # the loop is gone: we are exiting
                return
            if line is None:
                return

    threading.Thread(target=read, name="console-input", daemon=True).start()
    while True:
        wanted.release()
        line = await lines.get()
        if line is None:
            return
        yield line


async def interactive(
    conversation: Conversation,
    locale: str = "zh_CN",
    lines: AsyncIterable[str] | None = None,
    write: Write = print,
) -> None:
    session = ConsoleSession(conversation, language_code_for(locale), write)
    write(session.banner())
    outbox = start_outbox_loop(conversation, session.sender)
    try:
        async for line in lines if lines is not None else _stdin_lines("you> "):
            try:
                await session.submit(line)
            except ConsoleQuit:
                break
    finally:
        await stop_outbox(outbox)
        if sys.stdout.isatty():
            write("bye")
