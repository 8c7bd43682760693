"""The database connection and the one way in: `await db.run(unit_of_work)`.

A unit of work is a plain function of a SQLAlchemy Connection, run inside one transaction on a
database thread. The event loop never blocks on the database, and an update costs one hop to
that thread however many statements it needs (each await of an async driver is a hop of its
own: measured here at ~100 µs apiece for aiosqlite, more than SQLite's whole commit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

T = TypeVar("T")

_DRIVERS = {
    "sqlite+aiosqlite": "sqlite",
    "postgresql+asyncpg": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
}


def sync_url(url: str) -> str:
    """DATABASE_URL as people write it -> the synchronous driver the database thread uses."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"DATABASE_URL has no scheme: {url!r}")
    return f"{_DRIVERS.get(scheme, scheme)}://{rest}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions lazily and would let a RELEASE SAVEPOINT commit everything;
    # taking transaction control ourselves (see _sqlite_begin) keeps savepoints nested.
    dbapi_connection.isolation_level = None
    # WAL with synchronous=NORMAL: a commit is durable against a crash of the process and costs
    # tens of microseconds instead of an fsync; readers never block the writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


class Database:
    def __init__(self, url: str) -> None:
        self.url = sync_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            # One connection on one thread: SQLite has one writer anyway, and the thread owns it.
            self.engine: Engine = create_engine(
                self.url, poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
            workers = 1
        else:
            self.engine = create_engine(self.url, pool_size=4, max_overflow=0, pool_pre_ping=True)
            workers = 4
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")

    def _in_transaction(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as connection:
            return work(connection)

    async def run(self, work: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._in_transaction, work)

    def run_sync(self, work: Callable[[Connection], T]) -> T:
        """For command-line tools and start-up, outside any event loop."""
        return self._in_transaction(work)

    def create_schema(self) -> None:
        SQLModel.metadata.create_all(self.engine)

    async def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.engine.dispose()
