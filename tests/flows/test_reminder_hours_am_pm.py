"""/reminders in English offers "8:00 AM to 8:00 PM": an hour typed that way is read."""

from __future__ import annotations

import pytest

from flows.reminder_plan import Preferences
from flows.steps.reminders import parse_hour
from tests.flows.harness import Harness, onboard


@pytest.mark.parametrize(
    ("typed", "hour"),
    [
        ("8:00 PM", 20),
        ("6 PM", 18),
        ("9:00 AM", 9),
        ("9am", 9),
        ("8 p.m.", 20),
        ("12 PM", 12),  # noon
        ("12:00 pm", 12),
        ("8:00\u202fAM", 8),  # as Babel prints it, narrow no-break space and all
        ("８ＰＭ", 20),
    ],
)
def test_an_hour_typed_on_the_12_hour_clock_is_read(typed: str, hour: int) -> None:
    assert parse_hour(typed) == hour


@pytest.mark.parametrize(
    "typed",
    ["12 AM", "7 AM", "9 PM", "13 PM", "0 AM", "9:30 AM", "PM", "٩ AM", "9 xm"],
)
def test_a_12_hour_time_outside_the_day_or_not_whole_is_refused(typed: str) -> None:
    assert parse_hour(typed) is None


async def test_the_hours_the_english_screen_offers_can_be_typed_back(bot: Harness) -> None:
    person = bot.person(501)
    await onboard(person, await bot.invite())
    screen = (await person.command("reminders"))[-1].text
    assert "from 8:00\u202fAM to 8:00\u202fPM" in screen
    saved = (await person.say("8:00 PM"))[0].text
    assert saved.startswith("Saved: reminders now come at 8:00\u202fPM.")
    await person.say("6 PM")
    assert await bot.store.reminder_preferences(1) == Preferences(18, True)
    refused = (await person.say("9 PM"))[0].text
    assert refused.startswith("Please type a whole hour from 8 to 20")
    assert await bot.store.reminder_preferences(1) == Preferences(18, True)
