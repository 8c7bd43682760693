"""Group commit: one SQLite thread runs every queued unit of work in one transaction.

Each unit runs inside its own savepoint, so it commits or rolls back whole, exactly as if it had
its own transaction; the batch shares one BEGIN, one COMMIT and one wake-up of the event loop.
No reply of any unit is released before the COMMIT that makes it durable. When the bot is
quiet a batch holds one unit; under load it holds what arrived meanwhile, which is what keeps
the cost of an update flat as the load grows.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from storage.sql import Tx

T = TypeVar("T")

MAX_BATCH = 128
_STOP = object()

Job = tuple[Callable[[Tx], Any], asyncio.Future[Any]]
Outcome = tuple[asyncio.Future[Any], bool, Any]  # future, succeeded, result or error


class GroupCommitWriter:
    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._jobs: queue.SimpleQueue[Job | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="db-writer", daemon=True)
        self._thread.start()

    async def run(self, work: Callable[[Tx], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put((work, future))
        return await future

    def close(self) -> None:
        self._jobs.put(_STOP)
        self._thread.join()

    def _next_batch(self) -> tuple[list[Job], bool]:
        first = self._jobs.get()
        if first is _STOP:
            return [], True
        batch: list[Job] = [first]  # type: ignore[list-item]
        while len(batch) < MAX_BATCH:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                self._jobs.put(_STOP)
                break
            batch.append(job)  # type: ignore[arg-type]
        return batch, False

    def _loop(self) -> None:
        # The connection is opened on the first batch, not at construction: whoever builds the
        # writer may still be creating the schema. Any failure settles the batch's futures with
        # the error; the thread itself never dies with work waiting on it.
        connection: sqlite3.Connection | None = None
        try:
            while True:
                batch, stop = self._next_batch()
                if stop:
                    return
                try:
                    if connection is None:
                        connection = self._connect()
                    outcomes = self._run_batch(connection.cursor(), batch)
                except Exception as error:
                    outcomes = [(future, False, error) for _, future in batch]
                _settle_from_thread(outcomes)
        finally:
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


def _settle_from_thread(outcomes: list[Outcome]) -> None:
    """Hands results to each future's own event loop, one wake-up per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].get_loop(), []).append(outcome)
    for loop, settled in by_loop.items():
        if not loop.is_closed():
            loop.call_soon_threadsafe(_settle, settled)


def _settle(outcomes: list[Outcome]) -> None:
    for future, ok, value in outcomes:
        if future.cancelled():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
