"""Pure rules of the operator side: working days, quiet hours, languages, user references."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flows.complaints import add_working_days
from flows.operators.access import masked
from flows.operators.broadcast_rules import quiet_until, split_languages, text_for
from flows.operators.targets import UserRef, parse_user_ref


def test_a_complaint_answered_in_two_working_days_skips_the_weekend() -> None:
    assert add_working_days(date(2026, 11, 27), 2) == date(2026, 12, 1)  # Friday -> Tuesday
    assert add_working_days(date(2026, 11, 23), 2) == date(2026, 11, 25)  # Monday -> Wednesday


def test_marketing_waits_from_21_00_to_08_00_local_time() -> None:
    evening = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai
    assert quiet_until(evening, "Asia/Shanghai") == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert quiet_until(evening, "Europe/London") is None  # 13:00 there
    early = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)  # 07:59 in Shanghai
    assert quiet_until(early, "Asia/Shanghai") == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert quiet_until(datetime(2026, 11, 24, 0, 0, tzinfo=UTC), "Asia/Shanghai") is None


def test_both_languages_or_one_for_everyone() -> None:
    assert split_languages("Hello\n---\n你好") == ("Hello", "你好")
    assert split_languages("Only English") == ("Only English", None)
    assert (
        text_for("zh_CN", "Hello", "你好") == "你好" and text_for("en", "Hello", "你好") == "Hello"
    )
    assert text_for("en", None, "你好") == "你好"


def test_user_references_and_masked_audit_parameters() -> None:
    assert parse_user_ref("tg:42") == UserRef(telegram_id=42)
    assert parse_user_ref("id:7") == UserRef(account_id=7)
    assert parse_user_ref("42") == UserRef(telegram_id=42, account_id=42)
    assert parse_user_ref("４２") is None and parse_user_ref("tg:x") is None
    assert (
        masked("ID 110105199003071234 phone 13800138000")
        == "ID 110*************34 phone 138******00"
    )
