"""The database connection and the one way in: `await db.run(unit_of_work)`.

A unit of work is a plain function of a `Tx`, run inside one transaction on a database thread:
the event loop never blocks on the database, and an update costs one hop to that thread however
many statements it needs. An async driver such as aiosqlite hops once per statement; a hop costs
~37 µs here, as much as two or three statements (`python -m benchmarks.bench_sql`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlparse

from storage.sql import Tx
from storage.writer import GroupCommitWriter

T = TypeVar("T")

_SCHEMES = {
    "sqlite": "sqlite",
    "sqlite+aiosqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "postgresql+psycopg": "postgresql",
    "postgresql+asyncpg": "postgresql",
}


def database_kind(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in _SCHEMES:
        # The scheme only: the rest of a URL may hold a password.
        raise ValueError(f"must start with sqlite:/// or postgresql:// (not {scheme}://)")
    return _SCHEMES[scheme]


def sqlite_path(url: str) -> str:
    """sqlite:///relative.db, sqlite:////absolute.db, sqlite:///:memory: -> a sqlite3 path."""
    return url.partition(":///")[2] or ":memory:"


def sync_url(url: str) -> str:
    """DATABASE_URL as people write it -> a SQLAlchemy URL with a synchronous driver (for DDL)."""
    rest = url.partition("://")[2]
    return (
        f"sqlite:///{sqlite_path(url)}"
        if database_kind(url) == "sqlite"
        else f"postgresql+psycopg://{rest}"
    )


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
    ):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def _connect_postgres(url: str) -> Any:
    import psycopg

    parsed = urlparse(url)
    conninfo = parsed._replace(scheme="postgresql").geturl()
    return psycopg.connect(conninfo, autocommit=True)


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
        # few threads, each with its own connection, one transaction per unit of work.
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._writer = (
            _sqlite_writer(sqlite_path(url), sqlite_synchronous) if self.is_sqlite else None
        )
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="db")

    def _connection(self, fresh: bool = False) -> Any:
        """This worker thread's PostgreSQL connection; a new one when asked or when it broke."""
        connection = getattr(self._local, "connection", None)
        if connection is not None and (fresh or connection.closed or connection.broken):
            with self._lock:
                self._connections.remove(connection)
            # Forgotten before reconnecting: if the server is still away, the next unit of
            # work must try a new connection, not drop this one twice.
            self._local.connection = None
            connection.close()
            connection = None
        if connection is None:
            connection = _connect_postgres(self.url)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def _begin(self) -> Any:
        """A cursor inside a new transaction. A connection that died while idle (the server
        restarted) fails right here, before any work: reconnecting and beginning again is safe."""
        import psycopg

        try:
            cursor = self._connection().cursor()
            cursor.execute("BEGIN")
        except psycopg.OperationalError:
            cursor = self._connection(fresh=True).cursor()
            cursor.execute("BEGIN")
        return cursor

    def _in_transaction(self, work: Callable[[Tx], T]) -> T:
        cursor = self._begin()
        try:
            try:
                result = work(Tx(cursor, postgres=True))
            except BaseException:
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
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
