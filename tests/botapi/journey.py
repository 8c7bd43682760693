"""One scripted journey, played on every transport: the console, and aiogram and PTB each by
long polling and by webhook against the loopback Bot API server.

The script is console input (bot/demo.py's notation: `#N` presses the N-th button the bot
showed last, `##` presses the same button again, `/contact PHONE`, `/contact_other PHONE`,
`/sticker`), so a line added here runs everywhere. Add the steps of new features (operator
commands, reminders, the data export) to JOURNEY as they land.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import aiogram_transport, ptb_transport
from bot.console import (
    CONSOLE_USER_ID,
    OTHER_USER_ID,
    ConsoleQuit,
    ConsoleSender,
    ConsoleSession,
    language_code_for,
)
from bot.delivery import flush_outbox
from bot.demo import DEMO_SCRIPT
from bot.rendering import Markup
from bot.settings import Settings, load_settings
from bot.wiring import build_conversation, close, create_invite
from tests.botapi.client import TelegramUser
from tests.botapi.process import PII_KEY, WEBHOOK_SECRET
from tests.botapi.server import BotAPIServer, _render_message, free_port
from tests.databases import migrated

_BAD_INCOME = DEMO_SCRIPT.index("abc") + 1

JOURNEY: list[str] = [
    *DEMO_SCRIPT[:_BAD_INCOME],  # invite, consents, KYC with a wrong ID first, a bad income
    "x" * 4096,  # the longest message a client sends, as a wrong answer
    *DEMO_SCRIPT[_BAD_INCOME:],  # decision, drawdown with a double tap on Confirm, repayment
    "/sticker",  # something the bot cannot read
    "/language",
    "#2",
    "/help",
]

USER_ID = CONSOLE_USER_ID  # the same person everywhere, so every text can be compared


@dataclass(frozen=True)
class Transport:
    name: str
    module: Any  # bot.aiogram_transport or bot.ptb_transport
    webhook: bool


TRANSPORTS = [
    Transport("aiogram-polling", aiogram_transport, False),
    Transport("aiogram-webhook", aiogram_transport, True),
    Transport("ptb-polling", ptb_transport, False),
    Transport("ptb-webhook", ptb_transport, True),
]


def journey_settings(directory: Path, locale: str, **more: Any) -> Settings:
    url = f"sqlite:///{directory / 'journey.db'}"
    migrated(url)  # as `python run_bot.py migrate` leaves it
    return load_settings(
        env_file=None,
        database_url=url,
        pii_key=PII_KEY,
        default_locale=locale,
        **more,
    )


@contextlib.asynccontextmanager
async def running_bot(
    server: BotAPIServer, transport: Transport, settings: Settings
) -> AsyncIterator[Any]:
    """The real transport in this process, talking HTTP to `server`; yields the engine."""
    conversation = await build_conversation(settings)
    calls_before = len(server.calls)
    if transport.webhook:
        port = free_port()
        runner = transport.module.run_webhook(
            conversation,
            server.token,
            url=f"http://127.0.0.1:{port}/hook",
            secret=WEBHOOK_SECRET,
            host="127.0.0.1",
            port=port,
            path="/hook",
            api_base=server.base,
            admin_ids=settings.admin_ids,
        )
    else:
        runner = transport.module.run_polling(
            conversation, server.token, server.base, admin_ids=settings.admin_ids
        )
    task = asyncio.create_task(runner)
    ready = "setWebhook" if transport.webhook else "getUpdates"
    try:
        for _ in range(400):
            if any(name == ready for name, _ in server.calls[calls_before:]) or task.done():
                break
            await asyncio.sleep(0.025)
        if task.done():
            task.result()  # raises what stopped it
        yield conversation
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await close(conversation)


def act(user: TelegramUser, line: str) -> None:
    """One console line, done the way a Telegram client would do it."""
    word, _, rest = line.strip().partition(" ")
    if match := re.fullmatch(r"#(\d+)", word):
        user.press_number(int(match.group(1)))
    elif word == "##":
        user.press_again()
    elif word == "/contact":
        user.share_contact(rest.strip())
    elif word == "/contact_other":
        user.share_contact(rest.strip(), owner=OTHER_USER_ID)
    elif word == "/sticker":
        user.send_sticker()
    else:
        user.send(line)


async def play_on_telegram(
    server: BotAPIServer,
    transport: Transport,
    directory: Path,
    locale: str,
    script: Sequence[str],
    after_line: Callable[[int, TelegramUser], Awaitable[None]] | None = None,
) -> list[str]:
    """The transcript; `after_line(n, user)` runs once line n was answered (to script faults)."""
    settings = journey_settings(directory, locale)
    invite = await create_invite(settings, uses=1, days=7, inviter="journey")
    user = TelegramUser(server, USER_ID, language_code_for(locale))
    async with running_bot(server, transport, settings):
        for number, line in enumerate(script):
            act(user, line.format(invite=invite))
            await user.settled()
            if after_line is not None:
                await after_line(number, user)
    return [line.replace(invite, "{invite}") for line in user.transcript]


class RecordingConsoleSender(ConsoleSender):
    """The console's delivery, written down the way the server writes a chat."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lambda text: None, chat_id=USER_ID)
        self.lines = lines

    async def send(self, chat_id: int, text: str, markup: Markup) -> None:
        await super().send(chat_id, text, markup)
        self.lines.extend(_render_message("<", text, _bot_api_markup(markup)))

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        await super().edit(chat_id, message_id, text, markup)
        self.lines.extend(_render_message("<# edited", text, _bot_api_markup(markup)))

    async def toast(self, text: str | None) -> bool:
        if text is not None:
            self.lines.append(f"< (toast) {text}")
        return True


def _bot_api_markup(markup: Markup) -> dict[str, Any] | None:
    if markup.kind == "inline":
        return {"inline_keyboard": [[{"text": b.label} for b in row] for row in markup.buttons]}
    if markup.kind == "contact":
        return {"keyboard": [[{"text": markup.contact_label, "request_contact": True}]]}
    if markup.kind == "remove":
        return {"remove_keyboard": True}
    return None


async def play_on_console(directory: Path, locale: str, script: Sequence[str]) -> list[str]:
    settings = journey_settings(directory, locale)
    invite = await create_invite(settings, uses=1, days=7, inviter="journey")
    conversation = await build_conversation(settings)
    lines: list[str] = []
    session = ConsoleSession(conversation, language_code_for(locale), lambda text: None)
    session.sender = RecordingConsoleSender(lines)
    try:
        for line in script:
            with contextlib.suppress(ConsoleQuit):
                await session.submit(line.format(invite=invite))
            await flush_outbox(conversation, session.sender)
    finally:
        await close(conversation)
    return lines


def bot_side(transcript: Sequence[str]) -> list[str]:
    """What the bot showed, comparable with the console's: message ids and the removal of a
    spent keyboard (Telegram-only) left out."""
    shown = []
    for line in transcript:
        if line.startswith(">") or line.endswith(" buttons removed"):
            continue
        shown.append(re.sub(r"^<#\d* ", "<# ", line))
    return shown
