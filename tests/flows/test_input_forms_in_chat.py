"""Answers typed the way they were seen in the chat are taken, and kept as the bot reads them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from flows.config import FlowConfig
from flows.reminder_plan import Preferences
from flows.states import State
from tests.flows.harness import (
    GOOD_ANSWERS,
    Harness,
    Person,
    at_name_question,
    onboard,
    resident_id,
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    # Hong Kong numbers accepted, as a lender serving both may configure it.
    harness = Harness(tmp_path / "bot.db", config=FlowConfig(phone_regions=("CN", "HK")))
    yield harness
    await harness.close()


async def at_phone_question(bot: Harness, name: str = "Li Wei") -> Person:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    await person.say(name)
    await person.say(resident_id(date(1990, 3, 7)))
    return person


async def test_a_minority_name_with_a_katakana_dot_is_kept_with_the_id_card_dot(
    bot: Harness,
) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    await person.say("阿卜杜・热合曼")
    identity = await bot.store.identity(1)
    assert identity is not None and identity.name == "阿卜杜·热合曼"


async def test_a_hong_kong_contact_shared_without_a_plus_is_kept_as_hong_kong(
    bot: Harness,
) -> None:
    person = await at_phone_question(bot)
    await person.share_contact("85291234567")
    identity = await bot.store.identity(1)
    assert identity is not None and identity.phone == "+85291234567"


@pytest.mark.parametrize("typed", ["0 元", "没有"])
async def test_nothing_repaid_elsewhere_can_be_typed(bot: Harness, typed: str) -> None:
    person = await at_phone_question(bot)
    await person.share_contact("+86 138 0013 8000")
    await person.press(GOOD_ANSWERS["employment"])
    await person.press(GOOD_ANSWERS["employment_length"])
    await person.say("20000")
    for key in ("bank_balance", "savings", "credit_history", "existing_credits"):
        await person.press(GOOD_ANSWERS[key])
    await person.press(GOOD_ANSWERS["other_instalments"])
    await person.say(typed)
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and session.state is State.Q_HOUSING
    assert session.answers["outside_monthly_repayments_fen"] == 0


async def test_a_reminder_hour_typed_in_chinese_is_saved(bot: Harness) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.command("reminders")
    replies = await person.say("18点")
    assert "Saved: reminders now come at 6:00\u202fPM." in replies[0].text
    assert await bot.store.reminder_preferences(1) == Preferences(18, True)
