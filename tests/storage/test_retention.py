"""The nightly retention job: stale applicants erased, expired records purged, replay data
pruned, and a second run changes nothing."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest
from sqlmodel import SQLModel

from flows.events import Reply
from flows.ports import OutboxMessage
from storage import tables  # noqa: F401  (the table definitions)
from storage.privacy import NOT_ABOUT_A_PERSON, export_data
from storage.retention import RetentionCounts, RetentionSettings, run_retention
from storage.sql import Tx
from tests.flows.harness import (
    TABLES_A_JOURNEY_LEAVES_EMPTY,
    Harness,
    at_name_question,
    onboard,
    resident_id,
)
from tests.flows.test_privacy_rights import borrow_and_repay


async def snapshot(bot: Harness) -> dict[str, Any]:
    def read(tx: Tx) -> dict[str, Any]:
        return {
            name: sorted(map(repr, tx.all(f"SELECT * FROM {name}")))
            for name in SQLModel.metadata.tables
        }

    return await bot.db.run(read)


async def count(bot: Harness, sql: str) -> int:
    return int(await bot.db.run(lambda tx: tx.scalar(sql)))


async def test_retention_erases_stale_applicants_purges_expired_records_and_is_idempotent(
    any_bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bot = any_bot
    caplog.set_level(logging.INFO, logger="storage.retention")
    invite = await bot.invite(uses=5)
    applicant = bot.person(501)  # gave a name and an ID number, then left
    await at_name_question(applicant, invite)
    await applicant.say("Wang Fang")
    await applicant.say(resident_id(date(1992, 1, 2)))
    customer = bot.person(502)
    await onboard(customer, invite)
    await borrow_and_repay(customer)
    leaver = bot.person(503)  # borrowed, repaid, deleted the account
    await onboard(leaver, invite, birth=date(1985, 6, 1), phone="+86 139 0000 1111")
    await borrow_and_repay(leaver)
    await leaver.command("privacy")
    await leaver.press("Delete my account")
    await leaver.press("Delete my account")
    reminder = OutboxMessage(2, "telegram", Reply("Due tomorrow"), "reminder:1")
    await bot.store.enqueue([reminder], bot.clock())  # not delivered yet: never pruned
    updates = await count(bot, "SELECT COUNT(*) FROM processed_updates")
    delivered = await count(bot, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
    assert updates > 0 and delivered > 0

    bot.clock.advance(days=181)
    recent = bot.person(504)  # left yesterday: not yet
    await at_name_question(recent, await bot.invite())
    await recent.say("Zhao Lei")
    bot.clock.advance(days=1)
    settings = RetentionSettings(batch_size=2)  # several batches
    first = await run_retention(bot.store, bot.clock(), settings)
    assert first == RetentionCounts(
        applicants_erased=1, accounts_purged=0, updates_pruned=updates, outbox_pruned=delivered
    )
    assert await count(bot, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'") == 1
    assert f"1 applicants erased, 0 erased accounts purged, {updates} processed updates" in (
        caplog.text
    )
    names = await count(bot, "SELECT COUNT(*) FROM identities")
    assert names == 2  # the customer's and the recent one's; the stale applicant's is gone
    assert await count(bot, "SELECT COUNT(*) FROM loans") == 2  # the leaver's kept by law
    before = await snapshot(bot)
    assert await run_retention(bot.store, bot.clock(), settings) == RetentionCounts()
    assert await snapshot(bot) == before

    bot.clock.advance(days=366 * 5)
    later = await run_retention(bot.store, bot.clock(), settings)
    assert later.accounts_purged == 2  # the leaver and the applicant, after their AML dates
    assert later.applicants_erased == 1  # the recent one is stale now
    assert await count(bot, "SELECT COUNT(*) FROM loans") == 1  # the customer's
    assert await count(bot, "SELECT COUNT(*) FROM loans WHERE user_id = 2") == 1
    # The customer's, and the recent applicant's until their own AML date.
    assert await count(bot, "SELECT COUNT(*) FROM consents") == 8
    assert await count(bot, "SELECT COUNT(*) FROM identities") == 1
    before = await snapshot(bot)
    assert await run_retention(bot.store, bot.clock(), settings) == RetentionCounts()
    assert await snapshot(bot) == before


async def test_export_and_deletion_work_on_this_database(any_bot: Harness) -> None:
    person = any_bot.person()
    await onboard(person, await any_bot.invite())
    await borrow_and_repay(person)
    vault = any_bot.store.vault
    data = await any_bot.db.run(lambda tx: export_data(tx, vault, 1, person.user_id))
    for table in set(SQLModel.metadata.tables) - NOT_ABOUT_A_PERSON - TABLES_A_JOURNEY_LEAVES_EMPTY:
        assert data[table], f"nothing exported from {table}"
    await person.command("privacy")
    await person.press("Delete my account")
    assert "Your account is deleted" in (await person.press("Delete my account"))[0].text
    assert await count(any_bot, "SELECT COUNT(*) FROM identities") == 0
    assert await count(any_bot, "SELECT COUNT(*) FROM conversations") == 0
    assert await count(any_bot, "SELECT COUNT(*) FROM loans") == 1
