"""Group commit: units of work share a transaction, never each other's failures."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import storage
from storage import writer as writer_module
from storage.sql import Tx
from storage.writer import GroupCommitWriter, Outcome
from tests.storage.busy_writer import BusyWriter


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
    busy = BusyWriter(writer.run)

    try:
        await busy.start()
        # These queue up while the writer is busy, so they run as one batch.
        units = [
            asyncio.ensure_future(writer.run(pay(who, fail=who == "bob")))
            for who in ("alice", "bob", "carol")
        ]
        await asyncio.sleep(0.05)
        await busy.release()
        results = await asyncio.wait_for(asyncio.gather(*units, return_exceptions=True), 5)
        assert results[0] == "alice" and results[2] == "carol"
        assert isinstance(units[1].exception(), RuntimeError)  # raised to bob's caller
        rows = await writer.run(lambda tx: [r.who for r in tx.all("SELECT who FROM paid")])
        assert sorted(rows) == ["alice", "carol"]  # bob's half-done unit left no row
    finally:
        busy.stop()
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


def wal_writer(path: Path) -> GroupCommitWriter:
    """A writer on a WAL database that syncs its log on the fsync thread."""
    return GroupCommitWriter(sqlite_wal(path), wal_path=f"{path}-wal")


def synced_file(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


def fsyncs_recorded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file of every fsync the writer makes from now on (each still made)."""
    synced: list[str] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append(synced_file(fd))
        real_fsync(fd)

    monkeypatch.setattr("storage.writer.os.fsync", recording)
    return synced


async def test_nobody_hears_of_a_commit_before_its_log_is_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Power-cut durability: the unit's caller waits for the fsync of the write-ahead log, and
    so does a later read (it could otherwise report the row before it is durable)."""
    disk, synced = threading.Event(), []
    real_fsync = os.fsync

    def slow_disk(fd: int) -> None:
        disk.wait(10)
        synced.append(synced_file(fd))
        real_fsync(fd)

    monkeypatch.setattr("storage.writer.os.fsync", slow_disk)
    path = tmp_path / "w.db"
    writer = wal_writer(path)
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
    """After a failed fsync the disk's state is unknown: nobody is told "done", even once
    the disk seems to work again."""
    disk = {"broken": True}
    real_fsync = os.fsync

    def flaky_disk(fd: int) -> None:
        if disk["broken"]:
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr("storage.writer.os.fsync", flaky_disk)
    path = tmp_path / "w.db"
    writer = wal_writer(path)
    try:
        with pytest.raises(OSError, match="Input/output error"):
            await asyncio.wait_for(writer.run(pay("frank")), 5)
        disk["broken"] = False
        with pytest.raises(OSError, match="Input/output error"):
            await asyncio.wait_for(writer.run(pay("grace")), 5)
    finally:
        writer.close()


async def test_the_default_database_syncs_its_log_before_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLITE_SYNCHRONOUS=FULL, the default, is the fsync above; NORMAL skips it."""
    from storage.database import Database

    synced = fsyncs_recorded(monkeypatch)
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


async def test_a_unit_nobody_waits_for_runs_in_queue_order_and_a_failure_is_only_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`run_later` (an outbox row's delivered mark): the caller goes on at once; any unit
    queued after it sees what it wrote, and its failure neither reaches a caller nor takes
    down its batch."""
    writer = GroupCommitWriter(lambda: connect(tmp_path / "w.db"))
    busy = BusyWriter(writer.run)

    try:
        await busy.start()
        writer.run_later(pay("alice"))  # returns while the writer is still busy
        writer.run_later(pay("bob", fail=True))
        after = asyncio.ensure_future(
            writer.run(lambda tx: [r.who for r in tx.all("SELECT who FROM paid")])
        )
        await busy.release()
        assert await asyncio.wait_for(after, 5) == ["alice"]  # bob's unit rolled back alone
        assert "a unit of work nobody waited for failed" in caplog.text
    finally:
        busy.stop()
        writer.close()


def test_a_units_savepoint_journal_stays_in_memory(tmp_path: Path) -> None:
    """The writer's connection keeps savepoint journals in memory: a unit that changes many
    pages does not write them to a temporary file (see storage/database.py)."""
    from storage.database import _connect_sqlite

    connection = _connect_sqlite(str(tmp_path / "t.db"), "NORMAL")
    try:
        assert connection.execute("PRAGMA temp_store").fetchone() == (2,)  # MEMORY
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()


async def test_closing_a_writer_that_syncs_its_log_settles_everything_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same with the fsync thread: units queued at shutdown are committed, synced and
    answered, and neither thread ends with an error."""
    crashes: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashes.append(args.exc_value))
    path = tmp_path / "w.db"
    writer = wal_writer(path)
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
    synced = fsyncs_recorded(monkeypatch)
    path = tmp_path / "w.db"
    writer = wal_writer(path)
    try:
        for who in ("ann", "bob", "cat"):
            assert await asyncio.wait_for(writer.run(pay(who)), 5) == who
    finally:
        writer.close()
    assert synced.count(str(tmp_path)) == 1
    assert synced.count(f"{path}-wal") == 3


async def test_a_commit_that_fails_takes_at_most_one_batch_of_units_with_it(tmp_path: Path) -> None:
    """Units queued while the writer is busy share a transaction, 128 at most: a commit the
    database refuses fails the units of its own batch, not everything that was waiting."""

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
    busy = BusyWriter(writer.run)

    try:
        await busy.start()
        doomed = asyncio.ensure_future(writer.run(claim_for_nobody))
        units = [asyncio.ensure_future(writer.run(pay(f"p{n}"))) for n in range(199)]
        await asyncio.sleep(0.05)
        await busy.release()
        await asyncio.wait_for(asyncio.gather(doomed, *units, return_exceptions=True), 10)
        assert isinstance(doomed.exception(), sqlite3.IntegrityError)
        failed = sum(unit.exception() is not None for unit in units)
        assert failed == 127  # the rest of the doomed unit's batch of 128
        paid = await writer.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM paid"))
        assert paid == 199 - 127
    finally:
        busy.stop()
        writer.close()


async def test_a_database_that_cannot_be_opened_fails_the_unit_and_the_next_one_works(
    tmp_path: Path,
) -> None:
    """The first connection attempt fails (say the disk was not mounted yet): that unit's
    caller hears the error, and the writer opens the database for the next unit."""
    attempts: list[int] = []

    def flaky() -> sqlite3.Connection:
        attempts.append(1)
        if len(attempts) == 1:
            raise sqlite3.OperationalError("unable to open database file")
        return sqlite_wal(tmp_path / "w.db")()

    path = tmp_path / "w.db"
    writer = GroupCommitWriter(flaky, wal_path=f"{path}-wal")
    try:
        with pytest.raises(sqlite3.OperationalError):
            await asyncio.wait_for(writer.run(pay("ann")), 5)
        assert await asyncio.wait_for(writer.run(pay("bob")), 5) == "bob"
    finally:
        writer.close()


async def test_a_read_alone_does_not_wait_for_an_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a batch that wrote pays for syncing the log; reads after it add no fsync."""
    synced = fsyncs_recorded(monkeypatch)
    path = tmp_path / "w.db"
    writer = wal_writer(path)
    try:
        await asyncio.wait_for(writer.run(pay("ann")), 5)
        for _ in range(3):
            assert await writer.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM paid")) == 1
    finally:
        writer.close()
    assert synced.count(f"{path}-wal") == 1


async def test_closing_folds_the_log_into_the_database_file(tmp_path: Path) -> None:
    """After a clean shutdown the database is one file (a backup copies just that), and a
    writer closed before it ever wrote stops cleanly too."""
    crashes: list[BaseException | None] = []
    path = tmp_path / "w.db"
    writer = wal_writer(path)
    await asyncio.wait_for(writer.run(pay("ann")), 5)
    assert Path(f"{path}-wal").exists()
    await asyncio.to_thread(writer.close)
    assert not Path(f"{path}-wal").exists()
    hook = threading.excepthook
    threading.excepthook = lambda args: crashes.append(args.exc_value)
    try:
        unused = GroupCommitWriter(sqlite_wal(tmp_path / "unused.db"))
        await asyncio.to_thread(unused.close)
    finally:
        threading.excepthook = hook
    assert crashes == []


async def test_the_writers_threads_are_named_in_a_thread_dump(tmp_path: Path) -> None:
    """Someone reading a stuck process's threads (py-spy, faulthandler) finds them by name."""
    path = tmp_path / "w.db"
    writer = wal_writer(path)
    try:
        names = {thread.name for thread in threading.enumerate()}
        assert {"db-writer", "db-wal-sync"} <= names
    finally:
        writer.close()


def test_a_process_that_never_closes_its_writer_still_exits(tmp_path: Path) -> None:
    """The threads wait on their queues for ever; they must not keep a finished process
    alive (a tool that returns without closing the database still ends)."""
    script = (
        "import sqlite3, sys\n"
        "from storage.writer import GroupCommitWriter\n"
        "path = sys.argv[1]\n"
        "w = GroupCommitWriter(lambda: sqlite3.connect(path, check_same_thread=False),"
        " wal_path=path + '-wal')\n"
        "print('started')\n"
    )
    root = Path(storage.__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "w.db")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "started" in done.stdout


async def test_after_a_failed_fsync_a_read_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk's state is unknown: even a read that wrote nothing is not answered (it could
    show a row whose commit was lost)."""

    def broken_disk(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("storage.writer.os.fsync", broken_disk)
    path = tmp_path / "w.db"
    writer = wal_writer(path)
    try:
        with pytest.raises(OSError, match="Input/output error"):
            await asyncio.wait_for(writer.run(pay("frank")), 5)
        with pytest.raises(OSError, match="Input/output error"):
            await asyncio.wait_for(writer.run(lambda tx: tx.all("SELECT who FROM paid")), 5)
    finally:
        writer.close()


async def test_a_read_waits_for_every_earlier_commit_still_being_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two commits handed to the fsync thread one after the other: once the first is synced,
    a read must still wait for the second (it sees the second's row)."""
    entered = [threading.Event(), threading.Event()]
    release = [threading.Event(), threading.Event()]
    calls: list[int] = []
    real_fsync = os.fsync

    def held_disk(fd: int) -> None:
        if synced_file(fd).endswith("-wal"):
            n = len(calls)
            calls.append(n)
            if n < 2:
                entered[n].set()
                release[n].wait(10)
        real_fsync(fd)

    monkeypatch.setattr("storage.writer.os.fsync", held_disk)
    path = tmp_path / "w.db"
    writer = wal_writer(path)
    try:
        first = asyncio.ensure_future(writer.run(pay("ann")))
        await asyncio.to_thread(entered[0].wait, 10)  # ann's fsync is held
        second = asyncio.ensure_future(writer.run(pay("bob")))
        await asyncio.sleep(0.2)  # bob committed and handed over, behind ann
        release[0].set()
        await asyncio.to_thread(entered[1].wait, 10)  # now bob's fsync is held
        assert await asyncio.wait_for(first, 5) == "ann"
        read = asyncio.ensure_future(
            writer.run(lambda tx: sorted(r.who for r in tx.all("SELECT who FROM paid")))
        )
        await asyncio.sleep(0.2)
        assert not read.done() and not second.done()
        release[1].set()
        assert await asyncio.wait_for(second, 5) == "bob"
        assert await asyncio.wait_for(read, 5) == ["ann", "bob"]
        assert len(calls) == 2  # the read, handed over behind bob, needed no fsync of its own
    finally:
        for event in release:
            event.set()
        writer.close()


async def test_commits_still_being_synced_at_shutdown_are_answered_as_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shutdown while the fsync thread is busy: the writer's connection must stay open
    until every commit handed over is synced. (Closing it first removed the log; the next
    sync found none and told the callers of committed units that they had failed.)"""
    entered, release = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def held_disk(fd: int) -> None:
        if synced_file(fd).endswith("-wal") and not entered.is_set():
            entered.set()
            release.wait(10)
        real_fsync(fd)

    monkeypatch.setattr("storage.writer.os.fsync", held_disk)
    path = tmp_path / "w.db"
    writer = wal_writer(path)
    first = asyncio.ensure_future(writer.run(pay("ann")))
    await asyncio.to_thread(entered.wait, 10)  # ann's fsync is held
    second = asyncio.ensure_future(writer.run(pay("bob")))
    await asyncio.sleep(0.2)  # bob committed and handed over, behind ann
    closing = asyncio.ensure_future(asyncio.to_thread(writer.close))
    await asyncio.sleep(0.2)
    release.set()
    await asyncio.wait_for(closing, 10)
    assert await asyncio.wait_for(asyncio.gather(first, second), 5) == ["ann", "bob"]
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT COUNT(*) FROM paid").fetchone() == (2,)


async def test_a_lone_read_is_answered_without_a_second_thread_hop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every earlier commit synced, a read's answer is handed back by the writer thread
    itself, not passed through the fsync thread (README, Performance: a lone read pays no
    second hop)."""
    answered_by: list[str] = []
    settle = writer_module._settle_from_thread

    def recording(outcomes: list[Outcome]) -> None:
        answered_by.append(threading.current_thread().name)
        settle(outcomes)

    monkeypatch.setattr(writer_module, "_settle_from_thread", recording)
    path = tmp_path / "w.db"
    writer = wal_writer(path)
    try:
        await asyncio.wait_for(writer.run(pay("ann")), 5)
        assert answered_by == ["db-wal-sync"]  # a commit waits for its fsync
        await asyncio.sleep(0.2)  # that thread has finished its bookkeeping
        for _ in range(3):
            assert await writer.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM paid")) == 1
        assert answered_by[1:] == ["db-writer"] * 3
    finally:
        writer.close()


async def test_a_database_named_without_a_directory_syncs_its_log_in_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATABASE_URL=sqlite:///bot.db: the log is "bot.db-wal", and the directory whose entry
    must survive a power cut is the current one."""
    monkeypatch.chdir(tmp_path)
    writer = GroupCommitWriter(sqlite_wal(Path("w.db")), wal_path="w.db-wal")
    try:
        assert await asyncio.wait_for(writer.run(pay("ann")), 5) == "ann"
    finally:
        writer.close()
