"""/reminders: the hour and the 3-day notice a borrower chooses are kept, and shown again."""

from __future__ import annotations

from flows.reminder_plan import Preferences
from tests.flows.harness import Harness, onboard
from tests.servicing.conftest import borrower, nightly


async def test_the_chosen_hour_and_notice_are_kept_and_shown_on_return(bot: Harness) -> None:
    person = bot.person(501)
    await onboard(person, await bot.invite())
    first = (await person.command("reminders"))[-1].text
    assert "They come at 10:00\u202fAM" in first and "3 days before a due date: on." in first
    await person.say("18")
    await person.press("Turn off the 3-day notice")
    await person.press("Done")
    again = (await person.command("reminders"))[-1].text  # a later visit reads them back
    assert "They come at 6:00\u202fPM" in again and "3 days before a due date: off." in again
    assert await bot.store.reminder_preferences(1) == Preferences(18, False)
    await bot.restart()  # kept in the database, not only in this process
    assert await bot.store.reminder_preferences(1) == Preferences(18, False)


async def test_a_new_hour_moves_the_reminders_already_planned(bot: Harness) -> None:
    person = await borrower(bot)  # the first instalment falls due on 23 December
    bot.clock.advance(days=27)  # 20 December, 10:00 in Shanghai: the 3-day notice is due
    await nightly(bot)  # plans the day's reminders (the sweep has not sent them yet)
    planned = "SELECT due_at FROM reminders WHERE status = 'planned' ORDER BY due_at"
    before = await bot.db.run(lambda tx: [str(r.due_at)[:16] for r in tx.all(planned)])
    assert before and all(at.endswith("02:00") for at in before)  # 10:00 in Shanghai
    await person.command("reminders")
    await person.say("18")
    after = await bot.db.run(lambda tx: [str(r.due_at)[:16] for r in tx.all(planned)])
    assert [at[:10] for at in after] == [at[:10] for at in before]  # the same days
    assert all(at.endswith("10:00") for at in after)  # 18:00 in Shanghai
