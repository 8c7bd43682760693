"""What a repayment leaves behind: the ledger rows, the loan's position (how late it is, how
far interest has been caught up) and the borrower's line when the payment cures arrears."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flows.config import FlowConfig
from flows.events import Reply
from flows.session import UserStatus
from storage.close_of_business import ServicingRules
from storage.loans import load_ledger, load_loans
from tests.flows.harness import Harness, Person
from tests.servicing.conftest import borrower, local, next_day, nightly, repay_due


def payoff(replies: list[Reply]) -> str:
    """The amount on the repay screen's "Pay off" button."""
    labels = [b.label for reply in replies for row in reply.buttons for b in row]
    [label] = [label for label in labels if label.startswith("Pay off")]
    return label


def fen(text: str) -> int:
    match = re.search(r"CN¥([\d,]+)\.(\d\d)", text)
    assert match, text
    return int(match[1].replace(",", "")) * 100 + int(match[2])


async def pay(person: Person, amount: str) -> None:
    await person.command("repay")
    await person.say(amount)
    await person.press("Confirm")


async def test_a_part_payment_days_later_lowers_the_payoff_by_exactly_what_was_paid(
    bot_sqlite: Harness,
) -> None:
    """The payment catches interest up to today; the next screen must not add those days'
    interest a second time (the loan's position says how far it was caught up)."""
    bot = bot_sqlite
    person = await borrower(bot, amount="5000")
    bot.clock.advance(days=10)  # no close of business ran meanwhile
    before = fen(payoff(await person.command("repay")))
    await person.command("cancel")
    await pay(person, "100")
    after = fen(payoff(await person.command("repay")))
    assert before - after == 10_000
    bot.clock.advance(days=1)
    assert fen(payoff(await person.command("repay"))) > after  # a day's interest, once


async def test_a_payments_ledger_entry_is_dated_when_it_was_made(bot_sqlite: Harness) -> None:
    bot = bot_sqlite
    person = await borrower(bot)
    bot.clock.advance(days=3, hours=5)
    paid_at = bot.clock()
    await pay(person, "100")
    rows = await bot.db.run(
        lambda tx: tx.all("SELECT kind, posted_at FROM ledger_entries ORDER BY seq")
    )
    repayments = [row for row in rows if row.kind == "repayment"]
    assert len(repayments) == 1
    posted = repayments[0].posted_at
    assert str(posted)[:19] == paid_at.strftime("%Y-%m-%d %H:%M:%S")


async def days_past_due(bot: Harness) -> int:
    value = await bot.db.run(lambda tx: tx.scalar("SELECT days_past_due FROM loan_positions"))
    return int(value)


async def test_a_payment_that_leaves_a_loan_late_records_how_late_it_is(
    bot_sqlite: Harness,
) -> None:
    """The first instalment fell due on 23 December; no night was closed since. A token
    payment on 2 January leaves it 10 days late, and the position operators' reports and the
    freeze read says so (not the 0 it held before)."""
    bot = bot_sqlite
    person = await borrower(bot)
    while local(bot).date() < date(2027, 1, 2):
        bot.clock.advance(days=1)
    assert await days_past_due(bot) == 0
    await pay(person, "1")
    assert await days_past_due(bot) == 10
    await repay_due(person)  # everything overdue: no longer late
    assert await days_past_due(bot) == 0


async def conversation_status(bot: Harness) -> UserStatus:
    return UserStatus(await bot.db.run(lambda tx: tx.scalar("SELECT status FROM conversations")))


async def test_a_payment_that_cures_arrears_lifts_the_freeze_for_good(tmp_path: Path) -> None:
    """Close of business froze the line at 5 days late; the payment that cures it opens the
    line in its own transaction, and the next night does not freeze it again."""
    rules = ServicingRules(freeze_after_dpd=5)
    bot = Harness(tmp_path / "bot.db", config=FlowConfig(freeze_after_dpd=5))
    try:
        person = await borrower(bot)
        while local(bot).date() < date(2026, 12, 29):
            await next_day(bot, rules)
        assert await conversation_status(bot) is UserStatus.FROZEN
        freezes = "SELECT COUNT(*) FROM servicing_freezes"
        assert await bot.db.run(lambda tx: tx.scalar(freezes)) == 1
        receipt = await repay_due(person)
        assert any("open again" in reply.text for reply in receipt)
        assert await bot.db.run(lambda tx: tx.scalar(freezes)) == 0
        await next_day(bot, rules)
        assert await conversation_status(bot) is UserStatus.ACTIVE
        unfrozen = await bot.db.run(
            lambda tx: tx.scalar("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'unfreeze:%'")
        )
        assert unfrozen == 0  # told once, in the receipt; the night found nothing to lift
    finally:
        await bot.close()


async def test_a_payment_made_while_close_of_business_is_behind_keeps_the_missed_days_charges(
    bot_sqlite: Harness,
) -> None:
    """No night was closed for six weeks (the scheduler was down, or it is just after midnight
    and last night is not closed yet). The screens catch the loan up in memory; the payment
    marks it closed through yesterday, so those days' interest and penalty must reach the
    ledger with it: the nightly job will not post them any more. (They used to be lost: the
    next payment of "due now" left the borrower late, with a negative penalty.)"""
    bot = bot_sqlite
    person = await borrower(bot)
    while local(bot).date() < date(2027, 1, 2):
        bot.clock.advance(days=1)
    await pay(person, "1")
    kinds = await bot.db.run(
        lambda tx: tx.all("SELECT kind, COUNT(*) AS n FROM ledger_entries GROUP BY kind")
    )
    counted = {row.kind: row.n for row in kinds}
    # Interest for 24 November - 2 January (today's too, as a payment posts it), penalty for
    # 24 December - 1 January.
    assert counted == {"disbursement": 1, "accrual": 40, "penalty": 9, "repayment": 1}
    await positions_match_the_ledger(bot)
    replayed = await bot.db.run(lambda tx: load_ledger(tx, 1))
    assert replayed[0].position.balances.penalty_fen > 0
    # The payment closed those nights: tonight's job finds none of them left to close.
    report = await nightly(bot)
    assert (report.nights, report.loans, report.entries) == ([], 0, 0)
    receipt = await repay_due(person)
    assert "Overdue" not in receipt[-1].text
    assert await days_past_due(bot) == 0
    await next_day(bot)  # tonight's close adds only tomorrow's interest to what was posted
    await positions_match_the_ledger(bot)


async def positions_match_the_ledger(bot: Harness) -> None:
    stored = await bot.db.run(lambda tx: load_loans(tx, 1))
    replayed = await bot.db.run(lambda tx: load_ledger(tx, 1))
    assert stored[0].position.balances == replayed[0].position.balances
    assert stored[0].status == replayed[0].status
