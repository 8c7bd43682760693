"""What runs beside the updates, on every transport against the loopback Bot API server: the
operator command menus (per chat and per language) and the broadcast sender, started with the
transport and stopped with it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.wiring import open_store
from tests.botapi.client import TelegramUser
from tests.botapi.journey import TRANSPORTS, Transport, journey_settings, running_bot
from tests.botapi.server import BotAPIServer

ADMIN = 9001
OPERATOR = 9002
PEOPLE = [(6001, "en"), (6002, "zh_CN"), (6003, "en")]
NOTICE_EN, NOTICE_ZH = "Maintenance tonight", "今晚系统维护"


async def admit(settings, people: list[tuple[int, str]]) -> None:
    """Admitted people straight into the tables: the broadcast, not onboarding, is under test."""
    store = await open_store(settings)

    def work(tx) -> None:
        for telegram_id, locale in people:
            user_id = tx.scalar(
                "INSERT INTO users (platform, platform_user_id, created_at)"
                " VALUES ('telegram', :tg, CURRENT_TIMESTAMP) RETURNING id",
                tg=telegram_id,
            )
            tx.execute(
                "INSERT INTO conversations (user_id, chat_id, locale, timezone, status, state,"
                " answers, screen, version, updated_at) VALUES (:id, :chat, :locale,"
                " 'Asia/Shanghai', 'active', 'home', '{}', 0, 1, CURRENT_TIMESTAMP)",
                id=user_id,
                chat=telegram_id,
                locale=locale,
            )

    try:
        await store.db.run(work)
    finally:
        await store.db.close()


async def until(condition, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time")


async def broadcast_and_menus(transport: Transport, directory: Path) -> None:
    directory.mkdir()
    settings = journey_settings(directory, "en", admin_ids=(ADMIN,), operator_ids=(OPERATOR,))
    await admit(settings, PEOPLE)
    async with BotAPIServer(chat_rate=100, chat_burst=100) as server:
        admin = TelegramUser(server, ADMIN)  # opened the chat: a chat-scoped menu can be set
        TelegramUser(server, OPERATOR)
        people = [TelegramUser(server, user_id, locale[:2]) for user_id, locale in PEOPLE]
        async with running_bot(server, transport, settings):
            # The menus: the admin's own chat has the admin commands, in both languages;
            # everyone else's default menu has none.
            await until(lambda: len(server.commands) == 6)  # set after setWebhook
            # The menus per role: the admin's own chat has the admin commands, the operator's
            # the operator's, in both languages; everyone else's default menu has none.
            for language in ("en", "zh"):
                assert {"freeze", "broadcast"} <= set(server.menu(language, chat_id=ADMIN))
                operator_menu = server.menu(language, chat_id=OPERATOR)
                assert "stats" in operator_menu and "freeze" not in operator_menu
                assert "stats" not in server.menu(language), transport.name
            admin.send("/broadcast")
            await admin.settled()
            admin.send(f"{NOTICE_EN}\n---\n{NOTICE_ZH}")
            await admin.settled()
            admin.press_label(f"Send to {len(PEOPLE)} people")
            await admin.settled()
            # Sent by the broadcast runner beside the transport, not inside an update.
            await until(lambda: all(len(p.transcript) == 1 for p in people))
            runners = [t for t in asyncio.all_tasks() if t.get_name() == "broadcasts"]
            assert runners, transport.name
        assert all(runner.done() for runner in runners), "stopped with the transport"
        assert [p.transcript for p in people] == [
            [f"< {NOTICE_EN}"],
            [f"< {NOTICE_ZH}"],
            [f"< {NOTICE_EN}"],
        ], transport.name
        assert server.refused == [], transport.name


@pytest.mark.usefixtures("budget")
@pytest.mark.parametrize("transport", TRANSPORTS, ids=lambda t: t.name)
async def test_broadcasts_and_operator_menus_on_every_transport(tmp_path, transport):
    # One at a time: the check that the runner stopped looks at every task of the loop.
    await broadcast_and_menus(transport, tmp_path / transport.name)
