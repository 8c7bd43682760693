"""The nightly close of business over the book: idempotent per (loan, day), resumable after a
crash, caught up in date order; the persisted position always equals the ledger."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flows.config import FlowConfig
from flows.session import UserStatus
from storage.close_of_business import ServicingRules, arrears_frozen, close_batch
from storage.loans import load_ledger, load_loans
from storage.sql import Tx
from tests.flows.harness import Harness
from tests.servicing.conftest import borrower, local, next_day, nightly, queued, repay_due


async def ledger_rows(bot: Harness) -> list[tuple[str, int]]:
    rows = await bot.db.run(
        lambda tx: tx.all(
            "SELECT e.key, p.amount_fen FROM ledger_entries e JOIN postings p"
            " ON p.entry_key = e.key ORDER BY e.key, p.account"
        )
    )
    return [(r.key, r.amount_fen) for r in rows]


async def assert_positions_match_the_ledger(bot: Harness, user_id: int) -> None:
    stored = await bot.db.run(lambda tx: load_loans(tx, user_id))
    replayed = await bot.db.run(lambda tx: load_ledger(tx, user_id))
    assert stored and len(stored) == len(replayed)
    for fast, truth in zip(stored, replayed, strict=True):
        assert fast.position.states(fast.schedule) == truth.position.states(truth.schedule)
        assert fast.position.balances == truth.position.balances
        assert fast.status == truth.status


async def test_a_night_closed_twice_posts_nothing_the_second_time(bot: Harness) -> None:
    await borrower(bot)
    bot.clock.advance(days=40)
    first = await nightly(bot)
    before = await ledger_rows(bot)
    again = await nightly(bot)
    assert first.entries > 0 and again.entries == 0 and again.nights == []
    assert await ledger_rows(bot) == before
    # Even a batch asked for that night directly finds nothing left to claim.
    night = local(bot).date() - timedelta(days=1)
    report = await bot.db.run(lambda tx: close_batch(tx, night, 100, bot.clock()))
    assert report.loans == 0 and await ledger_rows(bot) == before


async def test_a_run_interrupted_half_way_and_rerun_posts_each_day_once(
    bot: Harness, tmp_path
) -> None:
    for user in (501, 502, 503, 504):
        await borrower(bot, user)
    twin = Harness(tmp_path / "twin.db", clock=bot.clock)  # the same book, never interrupted
    try:
        for user in (501, 502, 503, 504):
            await borrower(twin, user)
        bot.clock.advance(days=45)
        night = local(bot).date() - timedelta(days=45)
        # Two batches of two loans commit, then the process dies.
        for _ in range(2):
            await bot.db.run(lambda tx: close_batch(tx, night, 2, bot.clock()))
        await bot.restart()
        await nightly(bot)
        await nightly(twin)
        assert await ledger_rows(bot) == await ledger_rows(twin)
        for user in (1, 2, 3, 4):
            await assert_positions_match_the_ledger(bot, user)
    finally:
        await twin.close()


async def test_the_position_a_screen_reads_is_the_ledger_added_up(bot: Harness) -> None:
    person = await borrower(bot)
    while local(bot).date() < date(2027, 1, 10):
        await next_day(bot)  # a missed December payment: penalty every night
    await repay_due(person)
    for _ in range(20):
        await next_day(bot)
    await assert_positions_match_the_ledger(bot, 1)


async def test_the_line_freezes_at_the_threshold_and_unfreezes_at_the_curing_repayment(
    tmp_path: Path,
) -> None:
    rules = ServicingRules(freeze_after_dpd=5)
    bot = Harness(tmp_path / "bot.db", config=FlowConfig(freeze_after_dpd=5))
    try:
        person = await borrower(bot)
        while local(bot).date() < date(2026, 12, 28):  # 23 Dec + 4 days late, closed thru 27th
            await next_day(bot, rules)
        assert await status(bot) is UserStatus.ACTIVE
        await next_day(bot, rules)  # night of the 28th: 5 days past due
        assert await status(bot) is UserStatus.FROZEN
        frozen = await queued(bot, "freeze:")
        assert len(frozen) == 1 and "5 days overdue" in frozen[0].text
        assert "/repay" in frozen[0].text
        home = await person.command("menu")
        assert "frozen" in home[-1].text
        await next_day(bot, rules)
        assert len(await queued(bot, "freeze:")) == 1  # told once
        receipt = await repay_due(person)
        # Lifted by the repayment itself, in its transaction, and the borrower is told so.
        assert await status(bot) is UserStatus.ACTIVE
        assert any("open again" in reply.text for reply in receipt)
        home = await person.command("menu")
        assert "frozen" not in home[-1].text
        await person.press("Borrow")  # a drawdown is open to them again
        assert "frozen" not in (await person.say("500"))[-1].text
        await person.command("menu")
        await next_day(bot, rules)
        assert await status(bot) is UserStatus.ACTIVE
        assert await queued(bot, "unfreeze:") == []  # told once, in the receipt
        await assert_positions_match_the_ledger(bot, 1)
    finally:
        await bot.close()


async def test_a_repayment_that_leaves_the_borrower_past_the_threshold_keeps_the_freeze(
    tmp_path: Path,
) -> None:
    rules = ServicingRules(freeze_after_dpd=5)
    bot = Harness(tmp_path / "bot.db", config=FlowConfig(freeze_after_dpd=5))
    try:
        person = await borrower(bot)
        while local(bot).date() < date(2026, 12, 30):
            await next_day(bot, rules)
        assert await status(bot) is UserStatus.FROZEN
        await person.command("repay")
        receipt = await person.say("1")  # one yuan: still 6 days late
        receipt = await person.press("Confirm")
        assert await status(bot) is UserStatus.FROZEN
        assert not any("open again" in reply.text for reply in receipt)
    finally:
        await bot.close()


async def test_an_operators_freeze_stays_when_the_borrower_cures_arrears(tmp_path: Path) -> None:
    rules = ServicingRules(freeze_after_dpd=5)
    bot = Harness(tmp_path / "bot.db", config=FlowConfig(freeze_after_dpd=5))
    try:
        person = await borrower(bot)
        while local(bot).date() < date(2026, 12, 29):
            await next_day(bot, rules)
        assert await status(bot) is UserStatus.FROZEN
        await bot.db.run(
            lambda tx: tx.execute(
                "INSERT INTO account_freezes (user_id, reason, frozen_by, frozen_at)"
                " VALUES (1, 'fraud check', 9, :now)",
                now=bot.clock(),
            )
        )
        receipt = await repay_due(person)
        assert await status(bot) is UserStatus.FROZEN
        assert not any("open again" in reply.text for reply in receipt)
        await next_day(bot, rules)
        assert await status(bot) is UserStatus.FROZEN
    finally:
        await bot.close()


async def test_an_operators_freeze_is_not_lifted_by_the_job(bot: Harness) -> None:
    """Frozen by the job for arrears and by an operator; the job then finds no loan late (as
    after a write-off): its own freeze goes, the operator's stays, and nobody is told the
    line is open again."""
    await borrower(bot)

    def frozen_twice(tx: Tx) -> None:
        tx.execute(
            "INSERT INTO servicing_freezes (user_id, since, days_past_due) VALUES (1, :day, 6)",
            day=local(bot).date(),
        )
        tx.execute(
            "INSERT INTO account_freezes (user_id, reason, frozen_by, frozen_at)"
            " VALUES (1, 'fraud check', 9, :now)",
            now=bot.clock(),
        )
        tx.execute("UPDATE conversations SET status = 'frozen'")

    await bot.db.run(frozen_twice)
    await next_day(bot, ServicingRules(freeze_after_dpd=5))
    assert not await bot.db.run(lambda tx: arrears_frozen(tx, 1))  # the job did look
    assert await status(bot) is UserStatus.FROZEN
    assert await queued(bot, "unfreeze:") == []


async def status(bot: Harness) -> UserStatus:
    value = await bot.db.run(lambda tx: tx.scalar("SELECT status FROM conversations"))
    return UserStatus(value)
