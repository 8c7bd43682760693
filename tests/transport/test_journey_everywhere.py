"""The same journey on the console and on aiogram and PTB, by polling and by webhook, against a
Bot API server that enforces Telegram's rules: every transcript is the same, message for
message, keyboards included, and Telegram accepted every call the bot made."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from tests.botapi.journey import (
    ADMIN_ID,
    JOURNEY,
    TRANSPORTS,
    Transport,
    bot_side,
    play_on_console,
    play_on_telegram,
)
from tests.botapi.server import BotAPIServer

# zh_CN (the default) on all four; en on the two that share the least code path.
CASES = [
    pytest.param("zh_CN", TRANSPORTS, id="zh_CN"),
    pytest.param("en", [TRANSPORTS[0], TRANSPORTS[3]], id="en"),
]


async def play(transport: Transport, directory: Path, locale: str) -> list[str]:
    # Flood limits are tested on their own (test_telegram_faults.py); here they would only
    # make the journey wait.
    async with BotAPIServer(chat_rate=100, chat_burst=100) as server:
        transcript = await play_on_telegram(server, transport, directory, locale, JOURNEY)
        assert server.refused == [], transport.name  # Telegram accepted every call
        # The command menu, per language.
        assert "help" in server.menu("zh") and "help" in server.menu("en"), transport.name
        assert "freeze" in server.menu("zh", chat_id=ADMIN_ID), transport.name
    with sqlite3.connect(directory / "journey.db") as db:
        # Two loans, the second the largest over the longest term; one reminder sent; the
        # account was frozen and unfrozen by the admin.
        loans = db.execute("SELECT principal_fen, term_months FROM loans ORDER BY created_at")
        assert loans.fetchall() == [(500_000, 6), (4_000_000, 12)], transport.name
        assert db.execute("SELECT count(*) FROM reminders WHERE status = 'sent'").fetchone()[0]
        actions = db.execute("SELECT action, result FROM operator_audit ORDER BY id").fetchall()
        assert actions == [("freeze", "ok"), ("unfreeze", "ok")], transport.name
    return transcript


def fresh(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.usefixtures("budget")  # paced as run_bot paces it: Telegram refuses a bot that is not
@pytest.mark.parametrize(("locale", "transports"), CASES)
async def test_one_journey_reads_the_same_on_every_transport(tmp_path, locale, transports):
    # Concurrently: each has its own server and database, and most of a journey is waiting.
    *transcripts, console = await asyncio.gather(
        *(play(t, fresh(tmp_path / t.name), locale) for t in transports),
        play_on_console(fresh(tmp_path / "console"), locale, JOURNEY),
    )
    reference = transcripts[0]
    for transport, transcript in zip(transports, transcripts, strict=True):
        assert transcript == reference, transport.name
    assert bot_side(reference) == console
    # The journey went all the way: a loan was paid out, a repayment received.
    assert len([line for line in reference if line.startswith("<")]) > len(JOURNEY)
    # The data export arrived as a document; the admin was answered in their own chat.
    assert any(line.startswith("< (document chatlend-my-data-") for line in reference)
    assert len([line for line in reference if line.startswith("admin<")]) == 2
