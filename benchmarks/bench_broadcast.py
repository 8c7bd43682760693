"""A broadcast to 100,000 people against a fake Bot API that allows 30 messages a second, with
one kill -9 of the sending process half-way and a restart.

Run: `python -m benchmarks.bench_broadcast`.

The sender runs on a virtual clock that moves only while the send budget waits for a slot, and
stamps each API call with it; the fake API (another process, over loopback TCP) enforces its
30 per second on those stamps and counts what it accepted. So 4,000 seconds of pacing take as
long as the real work does: the SQLite database (synchronous=NORMAL: durable when the process
dies, which is what kill -9 tests), a claim
committed before and a record committed after every send, the TCP round trip, and a process
killed with SIGKILL and started again. The real speed of the sender is printed too: it must be
well above 25 a second, or the virtual figures would flatter it.

Figures:
- rate share: broadcast messages accepted per virtual second of sending, over the configured
  25/s (the restart's pause is left out, and is a second of virtual time);
- worst window: the most broadcast messages the API accepted in any one-second window;
- at the kill, the recipients the database holds as claimed but not recorded, and of those
  the ones the API had already accepted: that is the one window (Telegram took the message, our
  record had not committed), and exactly those are sent again after the restart. With one
  lane there is at most one, so duplicates are 0 or 1 depending on where the kill lands;
- duplicates and missed, counted by the API against the recipient list;
- reply latency, measured apart in real time (a virtual clock cannot time a reply): a
  borrower's /help through the engine (one SQLite transaction), the send budget and the API,
  p50/p99 in milliseconds, first with no broadcast, then while a broadcast runs at its
  configured 25 a second on the same database, budget and connection, in the same process;
  and the reply's own wait for a budget slot (one slot is 33 ms).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.broadcast import BroadcastRunner
from bot.delivery import RetryLater
from bot.send_budget import BudgetLimits, Priority, SendBudget
from flows.changes import StartBroadcast
from flows.config import FlowConfig
from flows.engine import Engine
from flows.events import Command, Event
from storage import Database, PiiVault, SqlStore, broadcasts
from storage.sql import Tx

RECIPIENTS = int(os.environ.get("BENCH_BROADCAST_RECIPIENTS", "100000"))  # smaller: a quick try
API_RATE = 30
BROADCAST_RATE = 25.0
KILL_AT = RECIPIENTS // 2
PROBE_USER = 1  # account 1 answers the latency probes; everyone else is a recipient
# Per phase, one reply every PROBE_GAP seconds: 2.5 a second, half of what the bot's 30 leave
# beside a broadcast's 25 (at 5 a second the bot's budget is full and replies queue).
PROBES = 150
PROBE_GAP = 0.4
LIVE_RECIPIENTS = 2_000
PII_KEY = "YmVuY2htYXJrLWtleS1iZW5jaG1hcmsta2V5LTEyMzQ="
CHAT_BASE = 10_000_000
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


class VirtualClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


# -- the fake Bot API (parent process) ---------------------------------------------------------


class FakeBotApi:
    """Accepts at most API_RATE messages in any one second of the sender's clock; beyond that
    it answers 429, as Telegram does."""

    def __init__(self) -> None:
        self.accepted: list[tuple[float, int, str]] = []  # (sender's time, chat, kind)
        self.recent: list[float] = []
        self.refused = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionResetError):  # the killed sender's connection
            await self._serve(reader, writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            _, chat, kind, stamp = line.decode().split()
            if kind in ("live", "reply"):  # the latency phase: paced by its own budget
                writer.write(b"OK 0\n")
                await writer.drain()
                continue
            now = float(stamp)
            self.recent = [t for t in self.recent if t > now - 1.0]
            if len(self.recent) >= API_RATE:
                self.refused += 1
                writer.write(b"R 1\n")
            else:
                self.recent.append(now)
                self.accepted.append((now, int(chat), kind))
                writer.write(f"OK {len(self.accepted)}\n".encode())
            await writer.drain()


# -- the sender (child process) -------------------------------------------------------------------


class TcpApi:
    """The broadcast sender's BroadcastApi over one loopback connection."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        clock: Callable[[], float],
        kind: str,
    ) -> None:
        self.reader, self.writer, self.clock, self.kind = reader, writer, clock, kind
        self.lock = asyncio.Lock()

    async def call(self, chat_id: int, kind: str) -> int:
        stamp = self.clock()  # the moment the budget let it go (the wire adds no virtual time)
        async with self.lock:
            self.writer.write(f"S {chat_id} {kind} {stamp!r}\n".encode())
            await self.writer.drain()
            answer = (await self.reader.readline()).decode().split()
        if answer[0] == "R":
            raise RetryLater(float(answer[1]))
        return int(answer[1])

    async def send_text(self, chat_id: int, text: str) -> int:
        return await self.call(chat_id, "status" if chat_id == 0 else self.kind)

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> None:
        return None  # status edits are not counted against the recipients


async def probe(engine: Engine, api: TcpApi, budget: SendBudget) -> tuple[float, float]:
    """One borrower step and its reply: (ms end to end, ms of that waiting for a slot)."""
    began = time.perf_counter()
    event = Event("telegram", PROBE_USER, PROBE_USER, None, NOW, "en", Command("help"))
    out = await engine.handle(event)
    asked = time.perf_counter()
    await budget.acquire(PROBE_USER, Priority.INTERACTIVE)
    waited = (time.perf_counter() - asked) * 1000
    for _ in out:
        await api.call(PROBE_USER, "reply")
    return (time.perf_counter() - began) * 1000, waited


def make_runner(
    db: Database, api: TcpApi, budget: SendBudget, clock: Callable[[], float]
) -> BroadcastRunner:
    return BroadcastRunner(
        db,
        api,
        budget,
        now=lambda: NOW,
        monotonic=clock,  # one lane, as configured in production: at most one send in doubt
        status_every=5.0,
        batch=256,
    )


async def child(db_path: str, port: int, start: float, broadcast_id: int) -> None:
    """The compressed run: virtual clock, no probes."""
    # NORMAL: a commit survives the death of the process (kill -9 is what is tested); FULL
    # would add an fsync per group commit for power cuts, which this run does not simulate.
    db = Database(f"sqlite:///{db_path}", sqlite_synchronous="NORMAL")
    clock = VirtualClock(start)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    api = TcpApi(reader, writer, clock, "broadcast")
    limits = BudgetLimits(bot_rate=API_RATE, broadcast_rate=BROADCAST_RATE)
    budget = SendBudget(limits, clock=clock, sleep=clock.sleep)
    print("ready", flush=True)
    await make_runner(db, api, budget, clock).run(broadcast_id)
    await budget.close()
    await db.close()


async def live(db_path: str, port: int, broadcast_id: int, out: str) -> None:
    """The latency phase, in real time: a borrower's step alone, then while a broadcast runs
    at its configured 25 a second."""
    db = Database(f"sqlite:///{db_path}", sqlite_synchronous="NORMAL")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    api = TcpApi(reader, writer, time.monotonic, "live")
    budget = SendBudget(BudgetLimits(bot_rate=API_RATE, broadcast_rate=BROADCAST_RATE))
    engine = Engine(SqlStore(db, PiiVault(PII_KEY)), FlowConfig(), lambda: NOW)
    results: dict[str, list[tuple[float, float]]] = {"alone": [], "during": []}
    print("ready", flush=True)
    for _ in range(PROBES):
        results["alone"].append(await probe(engine, api, budget))
        await asyncio.sleep(PROBE_GAP)
    sender = asyncio.create_task(make_runner(db, api, budget, time.monotonic).run(broadcast_id))
    for _ in range(PROBES):
        results["during"].append(await probe(engine, api, budget))
        await asyncio.sleep(PROBE_GAP)
    sender.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sender
    Path(out).write_text(json.dumps(results))
    await budget.close()
    await db.close()


# -- the orchestra (parent process) ---------------------------------------------------------------


def prepare(db_path: str) -> tuple[int, int]:
    db = Database(f"sqlite:///{db_path}", sqlite_synchronous="NORMAL")  # setup only
    db.create_schema()

    def people(tx: Tx) -> tuple[int, int]:
        tx.executemany(
            "INSERT INTO users (id, platform, platform_user_id, created_at)"
            " VALUES (:id, 'telegram', :tg, :now)",
            [
                {"id": n, "tg": n if n == PROBE_USER else CHAT_BASE + n, "now": NOW}
                for n in range(1, RECIPIENTS + 2)
            ],
        )
        tx.executemany(
            "INSERT INTO conversations (user_id, chat_id, locale, timezone, status, state,"
            " answers, screen, version, updated_at) VALUES (:id, :chat, 'en', 'Asia/Shanghai',"
            " :status, 'home', '{}', 0, 1, :now)",
            [
                {
                    "id": n,
                    "chat": n if n == PROBE_USER else CHAT_BASE + n,
                    # the probing borrower is not a recipient (a prospect hears no broadcast)
                    "status": "prospect" if n == PROBE_USER else "active",
                    "now": NOW,
                }
                for n in range(1, RECIPIENTS + 2)
            ],
        )
        change = StartBroadcast(0, 0, "en", "telegram", "Notice", None, "all", "service")
        # First a small broadcast for the latency phase, then the measured one.
        live_id = broadcasts.create(tx, change, NOW, NOW.date())
        tx.execute(
            "DELETE FROM broadcast_recipients WHERE broadcast_id = :b AND user_id > :n",
            b=live_id,
            n=LIVE_RECIPIENTS + 1,
        )
        return live_id, broadcasts.create(tx, change, NOW, NOW.date())

    async def go() -> tuple[int, int]:
        try:
            return await db.run(people)
        finally:
            await db.close()

    return asyncio.run(go())


def spawn(*args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_broadcast", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()  # "ready"
    return process


async def orchestrate(
    db_path: str, live_id: int, broadcast_id: int, probes: str
) -> dict[str, float]:
    api = FakeBotApi()
    server = await asyncio.start_server(api.serve, "127.0.0.1", 0)
    port = str(server.sockets[0].getsockname()[1])
    latency = await asyncio.to_thread(spawn, "live", db_path, port, str(live_id), probes)
    await asyncio.to_thread(latency.wait)

    def sent() -> list[tuple[float, int]]:
        return [(t, chat) for t, chat, kind in api.accepted if kind == "broadcast"]

    began = time.monotonic()
    first = await asyncio.to_thread(spawn, "child", db_path, port, "0.0", str(broadcast_id))
    while len(sent()) < KILL_AT:
        await asyncio.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)  # kill -9: no clean-up of any kind
    await asyncio.to_thread(first.wait)
    before = sent()
    # What the database says was in flight at the kill: claimed, not recorded. Of those, the
    # ones the API had accepted are the window (they will be sent again); the rest were not sent.
    claimed = _claimed_not_recorded(db_path, broadcast_id)
    accepted = {chat for _, chat in before}
    in_doubt = len(claimed & accepted)
    killed_at = max(t for t, _, _ in api.accepted)
    resumed_at = killed_at + 1.0  # a restart takes a second at least
    second = await asyncio.to_thread(
        spawn, "child", db_path, port, repr(resumed_at), str(broadcast_id)
    )
    await asyncio.to_thread(second.wait)
    wall = time.monotonic() - began
    server.close()
    everything = sent()
    copies = Counter(chat for _, chat in everything)
    times = sorted(t for t, _ in everything)
    after = [t for t, _ in everything[len(before) :]]
    sending = (before[-1][0] - before[0][0]) + (max(after) - resumed_at if after else 0.0)
    return {
        "sent": len(everything),
        "duplicates": sum(n - 1 for n in copies.values() if n > 1),
        "missed": RECIPIENTS - len(copies),
        "rate": len(everything) / sending,
        "worst": _worst_window(times),
        "refused": api.refused,
        "claimed_at_kill": len(claimed),
        "in_doubt": in_doubt,
        "wall": wall,
        "real_rate": len(everything) / wall,
    }


def _claimed_not_recorded(db_path: str, broadcast_id: int) -> set[int]:
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        rows = db.execute(
            "SELECT chat_id FROM broadcast_recipients WHERE broadcast_id = ? AND status = 'sending'",
            (broadcast_id,),
        ).fetchall()
    return {chat for (chat,) in rows}


def _worst_window(times: list[float]) -> int:
    worst, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - 1.0:
            first += 1
        worst = max(worst, last - first + 1)
    return worst


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else float("nan")


def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db_path = str(Path(folder) / "broadcast.db")
        probes = str(Path(folder) / "probes.json")
        live_id, broadcast_id = prepare(db_path)
        figures = asyncio.run(orchestrate(db_path, live_id, broadcast_id, probes))
        latency = json.loads(Path(probes).read_text())
    alone = [ms for ms, _ in latency["alone"]]
    during = [ms for ms, _ in latency["during"]]
    waits = [w for _, w in latency["during"]]
    print(
        f"Broadcast to {RECIPIENTS:,} people, fake Bot API at {API_RATE}/s, broadcast rate "
        f"{BROADCAST_RATE:g}/s, kill -9 after {KILL_AT:,} and a restart "
        f"({figures['wall']:.0f} s wall for the broadcast)"
    )
    print(f"{'figure':<44}{'value':>12}")
    rows = [
        ("achieved rate / configured rate", f"{figures['rate'] / BROADCAST_RATE:.3f}"),
        ("worst 1-second window (limit 25)", f"{figures['worst']}"),
        ("claimed, not recorded at the kill", f"{figures['claimed_at_kill']}"),
        ("  of which the API had accepted (window)", f"{figures['in_doubt']}"),
        ("duplicates after kill -9 and restart", f"{figures['duplicates']}"),
        ("missed after kill -9 and restart", f"{figures['missed']}"),
        ("429s from the API", f"{figures['refused']}"),
        ("sender's real speed, messages/s (need 25)", f"{figures['real_rate']:.0f}"),
        ("reply p50 ms, no broadcast", f"{_p(alone, 50):.2f}"),
        ("reply p50 ms, during the broadcast", f"{_p(during, 50):.2f}"),
        ("reply p99 ms, no broadcast", f"{_p(alone, 99):.2f}"),
        ("reply p99 ms, during the broadcast", f"{_p(during, 99):.2f}"),
        ("p99 ratio during / without", f"{_p(during, 99) / _p(alone, 99):.2f}"),
        ("reply's wait for a budget slot p99, ms", f"{_p(waits, 99):.1f}"),
    ]
    for name, value in rows:
        print(f"{name:<44}{value:>12}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        _, _, path, port, start, bid = sys.argv
        asyncio.run(child(path, int(port), float(start), int(bid)))
    elif len(sys.argv) > 1 and sys.argv[1] == "live":
        _, _, path, port, bid, out = sys.argv
        asyncio.run(live(path, int(port), int(bid), out))
    else:
        run()
