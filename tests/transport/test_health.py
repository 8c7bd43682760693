"""Health, readiness and metrics, served over loopback as a balancer and Prometheus see them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import metrics
from bot.health import Readiness, add_monitoring_routes
from flows.events import Reply
from flows.ports import OutboxMessage
from storage import Database
from storage.outbox import enqueue_new
from tests.databases import migrated
from tests.flows.harness import Harness, onboard
from tests.storage.conftest import postgres_url


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path / "bot.db")
    yield harness
    await harness.close()


@contextlib.asynccontextmanager
async def monitoring(readiness: Readiness) -> AsyncIterator[TestClient]:
    app = web.Application()
    add_monitoring_routes(app, readiness)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


class Proxy:
    """A loopback TCP relay to the database that the test can cut and restore: the database
    "goes away" for this bot only (other tests keep the shared server)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._relay(reader, up_writer), self._relay(up_reader, writer))

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        await self.server.wait_closed()


@pytest.mark.postgres
async def test_readyz_follows_the_database_away_and_back(tmp_path: Path) -> None:
    urls = postgres_url()
    url = next(urls)
    migrated(url)
    parsed = urlparse(url)
    proxy = Proxy(parsed.hostname or "127.0.0.1", parsed.port or 5432)
    await proxy.start()
    db = Database(parsed._replace(netloc=f"{parsed.username}@127.0.0.1:{proxy.port}").geturl())
    try:
        async with monitoring(Readiness(db)) as client:
            ready = await client.get("/readyz")
            assert ready.status == 200, await ready.text()
            await proxy.stop()
            down = await client.get("/readyz")
            assert down.status == 503
            assert (await down.json())["checks"]["database"].startswith("unreachable")
            assert (await client.get("/healthz")).status == 200  # alive: no restart wanted
            await proxy.start()  # same port: the database is back
            again = await client.get("/readyz")
            assert again.status == 200, await again.text()
    finally:
        with contextlib.suppress(Exception):
            await proxy.stop()
        await db.close()
        next(urls, None)


async def test_readyz_wants_the_current_schema_live_loops_and_a_short_outbox(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    readiness = Readiness(db, backlog_limit=3)
    try:
        async with monitoring(readiness) as client:
            body = await (await client.get("/readyz")).json()
            assert body["checks"]["schema"] == "not current: run migrate"
            db.create_schema()
            assert (await client.get("/readyz")).status == 200
            readiness.expect("outbox")
            assert (await client.get("/readyz")).status == 503  # not started yet
            outbox = asyncio.create_task(asyncio.sleep(3600), name="outbox")
            assert (await client.get("/readyz")).status == 200
            outbox.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await outbox
            body = await (await client.get("/readyz")).json()
            assert body["checks"]["loop:outbox"] == "stopped" and not body["ready"]
            readiness.loops.clear()
            scheduler = {"running": True}
            readiness.watch("scheduler", lambda: scheduler["running"])
            assert (await client.get("/readyz")).status == 200
            scheduler["running"] = False  # APScheduler stopped (or never started)
            body = await (await client.get("/readyz")).json()
            assert body["checks"]["loop:scheduler"] == "stopped" and not body["ready"]
            readiness.watched.clear()
            messages = [OutboxMessage(7, "telegram", Reply("hi"), f"k{n}") for n in range(3)]
            await db.run(lambda tx: enqueue_new(tx, messages, datetime.now(UTC)))
            body = await (await client.get("/readyz")).json()
            assert body["checks"]["outbox"] == "3 rows waiting" and not body["ready"]
            readiness.accepting = False
            assert (await client.get("/readyz")).status == 503
    finally:
        await db.close()


async def test_metrics_count_updates_and_never_name_a_person(bot: Harness) -> None:
    bot.engine = metrics.InstrumentedConversation(bot.engine, "webhook")  # type: ignore[assignment]
    person = bot.person(user_id=987654321)
    await onboard(person, await bot.invite())
    async with monitoring(Readiness(bot.db)) as client:
        response = await client.get("/metrics")
        assert response.status == 200
        body = await response.text()
    assert 'chatlend_updates_total{outcome="answered",transport="webhook"}' in body
    assert 'chatlend_step_seconds_count{transport="webhook"}' in body
    assert 'chatlend_decisions{outcome="approved"} 1.0' in body
    assert "chatlend_outbox_backlog" in body and "chatlend_outbox_oldest_seconds" in body
    # Names and labels are where a person could leak; sample values are only numbers.
    labelled = "\n".join(line.rsplit(" ", 1)[0] for line in body.splitlines())
    for personal in ("987654321", "Li Wei", "13800138000", "19900307", "110105"):
        assert personal not in labelled
