"""Whole transports over real HTTP on loopback: a tiny fake Bot API server stands in for
Telegram (TELEGRAM_API_BASE), so polling start-up, getUpdates and the webhook secret are
exercised as in production, without the internet."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot import aiogram_transport, delivery, ptb_transport
from flows.events import Outgoing, Reply
from tests.transport import fakes
from tests.transport.fakes import USER_ID, FakeConversation

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeBotAPI:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self.sent = asyncio.Event()
        self.sent_at: list[float] = []  # loop time of each sendMessage
        self._message_id = 100

    def named(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def handle(self, request: web.Request) -> web.Response:
        assert request.match_info["token"] == TOKEN
        method = request.match_info["method"]
        params = dict(await request.post()) if request.can_read_body else {}
        if not params and request.content_type == "application/json":
            params = await request.json()
        self.calls.append((method, params))
        result: Any = True
        if method == "getMe":
            result = fakes.BOT_USER
        elif method == "getUpdates":
            if not self.updates:
                await asyncio.sleep(0.05)
            result, self.updates = self.updates, []
        elif method == "sendMessage":
            self._message_id += 1
            self.sent_at.append(asyncio.get_running_loop().time())
            result = fakes.sent_message_json(int(str(params["chat_id"])), self._message_id)
            self.sent.set()
        return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def api() -> AsyncIterator[tuple[FakeBotAPI, str]]:
    fake = FakeBotAPI()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def run_until_sent(coroutine: Any, fake: FakeBotAPI) -> None:
    task = asyncio.create_task(coroutine)
    try:
        await asyncio.wait_for(fake.sent.wait(), timeout=10)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.parametrize("transport", [aiogram_transport, ptb_transport], ids=["aiogram", "ptb"])
async def test_long_polling_through_a_custom_bot_api_server(api, transport):
    fake, base = api
    conversation = FakeConversation()
    fake.updates = [fakes.text_update("/start abc", update_id=41)]
    await run_until_sent(transport.run_polling(conversation, TOKEN, base, [9001]), fake)
    assert conversation.events[0].update_id == 41
    [sent] = fake.named("sendMessage")
    assert (int(sent["chat_id"]), sent["text"]) == (USER_ID, "ok")
    assert len(fake.named("setMyCommands")) == 4
    allowed = json.loads(fake.named("getUpdates")[0]["allowed_updates"])
    assert set(allowed) == {"message", "callback_query"}


@pytest.mark.parametrize("transport", [aiogram_transport, ptb_transport], ids=["aiogram", "ptb"])
async def test_a_transport_run_without_run_bot_keeps_to_telegrams_rate(api, transport):
    # An embedder who calls run_polling directly installs no budget; 45 replies at once must
    # still reach Telegram at no more than 30 in any one second, or Telegram answers 429.
    fake, base = api
    replies = [Outgoing(USER_ID, Reply(f"part {n}")) for n in range(45)]
    conversation = FakeConversation(respond=fakes.always(*replies))
    fake.updates = [fakes.text_update("/start abc", update_id=41)]
    task = asyncio.create_task(transport.run_polling(conversation, TOKEN, base))
    try:
        for _ in range(100):
            if len(fake.sent_at) == len(replies):
                break
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert len(fake.sent_at) == len(replies)
    # The budget spaces its grants; the trip to the server can bunch two by a few ms.
    window = 0.95
    busiest = max(sum(start <= t < start + window for t in fake.sent_at) for start in fake.sent_at)
    assert busiest <= 30
    assert delivery._budget is None  # the run's own budget goes with it


@pytest.mark.parametrize("transport", [aiogram_transport, ptb_transport], ids=["aiogram", "ptb"])
async def test_webhook_checks_the_secret_and_answers_after_the_commit(api, transport):
    fake, base = api
    conversation = FakeConversation()
    port = free_port()
    server = asyncio.create_task(
        transport.run_webhook(
            conversation,
            TOKEN,
            url="https://bot.example.com/hook",
            secret="s3cret",
            host="127.0.0.1",
            port=port,
            path="/hook",
            api_base=base,
        )
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):  # wait for the server to listen
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    url = f"http://127.0.0.1:{port}/hook"
                    update = fakes.text_update("hello", update_id=77)
                    forged = await http.post(url, json=update)
                    break
                await asyncio.sleep(0.05)
            assert forged.status == 401
            wrong = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3creT"}
            )
            assert wrong.status == 401
            assert conversation.events == []
            good = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            )
            # 200 means handled: the reply is already out.
            assert good.status == 200 and fake.sent.is_set()
            assert conversation.events[0].update_id == 77

            async def database_down(event):
                raise ConnectionError("database unreachable")

            conversation.handle = database_down  # type: ignore[method-assign]
            failed = await http.post(
                url,
                json=fakes.text_update("again", update_id=78),
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            )
            assert failed.status == 500  # not committed: Telegram must deliver it again
        [hook] = fake.named("setWebhook")
        assert hook["url"] == "https://bot.example.com/hook" and hook["secret_token"] == "s3cret"
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
