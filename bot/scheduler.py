"""The recurring jobs of servicing on the bot's event loop: APScheduler 3's AsyncIOScheduler
with a few jobs, not one job per reminder. The jobs only call storage's batch functions with
the settings and the injected clock; the rules live in lending/ and flows/.

- close of business: nightly at CLOSE_OF_BUSINESS_HOUR:MINUTE in CLOSE_OF_BUSINESS_TIMEZONE for
  every night not yet closed (and once at start, so a process that was down catches up);
- reminder sweep: every REMINDER_SWEEP_SECONDS;
- whatever else registers with `add_nightly` (e.g. retention) before `start`.
Outbox delivery is the transports' own loop (bot/delivery.py), not a job here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import metrics
from bot.settings import Settings
from flows.engine import Clock, utc_now
from flows.reminder_plan import ReminderPolicy
from storage import SqlStore
from storage.close_of_business import NightsReport, ServicingRules, close_through
from storage.leases import run_once_per_period
from storage.reminders import SweepReport, sweep
from storage.retention import RetentionCounts, run_retention

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
SWEEP_BATCH = 1000
NIGHTLY_LEASE = timedelta(minutes=30)  # a close of business outliving it is joined, not redone


def servicing_rules(settings: Settings) -> ServicingRules:
    return ServicingRules(
        freeze_after_dpd=settings.freeze_after_days_past_due,
        policy=reminder_policy(settings),
    )


def reminder_policy(settings: Settings) -> ReminderPolicy:
    return ReminderPolicy(
        before_days=settings.reminder_days_before,
        overdue_days=settings.reminder_days_overdue,
        quiet_start=time(settings.quiet_hours_start),
        quiet_end=time(settings.quiet_hours_end),
    )


class ServicingJobs:
    """The jobs themselves, callable without a scheduler (tests and the demo move the clock)."""

    def __init__(self, store: SqlStore, settings: Settings, clock: Clock = utc_now) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.rules = servicing_rules(settings)

    async def close_of_business(self) -> NightsReport:
        """Every night before today in the close-of-business time zone."""
        now = self.clock()
        zone = ZoneInfo(self.settings.close_of_business_timezone)
        yesterday = now.astimezone(zone).date() - timedelta(days=1)
        report = await close_through(
            self.store.db, yesterday, now, self.settings.close_of_business_batch, self.rules
        )
        if report.nights:
            log.info(
                "close of business: %d night(s) through %s, %d loan-days, %d entries",
                len(report.nights),
                yesterday,
                report.loans,
                report.entries,
            )
        return report

    async def retention(self) -> RetentionCounts:
        """Erase what may no longer be kept, prune replay records (storage/retention.py)."""
        from bot.wiring import retention_settings

        return await run_retention(self.store, self.clock(), retention_settings(self.settings))

    async def reminder_sweep(self) -> SweepReport:
        """Everything due now, batch after batch (one transaction each)."""
        total = SweepReport()
        names = ("sent", "covered", "dropped", "deferred", "unreachable")
        while True:
            report = await self.store.db.run(
                partial(sweep, now=self.clock(), limit=SWEEP_BATCH, policy=self.rules.policy)
            )
            for name in names:
                setattr(total, name, getattr(total, name) + getattr(report, name))
            metrics.count_job_message("reminder", report.sent)
            # Every row read is settled or moved past now, so a short batch was the last.
            if sum(getattr(report, name) for name in names) < SWEEP_BATCH:
                return total


class ServicingScheduler:
    def __init__(self, jobs: ServicingJobs) -> None:
        self.jobs = jobs
        settings = jobs.settings
        self.zone = ZoneInfo(settings.close_of_business_timezone)
        self.scheduler = AsyncIOScheduler(timezone=self.zone)
        self._nightly: list[tuple[str, Job]] = [("close_of_business", jobs.close_of_business)]
        self._sweep_seconds = settings.reminder_sweep_seconds
        self._running: set[asyncio.Task[object]] = set()
        self._stopped: asyncio.Task[None] | None = None

    def add_nightly(self, name: str, job: Job) -> None:
        """Another nightly job (e.g. retention), run after close of business's slot."""
        self._nightly.append((name, job))

    def start(self) -> None:
        settings = self.jobs.settings
        for index, (name, job) in enumerate(self._nightly):
            self.scheduler.add_job(
                self._logged(name, self._once_per(name, job, self._night, NIGHTLY_LEASE)),
                CronTrigger(
                    hour=settings.close_of_business_hour,
                    minute=(settings.close_of_business_minute + 5 * index) % 60,
                    timezone=self.zone,
                ),
                id=name,
                # A night missed while the process was down or the loop was busy must still
                # run, however late: the job closes every night not yet closed, so running it
                # once is enough (coalesce) and skipping it (a grace time) would only delay
                # the books by a day.
                coalesce=True,
                misfire_grace_time=None,
                max_instances=1,
                # Close of business also runs right at start: downtime is caught up now, not
                # at the next midnight.
                next_run_time=datetime.now(self.zone) if name == "close_of_business" else None,
            )
        self.scheduler.add_job(
            self._logged(
                "reminder_sweep",
                self._once_per(
                    "reminder_sweep",
                    self.jobs.reminder_sweep,
                    self._sweep_slot,
                    # Short: a sweeper that died holds up the next slots only this long (two
                    # sweeps at once are safe anyway: borrowers are taken with SKIP LOCKED).
                    timedelta(seconds=2 * self._sweep_seconds),
                ),
            ),
            IntervalTrigger(seconds=self._sweep_seconds),
            id="reminder_sweep",
            # Each sweep sends everything due by now, so piled-up runs (a blocked loop) are one
            # run; a short grace drops a run that is later than its own next one anyway.
            coalesce=True,
            misfire_grace_time=self._sweep_seconds,
            max_instances=1,
        )
        self.scheduler.start()

    def _night(self, now: datetime) -> str:
        return now.astimezone(self.zone).date().isoformat()

    def _sweep_slot(self, now: datetime) -> str:
        slot = int(now.timestamp()) // self._sweep_seconds * self._sweep_seconds
        return datetime.fromtimestamp(slot, UTC).isoformat(timespec="seconds")

    def _once_per(
        self, name: str, job: Job, period: Callable[[datetime], str], lease: timedelta
    ) -> Job:
        """Every replica's scheduler fires every job; only the first to claim the period (a
        night, a sweep slot) in job_leases runs it (storage/leases.py)."""

        async def run() -> None:
            now = self.jobs.clock()
            await run_once_per_period(self.jobs.store.db, name, period(now), job, now, lease)

        return run

    def stop(self) -> asyncio.Task[None]:
        """No new runs; the task ends when the runs in progress have finished (a close of
        business cut off mid-batch would only be redone, but a sweep's reminders should reach
        the outbox before its last flush). Every call returns the same task."""
        if self._stopped is None:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            self._stopped = asyncio.create_task(self._finish_runs(), name="scheduler-stop")
        return self._stopped

    async def _finish_runs(self) -> None:
        if self._running:
            await asyncio.wait(set(self._running))

    def _logged(self, name: str, job: Job) -> Job:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job()
            except Exception:
                # The next run retries: every job works from what the database says is left.
                log.exception("%s failed", name)
            finally:
                self._running.discard(task)

        run.__name__ = name
        return run


def start_servicing(conversation: object, settings: Settings) -> ServicingScheduler | None:
    """Start the jobs for a bot whose engine runs on our SQL store (every transport's)."""
    from flows.engine import Engine

    if not isinstance(conversation, Engine) or not isinstance(conversation.store, SqlStore):
        return None
    jobs = ServicingJobs(conversation.store, settings, conversation.clock)
    scheduler = ServicingScheduler(jobs)
    scheduler.add_nightly("retention", jobs.retention)
    scheduler.start()
    return scheduler


async def stop_servicing(scheduler: ServicingScheduler | None) -> None:
    if scheduler is not None:
        await scheduler.stop()
