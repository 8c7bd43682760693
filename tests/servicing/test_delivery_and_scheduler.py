"""What servicing needs from the transports: a 403 marks the person unreachable, and the
scheduler starts and stops with the bot."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.delivery import LiveKeyboards, PlatformErrors, flush_outbox, neutral_errors
from bot.rendering import Markup
from bot.scheduler import ServicingJobs, start_servicing, stop_servicing
from bot.settings import load_settings
from storage.reminders import sweep
from tests.flows.harness import Harness
from tests.servicing.conftest import (
    RecordingSender,
    borrower,
    first_lines,
    local,
    next_day,
    nightly,
    queued,
    repay_due,
)


class Forbidden(Exception):
    pass


ERRORS = PlatformErrors(
    retry_after=type("RetryAfter", (Exception,), {}),
    forbidden=Forbidden,
    bad_request=type("BadRequest", (Exception,), {}),
    any_error=type("AnyError", (Exception,), {}),
    transient=(),
    retry_seconds=lambda error: 1.0,
    message=lambda error: "Forbidden: bot was blocked by the user",
)


class BlockedSender:
    """Telegram's answer for a person who blocked the bot: 403 on every send."""

    def __init__(self) -> None:
        self.tries = 0
        self.keyboards = LiveKeyboards()

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        self.tries += 1
        with neutral_errors(ERRORS):
            raise Forbidden()

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        await self.send(chat_id, text, markup)

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        await self.send(chat_id, "", Markup())


async def test_a_403_marks_the_person_unreachable_until_they_write(bot: Harness) -> None:
    person = await borrower(bot)
    while local(bot).date() < date(2026, 12, 20):
        await next_day(bot)  # the 3-day reminder is queued
    sender = BlockedSender()
    await flush_outbox(bot.engine, sender)
    assert sender.tries == 1
    bot.clock.advance(hours=2)
    await flush_outbox(bot.engine, sender)
    assert sender.tries == 1  # not retried against a 403
    await next_day(bot)
    await next_day(bot)  # 22 Dec: the 1-day notice is skipped
    assert first_lines(await queued(bot)) == ["Reminder: your repayment is due in 3 days."]
    await person.command("loans")  # writes again: reachable
    await next_day(bot)
    assert first_lines(await queued(bot)) == [
        "Reminder: your repayment is due in 3 days.",
        "Your repayment is due today.",
    ]


async def test_the_scheduler_runs_the_jobs_on_the_bots_loop_and_stops(bot: Harness) -> None:
    await borrower(bot)
    bot.clock.advance(days=3)
    settings = load_settings(env_file=None, reminder_sweep_seconds=5)
    scheduler = start_servicing(bot.engine, settings)
    assert scheduler is not None
    try:
        jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}
        # Retention runs nightly beside close of business (storage/retention.py).
        assert set(jobs) == {"close_of_business", "retention", "reminder_sweep"}
        assert jobs["close_of_business"].coalesce and jobs["reminder_sweep"].coalesce
        for _ in range(100):  # close of business also runs at start: downtime is caught up
            closed = await bot.db.run(
                lambda tx: tx.scalar("SELECT closed_through FROM loan_positions")
            )
            if str(closed) == str(local(bot).date() - timedelta(days=1)):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"close of business did not run at start ({closed})")
    finally:
        await stop_servicing(scheduler)
    await asyncio.sleep(0)
    assert not scheduler.scheduler.running


async def test_another_nightly_job_can_be_registered(bot: Harness) -> None:
    from bot.scheduler import ServicingScheduler

    ran: list[str] = []

    async def retention() -> None:
        ran.append("retention")

    settings = load_settings(env_file=None)
    scheduler = ServicingScheduler(ServicingJobs(bot.store, settings, bot.clock))
    scheduler.add_nightly("retention", retention)
    scheduler.start()
    try:
        job = scheduler.scheduler.get_job("retention")
        assert job is not None and job.misfire_grace_time is None
        await job.func()
        assert ran == ["retention"]
    finally:
        await scheduler.stop()


async def test_stopping_waits_for_the_run_in_progress_and_starts_no_other(bot: Harness) -> None:
    from bot.scheduler import ServicingScheduler

    runs: list[str] = []
    release = asyncio.Event()

    async def slow_job() -> None:
        runs.append("started")
        await release.wait()
        runs.append("finished")

    settings = load_settings(env_file=None)
    scheduler = ServicingScheduler(ServicingJobs(bot.store, settings, bot.clock))
    scheduler.add_nightly("slow", slow_job)
    scheduler.start()
    job = scheduler.scheduler.get_job("slow")
    assert job is not None
    running = asyncio.create_task(job.func())
    await asyncio.sleep(0.05)
    stopped = scheduler.stop()
    await asyncio.sleep(0.1)
    assert not stopped.done()  # the shutdown waits: the run is not cut off mid-way
    assert not scheduler.scheduler.running  # and no new run can start
    release.set()
    await asyncio.wait_for(stopped, 5)
    assert runs == ["started", "finished"]
    assert scheduler.stop() is stopped
    await running


async def test_each_night_and_sweep_slot_runs_in_one_replica(any_bot: Harness) -> None:
    """Every replica's scheduler fires every job: a night (or a sweep slot) runs once, in the
    replica that claims it first; the next night runs again."""
    from bot.scheduler import ServicingScheduler
    from storage import Database, PiiVault, SqlStore
    from tests.flows.harness import TEST_PII_KEY

    bot = any_bot
    settings = load_settings(env_file=None)
    other_db = Database(bot.url)  # the second replica's own connections
    other = SqlStore(other_db, PiiVault(TEST_PII_KEY))
    runs: list[str] = []

    def replica(store: SqlStore, label: str) -> ServicingScheduler:
        jobs = ServicingJobs(store, settings, bot.clock)

        async def sweep() -> None:
            await asyncio.sleep(0.05)  # the other replica fires meanwhile
            runs.append(f"sweep {label}")

        async def nightly() -> None:
            await asyncio.sleep(0.05)
            runs.append(f"night {label}")

        jobs.reminder_sweep = sweep  # type: ignore[method-assign, assignment]
        scheduler = ServicingScheduler(jobs)
        scheduler.add_nightly("probe", nightly)
        scheduler.start()
        return scheduler

    replicas = [replica(bot.store, "a"), replica(other, "b")]
    try:

        async def fire(job: str) -> None:
            jobs = [r.scheduler.get_job(job) for r in replicas]
            await asyncio.gather(*(j.func() for j in jobs if j is not None))

        await fire("probe")
        await fire("reminder_sweep")
        await fire("probe")  # the same night again: nothing
        assert len(runs) == 2, runs
        bot.clock.advance(days=1)
        await fire("probe")
        await fire("reminder_sweep")
        assert len(runs) == 4, runs
    finally:
        for r in replicas:
            await r.stop()
        await other_db.close()


@pytest.mark.parametrize("repays_meanwhile", [False, True])
async def test_a_reminder_is_worded_when_it_leaves_not_when_it_is_queued(
    bot: Harness, repays_meanwhile: bool
) -> None:
    """The sweep queues the 3-day notice at 10:00; Telegram's pace can keep it waiting for
    minutes. A borrower who pays in that time must not then be told to pay."""
    person = await borrower(bot)
    while local(bot).date() < date(2026, 12, 19):
        await next_day(bot)
    bot.clock.advance(days=1)  # 20 Dec, 10:00: the 3-day notice is due
    await nightly(bot)
    report = await bot.db.run(lambda tx: sweep(tx, bot.clock()))
    assert report.sent == 1
    if repays_meanwhile:
        await repay_due(person)  # pays the December instalment ahead
    sender = RecordingSender()
    await flush_outbox(bot.engine, sender)
    reminders = [text for text in sender.texts if text.startswith("Reminder:")]
    if repays_meanwhile:
        assert reminders == []
        assert await queued(bot) == []  # nor kept to be sent later
    else:
        assert [text.splitlines()[0] for text in reminders] == [
            "Reminder: your repayment is due in 3 days."
        ]
