"""Parsing what people type. Pure functions: text in, value or a reason out.

Each parser returns `Parsed(value)` or `Invalid(reason)` where `reason` is an English message id;
the step translates it and asks again, keeping everything already given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
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


def normalise_text(text: str) -> str:
    """What every parser reads: full-width forms folded (NFKC), without the invisible format
    characters (zero-width space, BOM, ...) that copy-paste brings and strip() keeps."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf").strip()


# The middle dots people type between the parts of a minority name; ID cards print "·".
# Half-width U+FF65 arrives here as U+30FB, since NFKC folds it.
_NAME_DOTS = str.maketrans(dict.fromkeys("\u30fb\u2027\u2219\u22c5", "\u00b7"))
_NAME_CHARS = re.compile(r"^[\w\u00b7\u2022' .\-]+$")


def parse_name(text: str) -> Result[str]:
    name = " ".join(normalise_text(text).translate(_NAME_DOTS).split())
    if len(text) > MAX_INPUT_CHARS or len(name) > 40:
        return Invalid(
            N_("That is too long for a name. Please type your legal name as on your ID card.")
        )
    if name and (not _NAME_CHARS.match(name) or any(ch.isdigit() or ch == "_" for ch in name)):
        return Invalid(
            N_(
                "A name has only Chinese characters or letters (and spaces, · or -), no digits or symbols. Please type it as on your ID card."
            )
        )
    # Separators alone ("--", "··") pass the character check but are nobody's name.
    if sum(ch.isalpha() for ch in name) < 2:
        return Invalid(N_("Please type your full legal name, as on your ID card."))
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


ID_LENGTH = N_(
    "A resident ID number has 18 characters: 17 digits, then a digit or X (spaces and dashes are fine, e.g. 110105 19900307 101X). Please check it and type it again."
)
ID_CHARACTERS = N_(
    "A resident ID number has only digits, and an X only as the last character, e.g. 11010519900307101X. Please check it and type it again."
)
ID_BIRTH_DATE = N_(
    "The birth date in this ID number is not a real date. Digits 7 to 14 are the birth date: 19900307 means 7 March 1990. Please check them."
)
ID_BIRTH_IN_FUTURE = N_(
    "The birth date in this ID number is in the future. Digits 7 to 14 are the birth date: 19900307 means 7 March 1990. Please check them."
)
# Separators people type inside a long number (NFKC has already turned full-width ones ASCII).
_ID_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.]")
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def birth_date_in(compact: str) -> date | None:
    """The birth date written in a resident ID number (digits 7 to 14), if it is a real date."""
    try:
        return date(int(compact[6:10]), int(compact[10:12]), int(compact[12:14]))
    except ValueError:
        return None


def parse_resident_id(text: str, today: date, min_age: int, max_age: int) -> Result[ResidentId]:
    if len(text) > MAX_INPUT_CHARS:
        return Invalid(ID_LENGTH)
    compact = _ID_SEPARATORS.sub("", normalise_text(text)).upper()
    if len(compact) != 18:
        return Invalid(ID_LENGTH)
    if not _ID_SHAPE.fullmatch(compact):
        return Invalid(ID_CHARACTERS)
    birth = birth_date_in(compact)
    if birth is None:
        return Invalid(ID_BIRTH_DATE)
    if birth > today:
        return Invalid(ID_BIRTH_IN_FUTURE)
    try:
        number = ric.validate(compact)
    except InvalidLength:
        return Invalid(ID_LENGTH)
    except InvalidChecksum:
        return Invalid(
            N_(
                "This ID number's check digit does not match. Please check every digit and type it again."
            )
        )
    except (InvalidFormat, InvalidComponent):
        return Invalid(
            N_(
                "The first 6 digits of this ID number are not a region code we know (e.g. 110105 for Chaoyang, Beijing). Please check them."
            )
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


# "块钱" before "块", or a stray "钱" would be left behind.
_CURRENCY_NOISE = (",", " ", "¥", "￥", "cny", "rmb", "人民币", "元", "块钱", "块", "yuan")


def parse_yuan(text: str, *, allow_zero: bool = False) -> Result[int]:
    """'8000', '8,000', '8k', '8千', '1.2万', '¥8000', '8000元', '1000块' -> fen. Never a float.

    `allow_zero` is for questions where nothing is a right answer (repayments elsewhere)."""
    if len(text) > MAX_INPUT_CHARS:
        return Invalid(N_("Please type an amount such as 8000, 8k or 12,000."))
    cleaned = normalise_text(text).lower()
    for noise in _CURRENCY_NOISE:
        cleaned = cleaned.replace(noise, "")
    if cleaned.startswith("-"):
        return Invalid(
            N_("An amount cannot be negative. Please type an amount such as 8000, 8k or 12,000.")
        )
    match = _AMOUNT.match(cleaned)
    if not match:
        return Invalid(N_("Please type an amount such as 8000, 8k or 12,000."))
    try:
        yuan = Decimal(match["number"]) * _MULTIPLIERS.get(match["unit"] or "", 1)
    except InvalidOperation:
        return Invalid(N_("Please type an amount such as 8000, 8k or 12,000."))
    fen = yuan * 100
    if fen != fen.to_integral_value():
        return Invalid(N_("Amounts go to the fen at most (two decimals). Please type it again."))
    if fen == 0 and not allow_zero:
        return Invalid(N_("The amount must be more than zero."))
    if fen > 10**12:
        return Invalid(N_("That amount is too large. Please check it."))
    return Parsed(int(fen))


# Where the type cannot be told apart (e.g. +1), a number may be either; a fixed line never is.
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def parse_phone(raw: str, regions: Collection[str]) -> Result[str]:
    """A shared contact's number -> E.164, when it is a valid mobile number of an accepted
    region (ISO 3166 codes, e.g. "CN" for mainland China; Hong Kong is "HK")."""
    try:
        number = phonenumbers.parse(normalise_phone(raw[:MAX_INPUT_CHARS]), None)
    except NumberParseException:
        return Invalid(PHONE_NOT_ACCEPTED)
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) not in regions
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        return Invalid(PHONE_NOT_ACCEPTED)
    return Parsed(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def example_mobile(region: str) -> str:
    """A mobile number of `region` as people write it, for messages that show what works."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    return phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL) if example else ""


PHONE_NOT_ACCEPTED = N_(
    "We can accept only a mobile number from {regions}, such as {example}. The number of this Telegram account cannot be used; if you have a Telegram account with such a number, please continue there."
)


# A mainland mobile number without its country code; any other number without a plus
# (Telegram often leaves it out) already starts with its country code, e.g. 852 9123 4567.
_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"[^\d+]", "", normalise_text(phone))
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        digits = ("+86" if _MAINLAND_MOBILE.fullmatch(digits) else "+") + digits
    return digits
