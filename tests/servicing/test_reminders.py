"""Repayment reminders as a borrower receives them, with a moved clock and the real store."""

from __future__ import annotations

from datetime import date, datetime

from flows.reminder_plan import Preferences, ReminderPolicy, quiet_until
from storage.reminders import mark_unreachable
from tests.flows.harness import Harness
from tests.servicing.conftest import (
    at_local,
    borrower,
    first_lines,
    local,
    next_day,
    nightly,
    queued,
    repay_due,
    run_sweep,
)

BEFORE_3 = "Reminder: your repayment is due in 3 days."
BEFORE_1 = "Reminder: your repayment is due tomorrow."
DUE = "Your repayment is due today."


def overdue(days: int) -> str:
    return f"Your repayment is overdue. Days past due: {days}."


async def test_a_three_month_loan_from_drawdown_to_payoff(bot: Harness) -> None:
    person = await borrower(bot)  # drawn 23 Nov 2026; due 23 Dec, 23 Jan, 23 Feb
    dues = [date(2026, 12, 23), date(2027, 1, 23), date(2027, 2, 23)]
    while local(bot).date() < dues[-1]:
        await next_day(bot)
        if local(bot).date() in dues:
            await repay_due(person)  # after the 10:00 reminder, on the due day
    assert first_lines(await queued(bot)) == [BEFORE_3, BEFORE_1, DUE] * 3
    assert "This loan is now repaid in full. Thank you!" in person.last_text()
    for _ in range(40):  # a closed loan is never reminded again
        await next_day(bot)
    assert len(await queued(bot)) == 9


async def test_a_reminder_says_what_is_due_and_how_to_repay(bot: Harness) -> None:
    await borrower(bot)
    while local(bot).date() < date(2026, 12, 26):
        await next_day(bot)
    late = (await queued(bot))[-1].text
    assert late.startswith(overdue(3))
    assert "overdue principal CN¥" in late and "penalty CN¥" in late and "/repay" in late


async def test_missing_a_payment_brings_the_overdue_reminders_on_their_days(bot: Harness) -> None:
    await borrower(bot)
    while local(bot).date() < date(2026, 12, 31):
        await next_day(bot)
    assert first_lines(await queued(bot))[3:] == [overdue(1), overdue(3), overdue(7)]


async def test_no_reminder_once_the_instalment_is_paid(bot: Harness) -> None:
    person = await borrower(bot)
    while local(bot).date() < date(2026, 12, 21):
        await next_day(bot)  # the 3-day notice came on 20 Dec
    await repay_due(person)  # pays the December instalment early (held, applied on the day)
    while local(bot).date() < date(2026, 12, 30):
        await next_day(bot)
    assert first_lines(await queued(bot)) == [BEFORE_3]


async def test_one_message_a_day_covers_two_loans_due_the_same_day(bot: Harness) -> None:
    person = await borrower(bot)
    await person.command("menu")
    await person.press("Borrow")
    await person.say("2000")
    await person.press("3 months")
    await person.press("Confirm")
    while local(bot).date() < date(2026, 12, 24):
        await next_day(bot)
    messages = await queued(bot)
    assert first_lines(messages) == [BEFORE_3, BEFORE_1, DUE, overdue(1)]
    assert all(m.text.count("Loan of") == 2 for m in messages)


async def test_nothing_is_sent_in_quiet_hours_it_waits_for_eight(bot: Harness) -> None:
    await borrower(bot)
    while local(bot).date() < date(2026, 12, 23):
        await next_day(bot)
    bot.clock.now = at_local(date(2026, 12, 24), 0, 30)  # tonight's close plans "overdue 1"
    await nightly(bot)
    bot.clock.now = at_local(date(2026, 12, 24), 22)  # the sweep was down all day
    report = await run_sweep(bot)
    assert report.deferred == 1
    bot.clock.now = at_local(date(2026, 12, 25), 7, 59)
    await run_sweep(bot)
    assert first_lines(await queued(bot)) == [BEFORE_3, BEFORE_1, DUE]
    bot.clock.now = at_local(date(2026, 12, 25), 8)
    await run_sweep(bot)
    # worded on 25 Dec, two days after the due date: as the home screen counts
    assert first_lines(await queued(bot))[-1] == overdue(2)


async def test_a_pre_due_notice_whose_day_has_passed_is_dropped(bot: Harness) -> None:
    await borrower(bot)
    while local(bot).date() < date(2026, 12, 19):
        await next_day(bot)
    bot.clock.now = at_local(date(2026, 12, 20), 0, 30)  # plans the 3-day notice for 10:00
    await nightly(bot)
    bot.clock.now = at_local(date(2026, 12, 20), 22)  # missed the day: quiet hours now
    await run_sweep(bot)
    bot.clock.now = at_local(date(2026, 12, 21), 8)
    report = await run_sweep(bot)
    assert report.dropped == 1 and await queued(bot) == []


def test_quiet_hours_follow_the_borrowers_time_zone() -> None:
    policy = ReminderPolicy()
    moment = datetime.fromisoformat("2026-12-20T14:00:00+00:00")  # 22:00 Shanghai, 09:00 NY
    assert quiet_until(moment, "America/New_York", policy) is None
    resume = quiet_until(moment, "Asia/Shanghai", policy)
    assert resume == datetime.fromisoformat("2026-12-21T00:00:00+00:00")  # 08:00 Shanghai
    early = datetime.fromisoformat("2026-12-20T11:30:00+00:00")  # 06:30 NY
    assert quiet_until(early, "America/New_York", policy) == datetime.fromisoformat(
        "2026-12-20T13:00:00+00:00"
    )


async def test_a_person_in_new_york_is_reminded_at_ten_new_york_time(bot: Harness) -> None:
    await borrower(bot)
    await bot.db.run(
        lambda tx: tx.execute("UPDATE conversations SET timezone = 'America/New_York'")
    )
    while local(bot).date() < date(2026, 12, 19):
        await next_day(bot)
    bot.clock.now = at_local(date(2026, 12, 20), 14)  # 01:00 in New York: planned for 10:00
    await nightly(bot)
    await run_sweep(bot)
    assert await queued(bot) == []
    bot.clock.now = datetime.fromisoformat("2026-12-20T15:00:00+00:00")  # 10:00 New York
    await run_sweep(bot)
    assert first_lines(await queued(bot)) == [BEFORE_3]


async def test_reminders_command_moves_the_hour_and_turns_off_the_three_day_notice(
    bot: Harness,
) -> None:
    person = await borrower(bot)
    screen = (await person.command("reminders"))[-1].text
    assert "10:00" in screen and "cannot be turned off" in screen
    refused = await person.say("22")
    assert "Nothing was changed" in refused[0].text
    assert "hour from 8 to 20" in refused[0].text
    saved = await person.say("9")
    assert "9:00" in saved[0].text
    await person.press("Turn off the 3-day notice")
    prefs = await bot.store.reminder_preferences(1)
    assert prefs == Preferences(9, False)
    while local(bot).date() < date(2026, 12, 23):
        await next_day(bot)
    assert first_lines(await queued(bot)) == [BEFORE_1, DUE]
    sent_at = await bot.db.run(
        lambda tx: tx.scalar("SELECT MIN(due_at) FROM reminders WHERE status = 'sent'")
    )
    assert str(sent_at).startswith("2026-12-22 01:00")  # 09:00 in Shanghai


async def test_a_reminder_queued_before_a_crash_is_sent_once_after_it(bot: Harness) -> None:
    await borrower(bot)
    while local(bot).date() < date(2026, 12, 20):
        await next_day(bot)  # the 3-day reminder row and its outbox row are committed
    await bot.restart()  # the process died before the outbox loop sent it
    due = await bot.engine.due_outbox()
    assert [item.reply.text.splitlines()[0] for item in due] == [BEFORE_3]
    await bot.engine.mark_delivered(due[0].outbox_id or 0)
    await run_sweep(bot)
    assert await bot.engine.due_outbox() == []
    assert len(await queued(bot)) == 1


async def test_three_days_down_then_caught_up_once(bot: Harness) -> None:
    await borrower(bot)
    while local(bot).date() < date(2026, 12, 24):
        await next_day(bot)  # overdue 1 day
    bot.clock.advance(days=3)  # down 25, 26, 27 Dec: nothing ran
    report = await nightly(bot)
    assert report.nights == [date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)]
    await run_sweep(bot)
    sent = first_lines(await queued(bot))
    # one message, the latest kind, with the days past due of the day it is worded (27 Dec)
    assert sent == [BEFORE_3, BEFORE_1, DUE, overdue(1), overdue(4)]
    await run_sweep(bot)
    assert len(await queued(bot)) == 5


async def test_a_person_who_blocked_the_bot_is_skipped_until_they_write(bot: Harness) -> None:
    person = await borrower(bot)
    await bot.db.run(lambda tx: mark_unreachable(tx, person.user_id, "telegram", bot.clock()))
    while local(bot).date() < date(2026, 12, 21):
        await next_day(bot)
    assert await queued(bot) == []
    await person.command("loans")  # writes again
    while local(bot).date() < date(2026, 12, 23):
        await next_day(bot)
    assert first_lines(await queued(bot)) == [BEFORE_1, DUE]


async def test_a_reminder_woken_at_eight_leaves_no_room_for_a_second_that_day(
    bot: Harness,
) -> None:
    person = await borrower(bot)  # due 23 Dec
    bot.clock.advance(days=3)
    await nightly(bot)
    await person.command("menu")
    await person.press("Borrow")
    await person.say("1000")
    await person.press("3 months")
    await person.press("Confirm")  # drawn 26 Nov: due 26 Dec, its 1-day notice on 25 Dec
    while local(bot).date() < date(2026, 12, 23):
        await next_day(bot)
    bot.clock.now = at_local(date(2026, 12, 24), 0, 30)
    await nightly(bot)
    bot.clock.now = at_local(date(2026, 12, 24), 22)  # "overdue 1" waits for 08:00
    await run_sweep(bot)
    bot.clock.now = at_local(date(2026, 12, 25), 0, 30)
    await nightly(bot)
    bot.clock.now = at_local(date(2026, 12, 25), 8)
    await run_sweep(bot)
    bot.clock.now = at_local(date(2026, 12, 25), 10)  # the second loan's 1-day notice
    report = await run_sweep(bot)
    assert report.covered == 1 and report.sent == 0
    assert first_lines(await queued(bot))[-1] == overdue(2)  # worded on 25 Dec
