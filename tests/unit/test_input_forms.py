"""The ways people really type names, amounts, ID numbers, phone numbers and hours are read."""

from __future__ import annotations

from datetime import date

import pytest

from flows.steps.questions import parse_outside_repayments
from flows.steps.reminders import parse_hour
from flows.validation import (
    Invalid,
    Parsed,
    normalise_phone,
    parse_name,
    parse_phone,
    parse_resident_id,
    parse_yuan,
)
from tests.flows.harness import resident_id

FULL_NAME = "Please type your full legal name, as on your ID card."


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff"])
def test_a_pasted_zero_width_space_or_bom_does_not_spoil_an_answer(invisible: str) -> None:
    number = resident_id(date(1990, 3, 7))
    assert parse_yuan(f"{invisible}1000{invisible}") == Parsed(100_000)
    assert parse_name(f"王{invisible}伟{invisible}") == Parsed("王伟")
    parsed = parse_resident_id(number + invisible, date(2026, 11, 23), 18, 60)
    assert isinstance(parsed, Parsed) and parsed.value.number == number
    assert parse_hour(f"9{invisible}") == 9
    assert parse_phone(f"+8613800138000{invisible}", ("CN",)) == Parsed("+8613800138000")


@pytest.mark.parametrize("name", ["--", "··", ". .", "' '", "-·-", "李-", "\u200b"])
def test_a_name_needs_at_least_two_letters(name: str) -> None:
    assert parse_name(name) == Invalid(FULL_NAME)


@pytest.mark.parametrize("name", ["王伟", "Li Wei", "O'Brien", "José", "𠀀伟"])
def test_names_of_letters_are_still_accepted(name: str) -> None:
    assert parse_name(name) == Parsed(name)


@pytest.mark.parametrize(
    "typed",
    [
        "阿卜杜・热合曼",  # U+30FB katakana middle dot
        "阿卜杜･热合曼",  # U+FF65 half-width katakana middle dot
        "阿卜杜‧热合曼",  # U+2027 hyphenation point
        "阿卜杜∙热合曼",  # U+2219 bullet operator
        "阿卜杜⋅热合曼",  # U+22C5 dot operator
    ],
)
def test_a_minority_name_separator_is_stored_as_the_middle_dot_of_the_id_card(
    typed: str,
) -> None:
    assert parse_name(typed) == Parsed("阿卜杜·热合曼")


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("1000块", 100_000),
        ("1000块钱", 100_000),
        ("人民币1000", 100_000),
        ("人民币 1,000 元", 100_000),
        ("2千块", 200_000),
    ],
)
def test_an_amount_in_everyday_chinese_is_read(typed: str, fen: int) -> None:
    assert parse_yuan(typed) == Parsed(fen)


def test_zero_is_still_no_amount_to_borrow_or_earn() -> None:
    assert parse_yuan("0 元") == Invalid("The amount must be more than zero.")


@pytest.mark.parametrize(
    "typed",
    [
        "0",
        "0元",
        "0 元",
        "0.00",
        "¥ 0",
        "00",
        "0k",
        "０",
        "none",
        "None",
        "无",
        "没有",
        "没",
        "没有\u200b",
    ],
)
def test_nothing_repaid_elsewhere_may_be_typed_as_zero_or_a_word(typed: str) -> None:
    assert parse_outside_repayments(typed) == Parsed(0)


@pytest.mark.parametrize("typed", ["4500", "4.5k", "4500块"])
def test_repayments_elsewhere_are_read_as_amounts(typed: str) -> None:
    assert parse_outside_repayments(typed) == Parsed(450_000)


@pytest.mark.parametrize("typed", ["-0", "-4500", "lots", "没有很多"])
def test_repayments_elsewhere_that_are_no_amount_are_refused(typed: str) -> None:
    assert isinstance(parse_outside_repayments(typed), Invalid)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("85291234567", "+85291234567"),  # Hong Kong, as Telegram sends it without the plus
        ("13800138000", "+8613800138000"),  # a mainland mobile without its country code
        ("００８６１３８００１３８０００", "+8613800138000"),  # full-width
    ],
)
def test_a_number_without_a_plus_gets_86_only_when_it_is_a_mainland_mobile(
    raw: str, expected: str
) -> None:
    assert normalise_phone(raw) == expected
    assert parse_phone(raw, ("CN", "HK")) == Parsed(expected)


@pytest.mark.parametrize(
    ("typed", "hour"),
    [
        ("9点", 9),
        ("18点", 18),
        ("９", 9),
        ("9点钟", 9),
        ("9 点", 9),
        ("9时", 9),
        ("９點", 9),
        ("9點鐘", 9),
        ("9時", 9),
        ("9：00", 9),
        ("09:00", 9),
    ],
)
def test_an_hour_typed_the_chinese_way_is_read(typed: str, hour: int) -> None:
    assert parse_hour(typed) == hour


@pytest.mark.parametrize("typed", ["晚上8点", "下午6点", "上午9点", "21点", "7点", "点", "9点半"])
def test_an_hour_that_would_need_a_guess_or_is_outside_the_day_is_refused(typed: str) -> None:
    assert parse_hour(typed) is None


def test_an_11_digit_number_that_is_no_mainland_mobile_keeps_its_own_country_code() -> None:
    assert normalise_phone("12025550123") == "+12025550123"  # the United States, not +86
