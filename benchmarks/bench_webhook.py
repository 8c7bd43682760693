"""Webhook throughput: updates/s through the aiohttp endpoint, secret checked and the update
committed before the 200, on aiogram and on PTB, against a plain aiogram webhook bot.

Run: `python -m benchmarks.bench_webhook`.

Everything is real HTTP on loopback in this process: a client posts Telegram's update JSON with
the secret header (users concurrently, each user's updates in order, as Telegram delivers them),
and the bots answer through a Bot API stub that accepts every call. The step is bench_step.py's
(the name question and /back). The peer is aiogram's own SimpleRequestHandler with
handle_in_background=False (so it, too, answers after handling) and its in-memory FSM. Ours
sends through the send budget, as in production, at limits that never make it wait
(`send_budget.WIDE_OPEN`): paced at Telegram's 30 a second, it would measure Telegram's limit,
not the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiogram.fsm.storage.base import StorageKey
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from benchmarks.bench_step import (
    BOT_ID,
    PII_KEY,
    ROUNDS,
    USERS,
    Kyc,
    onboard_to_name_question,
    peer_dispatcher,
    table,
)
from bot import aiogram_transport, delivery, ptb_transport
from bot.send_budget import WIDE_OPEN, SendBudget
from bot.webhook import SECRET_HEADER
from flows.engine import Engine
from storage import Database, PiiVault, SqlStore

TOKEN = f"{BOT_ID}:BENCHMARK-token-no-network-is-used"
SECRET = "bench-secret"
REPEATS = 3
_ids = iter(range(3_000_000, 10**9))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def bot_api_stub() -> AsyncIterator[str]:
    """Accepts every Bot API call; answers a sent message with a plausible Message."""
    bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Bench", "username": "BenchBot"}
    message = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "ok"}

    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        await request.read()
        result: Any = True
        if method == "getMe":
            result = bot_user
        elif method.startswith("send"):
            result = message
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def update(user: int, step: int) -> dict[str, Any]:
    text = "Li Wei" if step % 2 == 0 else "/back"
    message: dict[str, Any] = {
        "message_id": step + 10,
        "date": 1_700_000_000,
        "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "Li", "language_code": "en"},
        "text": text,
    }
    if text == "/back":
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": 5}]
    return {"update_id": next(_ids), "message": message}


async def post_all(url: str, users: list[int]) -> float:
    """Updates per second, every one answered 200."""
    connector = aiohttp.TCPConnector(limit=len(users))
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one_user(user: int) -> None:
            for step in range(ROUNDS):
                async with http.post(
                    url, json=update(user, step), headers={SECRET_HEADER: SECRET}
                ) as response:
                    assert response.status == 200, response.status

        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(one_user(user) for user in users))
        return len(users) * ROUNDS / (loop.time() - started)


async def wait_listening(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(400):
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with http.post(url, json={}) as response:
                    if response.status == 401:  # listening, and the secret is checked
                        return
            await asyncio.sleep(0.025)
    raise RuntimeError("webhook did not start")


async def measure_ours(
    run_webhook: Callable[..., Coroutine[Any, Any, None]], api: str, folder: Path
) -> float:
    folder.mkdir()
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    db.create_schema()
    engine = Engine(SqlStore(db, PiiVault(PII_KEY)))
    store = engine.store
    assert isinstance(store, SqlStore)
    users = list(range(30_001, 30_001 + USERS))
    invite = await store.create_invite("benchmark", len(users), 1, datetime.now(UTC))
    for user in users:
        await onboard_to_name_question(engine, user, invite, lambda: next(_ids))
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    async with delivery.budget_in_use(SendBudget(WIDE_OPEN)):
        server = asyncio.create_task(
            run_webhook(
                engine,
                TOKEN,
                url=url,
                secret=SECRET,
                host="127.0.0.1",
                port=port,
                path="/hook",
                api_base=api,
            )
        )
        try:
            await wait_listening(url)
            await post_all(url, users[:5])  # warm-up
            return statistics.median([await post_all(url, users) for _ in range(REPEATS)])
        finally:
            server.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await server
            await db.close()


async def measure_peer(api: str) -> float:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    dispatcher = peer_dispatcher()
    users = list(range(40_001, 40_001 + USERS))
    for user in users:
        key = StorageKey(bot_id=BOT_ID, chat_id=user, user_id=user)
        await dispatcher.storage.set_state(key, Kyc.name)
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=SECRET, handle_in_background=False).register(
        app, path="/hook"
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}/hook"
    try:
        await post_all(url, users[:5])
        return statistics.median([await post_all(url, users) for _ in range(REPEATS)])
    finally:
        await runner.cleanup()
        await bot.session.close()


async def main() -> None:
    async with bot_api_stub() as api:
        with tempfile.TemporaryDirectory() as folder:
            peer = await measure_peer(api)
            on_aiogram = await measure_ours(aiogram_transport.run_webhook, api, Path(folder) / "a")
            on_ptb = await measure_ours(ptb_transport.run_webhook, api, Path(folder) / "p")
    print(
        f"Webhook: {USERS} concurrent users x {ROUNDS} updates over loopback HTTP, secret checked, "
        f"200 after the commit; median of {REPEATS}"
    )
    rows = [
        ("plain aiogram webhook, in-memory FSM (peer)", peer),
        ("ChatLend on aiogram: webhook -> engine -> SQLite", on_aiogram),
        ("ChatLend on PTB: webhook -> engine -> SQLite", on_ptb),
    ]
    print(table(rows).replace("steps/s", "updates/s").replace("µs/step", "µs/upd"))


def run() -> None:
    asyncio.run(main())


if __name__ == "__main__":
    run()
