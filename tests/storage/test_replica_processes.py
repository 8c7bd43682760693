"""Three real `run_bot.py --webhook` processes on one PostgreSQL database behind a load balancer
that sends each update to a random one (and a tenth to two at once, as a redelivery that races
the first): every person reads what a single process told them, and the books, the outbox and
the answers end the same. (tests/storage/test_replicas.py runs 200 users through in-process
replicas; this one runs fewer, as OS processes, through Telegram's wire format.)"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from storage import Database, PiiVault, SqlStore
from storage.sql import Tx
from tests.botapi.client import TelegramUser
from tests.botapi.journey import act
from tests.botapi.process import PII_KEY, BotProcess
from tests.botapi.server import SECRET_HEADER, BotAPIServer, free_port
from tests.databases import migrated
from tests.flows.harness import resident_id
from tests.storage.conftest import postgres_url

pytestmark = pytest.mark.postgres

USERS = 24
DUPLICATED = 0.1
REFERENCE = re.compile(r"SANDBOX-PAY(?:OUT)?-[0-9A-F]+")
MESSAGE_ID = re.compile(r"^<#\d+ ")


def script(n: int) -> list[str]:
    """Onboarding, a loan with a double-tapped Confirm, a repayment: each person their own ID
    number and phone (an account may not reuse another's)."""
    return [
        "/start {invite}",
        *["#1"] * 4,
        "#2",  # consents: three yes, marketing no
        "张三",
        resident_id(date(1980, 1, 1) + timedelta(days=n), sequence=f"{n:03d}"),
        f"/contact +86139{n:08d}",
        "#1",
        "#4",
        "1.2万",
        "#4",
        "#4",
        "#2",
        "#1",
        "#1",
        "#1",
        "#1",
        "#1",
        "#1",
        "#2",
        "#2",
        "#3",
        "#1",  # answers confirmed: the decision
        "#1",
        "5000",
        "#2",
        "#1",
        "##",  # Borrow, amount, term, Confirm twice
        "/loans",
        "/repay",
        "#1",
        "#1",
    ]


class LoadBalancer:
    """The reverse proxy in front of the replicas, with Telegram's redelivery folded in."""

    def __init__(self, seed: int) -> None:
        self.targets: list[str] = []
        self.random = random.Random(seed)
        self.duplicated = 0
        self.port = free_port()
        self.http: aiohttp.ClientSession | None = None

    async def _forward(self, url: str, body: bytes, secret: str) -> int:
        assert self.http is not None
        try:
            async with self.http.post(
                url, data=body, headers={SECRET_HEADER: secret, "Content-Type": "application/json"}
            ) as response:
                return response.status
        except aiohttp.ClientError:
            return 502

    async def handle(self, request: web.Request) -> web.Response:
        body, secret = await request.read(), request.headers.get(SECRET_HEADER, "")
        if len(self.targets) == 1:
            return web.Response(status=await self._forward(self.targets[0], body, secret))
        first, second = self.random.sample(self.targets, 2)
        if self.random.random() >= DUPLICATED:
            return web.Response(status=await self._forward(first, body, secret))
        self.duplicated += 1
        statuses = await asyncio.gather(
            self._forward(first, body, secret), self._forward(second, body, secret)
        )
        return web.Response(status=statuses[0])

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        try:
            yield f"http://127.0.0.1:{self.port}/hook"
        finally:
            await self.http.close()
            await runner.cleanup()


async def _play(processes: int, url: str, workdir: Path, seed: int) -> tuple[Any, ...]:
    """Every person's transcript and the final state, after `processes` replicas served them."""
    migrated(url)
    db = Database(url)
    invite = await SqlStore(db, PiiVault(PII_KEY)).create_invite(
        "replicas", USERS, 7, datetime.now(UTC)
    )
    balancer = LoadBalancer(seed)
    # The bot's own limits are under test elsewhere: here Telegram only relays.
    async with (
        BotAPIServer(chat_rate=1000, chat_burst=1000, bot_rate=100_000) as server,
        balancer.serving() as public_url,
    ):
        bots = []
        try:
            for n in range(processes):
                folder = workdir / f"replica{n}"
                folder.mkdir()
                bot = BotProcess(server, url, folder, ptb=n % 2 == 1, webhook=True)
                balancer.targets.append(bot.env["WEBHOOK_URL"])
                bot.env["WEBHOOK_URL"] = public_url  # what each announces to Telegram
                await bot.start()
                bots.append(bot)
            users = [TelegramUser(server, 30_000 + n) for n in range(USERS)]

            async def journey(n: int, user: TelegramUser) -> None:
                for line in script(n):
                    act(user, line.format(invite=invite))
                    await user.settled(timeout=120)

            await asyncio.gather(*(journey(n, u) for n, u in enumerate(users)))
            await _outbox_drained(db)
        finally:
            for bot in bots:
                await bot.stop()
        logs = "".join(bot.log() for bot in bots)
    try:
        state = await db.run(_state)
    finally:
        await db.close()
    assert "Traceback" not in logs, logs[-3000:]
    seen = [
        [REFERENCE.sub("REF", line.replace(invite, "{invite}")) for line in u.transcript]
        for u in users
    ]
    return seen, state, balancer.duplicated


def _turns(transcript: list[str]) -> list[list[str]]:
    """The transcript as turns: what the person did, then what the bot showed. Message ids and
    keyboard removals are left out: a replica takes off only the keyboards it sent itself
    (cosmetic; a tap on one left by another is refused by the engine all the same)."""
    turns: list[list[str]] = []
    for line in transcript:
        # A toast the replay cannot show again (the press was answered) comes as a message:
        # the same words (README, "What is not built yet").
        line = MESSAGE_ID.sub("<#N ", line).replace("< (toast) ", "< ")
        if line == "<#N buttons removed":
            continue
        if line.startswith("> ") or not turns:
            turns.append([line])
        else:
            turns[-1].append(line)
    return turns


def _twice(shown: list[str], answer: list[str]) -> bool:
    """`shown` is `answer` sent twice, the two copies' lines interleaved (the replay of a
    duplicated update is sent while the first delivery's messages still go out)."""
    if len(shown) != 2 * len(answer):
        return False
    reachable = {(0, 0)}  # lines of the first and the second copy consumed so far
    for line in shown:
        reachable = {
            step
            for i, j in reachable
            for step in ((i + 1, j) if i < len(answer) and answer[i] == line else None,
                         (i, j + 1) if j < len(answer) and answer[j] == line else None)
            if step is not None
        }  # fmt: skip
    return (len(answer), len(answer)) in reachable


def _compare(mine: list[str], theirs: list[str]) -> int:
    """Asserts the person read the same in both runs, an answer shown twice forgiven; returns
    how many answers were shown twice."""
    turns, expected = _turns(mine), _turns(theirs)
    assert [t[0] for t in turns] == [t[0] for t in expected]
    twice = 0
    for turn, alone in zip(turns, expected, strict=True):
        if turn != alone:
            assert _twice(turn[1:], alone[1:]), (turn, alone)
            twice += 1
    return twice


async def _outbox_drained(db: Database) -> None:
    for _ in range(600):
        waiting = await db.run(
            lambda tx: tx.scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
        )
        if not waiting:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{waiting} outbox rows never sent")


def _state(tx: Tx) -> dict[str, Any]:
    """What a borrower or operator could tell apart; ids that depend on arrival order are
    replaced by the person's Telegram id, times (wall clock) are left out."""
    people = {r.id: r.platform_user_id for r in tx.all("SELECT id, platform_user_id FROM users")}
    loans = {r.id: people[r.user_id] for r in tx.all("SELECT id, user_id FROM loans")}

    def rows(sql: str) -> list[tuple[str, ...]]:
        return sorted(tuple(str(v) for v in row.values()) for row in tx.all(sql))

    def by_person(sql: str) -> list[tuple[Any, ...]]:
        return sorted((people[r.user_id], *list(r.values())[1:]) for r in tx.all(sql))

    return {
        "applications": by_person("SELECT user_id, outcome, score, grade FROM applications"),
        "credit_lines": by_person("SELECT user_id, limit_fen, apr FROM credit_lines"),
        "loans": by_person("SELECT user_id, principal_fen, term_months, daily_rate FROM loans"),
        "ledger": sorted(
            (loans[r.loan_id], r.kind, r.seq)
            for r in tx.all("SELECT loan_id, kind, seq FROM ledger_entries")
        ),
        "postings": rows(
            "SELECT account, SUM(amount_fen) AS total, COUNT(*) AS n FROM postings GROUP BY account"
        ),
        "consents": by_person("SELECT user_id, purpose, granted FROM consents"),
        "outbox": sorted(
            (r.chat_id, REFERENCE.sub("REF", str(r.payload)), r.status)
            for r in tx.all("SELECT chat_id, payload, status FROM outbox")
        ),
        "invites": rows("SELECT max_uses, uses_left FROM invites"),
        "sessions": by_person("SELECT user_id, state, status FROM conversations"),
        "updates": tx.scalar("SELECT COUNT(*) FROM processed_updates"),
    }


async def test_three_replica_processes_end_where_one_process_ends(tmp_path: Path) -> None:
    urls = postgres_url(), postgres_url()
    alone_url, together_url = next(urls[0]), next(urls[1])
    try:
        (tmp_path / "one").mkdir()
        (tmp_path / "three").mkdir()
        alone_seen, alone, _ = await _play(1, alone_url, tmp_path / "one", seed=1)
        together_seen, together, duplicated = await _play(
            3, together_url, tmp_path / "three", seed=2
        )
    finally:
        for url in urls:
            next(url, None)
    assert duplicated >= USERS  # about a tenth of ~800 updates reached two replicas at once
    assert len(alone["loans"]) == USERS  # the double tap made no second loan
    # Every person read the same: nothing lost, nothing different. An update that reached two
    # replicas may show its answer twice (the second replays the kept replies, as after a
    # crash it must), and only such a repeat is forgiven.
    repeats = 0
    for mine, theirs in zip(together_seen, alone_seen, strict=True):
        repeats += _compare(mine, theirs)
    assert repeats <= duplicated
    for table in alone:
        assert together[table] == alone[table], table
