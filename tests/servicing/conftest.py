"""A borrower with a loan on a real SQLite store, and the servicing jobs run by a moved clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery import LiveKeyboards
from bot.rendering import Markup
from flows.events import Reply
from storage.close_of_business import NightsReport, ServicingRules, close_through
from storage.codec import reply_from_json
from storage.reminder_words import word
from storage.reminders import SweepReport, sweep
from tests.flows.harness import Clock, Harness, Person, onboard

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path / "bot.db")
    yield harness
    await harness.close()


async def borrower(
    bot: Harness, user_id: int = 501, amount: str = "3000", term: str = "3 months"
) -> Person:
    """Onboarded (an ID number and phone of their own), with one loan drawn now."""
    person = bot.person(user_id)
    birth = date(1980, 1, 1) + timedelta(days=user_id)
    await onboard(person, await bot.invite(), birth=birth, phone=f"+86 139 0000 {user_id:04d}")
    await person.press("Borrow")
    await person.say(amount)
    await person.press(term)
    await person.press("Confirm")
    return person


def local(bot: Harness) -> datetime:
    return bot.clock().astimezone(SHANGHAI)


async def nightly(bot: Harness, rules: ServicingRules | None = None) -> NightsReport:
    """Close of business as the scheduler runs it: every night before today (Shanghai)."""
    yesterday = local(bot).date() - timedelta(days=1)
    return await close_through(bot.db, yesterday, bot.clock(), batch_size=50, rules=rules)


async def run_sweep(bot: Harness) -> SweepReport:
    """The sweep, then the words of what it queued, as the outbox writes them when it picks
    the rows up a moment later (status unchanged: delivery tests still send them)."""
    report = await bot.db.run(lambda tx: sweep(tx, bot.clock()))
    await word_queued(bot)
    return report


async def word_queued(bot: Harness) -> None:
    """The words of the reminders queued and not yet worded, written as the outbox does when it
    first leases them (these tests never send, so a row is worded once, on its own day)."""
    pending = (
        "SELECT id, payload FROM outbox WHERE status = 'pending' AND dedupe_key LIKE 'reminder:%'"
        " AND payload NOT LIKE '%\"text\":%'"
    )
    await bot.db.run(lambda tx: word(tx, tx.all(pending), bot.clock()))


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


async def queued(bot: Harness, prefix: str = "reminder:") -> list[Reply]:
    """Messages in the outbox under a dedupe key prefix, oldest first (not those voided: paid
    before they were worded)."""
    rows = await bot.db.run(
        lambda tx: tx.all(
            "SELECT payload FROM outbox WHERE dedupe_key LIKE :p AND status <> 'void' ORDER BY id",
            p=prefix + "%",
        )
    )
    return [reply_from_json(r.payload) for r in rows]


__all__ = ["Clock"]


async def next_day(bot: Harness, rules: ServicingRules | None = None) -> None:
    """A day passes: the clock moves 24 h, the nightly job runs, then the 10:00 sweep."""
    bot.clock.advance(days=1)
    await nightly(bot, rules)
    await run_sweep(bot)


def first_lines(replies: list[Reply]) -> list[str]:
    return [reply.text.splitlines()[0] for reply in replies]


async def repay_due(person: Person) -> list[Reply]:
    """Pays what is due now; returns the receipt's replies."""
    await person.command("repay")
    await person.press("Pay")
    return await person.press("Confirm")


from tests.storage.conftest import any_bot  # noqa: E402, F401  (SQLite, and PostgreSQL when set)


class RecordingSender:
    """Telegram accepting every message: what the borrower's chat receives."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.keyboards = LiveKeyboards()

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        self.texts.append(text)
        return len(self.texts)

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        self.texts.append(text)

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        pass

    def reminders(self) -> list[str]:
        return [t.splitlines()[0] for t in self.texts if t.startswith(("Reminder:", "Your rep"))]
