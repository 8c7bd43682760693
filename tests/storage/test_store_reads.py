"""What the store reads back for tools and for the decision: credit line, inviter standing,
duplicate checks, reminder preferences, the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flows.events import Reply
from flows.ports import OutboxMessage
from risk.application import InviterStanding
from storage.reminders import BLOCKED, Preferences
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
    # The first instalment falls due on December 23: from the day after, they are overdue.
    assert await standing("user:1", date(2026, 12, 23)) == InviterStanding(False, 30)
    assert await standing("user:1", date(2026, 12, 24)) == InviterStanding(True, 31)
    assert await standing("user:1", date(2026, 12, 30)) == InviterStanding(True, 37)
    for not_a_member in ("operator", "operator:7", "user:x", "user:", "user:99"):
        assert await standing(not_a_member, date(2026, 12, 3)) is None, not_a_member


async def test_an_inviter_who_paid_ahead_is_not_overdue_while_the_nights_are_not_closed(
    bot_sqlite: Harness,
) -> None:
    """Close of business may be behind (downtime): the inviter's December instalment, paid
    ahead, is settled by money held for them, and they are not held against their invitee."""
    bot = bot_sqlite
    await borrower_with_a_loan(bot)
    person = bot.person(501)
    await person.command("repay")
    await person.press("Pay")  # the first instalment, before it falls due
    await person.press("Confirm")
    standing = bot.store.inviter_standing
    assert await standing("user:1", date(2026, 12, 30)) == InviterStanding(False, 37)


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


async def test_a_blocked_chat_makes_its_person_unreachable_and_the_row_final(
    bot_sqlite: Harness,
) -> None:
    bot, now = bot_sqlite, datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    await onboard(bot.person(501), await bot.invite())
    await onboard(bot.person(502), await bot.invite(), id_sequence="456", phone="+86 139 0013 9000")
    await bot.store.enqueue(
        [
            OutboxMessage(501, "telegram", Reply("due"), "a"),
            OutboxMessage(502, "telegram", Reply("due"), "b"),
        ],
        now,
    )
    first, second = await bot.store.due_outbox(now, 10)
    assert first.outbox_id is not None and second.outbox_id is not None
    await bot.store.mark_failed(first.outbox_id, f"{BLOCKED}: bot was blocked by the user", now)
    await bot.store.mark_failed(second.outbox_id, "network down", now)
    unreachable = await bot.db.run(lambda tx: tx.all("SELECT user_id FROM unreachable_users"))
    assert [row.user_id for row in unreachable] == [1]
    later = await bot.store.due_outbox(now + timedelta(minutes=5), 10)
    assert [o.chat_id for o in later] == [502]  # the blocked row is never retried
    await bot.person(501).command("menu")  # they unblocked the bot and wrote to it
    unreachable = await bot.db.run(lambda tx: tx.all("SELECT user_id FROM unreachable_users"))
    assert unreachable == []


async def test_an_identity_saved_before_birth_dates_were_encrypted_reads_it_from_the_id(
    bot_sqlite: Harness,
) -> None:
    """The migration that encrypted birth dates left older rows without one; the ID number
    holds it, and the decision's age check and the export read it from there."""
    bot = bot_sqlite
    await onboard(bot.person(501), await bot.invite())
    await bot.db.run(lambda tx: tx.execute("UPDATE identities SET birth_date_enc = NULL"))
    identity = await bot.store.identity(1)
    assert identity is not None
    assert (identity.id_number, identity.birth_date) == (NUMBER, date(1990, 3, 7))
