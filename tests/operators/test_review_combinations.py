"""/review decisions meeting something else about the borrower: a frozen line, an offer whose
date passed while it waited, a borrower who took the item back before the reason was typed."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flows.i18n import texts
from tests.flows.harness import (
    Harness,
    delete_account,
    identify_and_apply,
    onboard,
    withdraw_assessment_consent,
)
from tests.operators.conftest import ADMIN, OPERATOR
from tests.operators.helpers import audit_actions, outbox_texts
from tests.operators.test_drawdown_review import ask_for

BIG_ASK = {"requested_amount_fen": "More than CN¥40,000.00"}


async def test_approving_a_frozen_applicant_says_they_cannot_borrow_until_unfrozen(
    bot: Harness,
) -> None:
    borrower, operator, admin = bot.person(501), bot.person(OPERATOR), bot.person(ADMIN)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    await admin.command("freeze", "501 fraud check")
    await operator.command("review")
    await operator.press("Approve")
    done = (await operator.say("income verified by payslip"))[-1].text
    assert "frozen, so they cannot borrow until it is unfrozen" in done
    assert "can borrow now" not in done
    told = (await outbox_texts(bot, 501))[-1]
    assert "approved it" in told
    assert "Your credit line is frozen: no new drawdowns." in told
    assert "Reason: fraud check" in told
    assert "Available: CN¥0.00" in (await borrower.command("start"))[-1].text


async def test_an_approval_after_the_offer_date_is_valid_from_the_approval_day(
    bot: Harness,
) -> None:
    borrower, operator = bot.person(501), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    bot.clock.advance(days=45)  # past the 30 days the scorecard's offer was valid for
    await operator.command("review")
    await operator.press("Approve")
    await operator.say("income verified by payslip")
    approval_day = bot.clock().astimezone(ZoneInfo("Asia/Shanghai")).date()
    until = approval_day + timedelta(days=30)
    told = (await outbox_texts(bot, 501))[-1]
    assert f"This offer is valid until {texts('en').date(until)}." in told
    stored = await bot.db.run(lambda tx: tx.scalar("SELECT valid_until FROM credit_lines"))
    assert str(stored) == until.isoformat()


async def test_a_human_approval_describes_the_apr_as_the_automatic_one_does(bot: Harness) -> None:
    borrower, operator = bot.person(501), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    await operator.command("review")
    await operator.press("Approve")
    await operator.say("income verified by payslip")
    told = (await outbox_texts(bot, 501))[-1]
    assert "(annual rate of a 12-month loan in equal instalments)" in told
    assert "compounded" not in told


async def test_a_drawdown_request_withdrawn_by_deleting_the_account(bot: Harness) -> None:
    borrower, operator = bot.person(601), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite())
    await ask_for(borrower)
    assert "Drawdown request 1" in (await operator.command("review"))[-1].text
    await operator.press("Approve")
    await delete_account(borrower)
    said = (await operator.say("salary slips checked"))[-1].text
    assert "The borrower deleted their account meanwhile" in said
    assert "nothing was paid out" in said and "already" not in said
    logged = (await bot.person(ADMIN).command("audit", "drawdown_decision"))[-1].text
    assert "drawdown_decision · id:1 · account_deleted" in logged  # whose request it was


async def test_an_application_withdrawn_by_a_withdrawn_consent(bot: Harness) -> None:
    borrower, operator = bot.person(501), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    await operator.command("review")
    await operator.press("Approve")
    await withdraw_assessment_consent(borrower)
    said = (await operator.say("income verified"))[-1].text
    assert "The applicant withdrew a required consent meanwhile" in said
    assert "already" not in said
    assert ("review_decision", "withdrawn") in await audit_actions(bot)


async def test_an_application_withdrawn_by_deleting_the_account(bot: Harness) -> None:
    borrower, operator = bot.person(501), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    await operator.command("review")
    await operator.press("Decline")
    await delete_account(borrower)
    said = (await operator.say("income too low"))[-1].text
    assert "The applicant deleted their account meanwhile" in said
    assert "already" not in said
    assert ("review_decision", "account_deleted") in await audit_actions(bot)


async def test_an_application_decided_by_another_reviewer_is_said_to_be(bot: Harness) -> None:
    """The other reviewer's decision came first: that is what the late one is told."""
    borrower = bot.person(501)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    slow, quick = bot.person(OPERATOR), bot.person(ADMIN)
    await slow.command("review")
    await slow.press("Approve")
    await quick.command("review")
    await quick.press("Decline")
    await quick.say("too risky")
    said = (await slow.say("looks good"))[-1].text
    assert "Someone else has decided this application already" in said
    assert ("review_decision", "already_decided") in await audit_actions(bot)


async def test_an_applicant_writing_a_complaint_has_not_withdrawn(bot: Harness) -> None:
    borrower, operator = bot.person(501), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    await operator.command("review")
    await operator.press("Approve")
    await borrower.command("complaint")  # out of the queue until the complaint is sent
    said = (await operator.say("income verified"))[-1].text
    assert "not waiting for review just now" in said
    assert "already" not in said and "withdr" not in said
    assert ("review_decision", "not_waiting") in await audit_actions(bot)


async def test_a_decision_on_an_earlier_application_is_not_this_ones(bot: Harness) -> None:
    """Declined after a review, the applicant applies again when allowed, and withdraws a
    consent while the second application waits: the first decision does not answer for it."""
    borrower, operator = bot.person(501), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    await operator.command("review")
    await operator.press("Decline")
    await operator.say("income not verified")
    bot.clock.advance(days=31)
    await borrower.command("start")
    await identify_and_apply(borrower, answers=BIG_ASK)
    assert "Application 2" in (await operator.command("review"))[-1].text
    await operator.press("Approve")
    await withdraw_assessment_consent(borrower)
    said = (await operator.say("income verified"))[-1].text
    assert "The applicant withdrew a required consent meanwhile" in said
