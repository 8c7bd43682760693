"""A reminder's words as the borrower receives them: written afresh on every try to send it
(a failed send retried after a payment, or after midnight), and headed the way the home screen
reads the borrower's loans."""

from __future__ import annotations

from datetime import date, timedelta

from bot.delivery import PlatformErrors, flush_outbox, neutral_errors
from bot.rendering import Markup
from tests.flows.harness import Harness, onboard
from tests.servicing.conftest import (
    RecordingSender,
    at_local,
    borrower,
    local,
    next_day,
    nightly,
    repay_due,
    run_sweep,
)
from tests.servicing.test_reminders import DUE, overdue


class Boom(Exception):
    pass


ERRORS = PlatformErrors(
    retry_after=type("RetryAfter", (Exception,), {}),
    forbidden=type("Forbidden", (Exception,), {}),
    bad_request=type("BadRequest", (Exception,), {}),
    any_error=Boom,
    transient=(),
    retry_seconds=lambda error: 1.0,
    message=lambda error: "Too Many Requests: retry later",
)


class FailingSender(RecordingSender):
    """Telegram refusing every message for now: the outbox retries the row later."""

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        with neutral_errors(ERRORS):
            raise Boom()


async def days_until(bot: Harness, day: date, chat: RecordingSender) -> None:
    """Day by day (close of business, the 10:00 sweep), each day's reminder delivered."""
    while local(bot).date() < day:
        await next_day(bot)
        await flush_outbox(bot.engine, chat)


async def test_a_failed_reminder_is_not_sent_again_once_the_borrower_has_paid(
    bot: Harness,
) -> None:
    person = await borrower(bot)  # due 23 Dec
    chat = RecordingSender()
    await days_until(bot, date(2026, 12, 22), chat)
    await next_day(bot)  # 23 Dec, 10:00: "due today" is queued
    await flush_outbox(bot.engine, FailingSender())  # worded, then refused
    bot.clock.advance(minutes=1)
    await repay_due(person)
    bot.clock.advance(minutes=5)  # the retry is due
    await flush_outbox(bot.engine, chat)
    assert chat.reminders() == [
        "Reminder: your repayment is due in 3 days.",
        "Reminder: your repayment is due tomorrow.",
    ]
    bot.clock.advance(hours=2)
    await flush_outbox(bot.engine, chat)  # nothing left waiting either
    assert len(chat.reminders()) == 2


async def test_a_failed_reminder_still_owed_is_sent_on_retry(bot: Harness) -> None:
    await borrower(bot)
    chat = RecordingSender()
    await days_until(bot, date(2026, 12, 22), chat)
    await next_day(bot)
    await flush_outbox(bot.engine, FailingSender())
    bot.clock.advance(minutes=5)
    await flush_outbox(bot.engine, chat)
    assert chat.reminders()[-1] == DUE
    bot.clock.advance(hours=2)
    await flush_outbox(bot.engine, chat)  # sent once, not again
    assert chat.reminders().count(DUE) == 1


async def test_a_due_today_reminder_retried_after_midnight_is_not_sent(bot: Harness) -> None:
    await borrower(bot)
    chat = RecordingSender()
    await days_until(bot, date(2026, 12, 22), chat)
    await next_day(bot)  # 23 Dec, 10:00
    assert [o.reply.text.splitlines()[0] for o in await bot.engine.due_outbox()] == [DUE]
    # ... and the sender dies holding the lease; the bot is back at half past midnight.
    bot.clock.now = at_local(date(2026, 12, 24), 0, 30)
    await flush_outbox(bot.engine, chat)
    assert DUE not in chat.reminders()
    bot.clock.now = at_local(date(2026, 12, 24), 10)
    await nightly(bot)
    await run_sweep(bot)
    await flush_outbox(bot.engine, chat)
    assert chat.reminders()[-1] == overdue(1)


async def test_late_on_an_earlier_instalment_the_reminder_says_what_the_home_screen_says(
    bot: Harness,
) -> None:
    """Drawn 31 Jan 2028: due 29 Feb, 31 Mar, 30 Apr; the first is never paid. The second
    instalment's own reminders ("in 3 days", "today", "1 day past due") would contradict the
    home screen; they carry its count of days instead."""
    bot.clock.now = at_local(date(2028, 1, 31), 10)
    person = bot.person(501)
    await onboard(person, await bot.invite(), birth=date(1981, 1, 1), phone="+86 139 0000 0501")
    await person.press("Borrow")
    await person.say("3000")
    await person.press("3 months")
    await person.press("Confirm")
    chat = RecordingSender()
    by_day: dict[date, str] = {}
    while local(bot).date() < date(2028, 4, 1):
        seen = len(chat.reminders())
        await days_until(bot, local(bot).date() + timedelta(days=1), chat)
        if len(chat.reminders()) > seen:
            by_day[local(bot).date()] = chat.reminders()[-1]
    assert by_day[date(2028, 2, 26)] == "Reminder: your repayment is due in 3 days."
    assert by_day[date(2028, 2, 29)] == DUE
    assert by_day[date(2028, 3, 1)] == overdue(1)
    assert by_day[date(2028, 3, 28)] == overdue(28)  # not "due in 3 days"
    assert by_day[date(2028, 3, 31)] == overdue(31)  # not "due today"
    assert by_day[date(2028, 4, 1)] == overdue(32)  # not "Days past due: 1"
    await person.command("start")
    assert "Overdue by 32 days" in person.last_text()


async def test_a_reminder_delayed_a_day_counts_the_days_as_they_are(bot: Harness) -> None:
    """The sweep was down on 24 Dec: the "1 day past due" notice leaves on 25 Dec at 08:00,
    when the borrower is 2 days late (as the home screen says)."""
    person = await borrower(bot)
    chat = RecordingSender()
    await days_until(bot, date(2026, 12, 23), chat)
    bot.clock.now = at_local(date(2026, 12, 25), 8)
    await nightly(bot)
    await run_sweep(bot)
    await flush_outbox(bot.engine, chat)
    assert chat.reminders()[-1] == overdue(2)
    await person.command("start")
    assert "Overdue by 2 days" in person.last_text()
