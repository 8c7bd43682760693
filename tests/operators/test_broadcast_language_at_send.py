"""A broadcast held for the morning is sent in the language the person has when it is sent:
one who switched /language overnight reads it in the new one (as consent, checked then too)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.flows.harness import Harness, at_name_question
from tests.operators.conftest import ADMIN
from tests.operators.fake_bot_api import RecordingApi
from tests.operators.test_broadcast import queue, runner, start
from tests.operators.virtual_time import VirtualClock


async def test_a_marketing_message_held_overnight_follows_a_language_switch(bot: Harness) -> None:
    person = bot.person(611)
    await at_name_question(person, await bot.invite())  # English, marketing consent given
    bot.clock.now = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai: quiet
    clock = VirtualClock()
    api = RecordingApi(clock)
    marketing = await queue(bot, start("marketing"))
    run = runner(bot, api, clock)
    await run.run(marketing)
    assert [d for d in api.delivered if d[0] != ADMIN] == []  # held for the morning
    await person.command("language")
    await person.press("中文")
    bot.clock.now = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    await run.run(marketing)
    await run.budget.close()
    assert [d for d in api.delivered if d[0] != ADMIN] == [(611, "你好")]


async def test_a_service_message_goes_in_the_language_of_the_moment_too(bot: Harness) -> None:
    person = bot.person(612)
    await at_name_question(person, await bot.invite())  # English
    clock = VirtualClock()
    api = RecordingApi(clock)
    service = await queue(bot, start("service"))
    await person.command("language")
    await person.press("中文")  # after it was queued, before it went out
    run = runner(bot, api, clock)
    await run.run(service)
    await run.budget.close()
    assert [d for d in api.delivered if d[0] != ADMIN] == [(612, "你好")]
