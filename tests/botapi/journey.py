"""One scripted journey, played on every transport: the console, and aiogram and PTB each by
long polling and by webhook against the loopback Bot API server.

The script is console input (bot/demo.py's notation: `#N` presses the N-th button the bot
showed last, `##` presses the same button again, `/contact PHONE`, `/contact_other PHONE`,
`/sticker`), so a line added here runs everywhere. Two more: `admin: LINE` is typed by the
admin (ADMIN_ID, in their own chat), and `(reminder)` runs the reminder sweep, inside the bot,
at the moment the next reminder is due (the bot's clock moves there for the sweep and the
delivery, then back). After each line the journey waits until the outbox is sent (notices to
another chat, reminders), so each chat's messages come in the same order everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
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
from bot.scheduler import ServicingJobs
from bot.settings import Settings, load_settings
from bot.wiring import build_conversation, close, create_invite
from flows.engine import Engine, utc_now
from flows.events import Document
from tests.botapi.client import TelegramUser
from tests.botapi.process import PII_KEY, WEBHOOK_SECRET
from tests.botapi.server import BotAPIServer, _render_message, free_port
from tests.databases import migrated

_BAD_INCOME = DEMO_SCRIPT.index("abc") + 1
ADMIN_ID = 3003
REMINDER = "(reminder)"
ADMIN = "admin: "

JOURNEY: list[str] = [
    *DEMO_SCRIPT[:_BAD_INCOME],  # invite, consents, KYC with a wrong ID first, a bad income
    # A wrong answer of 10,000 characters (a console can type it; Telegram clients split at
    # 4,096): answered in a few words, nothing echoed that Telegram would refuse.
    "x" * 10_000,
    *DEMO_SCRIPT[_BAD_INCOME:],  # decision, drawdown with a double tap on Confirm, repayment
    "/sticker",  # something the bot cannot read
    "/language",
    "#2",
    "/help",
    "#1",  # home menu: borrow
    "40000",  # the largest amount the chat lends
    "#3",  # over 12 months: the longest schedule in the disclosure
    "#1",  # confirm
    "/loans",  # two loans
    f"{ADMIN}/freeze tg:{CONSOLE_USER_ID} Documents under review",  # the borrower is told
    "/start",  # the frozen home menu
    f"{ADMIN}/unfreeze tg:{CONSOLE_USER_ID}",  # told again
    "/privacy",
    "#5",  # download my data: a document
    REMINDER,  # the next payment is three days away
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


class JourneyClock:
    """The bot's clock: now, or now moved on (for the reminder sweep)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset


@contextlib.asynccontextmanager
async def running_bot(
    server: BotAPIServer,
    transport: Transport,
    settings: Settings,
    clock: JourneyClock | None = None,
) -> AsyncIterator[Any]:
    """The real transport in this process, talking HTTP to `server`; yields the engine."""
    conversation = await build_conversation(settings, clock or utc_now)
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


def _db(engine: Engine) -> Any:
    return engine.store.db  # type: ignore[attr-defined]  # the SQL store of build_conversation


async def _outbox_waiting(engine: Engine, now: datetime) -> int:
    return int(
        await _db(engine).run(
            lambda tx: tx.scalar(
                "SELECT count(*) FROM outbox WHERE status IN ('pending', 'leased')"
                " AND not_before <= :now",
                now=now,
            )
        )
    )


async def outbox_sent(engine: Engine, timeout: float = 30.0) -> None:
    """Until the transport's outbox loop has sent every row due now."""
    for _ in range(int(timeout / 0.05)):
        if not await _outbox_waiting(engine, engine.clock()):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the outbox was not sent")


async def _first_planned_reminder(engine: Engine) -> datetime | None:
    due = await _db(engine).run(
        lambda tx: tx.scalar("SELECT min(due_at) FROM reminders WHERE status = 'planned'")
    )
    if due is None:
        return None
    moment = due if isinstance(due, datetime) else datetime.fromisoformat(str(due))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def remind(
    engine: Engine,
    settings: Settings,
    clock: JourneyClock,
    deliver: Callable[[], Awaitable[object]],
) -> None:
    """The bot's clock moves day by day, with the nightly close of business that plans
    reminders, until one is planned; then to its moment, where the reminder sweep runs and
    `deliver` waits for (or does) the outbox's delivery; then the clock comes back."""
    jobs = ServicingJobs(engine.store, settings, clock)  # type: ignore[arg-type]
    try:
        for days in range(1, 62):
            clock.offset = timedelta(days=days)
            await jobs.close_of_business()
            due = await _first_planned_reminder(engine)
            if due is not None:
                break
        else:
            raise AssertionError("no reminder planned within two months")
        clock.offset = due - utc_now() + timedelta(minutes=1)
        assert (await jobs.reminder_sweep()).sent, "the sweep sent no reminder"
        await deliver()
    finally:
        clock.offset = timedelta()


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
    """The transcript (the borrower's chat, then the admin's); `after_line(n, user)` runs once
    line n was answered (to script faults)."""
    settings = journey_settings(directory, locale, admin_ids=(ADMIN_ID,))
    invite = await create_invite(settings, uses=1, days=7, inviter="journey")
    user = TelegramUser(server, USER_ID, language_code_for(locale))
    admin = TelegramUser(server, ADMIN_ID, language_code_for(locale))
    clock = JourneyClock()
    async with running_bot(server, transport, settings, clock) as engine:
        for number, line in enumerate(script):
            if line == REMINDER:
                await remind(engine, settings, clock, partial(outbox_sent, engine))
            else:
                who = admin if line.startswith(ADMIN) else user
                act(who, line.removeprefix(ADMIN).format(invite=invite))
                await who.settled()
                await outbox_sent(engine)
            if after_line is not None:
                await after_line(number, user)
    return comparable([*user.transcript, *(f"admin{line}" for line in admin.transcript)], invite)


def comparable(transcript: Sequence[str], invite: str) -> list[str]:
    """The invite code (new each run) and a document's size (its export holds the times of
    the run) left out."""
    return [
        re.sub(r"^(\S*< \(document [^,]+), \d+ bytes\)", r"\1)", line.replace(invite, "{invite}"))
        for line in transcript
    ]


class RecordingConsoleSender(ConsoleSender):
    """The console's delivery, written down the way the server writes each chat."""

    def __init__(self, chats: dict[int, list[str]], chat_id: int) -> None:
        super().__init__(lambda text: None, chat_id=chat_id)
        self.chats = chats

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        message_id = await super().send(chat_id, text, markup)
        self.chats[chat_id].extend(_render_message("<", text, _bot_api_markup(markup)))
        return message_id

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        await super().edit(chat_id, message_id, text, markup)
        self.chats[chat_id].extend(_render_message("<# edited", text, _bot_api_markup(markup)))

    async def send_document(self, chat_id: int, document: Document) -> None:
        size = len(document.content)
        line = f"< (document {document.filename}, {size} bytes) {document.caption}"
        self.chats[chat_id].append(line.rstrip())

    async def toast(self, text: str | None) -> bool:
        if text is not None:
            self.chats[self.chat_id].append(f"< (toast) {text}")
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
    settings = journey_settings(directory, locale, admin_ids=(ADMIN_ID,))
    invite = await create_invite(settings, uses=1, days=7, inviter="journey")
    clock = JourneyClock()
    conversation = await build_conversation(settings, clock)
    chats: dict[int, list[str]] = {USER_ID: [], ADMIN_ID: []}
    sessions = {}
    for who in (USER_ID, ADMIN_ID):
        session = ConsoleSession(conversation, language_code_for(locale), lambda text: None, who)
        session.sender = RecordingConsoleSender(chats, who)
        sessions[who] = session
    # Update ids are the bot's, not a chat's: the admin's must not repeat the borrower's (the
    # engine would answer them as redeliveries).
    sessions[ADMIN_ID]._update_id = 1_000_000
    borrower = sessions[USER_ID]
    try:
        for line in script:
            if line == REMINDER:
                flush = partial(flush_outbox, conversation, borrower.sender)
                await remind(conversation, settings, clock, flush)
                continue
            session = sessions[ADMIN_ID] if line.startswith(ADMIN) else borrower
            with contextlib.suppress(ConsoleQuit):
                await session.submit(line.removeprefix(ADMIN).format(invite=invite))
            await flush_outbox(conversation, borrower.sender)
    finally:
        await close(conversation)
    return comparable([*chats[USER_ID], *(f"admin{line}" for line in chats[ADMIN_ID])], invite)


def bot_side(transcript: Sequence[str]) -> list[str]:
    """What the bot showed, comparable with the console's: message ids and the removal of a
    spent keyboard (Telegram-only) left out."""
    shown = []
    for line in transcript:
        chat = "admin" if line.startswith("admin") else ""
        line = line.removeprefix(chat)
        if line.startswith(">") or line.endswith(" buttons removed"):
            continue
        shown.append(chat + re.sub(r"^<#\d* ", "<# ", line))
    return shown
