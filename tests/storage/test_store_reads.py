"""What the store reads back for tools and for the decision: credit line, inviter standing,
duplicate checks, reminder preferences, the audit log."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from risk.application import InviterStanding
from storage.reminders import Preferences
from tests.flows.harness import Harness, onboard, resident_id
from tests.operators.conftest import ADMIN, CONFIG

NUMBER = resident_id(date(1990, 3, 7))


async def borrower_with_a_loan(bot: Harness) -> None:
    person = bot.person(501)
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    await person.press("Confirm")


async def test_the_credit_line_reads_back_as_decided(bot_sqlite: Harness) -> None:
    bot = bot_sqlite
    await onboard(bot.person(501), await bot.invite())
    line = await bot.store.credit_line(1)
    assert line is not None
    assert (line.limit_fen, line.grade, line.valid_until) == (8_000_000, "A", date(2026, 12, 23))
    assert await bot.store.credit_line(2) is None


async def test_an_inviters_standing_is_their_tenure_and_whether_they_are_overdue(
    bot_sqlite: Harness,
) -> None:
    bot = bot_sqlite
    await borrower_with_a_loan(bot)
    standing = bot.store.inviter_standing
    assert await standing("user:1", date(2026, 12, 3)) == InviterStanding(False, 10)
    # The first instalment falls due on December 23: a week later they are overdue.
    assert await standing("user:1", date(2026, 12, 30)) == InviterStanding(True, 37)
    for not_a_member in ("operator", "operator:7", "user:x", "user:", "user:99"):
        assert await standing(not_a_member, date(2026, 12, 3)) is None, not_a_member


async def test_duplicate_checks_leave_out_the_owners_own_account(bot_sqlite: Harness) -> None:
    bot = bot_sqlite
    await onboard(bot.person(501), await bot.invite())
    assert await bot.store.identity_taken(None, NUMBER) is True
    assert await bot.store.identity_taken(1, NUMBER) is False  # their own
    assert await bot.store.identity_taken(None, resident_id(date(1991, 1, 1))) is False
    assert await bot.store.phone_taken(None, "+8613800138000") is True
    assert await bot.store.phone_taken(1, "+8613800138000") is False
    assert await bot.store.phone_taken(None, "+8613900139000") is False
    assert await bot.store.reminder_preferences(1) == Preferences()


async def test_the_audit_log_filters_by_account_and_action(tmp_path: Path) -> None:
    bot = Harness(tmp_path / "bot.db", config=CONFIG)
    try:
        await onboard(bot.person(501), await bot.invite())
        await onboard(
            bot.person(502), await bot.invite(), id_sequence="456", phone="+86 139 0013 9000"
        )
        admin = bot.person(ADMIN)
        await admin.command("freeze", "tg:501 documents under check")
        await admin.command("freeze", "tg:502 documents under check")
        await admin.command("unfreeze", "tg:501")
        entries = bot.store.audit_entries
        assert [e.action for e in await entries(1, None, 10)] == ["unfreeze", "freeze"]
        assert [e.target_user_id for e in await entries(None, "freeze", 10)] == [2, 1]
        assert [e.action for e in await entries(None, None, 1)] == ["unfreeze"]
        assert await entries(2, "unfreeze", 10) == []
    finally:
        await bot.close()
