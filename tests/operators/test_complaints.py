"""Complaints: a borrower opens one (command or home button), gets a ticket number and a
promised answer date; operators list, answer and close; the answer reaches the borrower."""

from __future__ import annotations

from tests.flows.harness import Harness, onboard
from tests.operators.conftest import OPERATOR
from tests.operators.helpers import audit_actions, outbox_texts


async def test_a_complaint_gets_a_ticket_and_the_reply_reaches_the_borrower(bot: Harness) -> None:
    borrower, operator = bot.person(501), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite())
    await borrower.press("Complaint")  # the button on home
    await borrower.press("A loan or a repayment")
    assert "5 to 2,000 characters" in (await borrower.say("hm"))[-1].text  # too short
    opened = await borrower.say("I was charged twice for my repayment")
    assert "ticket #1-1" in opened[0].text
    assert "November 25, 2026" in opened[0].text  # Monday 10:00 + 2 working days
    assert "Limit:" in opened[-1].text  # back on the home menu
    assert "#1-1" in (await borrower.command("tickets"))[-1].text

    listed = (await operator.command("tickets"))[-1].text
    assert "#1-1" in listed and "charged twice" in listed
    await operator.command("reply", "1-1 We refunded the second charge today.")
    told = (await outbox_texts(bot, 501))[-1]
    assert "#1-1" in told and "refunded the second charge" in told
    await operator.command("close", "#1-1")
    assert "closed" in (await outbox_texts(bot, 501))[-1]
    assert "No open complaints." in (await operator.command("tickets"))[-1].text
    assert "closed already" in (await operator.command("reply", "1-1 more"))[-1].text
    actions = [a for a, r in await audit_actions(bot) if r == "ok"]
    assert actions == ["tickets", "reply", "close", "tickets"]


async def test_a_borrower_cannot_use_the_operator_side(bot: Harness) -> None:
    borrower = bot.person(501)
    await onboard(borrower, await bot.invite())
    unknown = await borrower.command("no_such_command", "1-1 text")
    assert await borrower.command("reply", "1-1 text") == unknown
    assert "no complaints" in (await borrower.command("tickets"))[-1].text


async def test_cancel_makes_no_complaint(bot: Harness) -> None:
    borrower = bot.person(501)
    await onboard(borrower, await bot.invite())
    await borrower.command("complaint")
    back = await borrower.command("cancel")
    assert "No complaint was made." in back[0].text and "Limit:" in back[-1].text
    assert await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM tickets")) == 0
