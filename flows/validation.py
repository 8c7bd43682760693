"""Parsing what people type. Pure functions: text in, value or a reason out.

Each parser returns `Parsed(value)` or `Invalid(reason)` where `reason` is an English message id;
the step translates it and asks again, keeping everything already given.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from flows.i18n import N_

T = TypeVar("T")

MAX_INPUT_CHARS = 200  # anything longer is not a name, an ID or an amount


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    value: T


@dataclass(frozen=True, slots=True)
class Invalid:
    reason: str


Result = Parsed[T] | Invalid

_NAME_CHARS = re.compile(r"^[\w\u00b7\u2022' .\-]+$")


def parse_name(text: str) -> Result[str]:
    name = " ".join(unicodedata.normalize("NFKC", text).split())
    if len(text) > MAX_INPUT_CHARS or len(name) > 40:
        return Invalid(
            N_("That is too long for a name. Please type your legal name as on your ID card.")
        )
    if len(name) < 2:
        return Invalid(N_("Please type your full legal name, as on your ID card."))
    if not _NAME_CHARS.match(name) or any(ch.isdigit() or ch == "_" for ch in name):
        return Invalid(
            N_(
                "A name has only Chinese characters or letters (and spaces, · or -), no digits or symbols. Please type it as on your ID card."
            )
        )
    return Parsed(name)


def age_on(birth: date, day: date) -> int:
    """Whole years lived on `day`: a birthday not yet reached this year does not count."""
    had_birthday = (day.month, day.day) >= (birth.month, birth.day)
    return day.year - birth.year - (0 if had_birthday else 1)


@dataclass(frozen=True, slots=True)
class ResidentId:
    number: str
    birth_date: date

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)


def parse_resident_id(text: str, today: date, min_age: int, max_age: int) -> Result[ResidentId]:
    if len(text) > MAX_INPUT_CHARS:
        return Invalid(
            N_("A resident ID number has 18 characters. Please check it and type it again.")
        )
    compact = unicodedata.normalize("NFKC", text).replace(" ", "").upper()
    try:
        number = ric.validate(compact)
        birth = ric.get_birth_date(number)
    except InvalidLength:
        return Invalid(
            N_("A resident ID number has 18 characters. Please check it and type it again.")
        )
    except InvalidChecksum:
        return Invalid(
            N_(
                "This ID number's check digit does not match. Please check every digit and type it again."
            )
        )
    except (InvalidFormat, InvalidComponent):
        return Invalid(
            N_(
                "This is not a valid resident ID number (the birth date or the region code is wrong). Please check it."
            )
        )
    if len(number) != 18:
        return Invalid(
            N_("A resident ID number has 18 characters. Please check it and type it again.")
        )
    resident = ResidentId(number, birth)
    age = resident.age_on(today)
    if age < min_age:
        return Invalid(N_("Sorry, you must be at least {min_age} years old to borrow."))
    if age > max_age:
        return Invalid(N_("Sorry, this credit line is open to people aged up to {max_age}."))
    return Parsed(resident)


_MULTIPLIERS = {"k": 1000, "千": 1000, "w": 10000, "万": 10000}
_AMOUNT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>k|千|w|万)?$")


def parse_yuan(text: str) -> Result[int]:
    """'8000', '8,000', '8k', '8千', '1.2万', '¥8000', '8000元' -> fen. Never a float."""
    if len(text) > MAX_INPUT_CHARS:
        return Invalid(N_("Please type an amount such as 8000, 8k or 1.2万."))
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    for noise in (",", " ", "¥", "￥", "cny", "rmb", "元", "yuan"):
        cleaned = cleaned.replace(noise, "")
    if cleaned.startswith("-"):
        return Invalid(
            N_("An amount cannot be negative. Please type an amount such as 8000, 8k or 1.2万.")
        )
    match = _AMOUNT.match(cleaned)
    if not match:
        return Invalid(N_("Please type an amount such as 8000, 8k or 1.2万."))
    try:
        yuan = Decimal(match["number"]) * _MULTIPLIERS.get(match["unit"] or "", 1)
    except InvalidOperation:
        return Invalid(N_("Please type an amount such as 8000, 8k or 1.2万."))
    fen = yuan * 100
    if fen != fen.to_integral_value():
        return Invalid(N_("Amounts go to the fen at most (two decimals). Please type it again."))
    if fen <= 0:
        return Invalid(N_("The amount must be more than zero."))
    if fen > 10**12:
        return Invalid(N_("That amount is too large. Please check it."))
    return Parsed(int(fen))


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        digits = "+86" + digits if len(digits) == 11 else "+" + digits
    return digits
