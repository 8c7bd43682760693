"""The database connection and the one way in: `await db.run(unit_of_work)`.

A unit of work is a plain function of a `Tx`, run inside one transaction on a database thread:
the event loop never blocks on the database, and an update costs one hop to that thread however
many statements it needs. An async driver such as aiosqlite hops once per statement; a hop costs
~112 µs on a 2-core machine (waking a sleeping thread), as much as some 26 statements of
~4.4 µs (`python -m benchmarks.bench_sql` in `make bench`, 25 November, 14:09 UTC).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlparse

from storage.sql import Tx
from storage.urls import database_kind, sqlite_path
from storage.writer import GroupCommitWriter

T = TypeVar("T")


def _connect_sqlite(path: str, synchronous: str) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so savepoints nest properly.
    connection = sqlite3.connect(
        # Every statement the steps run stays prepared (the default cache holds 128).
        path,
        isolation_level=None,
        check_same_thread=False,
        cached_statements=512,
    )
    # WAL: readers never block the writer. The writer's connection runs NORMAL and, when the
    # setting is FULL (the default), fsyncs the log itself before anyone hears of a commit
    # (_sqlite_writer); NORMAL alone survives a crash of the process, not a power cut.
    for pragma in (
        "journal_mode=WAL",
        f"synchronous={synchronous}",
        "foreign_keys=ON",
        "busy_timeout=5000",
        # Deleted rows are overwritten, not just unlinked: erased personal data leaves no bytes.
        "secure_delete=ON",
        # Each unit of work runs in a savepoint, whose journal keeps the pages it changes; past
        # 64 KiB SQLite spills it to a temporary file, a write per page from then on (a drawdown
        # changes some 30 pages). In memory it costs a copy, not a write per page. Crash safety
        # is the write-ahead log's, not this journal's, and no page image of personal data lands
        # in a temporary file either.
        "temp_store=MEMORY",
    ):
        connection.execute(f"PRAGMA {pragma}")
    return connection


POSTGRES_WORKERS = 4  # threads, and pooled connections, running units of work in parallel
# How long a unit of work waits for a connection (all busy, or the server away) before failing:
# short enough that /readyz answers "unreachable" and an update is redelivered, not stuck.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5.0


def _postgres_pool(url: str) -> Any:
    """psycopg's own pool: it opens connections in the background, replaces broken ones when
    asked to check them, and reconnects after the server comes back; nothing of ours to keep."""
    from psycopg_pool import ConnectionPool

    # The pool logs every connection request at INFO: noise at the bot's own INFO level.
    logging.getLogger("psycopg.pool").setLevel(logging.WARNING)
    conninfo = urlparse(url)._replace(scheme="postgresql").geturl()
    return ConnectionPool(
        conninfo,
        min_size=1,
        max_size=POSTGRES_WORKERS,
        # We issue BEGIN/COMMIT ourselves, so savepoints nest the same way as on SQLite.
        kwargs={"autocommit": True},
        timeout=POSTGRES_CONNECT_TIMEOUT_SECONDS,
        name="chatlend",
        open=True,
    )


def _sqlite_writer(path: str, synchronous: str) -> GroupCommitWriter:
    """FULL: durable against a power cut. The writer fsyncs the write-ahead log itself, on a
    thread of its own, before anyone hears of a commit; SQLite's COMMIT then need not wait for
    the disk (NORMAL), and the next batch runs while the log is being synced."""
    if path == ":memory:" or synchronous == "NORMAL":
        return GroupCommitWriter(lambda: _connect_sqlite(path, "NORMAL"))
    return GroupCommitWriter(lambda: _connect_sqlite(path, "NORMAL"), wal_path=f"{path}-wal")


class Database:
    def __init__(self, url: str, sqlite_synchronous: str = "FULL") -> None:
        if sqlite_synchronous not in ("FULL", "NORMAL"):
            raise ValueError("sqlite_synchronous must be FULL or NORMAL")
        self.url = url
        self.kind = database_kind(url)
        self.is_sqlite = self.kind == "sqlite"
        # SQLite has one writer at a time anyway: one thread owns the one connection and commits
        # what is queued together (storage/writer.py). PostgreSQL takes writers in parallel: a
        # few threads, each taking a connection from the pool for one unit of work.
        self._writer = (
            _sqlite_writer(sqlite_path(url), sqlite_synchronous) if self.is_sqlite else None
        )
        self._pool = None if self.is_sqlite else _postgres_pool(url)
        self._executor = ThreadPoolExecutor(max_workers=POSTGRES_WORKERS, thread_name_prefix="db")

    def _in_transaction(self, work: Callable[[Tx], T]) -> T:
        import psycopg

        assert self._pool is not None
        try:
            return self._transaction(work)
        except _DiedIdle:
            # The server restarted (or ended our sessions): every idle connection of the pool
            # is as dead as this one. Have the pool test them all and replace the dead, then
            # begin once more; nothing of the unit of work ran yet.
            self._pool.check()
            try:
                return self._transaction(work)
            except _DiedIdle as died:
                raise psycopg.OperationalError("the database is unreachable") from died.__cause__

    def _transaction(self, work: Callable[[Tx], T]) -> T:
        import psycopg

        assert self._pool is not None
        with self._pool.connection() as connection:
            cursor = connection.cursor()
            try:
                try:
                    cursor.execute("BEGIN")
                except psycopg.OperationalError as error:
                    # Failing at BEGIN, before any work: retrying elsewhere is safe.
                    raise _DiedIdle from error
                try:
                    result = work(Tx(cursor, postgres=True))
                except BaseException:
                    if not connection.broken:
                        cursor.execute("ROLLBACK")
                    raise
                cursor.execute("COMMIT")
                return result
            finally:
                cursor.close()

    async def run(self, work: Callable[[Tx], T]) -> T:
        if self._writer is not None:
            return await self._writer.run(work)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._in_transaction, work)

    @property
    def runs_in_queue_order(self) -> bool:
        """Whether units of work run one after another in the order queued (SQLite's one
        writer): then a unit queued by `run_later` is seen by every unit queued after it.
        PostgreSQL runs units in parallel, in no promised order."""
        return self._writer is not None

    def run_later(self, work: Callable[[Tx], object]) -> None:
        """Queue `work` as a unit of its own without waiting for it (only where
        `runs_in_queue_order`); a failure is logged."""
        assert self._writer is not None, "units run in no promised order: await run()"
        self._writer.run_later(work)

    async def scrub(self) -> None:
        """After personal data was erased: SQLite's write-ahead log still holds the pages as
        they were before, so copy it into the (securely deleted) database file and truncate
        it. PostgreSQL reuses dead rows' space through autovacuum; nothing to do here."""
        if not self.is_sqlite:
            return

        def checkpoint() -> None:
            connection = _connect_sqlite(sqlite_path(self.url), "FULL")
            try:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()

        await asyncio.get_running_loop().run_in_executor(self._executor, checkpoint)

    def create_schema(self) -> None:
        """Migrate to the newest schema in this process (tools, tests, benchmarks); the bot
        itself only checks the version (storage.schema.check_schema)."""
        from storage.schema import migrate

        migrate(self.url)

    async def close(self) -> None:
        if self._writer is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._writer.close)
        self._executor.shutdown(wait=True)
        if self._pool is not None:
            self._pool.close()


class _DiedIdle(Exception):
    """A pooled connection broke while idle: seen at BEGIN, before any of the work ran."""
