"""Recurring jobs across processes: each period of a job runs once, whichever replica fires."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from storage import Database
from storage.leases import run_once_per_period, try_transaction_lock
from storage.sql import Tx

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


class Replicas:
    """Several processes' databases on one URL (each its own connections), and a job log."""

    def __init__(self, url: str, count: int) -> None:
        self.dbs = [Database(url) for _ in range(count)]
        self.runs: list[str] = []

    def job(self, label: str) -> Callable[[], Awaitable[None]]:
        async def work() -> None:
            await asyncio.sleep(0.02)  # long enough for the others to fire meanwhile
            self.runs.append(label)

        return work

    async def fire_all(self, period: str, now: datetime = NOW) -> list[bool]:
        return list(
            await asyncio.gather(
                *(
                    run_once_per_period(
                        db, "close_of_business", period, self.job(period), now, LEASE, f"r{n}"
                    )
                    for n, db in enumerate(self.dbs)
                    for _ in range(3)  # each replica fires a few times, too
                )
            )
        )

    async def close(self) -> None:
        for db in self.dbs:
            await db.close()


async def test_each_period_runs_once_across_replicas(migrated_url: str) -> None:
    replicas = Replicas(migrated_url, 3)
    try:
        assert sum(await replicas.fire_all("2026-11-24")) == 1
        assert sum(await replicas.fire_all("2026-11-24", NOW + timedelta(hours=1))) == 0
        assert sum(await replicas.fire_all("2026-11-25", NOW + timedelta(days=1))) == 1
        # A replica whose clock is behind never reruns a period already done.
        assert sum(await replicas.fire_all("2026-11-23", NOW + timedelta(days=1))) == 0
        assert replicas.runs == ["2026-11-24", "2026-11-25"]
    finally:
        await replicas.close()


async def test_a_dead_runner_is_taken_over_after_its_lease(migrated_url: str) -> None:
    db = Database(migrated_url)

    async def dies() -> None:
        raise SystemExit  # not even a clean failure: the process is gone

    ran: list[datetime] = []

    async def work_at(now: datetime) -> bool:
        async def work() -> None:
            ran.append(now)

        return await run_once_per_period(db, "sweep", "p1", work, now, LEASE, "other")

    try:
        # Simulate the holder dying mid-run: it claimed, and never finished or released.
        await db.run(
            lambda tx: tx.execute(
                "INSERT INTO job_leases (job, period, holder, lease_until)"
                " VALUES ('sweep', 'p1', 'dead:1', :until)",
                until=NOW + LEASE,
            )
        )
        assert not await work_at(NOW + timedelta(minutes=1))  # still leased: not overlapped
        assert await work_at(NOW + timedelta(minutes=6))  # lease ran out: taken over
        assert not await work_at(NOW + timedelta(minutes=7))  # and now done
        assert ran == [NOW + timedelta(minutes=6)]
        with pytest.raises(SystemExit):
            await run_once_per_period(db, "sweep", "p2", dies, NOW, LEASE, "crashy")
        # p2 failed and was given back: a slow replica firing for p1 still does not rerun p1.
        assert not await work_at(NOW + timedelta(minutes=8))
        assert ran == [NOW + timedelta(minutes=6)]
    finally:
        await db.close()


async def test_a_failed_run_can_be_retried_at_once(migrated_url: str) -> None:
    db = Database(migrated_url)
    attempts: list[int] = []

    async def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("Telegram was down")

    try:
        with pytest.raises(RuntimeError):
            await run_once_per_period(db, "broadcast", "b1", flaky, NOW, LEASE, "a")
        later = NOW + timedelta(seconds=1)
        assert await run_once_per_period(db, "broadcast", "b1", flaky, later, LEASE, "b")
        assert len(attempts) == 2
    finally:
        await db.close()


@pytest.mark.postgres
async def test_a_transaction_lock_has_one_holder(migrated_url: str) -> None:
    if migrated_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: the lock is always free")
    first, second = Database(migrated_url), Database(migrated_url)
    holding = asyncio.Event()
    release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def hold(tx: Tx) -> bool:
        won = try_transaction_lock(tx, "job:retention")
        loop.call_soon_threadsafe(holding.set)
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=10)
        return won

    try:
        holder = asyncio.ensure_future(first.run(hold))
        await holding.wait()
        assert not await second.run(lambda tx: try_transaction_lock(tx, "job:retention"))
        release.set()
        assert await holder
        assert await second.run(lambda tx: try_transaction_lock(tx, "job:retention"))
    finally:
        await first.close()
        await second.close()
