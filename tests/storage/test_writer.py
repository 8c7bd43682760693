"""Group commit: units of work share a transaction, never each other's failures."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.sql import Tx
from storage.writer import GroupCommitWriter


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("CREATE TABLE IF NOT EXISTS paid (who TEXT PRIMARY KEY)")
    return connection


def pay(who: str, fail: bool = False) -> Callable[[Tx], str]:
    def work(tx: Tx) -> str:
        tx.execute("INSERT INTO paid (who) VALUES (:who)", who=who)
        if fail:
            raise RuntimeError(f"{who}'s payout rail is down")
        return who

    return work


async def test_one_failing_unit_leaves_the_rest_of_its_batch_committed(tmp_path: Path) -> None:
    writer = GroupCommitWriter(lambda: connect(tmp_path / "w.db"))
    gate, held = threading.Event(), threading.Event()

    def hold_the_writer(tx: Tx) -> None:
        held.set()
        gate.wait(10)

    try:
        first = asyncio.ensure_future(writer.run(hold_the_writer))
        await asyncio.to_thread(held.wait, 10)
        # These queue up while the writer is busy, so they run as one batch.
        units = [
            asyncio.ensure_future(writer.run(pay(who, fail=who == "bob")))
            for who in ("alice", "bob", "carol")
        ]
        await asyncio.sleep(0.05)
        gate.set()
        await first
        results = await asyncio.wait_for(asyncio.gather(*units, return_exceptions=True), 5)
        assert results[0] == "alice" and results[2] == "carol"
        assert isinstance(results[1], RuntimeError)
        rows = await writer.run(lambda tx: [r.who for r in tx.all("SELECT who FROM paid")])
        assert sorted(rows) == ["alice", "carol"]  # bob's half-done unit left no row
    finally:
        gate.set()
        writer.close()


async def test_a_batch_that_cannot_commit_reports_every_unit_as_failed(tmp_path: Path) -> None:
    """No caller hears "done" for work that is not durable."""
    writer = GroupCommitWriter(lambda: connect(tmp_path / "w.db"))
    try:

        def end_the_transaction(tx: Tx) -> None:
            tx.execute("COMMIT")  # the batch's own COMMIT will now fail

        with pytest.raises(sqlite3.OperationalError):
            await asyncio.wait_for(writer.run(end_the_transaction), 5)
        assert await writer.run(pay("dave")) == "dave"  # the writer carries on
    finally:
        writer.close()


def sqlite_wal(path: Path) -> Callable[[], sqlite3.Connection]:
    def open_it() -> sqlite3.Connection:
        connection = connect(path)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    return open_it


async def test_nobody_hears_of_a_commit_before_its_log_is_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Power-cut durability: the unit's caller waits for the fsync of the write-ahead log, and
    so does a later read (it could otherwise report the row before it is durable)."""
    disk, synced = threading.Event(), []
    real_fsync = os.fsync

    def slow_disk(fd: int) -> None:
        disk.wait(10)
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr("storage.writer.os.fsync", slow_disk)
    path = tmp_path / "w.db"
    writer = GroupCommitWriter(sqlite_wal(path), wal_path=f"{path}-wal")
    try:
        payout = asyncio.ensure_future(writer.run(pay("erin")))
        await asyncio.sleep(0.2)  # committed; its fsync is held
        # A read in a batch of its own, which writes nothing, still waits for that fsync.
        read = asyncio.ensure_future(
            writer.run(lambda tx: [r.who for r in tx.all("SELECT who FROM paid")])
        )
        await asyncio.sleep(0.2)
        assert not payout.done() and not read.done()  # committed, but not yet on disk
        disk.set()
        assert await asyncio.wait_for(payout, 5) == "erin"
        assert await asyncio.wait_for(read, 5) == ["erin"]
        assert any(name.endswith("w.db-wal") for name in synced)
    finally:
        disk.set()
        writer.close()


async def test_a_failed_fsync_fails_the_batch_and_all_later_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a failed fsync the disk's state is unknown: nobody is told "done"."""

    def broken_disk(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("storage.writer.os.fsync", broken_disk)
    path = tmp_path / "w.db"
    writer = GroupCommitWriter(sqlite_wal(path), wal_path=f"{path}-wal")
    try:
        with pytest.raises(OSError):
            await asyncio.wait_for(writer.run(pay("frank")), 5)
        with pytest.raises(OSError):
            await asyncio.wait_for(writer.run(pay("grace")), 5)
    finally:
        writer.close()


async def test_the_default_database_syncs_its_log_before_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLITE_SYNCHRONOUS=FULL, the default, is the fsync above; NORMAL skips it."""
    from storage.database import Database

    synced: list[str] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr("storage.writer.os.fsync", recording)
    for name, setting in (("full.db", "FULL"), ("normal.db", "NORMAL")):
        db = Database(f"sqlite:///{tmp_path / name}", sqlite_synchronous=setting)
        try:
            await db.run(lambda tx: tx.execute("CREATE TABLE t (x INTEGER)"))
            await db.run(lambda tx: tx.execute("INSERT INTO t VALUES (1)"))
        finally:
            await db.close()
    assert any(name.endswith("full.db-wal") for name in synced)
    assert not any("normal.db" in name for name in synced)


async def test_closing_finishes_the_queued_work_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shutdown lets every unit already queued commit, then the thread ends without an
    error (a stray exception in the writer thread would be printed on every shutdown)."""
    crashes: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashes.append(args.exc_value))
    writer = GroupCommitWriter(lambda: connect(tmp_path / "w.db"))
    units = [asyncio.ensure_future(writer.run(pay(f"p{n}"))) for n in range(5)]
    await asyncio.sleep(0)
    await asyncio.to_thread(writer.close)
    assert await asyncio.gather(*units) == [f"p{n}" for n in range(5)]
    assert crashes == []
    with sqlite3.connect(tmp_path / "w.db") as check:
        assert check.execute("SELECT COUNT(*) FROM paid").fetchone() == (5,)


async def test_a_commit_refused_by_the_database_is_rolled_back_and_the_writer_carries_on(
    tmp_path: Path,
) -> None:
    """A deferred constraint fails only at COMMIT, leaving the transaction open: the writer
    rolls it back, so nothing of the batch lands and the next batch starts afresh."""

    def connect_checked() -> sqlite3.Connection:
        connection = connect(tmp_path / "w.db")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS claim (who TEXT REFERENCES paid (who)"
            " DEFERRABLE INITIALLY DEFERRED)"
        )
        return connection

    def claim_for_nobody(tx: Tx) -> None:
        tx.execute("INSERT INTO claim (who) VALUES ('nobody')")

    writer = GroupCommitWriter(connect_checked)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            await asyncio.wait_for(writer.run(claim_for_nobody), 5)
        assert await asyncio.wait_for(writer.run(pay("erin")), 5) == "erin"
        claims = await writer.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM claim"))
        assert claims == 0
    finally:
        writer.close()


async def test_closing_a_writer_that_syncs_its_log_settles_everything_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same with the fsync thread: units queued at shutdown are committed, synced and
    answered, and neither thread ends with an error."""
    crashes: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashes.append(args.exc_value))
    path = tmp_path / "w.db"
    writer = GroupCommitWriter(sqlite_wal(path), wal_path=f"{path}-wal")
    units = [asyncio.ensure_future(writer.run(pay(f"p{n}"))) for n in range(5)]
    await asyncio.sleep(0)
    await asyncio.to_thread(writer.close)
    assert await asyncio.wait_for(asyncio.gather(*units), 5) == [f"p{n}" for n in range(5)]
    assert crashes == []
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT COUNT(*) FROM paid").fetchone() == (5,)


async def test_the_logs_directory_is_synced_once_not_on_every_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log's name must survive a power cut, so its directory is synced when the log is
    first opened; after that each commit costs one fsync, of the log alone (the writer's
    connection keeps the same log file from its first batch to its close)."""
    synced: list[str] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr("storage.writer.os.fsync", recording)
    path = tmp_path / "w.db"
    writer = GroupCommitWriter(sqlite_wal(path), wal_path=f"{path}-wal")
    try:
        for who in ("ann", "bob", "cat"):
            assert await asyncio.wait_for(writer.run(pay(who)), 5) == who
    finally:
        writer.close()
    assert synced.count(str(tmp_path)) == 1
    assert synced.count(f"{path}-wal") == 3
