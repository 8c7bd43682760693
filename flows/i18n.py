"""Words and numbers in the borrower's language.

Messages come from gettext catalogs in locales/ (domains `messages` and `risk`), compiled by the
Makefile; numbers, money, percentages and dates are formatted by Babel for the same locale.
A missing compiled catalog falls back to the .po source, so a fresh checkout still speaks both
languages before `make` has compiled anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

from babel.core import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED_LOCALES = ("zh_CN", "en")
DOMAINS = ("messages", "risk")
FEN_PER_YUAN = 100
_YUAN_PLACEHOLDER = re.compile(r"\{yuan_(\d{1,12})\}")


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message


def locale_for(language_code: str | None, default: str = "zh_CN") -> str:
    """Telegram's language_code -> one of our locales: zh* is Chinese, anything else English."""
    if not language_code:
        return default
    return "zh_CN" if language_code.lower().startswith("zh") else "en"


def _load_domain(locale: str, domain: str) -> NullTranslations:
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    mo_path = folder / f"{domain}.mo"
    po_path = folder / f"{domain}.po"
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        return Translations.load(LOCALES_DIR, [locale], domain)
    if po_path.exists():  # a fresh checkout before `make` compiled it, or a stale .mo
        import io

        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=domain)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=domain)
    return NullTranslations()


@cache
def translations(locale: str) -> NullTranslations:
    merged = _load_domain(locale, DOMAINS[0])
    for domain in DOMAINS[1:]:
        extra = _load_domain(locale, domain)
        if isinstance(merged, Translations) and isinstance(extra, Translations):
            merged.merge(extra)
        elif not isinstance(merged, Translations):
            merged = extra
    return merged


@cache
def babel_locale(locale: str) -> Locale:
    """Parsed once: Babel parses a locale given as text again on every call."""
    return Locale.parse(locale)


@dataclass(frozen=True, slots=True)
class Texts:
    """Everything locale-dependent a prompt needs, for one locale."""

    locale: str

    def _(self, message: str) -> str:
        return translations(self.locale).gettext(message)

    def money(self, fen: int) -> str:
        """The one money format: Babel's for the locale, always to the fen. English says CN¥
        (Babel's symbol there, never mistaken for the Japanese yen), Chinese says ¥."""
        shape = _money_shape(self.locale)
        if shape is None or fen < 0:
            return babel_money(self.locale, fen)
        return _shaped(shape, fen)

    def label(self, message: str) -> str:
        """Translate a label whose amounts are written {yuan_2000}: each becomes money(), so a
        button reads like every other amount on the screen."""
        translated = self._(message)
        if "{yuan_" not in translated:  # most labels (Borrow, Help...) hold no amount
            return translated
        return _YUAN_PLACEHOLDER.sub(
            lambda match: self.money(int(match[1]) * FEN_PER_YUAN), translated
        )

    def percent(self, fraction: Decimal, digits: int = 2) -> str:
        return _percent(self.locale, str(fraction), "#,##0." + "0" * digits + "%")

    def daily_rate(self, fraction: Decimal) -> str:
        """Exact, never rounded: 0.020 % (rates are quoted to 0.001 %, finer ones keep their
        digits); Chinese adds the customary 万分之 figure, 0.020%（万分之2）."""
        return _daily_rate(self.locale, str(fraction))

    def number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=babel_locale(self.locale))

    def regions(self, codes: Iterable[str]) -> str:
        """Region names in the reader's language: ("CN", "HK") -> "China, Hong Kong SAR China"."""
        names = Locale.parse(self.locale).territories
        return ", ".join(str(names.get(code, code)) for code in codes)

    def date(self, day: date) -> str:
        return _long_date(self.locale, day)


@lru_cache(maxsize=1024)
def _percent(locale: str, fraction: str, pattern: str) -> str:
    """Babel's percent, once per rate: a product quotes a handful of rates (one per grade) on
    every home screen and disclosure, and Babel parses the pattern and quantizes each time.
    Keyed by the rate's text, so 0.0005 and 0.00050 are formatted each as they are."""
    return format_percent(Decimal(fraction), pattern, locale=babel_locale(locale))


@lru_cache(maxsize=1024)
def _daily_rate(locale: str, fraction: str) -> str:
    shown = _percent(locale, fraction, "#,##0.000###%")
    if locale.startswith("zh"):
        per_ten_thousand = format_decimal(
            Decimal(fraction) * 10_000, "#,##0.####", locale=babel_locale(locale)
        )
        return f"{shown}（万分之{per_ten_thousand}）"
    return shown


def babel_money(locale: str, fen: int) -> str:
    return format_currency(Decimal(fen) / FEN_PER_YUAN, "CNY", locale=babel_locale(locale))


@dataclass(frozen=True, slots=True)
class _MoneyShape:
    prefix: str
    group: str
    decimal: str
    suffix: str


_SHAPE = re.compile(r"(\D*)1(?P<group>\D)234(?P=group)567(\D)89(\D*)")


@cache
def _money_shape(locale: str) -> _MoneyShape | None:
    """Babel's currency format for the locale, read once from a sample: formatting through
    Babel costs ~10 µs an amount and the shape ~0.6 µs (`bench_money_text` in `make bench`,
    25 November, 14:09 UTC), and a reminder shows five. None (Babel every time) unless the shape
    reproduces Babel exactly on a few telling amounts."""
    match = _SHAPE.fullmatch(babel_money(locale, 123_456_789))
    if match is None:
        return None
    shape = _MoneyShape(match[1], match["group"], match[3], match[4])
    for fen in (0, 5, 99, 100, 123_456, 100_000_000, 999_999_999_999):
        if _shaped(shape, fen) != babel_money(locale, fen):
            return None
    return shape


def _shaped(shape: _MoneyShape, fen: int) -> str:
    yuan, cents = divmod(fen, FEN_PER_YUAN)
    digits = f"{yuan:,}".replace(",", shape.group)
    return f"{shape.prefix}{digits}{shape.decimal}{cents:02d}{shape.suffix}"


@lru_cache(maxsize=4096)
def _long_date(locale: str, day: date) -> str:
    """Due dates repeat across a book: each is formatted once per locale."""
    return format_date(day, "long", locale=babel_locale(locale))


@cache
def texts(locale: str) -> Texts:
    return Texts(locale if locale in SUPPORTED_LOCALES else SUPPORTED_LOCALES[0])
