"""Run a recurring job once per period, however many processes share the database.

Every replica's scheduler fires every job; each firing first claims the job's period (a day for
close of business, a minute for a reminder sweep) in the job_leases table. Exactly one claim
wins; the others skip. The winner holds a lease while it runs: if it dies, the lease runs out
and the next firing of any replica takes the period over; once it finishes, the period is done
and no replica runs it again. Periods are text that sorts in time order (ISO dates and times),
so a replica with a slow clock never reruns a period that is already behind.

The claim is one INSERT .. ON CONFLICT DO UPDATE .. WHERE: PostgreSQL locks the job's row and
re-evaluates the condition on its newest version, so of two simultaneous claims one updates and
the other sees a live lease; SQLite has one writer.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from storage.database import Database
from storage.sql import Tx

DEFAULT_LEASE = timedelta(minutes=10)


def this_process() -> str:
    """A holder name an operator can trace: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def claim(tx: Tx, job: str, period: str, holder: str, now: datetime, lease: timedelta) -> bool:
    """True when this holder may run `job` for `period` now."""
    won = tx.scalar(
        "INSERT INTO job_leases (job, period, holder, lease_until, done_at)"
        " VALUES (:job, :period, :holder, :until, NULL)"
        " ON CONFLICT (job) DO UPDATE SET period = excluded.period, holder = excluded.holder,"
        " lease_until = excluded.lease_until, done_at = NULL"
        # never an earlier period than the one recorded (a replica with a slow clock)
        " WHERE job_leases.period <= excluded.period AND ("
        # the last run died or failed: its lease ran out or was given back
        " (job_leases.done_at IS NULL AND job_leases.lease_until < :now)"
        # the last run finished, and this is a later period
        " OR (job_leases.done_at IS NOT NULL AND job_leases.period < excluded.period))"
        " RETURNING job",
        job=job,
        period=period,
        holder=holder,
        until=now + lease,
        now=now,
    )
    return won is not None


def finish(tx: Tx, job: str, period: str, holder: str, now: datetime) -> bool:
    """Mark the period done; False when the lease was lost meanwhile (the run took longer
    than its lease and another process took the period over)."""
    return (
        tx.execute(
            "UPDATE job_leases SET done_at = :now WHERE job = :job AND period = :period"
            " AND holder = :holder AND done_at IS NULL",
            now=now,
            job=job,
            period=period,
            holder=holder,
        )
        == 1
    )


def release(tx: Tx, job: str, period: str, holder: str, now: datetime) -> None:
    """Give the period back after a failed run, so the next firing may retry it at once."""
    tx.execute(
        "UPDATE job_leases SET lease_until = :now WHERE job = :job AND period = :period"
        " AND holder = :holder AND done_at IS NULL",
        now=now,
        job=job,
        period=period,
        holder=holder,
    )


async def run_once_per_period(
    db: Database,
    job: str,
    period: str,
    work: Callable[[], Awaitable[object]],
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
    holder: str | None = None,
) -> bool:
    """Run `work` if this process wins the period; True when it ran. A failed run releases
    the period and raises."""
    holder = holder or this_process()
    if not await db.run(lambda tx: claim(tx, job, period, holder, now, lease)):
        return False
    try:
        await work()
    except BaseException:
        await db.run(lambda tx: release(tx, job, period, holder, now))
        raise
    await db.run(lambda tx: finish(tx, job, period, holder, now))
    return True


def try_transaction_lock(tx: Tx, name: str) -> bool:
    """For work done inside one unit of work: True when no other transaction holds `name`
    (PostgreSQL advisory lock, released at commit); SQLite has one writer, so always True."""
    if not tx.postgres:
        return True
    return bool(
        tx.scalar("SELECT pg_try_advisory_xact_lock(hashtextextended(:name, 0))", name=name)
    )
