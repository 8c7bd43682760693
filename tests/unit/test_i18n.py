"""Everything a borrower reads exists in both languages, formatted for their locale."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from flows.catalog_check import problems
from flows.i18n import locale_for, texts
from flows.menu import command_menu


def test_every_message_is_translated_in_both_languages_with_the_same_placeholders() -> None:
    assert problems() == []


def test_telegram_language_codes_map_to_our_locales() -> None:
    assert locale_for("zh-hans") == "zh_CN"
    assert locale_for("zh-TW") == "zh_CN"
    assert locale_for("en-GB") == "en"
    assert locale_for("ru") == "en"
    assert locale_for(None, default="zh_CN") == "zh_CN"


def test_money_rates_and_dates_follow_the_locale() -> None:
    zh, en = texts("zh_CN"), texts("en")
    assert zh.money(1_234_567) == "¥12,345.67"
    assert en.money(1_234_567) == "CN¥12,345.67"
    assert zh.daily_rate(Decimal("0.00035")) == "0.035%（万分之3.5）"
    # exact: the lowest rate is 0.020 %, not 0.02 %; a finer rate keeps its digits
    assert zh.daily_rate(Decimal("0.0002")) == "0.020%（万分之2）"
    assert en.daily_rate(Decimal("0.0002")) == "0.020%"
    assert en.daily_rate(Decimal("0.0002345")) == "0.02345%"
    assert en.percent(Decimal("0.135826")) == "13.58%"
    assert zh.date(date(2026, 12, 23)) == "2026年12月23日"
    assert en.date(date(2026, 12, 23)) == "December 23, 2026"


def test_a_message_is_shown_in_the_readers_language() -> None:
    assert texts("zh_CN")._("Agree") == "同意"
    assert texts("en")._("Agree") == "Agree"
    # Risk reasons come from their own catalog, merged in.
    assert (
        texts("zh_CN")._(
            "The amount you expect to borrow is large; a smaller first loan would help."
        )
        != "The amount you expect to borrow is large; a smaller first loan would help."
    )


def test_the_command_menu_is_translated() -> None:
    zh = dict(command_menu("zh_CN"))
    en = dict(command_menu("en"))
    assert (
        zh.keys() == en.keys() >= {"start", "help", "loans", "repay", "back", "cancel", "language"}
    )
    assert zh["loans"] != en["loans"]


def test_the_catalog_check_reports_a_missing_translation_and_a_wrong_placeholder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: a translation emptied and a placeholder misspelt in a copy of
    the Chinese catalog are each reported."""
    from babel.messages.pofile import read_po, write_po

    import flows.catalog_check as check

    shutil.copytree(check.LOCALES_DIR, tmp_path / "locales")
    for package in ("flows", "risk"):  # where the check extracts the code's messages from
        (tmp_path / package).symlink_to(check.LOCALES_DIR.parent / package)
    po = tmp_path / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    catalog["Your credit line"].string = ""
    receipt = "Limit: {limit} · Available: {available}"
    catalog[receipt].string = str(catalog[receipt].string).replace("{available}", "{availble}")
    with po.open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(check, "LOCALES_DIR", tmp_path / "locales")
    assert sorted(check.problems()) == [
        f"zh_CN/messages: placeholders differ in {receipt!r}",
        "zh_CN/messages: untranslated 'Your credit line'",
    ]
