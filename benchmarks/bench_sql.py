"""What one statement and one trip to the database thread cost, for the docstrings that quote it.

Run: `python -m benchmarks.bench_sql`.

- the same primary-key read through SQLAlchemy Core, through our `Tx` (storage/sql.py) and
  through the bare sqlite3 cursor, each on a statement the driver has cached;
- one trip to the database thread: `await db.run(...)` of a unit that reads one row, which is
  what an async driver such as aiosqlite pays for every statement (a thread hop and a future).
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from storage import Database
from storage.sql import Tx

CALLS = 5_000
REPEATS = 5


def per_call(call: Callable[[], object]) -> float:
    """Median µs per call over REPEATS runs of CALLS calls."""
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(CALLS):
            call()
        runs.append((time.perf_counter() - started) / CALLS * 1e6)
    return statistics.median(runs)


async def hop(db: Database) -> float:
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(CALLS // 5):
            await db.run(lambda tx: tx.scalar("SELECT platform FROM users WHERE id = :id", id=1))
        runs.append((time.perf_counter() - started) / (CALLS // 5) * 1e6)
    return statistics.median(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'sql.db'}"
        db = Database(url)
        db.create_schema()
        raw = sqlite3.connect(Path(folder) / "sql.db", isolation_level=None)
        raw.execute(
            "INSERT INTO users (platform, platform_user_id, created_at)"
            " VALUES ('telegram', 1, '2026-01-01 00:00:00.000000')"
        )
        sql = "SELECT platform FROM users WHERE id = :id"
        cursor = raw.cursor()
        tx = Tx(cursor, postgres=False)
        engine = sa.create_engine(url)
        users = sa.table("users", sa.column("id"), sa.column("platform"))
        core = sa.select(users.c.platform).where(users.c.id == sa.bindparam("id"))
        with engine.connect() as connection:
            rows = [
                ("SQLAlchemy Core select, compiled statement cached",
                 per_call(lambda: connection.execute(core, {"id": 1}).scalar())),
                ("storage.sql.Tx.scalar (sqlite3, statement cached)",
                 per_call(lambda: tx.scalar(sql, id=1))),
                ("sqlite3 cursor.execute + fetchone",
                 per_call(lambda: cursor.execute(sql, {"id": 1}).fetchone())),
            ]  # fmt: skip
        rows.append(
            ("one trip to the database thread: await db.run(one read)", asyncio.run(hop(db)))
        )
        asyncio.run(db.close())
        raw.close()
    print(f"One statement (a primary-key read), median of {REPEATS} x {CALLS:,} calls")
    for name, micros in rows:
        print(f"{name:<60} {micros:>8.1f} µs")


if __name__ == "__main__":
    main()
