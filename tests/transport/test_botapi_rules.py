"""The loopback Bot API server answers as Telegram does, so a test that passes against it means
Telegram would have accepted the same calls."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.botapi.client import TelegramUser
from tests.botapi.server import BotAPIServer, Fault


async def call(server: BotAPIServer, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.base}/bot{server.token}/{method}", json=params) as response,
    ):
        return response.status, await response.json()


@pytest.fixture
async def server():
    async with BotAPIServer(chat_rate=1, chat_burst=2, bot_rate=30) as running:
        TelegramUser(running, 7)  # opened the chat
        TelegramUser(running, 8)
        yield running


async def test_texts_are_checked_as_telegram_checks_them(server):
    assert (await call(server, "sendMessage", chat_id=7, text="x" * 4096))[0] == 200
    status, body = await call(server, "sendMessage", chat_id=7, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    # Counted after entity parsing, in UTF-16 units: tags do not count, an emoji counts twice.
    bold = "<b>" + "x" * 4090 + "</b>"
    assert (await call(server, "sendMessage", chat_id=8, text=bold, parse_mode="HTML"))[0] == 200
    status, _ = await call(server, "sendMessage", chat_id=8, text="😀" * 2049)
    assert status == 400
    for broken in ("<b>open", "<blink>x</blink>", "a < b"):
        status, body = await call(server, "sendMessage", chat_id=7, text=broken, parse_mode="HTML")
        assert status == 400 and "Can't parse entities" in body["description"], broken


async def test_callback_data_is_at_most_64_bytes(server):
    def keyboard(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}

    ok, _ = await call(server, "sendMessage", chat_id=7, text="a", reply_markup=keyboard("é" * 32))
    status, body = await call(
        server, "sendMessage", chat_id=8, text="a", reply_markup=keyboard("x" * 65)
    )
    assert ok == 200 and (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_edits_not_modified_and_other_chats_are_refused(server):
    _, sent = await call(server, "sendMessage", chat_id=7, text="hello")
    message_id = sent["result"]["message_id"]
    status, body = await call(
        server, "editMessageText", chat_id=7, message_id=message_id, text="hello"
    )
    assert status == 400 and "message is not modified" in body["description"]
    status, _ = await call(server, "editMessageText", chat_id=8, message_id=message_id, text="x")
    assert status == 400
    assert (await call(server, "editMessageText", chat_id=7, message_id=message_id, text="hi"))[
        0
    ] == 200


async def test_flood_limits_blocked_users_unknown_methods_and_faults(server):
    for _ in range(2):  # the burst a chat allows
        assert (await call(server, "sendMessage", chat_id=7, text="a"))[0] == 200
    status, body = await call(server, "sendMessage", chat_id=7, text="a")
    assert status == 429 and body["parameters"]["retry_after"] >= 1
    assert (await call(server, "sendMessage", chat_id=8, text="a"))[0] == 200  # per chat
    server.chats[8].blocked_bot = True
    status, body = await call(server, "sendMessage", chat_id=8, text="a")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    assert (await call(server, "sendTelepathy", chat_id=7))[0] == 404
    server.faults.append(Fault("getMe", "5xx", times=1))
    assert (await call(server, "getMe"))[0] == 502
    assert (await call(server, "getMe"))[0] == 200
