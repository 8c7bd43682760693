"""Wrong input of every kind gets a clear message and leaves the data as it was."""

from __future__ import annotations

from datetime import date

import pytest

from flows.states import State
from tests.flows.harness import Harness, Person, at_name_question, onboard, resident_id


async def at_id_question(bot: Harness) -> Person:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    await person.say("Li Wei")
    return person


async def state_of(bot: Harness, person: Person) -> State:
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None
    return session.state


async def test_an_id_number_with_a_wrong_check_digit_is_explained_and_asked_again(
    bot: Harness,
) -> None:
    person = await at_id_question(bot)
    good = resident_id(date(1990, 3, 7))
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    replies = await person.say(wrong)
    assert "check digit does not match" in replies[0].text
    assert await state_of(bot, person) is State.KYC_ID
    identity = await bot.store.identity(1)
    assert identity is not None and identity.id_number is None  # the name is kept, no ID number


@pytest.mark.parametrize(
    ("birth", "message"),
    [(date(2009, 1, 1), "at least 18 years old"), (date(1960, 1, 1), "aged up to 60")],
)
async def test_an_applicant_outside_the_age_range_is_told_why(
    bot: Harness, birth: date, message: str
) -> None:
    person = await at_id_question(bot)
    replies = await person.say(resident_id(birth))
    assert message in replies[0].text
    assert await state_of(bot, person) is State.KYC_ID


async def test_the_last_day_before_turning_18_is_still_too_young(bot: Harness) -> None:
    person = await at_id_question(bot)  # today is 23 November 2026 in Shanghai
    assert "at least 18" in (await person.say(resident_id(date(2008, 11, 24))))[0].text
    assert "phone number" in (await person.say(resident_id(date(2008, 11, 23))))[0].text


async def test_too_short_and_huge_id_inputs_are_refused(bot: Harness) -> None:
    person = await at_id_question(bot)
    assert "18 characters" in (await person.say("1101051990"))[0].text
    assert "18 characters" in (await person.say("1" * 10_000))[0].text
    assert await state_of(bot, person) is State.KYC_ID


async def test_someone_elses_contact_is_refused_and_typed_numbers_too(bot: Harness) -> None:
    person = await at_id_question(bot)
    await person.say(resident_id(date(1990, 3, 7)))
    other = await person.share_contact("+86 139 0000 0000", owner=999)
    assert "someone else's contact" in other[0].text
    assert other[-1].contact_request  # the share button is offered again
    typed = await person.say("13800138000")
    assert "only through the “Share my phone number” button" in typed[0].text
    assert await state_of(bot, person) is State.KYC_PHONE
    identity = await bot.store.identity(1)
    assert identity is not None and identity.phone is None
    accepted = await person.share_contact("+86 138 0013 8000")
    assert accepted[0].remove_keyboard  # the share keyboard is taken away once used
    assert await state_of(bot, person) is State.KYC_EMPLOYMENT


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("8000", 800_000),
        ("8,000", 800_000),
        ("8k", 800_000),
        ("8千", 800_000),
        ("1.2万", 1_200_000),
        ("¥8000元", 800_000),
    ],
)
async def test_income_accepts_the_ways_people_write_it(bot: Harness, typed: str, fen: int) -> None:
    person = await at_id_question(bot)
    await person.say(resident_id(date(1990, 3, 7)))
    await person.share_contact("+8613800138000")
    await person.press("Employed")
    await person.press("1 to 4 years")
    await person.say(typed)
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and session.answers["monthly_income_fen"] == fen
    assert session.state is State.Q_BALANCE


@pytest.mark.parametrize("typed", ["abc", "-5000", "eight thousand", "8000.001", ""])
async def test_income_nonsense_gets_an_example_of_what_works(bot: Harness, typed: str) -> None:
    person = await at_id_question(bot)
    await person.say(resident_id(date(1990, 3, 7)))
    await person.share_contact("+8613800138000")
    await person.press("Employed")
    await person.press("1 to 4 years")
    replies = await person.say(typed)
    assert any(
        example in replies[0].text
        for example in ("8000, 8k or 1.2万", "two decimals", "more than zero")
    )
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and "monthly_income_fen" not in session.answers
    assert session.state is State.KYC_INCOME


async def test_a_sticker_where_text_was_expected_is_explained(bot: Harness) -> None:
    person = await at_id_question(bot)
    replies = await person.sticker()
    assert "type your answer as text" in replies[0].text
    assert "resident ID number" in replies[-1].text
    assert await state_of(bot, person) is State.KYC_ID


async def test_text_where_a_button_was_expected_asks_for_a_tap(bot: Harness) -> None:
    person = await at_id_question(bot)
    await person.say(resident_id(date(1990, 3, 7)))
    await person.share_contact("+8613800138000")
    bot.clock.advance(seconds=5)  # they read the question, then type instead of tapping
    replies = await person.say("I work at a bank")
    # One short answer; the question with its buttons is still on screen, so it is not re-sent.
    assert [r.text for r in replies] == ["Please tap one of the buttons of the question."]
    assert await state_of(bot, person) is State.KYC_EMPLOYMENT


async def test_a_name_of_10000_characters_is_refused(bot: Harness) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    replies = await person.say("李" * 10_000)
    assert "too long for a name" in replies[0].text
    assert await state_of(bot, person) is State.KYC_NAME


async def customer(bot: Harness) -> Person:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    return person


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-500", "cannot be negative"),
        ("0", "more than zero"),
        ("50", "smallest drawdown is CN¥100.00"),
        ("50000", "largest drawdown in this chat is CN¥40,000.00"),
        ("lots", "8000, 8k or 1.2万"),
    ],
)
async def test_a_bad_drawdown_amount_is_explained(bot: Harness, typed: str, message: str) -> None:
    person = await customer(bot)
    replies = await person.say(typed)
    assert message in replies[0].text
    assert await state_of(bot, person) is State.BORROW_AMOUNT


async def test_an_amount_above_available_credit_is_refused(bot: Harness) -> None:
    person = await customer(bot)
    await person.say("40000")
    await person.press("12 months")
    await person.press("Confirm")
    await person.press("Borrow")
    await person.say("40000")
    await person.press("12 months")
    await person.press("Confirm")  # 80,000 of 80,000 now used
    replies = await person.press("Borrow")
    assert "You cannot borrow right now: available credit CN¥0.00" in replies[0].text
    await person.command("start")
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and session.state is State.HOME


async def test_typing_more_than_available_is_refused_with_the_available_amount(
    bot: Harness,
) -> None:
    person = await customer(bot)
    await person.say("40000")
    await person.press("12 months")
    await person.press("Confirm")
    await person.press("Borrow")
    await person.say("35000")
    await person.press("3 months")
    await person.press("Confirm")  # 75,000 used, 5,000 left
    await person.press("Borrow")
    replies = await person.say("6000")
    assert "more than your available credit of CN¥5,000.00" in replies[0].text
