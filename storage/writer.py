"""Group commit: one SQLite thread runs every queued unit of work in one transaction.

Each unit runs inside its own savepoint, so it commits or rolls back whole, exactly as if it had
its own transaction; the batch shares one BEGIN, one COMMIT and one wake-up of the event loop.
No reply of any unit is released before the COMMIT that makes it durable. When the bot is
quiet a batch holds one unit; under load it holds what arrived meanwhile, which is what keeps
the cost of an update flat as the load grows.

Durable against a power cut (`wal_path` given): SQLite commits without waiting for the disk
(synchronous=NORMAL) and a second thread fsyncs the write-ahead log before any unit of the batch
is settled. The writer meanwhile runs the next batch, so the disk's wait overlaps the next
batch's work instead of stalling it, and one fsync covers every batch committed before it. Settling strictly in commit order keeps the promise of synchronous=FULL: nobody, reader
or writer, hears of a commit before the log that holds it is on disk.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from storage.sql import Tx

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_BATCH = 128
# The threads' names, as `threading.enumerate()` and a profiler show them (the benchmarks read
# each thread's CPU clock by name).
WRITER_THREAD = "db-writer"
SYNC_THREAD = "db-wal-sync"
_STOP = object()

# The future is None for a unit nobody waits for (`run_later`).
Job = tuple[Callable[[Tx], Any], asyncio.Future[Any] | None]
Outcome = tuple[asyncio.Future[Any] | None, bool, Any]  # future, succeeded, result or error


class GroupCommitWriter:
    """`wal_path`: fsync this write-ahead log before settling (the connection must then run
    with synchronous=NORMAL, so COMMIT itself does not wait for the disk)."""

    def __init__(
        self, connect: Callable[[], sqlite3.Connection], wal_path: str | None = None
    ) -> None:
        self._connect = connect
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()  # Job | _STOP
        self._syncer = _WalSyncer(wal_path) if wal_path else None
        self._thread = threading.Thread(target=self._loop, name=WRITER_THREAD, daemon=True)
        self._thread.start()

    async def run(self, work: Callable[[Tx], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put((work, future))
        return await future

    def run_later(self, work: Callable[[Tx], object]) -> None:
        """Queue `work` as a unit like `run`, without waiting for it: units run in the order
        queued, so every unit queued after it sees what it wrote. A failure is logged."""
        self._jobs.put((work, None))

    def close(self) -> None:
        self._jobs.put(_STOP)
        self._thread.join()  # the fsync thread is closed by the writer thread, before its connection

    def _loop(self) -> None:
        # The connection is opened on the first batch, not at construction: whoever builds the
        # writer may still be creating the schema. Any failure settles the batch's futures with
        # the error; the thread itself never dies with work waiting on it.
        connection: sqlite3.Connection | None = None
        try:
            while True:
                batch, stop = _take_queued(self._jobs, MAX_BATCH)
                if not batch:
                    return
                if stop:  # units queued after it still run before the thread ends
                    self._jobs.put(_STOP)
                wrote = False
                try:
                    if connection is None:
                        connection = self._connect()
                    changes = connection.total_changes
                    outcomes = self._run_batch(connection.cursor(), batch)
                    wrote = connection.total_changes != changes
                except Exception as error:
                    outcomes = [(future, False, error) for _, future in batch]
                if self._syncer is None:
                    _settle_from_thread(outcomes)
                else:
                    self._syncer.settle_after_sync(outcomes, wrote)
        finally:
            # Every commit handed to the fsync thread is synced and settled before the
            # connection closes: closing the last connection checkpoints and removes the log,
            # and a sync after that found no log and failed units that had committed.
            if self._syncer is not None:
                self._syncer.close()
            if connection is not None:
                connection.close()

    @staticmethod
    def _run_batch(cursor: sqlite3.Cursor, batch: list[Job]) -> list[Outcome]:
        tx = Tx(cursor, postgres=False)
        outcomes: list[Outcome] = []
        try:
            cursor.execute("BEGIN")
            # One savepoint name for every unit (each is released before the next begins), so
            # the driver's statement cache holds four statements, not two per unit.
            for work, future in batch:
                cursor.execute("SAVEPOINT unit")
                try:
                    result = work(tx)
                except Exception as error:
                    cursor.execute("ROLLBACK TO SAVEPOINT unit")
                    cursor.execute("RELEASE SAVEPOINT unit")
                    outcomes.append((future, False, error))
                else:
                    cursor.execute("RELEASE SAVEPOINT unit")
                    outcomes.append((future, True, result))
            cursor.execute("COMMIT")
        except Exception as error:  # the batch could not commit: no unit's effect is durable
            if cursor.connection.in_transaction:
                cursor.execute("ROLLBACK")
            return [(future, False, error) for _, future in batch]
        finally:
            cursor.close()
        return outcomes


class _WalSyncer:
    """One thread: fsync the write-ahead log, then settle what was committed before the fsync.

    A batch that wrote nothing still waits behind any batch not yet synced, so a read never
    reports a row whose commit is not yet on disk. An fsync that fails leaves the disk's state unknown: that batch and every
    later one fail (the process should be restarted), rather than a retry that could report a
    lost commit as durable."""

    def __init__(self, wal_path: str) -> None:
        self._wal_path = wal_path
        self._fd: int | None = None
        self._failed: OSError | None = None
        self._lock = threading.Lock()
        self._handed = 0  # batches given to this thread and not yet settled
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()  # (outcomes, wrote) | _STOP
        self._thread = threading.Thread(target=self._loop, name=SYNC_THREAD, daemon=True)
        self._thread.start()

    def settle_after_sync(self, outcomes: list[Outcome], wrote: bool) -> None:
        """Called by the writer thread only. A batch that wrote nothing, with every earlier
        batch already settled (so synced), is settled at once: a lone read does not pay a
        second thread hop."""
        with self._lock:
            if not wrote and self._handed == 0 and self._failed is None:
                direct = True
            else:
                direct = False
                self._handed += 1
        if direct:
            _settle_from_thread(outcomes)
        else:
            self._queue.put((outcomes, wrote))

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        if self._fd is not None:
            os.close(self._fd)

    def _loop(self) -> None:
        while True:
            handed, stop = _take_queued(self._queue)
            waiting = [outcome for settled, _ in handed for outcome in settled]
            must_sync = any(wrote for _, wrote in handed)
            if must_sync and self._failed is None:
                try:
                    self._sync()
                except OSError as error:
                    self._failed = error
            if self._failed is not None:
                waiting = [(future, False, self._failed) for future, _, _ in waiting]
            _settle_from_thread(waiting)
            with self._lock:
                self._handed -= len(handed)
            if stop:
                return

    def _sync(self) -> None:
        # The log is reused in place (same file) while the writer's connection is open; a new
        # file only appears if every connection closed, so look again when ours was unlinked.
        if self._fd is not None and os.fstat(self._fd).st_nlink == 0:
            os.close(self._fd)
            self._fd = None
        if self._fd is None:
            self._fd = os.open(self._wal_path, os.O_RDONLY)
            directory = os.open(os.path.dirname(self._wal_path) or ".", os.O_RDONLY)
            try:
                os.fsync(directory)  # the log's own name must survive the power cut too
            finally:
                os.close(directory)
        os.fsync(self._fd)


def _take_queued(jobs: queue.SimpleQueue[Any], limit: int | None = None) -> tuple[list[Any], bool]:
    """Waits for the first item, then takes what else is queued (up to `limit`) without waiting;
    `True` once the stop mark was taken (the items before it are still returned)."""
    items: list[Any] = []
    item = jobs.get()
    while item is not _STOP:
        items.append(item)
        if limit is not None and len(items) >= limit:
            return items, False
        try:
            item = jobs.get_nowait()
        except queue.Empty:
            return items, False
    return items, True


def _settle_from_thread(outcomes: list[Outcome]) -> None:
    """Hands results to each future's own event loop, one wake-up per loop; the failure of a
    unit nobody waits for goes to the log."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
    for outcome in outcomes:
        future = outcome[0]
        if future is not None:
            by_loop.setdefault(future.get_loop(), []).append(outcome)
        elif not outcome[1]:
            log.error("a unit of work nobody waited for failed", exc_info=outcome[2])
    for loop, settled in by_loop.items():
        if not loop.is_closed():
            loop.call_soon_threadsafe(_settle, settled)


def _settle(outcomes: list[Outcome]) -> None:
    for future, ok, value in outcomes:
        if future is None or future.cancelled():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
