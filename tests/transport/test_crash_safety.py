"""kill -9 of the real bot, over real HTTP on loopback, while Telegram's updates are in flight:
nothing acknowledged is lost, on aiogram and PTB, polling and webhook.

Telegram never resends an acknowledged update (2xx from the webhook, or an offset past it), so
each one must already be committed when it is acknowledged. What was not acknowledged comes
again after the restart, and the engine's update_id record drops what it already committed.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.settings import load_settings
from bot.wiring import create_invite
from tests.botapi.client import TelegramUser
from tests.botapi.process import PII_KEY, BotProcess
from tests.botapi.server import BotAPIServer
from tests.databases import migrated

PEOPLE = 100  # one full getUpdates batch
# "fetched": the kill lands this long after a polling batch was handed out, while it is being
# processed (100 first steps take a few hundred ms). Both run on both libraries.
KILL_AFTER_FETCH_SECONDS = 0.05

MODES = [
    pytest.param(False, False, "acknowledged", id="aiogram-polling"),
    pytest.param(False, True, "acknowledged", id="aiogram-webhook"),
    pytest.param(True, False, "acknowledged", id="ptb-polling"),
    pytest.param(True, True, "acknowledged", id="ptb-webhook"),
    pytest.param(False, False, "fetched", id="aiogram-polling-mid-batch"),
    pytest.param(True, False, "fetched", id="ptb-polling-mid-batch"),
]


def registered(database: str) -> set[int]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT platform_user_id FROM users")}


def answers(person: TelegramUser) -> tuple[str, ...]:
    return tuple(line for line in person.transcript if line.startswith(("<", "   ")))


@pytest.mark.parametrize(("ptb", "webhook", "kill_when"), MODES)
async def test_kill9_while_updates_are_in_flight_loses_nothing(tmp_path, ptb, webhook, kill_when):
    database = str(tmp_path / "bot.db")
    url = f"sqlite:///{database}"
    migrated(url)  # as `python run_bot.py migrate` leaves it
    invite = await create_invite(
        load_settings(env_file=None, database_url=url, pii_key=PII_KEY), uses=PEOPLE, days=1
    )
    async with BotAPIServer(chat_burst=10, bot_rate=1000) as server:
        bot = BotProcess(server, url, tmp_path, ptb=ptb, webhook=webhook)
        await bot.start()
        at_kill: list[int] = []

        def kill() -> None:
            if bot.process is not None and bot.process.returncode is None and not at_kill:
                bot.kill9()
                at_kill.extend(server.acknowledged or [0])

        if kill_when == "acknowledged":
            server.on_acknowledged.append(lambda update_ids: kill())
        else:
            loop = asyncio.get_running_loop()

            def kill_soon(update_ids: list[int]) -> None:
                loop.call_later(KILL_AFTER_FETCH_SECONDS, kill)

            server.on_fetched.append(kill_soon)
        people = [TelegramUser(server, 50_000 + n) for n in range(PEOPLE)]
        sent = {person.command("start", invite): person for person in people}
        await bot.exited()
        server.on_acknowledged.clear()
        server.on_fetched.clear()

        # Every update Telegram was told about is in the database. (Its answer too, unless it
        # was slow: then it was acknowledged after its commit and before its delivery.)
        acknowledged = [sent[update_id] for update_id in at_kill if update_id in sent]
        assert {person.user_id for person in acknowledged} <= registered(database)
        if kill_when == "fetched":
            assert not acknowledged, "killed too late: the batch was already confirmed"

        # The rest is delivered again after the restart and handled once.
        await bot.start()
        try:
            await server.wait_all_acknowledged(timeout=60)
        finally:
            await bot.stop()
        assert registered(database) == {person.user_id for person in people}
        # Everyone was answered: an update committed just before the kill is redelivered and
        # its kept replies are sent again (issue 8), so nobody is left at a silent screen. A
        # second copy is possible only for updates in flight at the kill (sent, then the crash
        # before Telegram heard 200): the documented send-then-crash window.
        welcomes = [sum(line.startswith("< Welcome") for line in answers(p)) for p in people]
        assert min(welcomes) == 1, welcomes
        assert max(welcomes) <= 2, welcomes
