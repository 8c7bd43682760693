"""SIGTERM on a real `run_bot.py --webhook` process, with a fake Bot API on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from flows.events import Reply
from flows.ports import OutboxMessage
from storage import Database, PiiVault, SqlStore
from storage.outbox import enqueue
from tests.databases import migrated
from tests.flows.harness import TEST_PII_KEY
from tests.transport import fakes
from tests.transport.test_loopback import TOKEN, FakeBotAPI, free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


class SlowBotAPI(FakeBotAPI):
    """Telegram taking its time to accept each message: updates stay in flight a while."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "sendMessage":
            await asyncio.sleep(self.delay)
        return await super().handle(request)


@contextlib.asynccontextmanager
async def bot_process(tmp_path: Path, delay: float, **settings: str) -> Any:
    fake = SlowBotAPI(delay)
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", fake.handle)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    api_port, hook_port = free_port(), free_port()
    await web.TCPSite(runner, "127.0.0.1", api_port).start()
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    migrated(url)
    db = Database(url)
    store = SqlStore(db, PiiVault(TEST_PII_KEY))
    invite = await store.create_invite("operator", 500, 7, datetime.now(UTC))
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "PII_KEY": TEST_PII_KEY,
        "DATABASE_URL": url,
        "WEBHOOK_URL": "https://bot.example.com/hook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_PORT": str(hook_port),
        "TELEGRAM_API_BASE": f"http://127.0.0.1:{api_port}",
        "SHUTDOWN_DEADLINE_SECONDS": "5",
        "OUTBOX_FLUSH_SECONDS": "4",
        **settings,
    }
    log = (tmp_path / "bot.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "run_bot.py", "--webhook", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{hook_port}"
    try:
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            for _ in range(1200):  # wait for it to listen and be ready (a busy machine: slow)
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    if (await http.get(f"{base}/readyz")).status == 200:
                        break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError((tmp_path / "bot.log").read_text()[-2000:])
            yield process, http, base, invite, db, fake
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await db.close()
        await runner.cleanup()
        log.close()


async def post_update(http: aiohttp.ClientSession, base: str, update: dict[str, Any]) -> int:
    try:
        async with http.post(f"{base}/hook", json=update, headers=HEADERS) as response:
            return response.status
    except aiohttp.ClientError:
        return 0  # refused or cut: Telegram will deliver it again


async def test_sigterm_during_a_burst_loses_no_acknowledged_update(tmp_path: Path) -> None:
    async with bot_process(tmp_path, delay=0.2) as (process, http, base, invite, db, fake):
        updates = [
            fakes.message_update(
                update_id=1000 + n,
                text=f"/start {invite}",
                chat={"id": 5000 + n, "type": "private"},
                **{"from": {"id": 5000 + n, "is_bot": False, "first_name": "A"}},
            )
            for n in range(80)
        ]
        burst = [asyncio.create_task(post_update(http, base, u)) for u in updates]
        # SIGTERM once the first answers are back: some answered, many in flight.
        await asyncio.wait(burst, return_when=asyncio.FIRST_COMPLETED)
        process.send_signal(signal.SIGTERM)
        statuses = await asyncio.gather(*burst)
        await asyncio.wait_for(process.wait(), 30)
        errors = (tmp_path / "bot.log").read_text()
        stored = await db.run(
            lambda tx: {r.update_id for r in tx.all("SELECT update_id FROM processed_updates")}
        )
    assert process.returncode == 0, errors
    acknowledged = {u["update_id"] for u, s in zip(updates, statuses, strict=True) if s == 200}
    assert acknowledged, statuses
    assert acknowledged <= stored
    answered = {int(str(p["chat_id"])) for p in fake.named("sendMessage")}
    assert {u["message"]["chat"]["id"] for u in updates if u["update_id"] in acknowledged} <= (
        answered
    )


async def test_a_second_sigterm_exits_at_once(tmp_path: Path) -> None:
    async with bot_process(tmp_path, delay=30) as (process, http, base, invite, _db, _fake):
        update = fakes.message_update(update_id=1, text=f"/start {invite}")
        stuck = asyncio.create_task(post_update(http, base, update))
        await asyncio.sleep(0.5)  # in flight: its reply waits on a slow Telegram
        process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 5)
        assert time.monotonic() - started < 3
        assert process.returncode == 128 + signal.SIGTERM
        stuck.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stuck


async def queue_notices(db: Database, count: int) -> None:
    """Notices committed and waiting in the outbox, as a repayment or a reminder leaves them."""
    now = datetime.now(UTC)

    def enqueue_all(tx: Any) -> None:
        for n in range(count):
            notice = OutboxMessage(7000 + n, "telegram", Reply(f"notice {n}"), f"notice-{n}")
            enqueue(tx, notice, now, leased=False)

    await db.run(enqueue_all)


async def outbox_states(db: Database) -> dict[str, int]:
    rows = await db.run(lambda tx: tx.all("SELECT status, COUNT(*) AS n FROM outbox GROUP BY 1"))
    return {row.status: int(row.n) for row in rows}


async def test_sigterm_flushes_the_outbox_before_exiting(tmp_path: Path) -> None:
    async with bot_process(tmp_path, delay=0.05) as (process, _http, _base, _inv, db, fake):
        await queue_notices(db, 30)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
        errors = (tmp_path / "bot.log").read_text()
        states = await outbox_states(db)
    assert process.returncode == 0, errors
    assert states == {"sent": 30}, errors
    received = {int(str(p["chat_id"])) for p in fake.named("sendMessage")}
    assert received == {7000 + n for n in range(30)}


async def test_the_outbox_flush_stops_at_its_deadline_and_keeps_the_rest(tmp_path: Path) -> None:
    settings = {"OUTBOX_FLUSH_SECONDS": "1", "SHUTDOWN_DEADLINE_SECONDS": "20"}
    async with bot_process(tmp_path, 0.25, **settings) as (process, _h, _b, _i, db, fake):
        await queue_notices(db, 60)
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        await asyncio.wait_for(process.wait(), 30)
        took = time.monotonic() - started
        errors = (tmp_path / "bot.log").read_text()
        states = await outbox_states(db)
    assert process.returncode == 0, errors
    assert took < 10, errors  # the flush's own deadline, not the 20 s of the whole shutdown
    sent = len(fake.named("sendMessage"))
    assert 0 < sent < 60
    # Nothing lost: what was not sent is still in the outbox for the next process.
    assert sum(states.values()) == 60
    assert states.get("sent", 0) >= sent - 1  # the send cut off may have reached Telegram


def test_the_flush_must_fit_inside_the_shutdown_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import SettingsError, load_settings

    monkeypatch.setenv("OUTBOX_FLUSH_SECONDS", "10")
    monkeypatch.setenv("SHUTDOWN_DEADLINE_SECONDS", "10")
    with pytest.raises(SettingsError, match="OUTBOX_FLUSH_SECONDS"):
        load_settings(env_file=None)


@pytest.mark.parametrize("unused", [None])
def test_the_deadline_setting_is_read(unused: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import load_settings

    monkeypatch.setenv("SHUTDOWN_DEADLINE_SECONDS", "3.5")
    monkeypatch.setenv("OUTBOX_FLUSH_SECONDS", "2")
    settings = load_settings(env_file=None)
    assert (settings.shutdown_deadline_seconds, settings.outbox_flush_seconds) == (3.5, 2)
