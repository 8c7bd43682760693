"""Wrong input of every kind gets a clear message and leaves the data as it was."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows.config import FlowConfig
from flows.events import SharedContact
from flows.states import State
from flows.validation import Invalid, Parsed, parse_phone, parse_resident_id
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
    assert len(other) == 1 and "someone else's contact" in other[0].text
    assert other[0].contact_request  # the share button is offered again, in the same message
    bot.clock.advance(seconds=5)
    typed = await person.say("13800138000")
    assert "only through the “Share my phone number” button" in typed[0].text
    assert typed[0].contact_request  # with the button, in the same message
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
        for example in ("8000, 8k or 12,000", "two decimals", "more than zero")
    )
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and "monthly_income_fen" not in session.answers
    assert session.state is State.KYC_INCOME


async def test_a_sticker_where_text_was_expected_is_explained(bot: Harness) -> None:
    person = await at_id_question(bot)
    bot.clock.advance(seconds=5)
    replies = await person.sticker()
    # The question is just above, so the answer is one short line; a burst gets no more.
    assert [r.text for r in replies] == ["Please type your answer as text."]
    assert await person.sticker() == []
    assert await state_of(bot, person) is State.KYC_ID


async def test_a_burst_of_typed_numbers_at_the_phone_step_gets_one_answer(bot: Harness) -> None:
    person = await at_phone_question(bot)
    bot.clock.advance(seconds=5)
    answers = []
    for _ in range(20):
        answers += await person.say("13800138000")
        bot.clock.advance(seconds=0.04)
    assert len(answers) == 1 and answers[0].contact_request


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
        ("lots", "8000, 8k or 12,000"),
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


async def test_a_birth_date_in_the_future_is_named_as_such(bot: Harness) -> None:
    person = await at_id_question(bot)  # today is 23 November 2026
    replies = await person.say(resident_id(date(2030, 1, 1)))
    assert [r.text for r in replies] == [
        "The birth date in this ID number is in the future. Digits 7 to 14 are the birth date:"
        " 19900307 means 7 March 1990. Please check them."
    ]
    assert await state_of(bot, person) is State.KYC_ID


@pytest.mark.parametrize(
    "typed",
    ["{a}-{b}-{c}", "{a} {b} {c}", "{a}－{b}－{c}", " {a}‐{b} {c} ", "{a}—{b}{c}"],
)
async def test_spaces_and_dashes_inside_an_id_number_are_accepted(bot: Harness, typed: str) -> None:
    person = await at_id_question(bot)
    number = resident_id(date(1990, 3, 7))
    replies = await person.say(typed.format(a=number[:6], b=number[6:14], c=number[14:]))
    assert "phone number" in replies[-1].text
    identity = await bot.store.identity(1)
    assert identity is not None and identity.id_number == number


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("11010519900307", "has 18 characters: 17 digits, then a digit or X"),
        ("1101051990X3071239", "only digits, and an X only as the last character"),
        ("110105199002301239", "is not a real date"),
        (resident_id(date(1990, 3, 7), region="990000"), "not a region code we know"),
    ],
)
async def test_each_wrong_id_number_is_told_what_is_wrong_with_an_example(
    bot: Harness, typed: str, message: str
) -> None:
    person = await at_id_question(bot)
    [reply] = await person.say(typed)
    assert message in reply.text
    assert any(example in reply.text for example in ("101X", "19900307", "110105"))
    assert await state_of(bot, person) is State.KYC_ID


async def at_phone_question(bot: Harness) -> Person:
    person = await at_id_question(bot)
    await person.say(resident_id(date(1990, 3, 7)))
    return person


async def test_a_contact_card_without_a_user_id_asks_for_the_share_button(bot: Harness) -> None:
    person = await at_phone_question(bot)
    replies = await person.send(SharedContact("+8613800138000", None))
    assert len(replies) == 1
    assert "does not show whose number it is" in replies[0].text
    assert "someone else" not in replies[0].text
    assert replies[0].contact_request == "Share my phone number"
    assert await state_of(bot, person) is State.KYC_PHONE


@pytest.mark.parametrize(
    "phone",
    [
        "+1 415 555 0100",  # a +1 number: not a lender for the United States
        "+852 9123 4567",  # Hong Kong, not accepted unless configured
        "+86 10 1234 5678",  # a Beijing landline, not a mobile
        "+86 138 0013",  # too short
    ],
)
async def test_only_mainland_china_mobile_numbers_are_accepted_by_default(
    bot: Harness, phone: str
) -> None:
    person = await at_phone_question(bot)
    [reply] = await person.share_contact(phone)
    assert "only a mobile number from China, such as +86 131 2345 6789" in reply.text
    assert await state_of(bot, person) is State.KYC_PHONE
    identity = await bot.store.identity(1)
    assert identity is not None and identity.phone is None


async def test_the_accepted_regions_are_a_setting(tmp_path: Path) -> None:
    bot = Harness(tmp_path / "hk.db", config=FlowConfig(phone_regions=("CN", "HK")))
    try:
        person = await at_phone_question(bot)
        await person.share_contact("+852 9123 4567")
        identity = await bot.store.identity(1)
        assert identity is not None and identity.phone == "+85291234567"
    finally:
        await bot.close()


def test_every_validation_case_has_its_own_message() -> None:
    today = date(2026, 11, 23)
    number = resident_id(date(1990, 3, 7))
    cases = [
        "11010519900307",
        "1101051990X3071239",
        "110105199002301239",
        resident_id(date(2030, 1, 1)),
        resident_id(date(1990, 3, 7), region="990000"),
        number[:-1] + ("0" if number[-1] != "0" else "1"),
        resident_id(date(2010, 1, 1)),
        resident_id(date(1950, 1, 1)),
    ]
    reasons = []
    for typed in cases:
        parsed = parse_resident_id(typed, today, 18, 60)
        assert isinstance(parsed, Invalid), typed
        reasons.append(parsed.reason)
    assert len(set(reasons)) == len(reasons)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8613800138000", "+8613800138000"),  # as Telegram sends it, without the plus
        ("+86 138-0013-8000", "+8613800138000"),
        ("13800138000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
    ],
)
def test_a_mainland_mobile_number_is_read_in_every_usual_spelling(raw: str, expected: str) -> None:
    assert parse_phone(raw, ("CN",)) == Parsed(expected)
