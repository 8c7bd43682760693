"""Conversation steps/s on SQLite, on PostgreSQL, and on PostgreSQL with two processes.

Run: `python -m benchmarks.bench_replicas` (PostgreSQL from BENCH_POSTGRES_URL or
TEST_POSTGRES_URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres; without one it says so).

The workload is bench_step's: 50 concurrent users, each answering the name question and going
/back, through a real aiogram Dispatcher and the whole stack, one transaction per update. Each
configuration gets a fresh database made by the migrations. With two processes (real OS
processes, as two webhook replicas), each serves half of the users; all processes start together
and the rate is every update over the wall time from the first start to the last finish.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from benchmarks import bench_step

USERS = bench_step.USERS
REPEATS = 3


def _worker(url: str, users: list[int], invite: str, first_id: int, barrier: Any, out: Any) -> None:
    asyncio.run(_serve(url, users, invite, first_id, barrier, out))


async def _serve(
    url: str, users: list[int], invite: str, first_id: int, barrier: Any, out: Any
) -> None:
    from aiogram import Bot

    from benchmarks.memory_session import TOKEN, MemorySession
    from bot.aiogram_transport import AiogramTransport, build_dispatcher
    from flows.engine import Engine
    from storage import Database, PiiVault, SqlStore

    bench_step._UPDATE_IDS = itertools.count(first_id)  # each process its own update ids
    db = Database(url)
    engine = Engine(SqlStore(db, PiiVault(bench_step.PII_KEY)))
    bot = Bot(TOKEN, session=MemorySession())
    dispatcher = build_dispatcher(AiogramTransport(engine, bot))
    for user in users:
        await bench_step.onboard_to_name_question(
            engine, user, invite, lambda: next(bench_step._UPDATE_IDS)
        )
    per_round = bench_step.updates(bot, users[:2])  # warm-up: connections, caches
    await bench_step.drive(dispatcher, bot, per_round)
    for _ in range(REPEATS):
        per_user = bench_step.updates(bot, users)
        barrier.wait()  # every process starts together
        started = time.time()
        await bench_step.answered_every_update(
            bot, bench_step.drive(dispatcher, bot, per_user), len(users)
        )
        out.put((started, time.time(), len(users) * bench_step.ROUNDS))
    await db.close()


async def _invite(url: str) -> str:
    from storage import Database, PiiVault, SqlStore

    db = Database(url)
    try:
        store = SqlStore(db, PiiVault(bench_step.PII_KEY))
        return await store.create_invite("benchmark", USERS + 10, 1, datetime.now(UTC))
    finally:
        await db.close()


def measure(url: str, processes: int) -> float:
    """Median steps/s of REPEATS runs of the workload split over `processes` processes."""
    from storage.schema import migrate

    migrate(url)
    invite = asyncio.run(_invite(url))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    out = context.Queue()
    users = list(range(300_001, 300_001 + USERS))
    share = len(users) // processes
    workers = [
        context.Process(
            target=_worker,
            args=(
                url,
                users[n * share : (n + 1) * share],
                invite,
                10_000_000 * (n + 1),
                barrier,
                out,
            ),
        )
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    rates = []
    for _ in range(REPEATS):
        runs = [out.get(timeout=600) for _ in workers]
        elapsed = max(end for _, end, _ in runs) - min(start for start, _, _ in runs)
        rates.append(sum(steps for _, _, steps in runs) / elapsed)
    for worker in workers:
        worker.join(timeout=60)
    return statistics.median(rates)


@contextmanager
def postgres_database(base: str) -> Iterator[str]:
    import psycopg

    name = f"chatlend_bench_{uuid.uuid4().hex[:8]}"
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    base = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL")
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(("SQLite, 1 process", measure(f"sqlite:///{folder}/bench.db", 1)))
    if base:
        with postgres_database(base) as url:
            rows.append(("PostgreSQL, 1 process", measure(url, 1)))
        with postgres_database(base) as url:
            rows.append(("PostgreSQL, 2 processes on one database", measure(url, 2)))
    print(
        f"Steps/s by database and processes: {USERS} users x {bench_step.ROUNDS} steps, "
        f"median of {REPEATS} runs"
    )
    print(f"{'configuration':<44} {'steps/s':>9} {'vs PG 1 process':>17}")
    reference = rows[1][1] if len(rows) > 1 else rows[0][1]
    for name, rate in rows:
        print(f"{name:<44} {rate:>9,.0f} {rate / reference:>16.2f}x")
    if len(rows) < 3:
        print("PostgreSQL rows skipped: set BENCH_POSTGRES_URL (or TEST_POSTGRES_URL)")
        return
    verdict = "met" if rows[2][1] >= rows[1][1] else "NOT met"
    print(f"target: two processes >= one process on PostgreSQL ... {verdict}")


if __name__ == "__main__":
    main()
