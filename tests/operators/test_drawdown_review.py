"""A drawdown above the review threshold waits in /review; a person pays it out or declines it,
once, and the borrower is told in their language."""

from __future__ import annotations

import asyncio

import pytest

from flows.changes import DecideDrawdown, Notice
from flows.events import Reply
from flows.ports import ChangeRefused
from storage import drawdown_reviews
from tests.flows.harness import Harness, Person, onboard
from tests.operators.conftest import ADMIN, OPERATOR
from tests.operators.helpers import audit_actions, outbox_texts


async def ask_for(borrower: Person, amount: str = "50000", months: str = "12") -> str:
    await borrower.command("start")
    await borrower.press("Borrow")
    await borrower.say(amount)
    disclosure = (await borrower.press(f"{months} months"))[-1].text
    assert "reviewed by a person first" in disclosure
    assert "paid to you once a person approves it" in disclosure
    return (await borrower.press("Confirm"))[-1].text


async def loans_of(bot: Harness) -> list[tuple[str, int]]:
    rows = await bot.db.run(lambda tx: tx.all("SELECT id, principal_fen FROM loans ORDER BY id"))
    return [(row.id, row.principal_fen) for row in rows]


async def test_a_large_drawdown_waits_for_review_and_an_approval_pays_it_out(
    bot: Harness,
) -> None:
    borrower, operator = bot.person(601), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite())
    assert "Larger amounts, up to CN¥80,000.00, go to a person" in (
        await borrower.command("start") and (await borrower.press("Borrow"))[-1].text
    )
    await borrower.command("cancel")
    sent = await ask_for(borrower)
    assert "Sent for review: CN¥50,000.00 over 12 months" in sent
    assert await loans_of(bot) == []  # nothing paid, nothing owed yet
    home = (await borrower.command("start"))[-1].text
    assert "waits for a person's review" in home and "Available: CN¥30,000.00" in home

    card = (await operator.command("review"))[-1].text
    assert "Drawdown request 1" in card and "Asks CN¥50,000.00 over 12 months" in card
    assert "first payment CN¥" in card and "total to repay CN¥" in card
    assert "Score " in card and "grade " in card and "available now CN¥80,000.00" in card
    assert "1101**********" in card and "+86 138****8000" in card and "Li Wei" not in card
    await operator.press("Approve")
    done = (await operator.say("salary slips checked"))[-1].text
    assert "Approved and paid out: CN¥50,000.00" in done

    [(loan_id, principal)] = await loans_of(bot)
    assert principal == 5_000_000
    entries = await bot.db.run(
        lambda tx: tx.all("SELECT kind FROM ledger_entries WHERE loan_id = :l", l=loan_id)
    )
    assert [e.kind for e in entries] == ["disbursement"]
    told = (await outbox_texts(bot, 601))[-1]
    assert "A person approved your drawdown: CN¥50,000.00 has been paid out" in told
    assert "APR" in told and "Total to repay" in told and "12. " in told  # the full disclosure
    home = (await borrower.command("start"))[-1].text
    assert "waits for a person's review" not in home and "Available: CN¥30,000.00" in home
    assert ("drawdown_approve", "ok") in await audit_actions(bot)
    assert "Nothing waits for review." in (await operator.command("review"))[-1].text


async def test_a_declined_drawdown_tells_the_borrower_why_in_their_language(bot: Harness) -> None:
    borrower, operator = bot.person(602), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite())
    await ask_for(borrower)
    await borrower.command("language")
    await borrower.press("中文")  # and reads Chinese from now on
    await operator.command("review")
    await operator.press("Decline")
    assert "Declined" in (await operator.say("income does not support it"))[-1].text
    told = (await outbox_texts(bot, 602))[-1]
    assert "income does not support it" in told and "¥50,000.00" in told
    assert "drawdown" not in told  # in Chinese
    assert await loans_of(bot) == []
    assert "¥80,000.00" in (await borrower.command("start"))[-1].text  # nothing spoken for
    assert ("drawdown_decline", "ok") in await audit_actions(bot)


async def test_two_operators_deciding_one_drawdown_at_once_make_one_decision(
    bot: Harness,
) -> None:
    borrower = bot.person(603)
    await onboard(borrower, await bot.invite())
    await ask_for(borrower)
    first, second = bot.person(OPERATOR), bot.person(ADMIN)
    await first.command("review")
    await second.command("review")
    await first.press("Approve")
    await second.press("Approve")
    answers = await asyncio.gather(first.say("looks good"), second.say("fine by me"))
    texts = [replies[-1].text for replies in answers]
    assert sum("already" in text for text in texts) == 1
    assert len(await loans_of(bot)) == 1  # paid once
    notices = [t for t in await outbox_texts(bot, 603) if "approved your drawdown" in t]
    assert len(notices) == 1


async def test_a_decision_that_lost_the_race_is_refused_at_commit(bot: Harness) -> None:
    """Both reviewers read the request before either committed (replicas on PostgreSQL): the
    second commit changes nothing, so the engine redoes that step and it sees the decision."""
    borrower = bot.person(604)
    await onboard(borrower, await bot.invite())
    await ask_for(borrower)
    now = bot.clock()

    def decision(verdict: str) -> DecideDrawdown:
        notice = Notice(604, "telegram", Reply(verdict), f"race:{verdict}")
        return DecideDrawdown(1, 1, verdict, "race", OPERATOR, None, notice)

    await bot.db.run(lambda tx: drawdown_reviews.decide(tx, decision("declined"), now))
    with pytest.raises(ChangeRefused):
        await bot.db.run(lambda tx: drawdown_reviews.decide(tx, decision("approved"), now))
    status = await bot.db.run(lambda tx: tx.scalar("SELECT status FROM drawdown_requests"))
    assert status == "declined"


async def test_a_frozen_borrower_is_not_paid_out_on_approval(bot: Harness) -> None:
    borrower, admin = bot.person(605), bot.person(ADMIN)
    await onboard(borrower, await bot.invite())
    await ask_for(borrower)
    await admin.command("freeze", "605 documents under check")
    await admin.command("review")
    await admin.press("Approve")
    refused = (await admin.say("looks fine"))[-1].text
    assert "cannot be paid out now" in refused and "CN¥0.00" in refused
    assert await loans_of(bot) == []
    assert ("drawdown_approve", "refused") in await audit_actions(bot)
    assert "Drawdown request 1" in (await admin.command("review"))[-1].text  # still waits


async def test_one_request_waits_at_a_time_and_a_double_confirm_asks_once(bot: Harness) -> None:
    borrower = bot.person(606)
    await onboard(borrower, await bot.invite())
    await borrower.command("start")
    await borrower.press("Borrow")
    await borrower.say("50000")
    await borrower.press("12 months")
    await borrower.press("Confirm")
    await borrower.press("Confirm")  # a double tap: its screen is spent
    await borrower.command("start")
    await borrower.press("Borrow")
    again = (await borrower.say("45000"))[-1].text
    assert "already waits for a person's review" in again
    assert "up to CN¥30,000.00 without a review" in again
    count = await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM drawdown_requests"))
    assert count == 1


async def test_asking_for_more_information_keeps_the_request(bot: Harness) -> None:
    borrower, operator = bot.person(607), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite())
    await ask_for(borrower)
    await operator.command("review")
    await operator.press("Ask for more")
    await operator.say("what is the money for?")
    assert "what is the money for?" in (await outbox_texts(bot, 607))[-1]
    assert "Drawdown request 1" in (await operator.command("review"))[-1].text
    assert ("drawdown_info", "ok") in await audit_actions(bot)


async def test_a_card_decided_meanwhile_never_decides_the_next_borrowers_request(
    bot: Harness,
) -> None:
    """Two requests wait. Both operators open the first; one approves it. The other's card is
    now stale: their approval must be refused, not land on the second borrower's request."""
    early, late = bot.person(608), bot.person(609)
    await onboard(early, await bot.invite())
    await onboard(late, await bot.invite(), id_sequence="456", phone="+86 139 0013 9000")
    await ask_for(early)
    bot.clock.advance(minutes=5)
    await ask_for(late, amount="45000")
    first, second = bot.person(OPERATOR), bot.person(ADMIN)
    assert "Drawdown request 1" in (await first.command("review"))[-1].text
    assert "Drawdown request 1" in (await second.command("review"))[-1].text
    await first.press("Approve")
    assert "Approved and paid out: CN¥50,000.00" in (await first.say("checked"))[-1].text
    await second.press("Approve")
    late_answer = (await second.say("checked too"))[-1].text
    assert "decided this drawdown already" in late_answer
    assert [principal for _, principal in await loans_of(bot)] == [5_000_000]  # one loan
    assert "Drawdown request 2" in (await second.command("review"))[-1].text  # still waits


async def test_the_home_screen_after_the_request_counts_it_already(bot: Harness) -> None:
    borrower = bot.person(608)
    await onboard(borrower, await bot.invite())
    await borrower.command("start")
    before = (await borrower.press("Borrow"))[-1].text
    assert "up to CN¥80,000.00" in before
    home = await ask_for(borrower)  # 50,000 goes to review
    assert "Available: CN¥30,000.00" in home  # the request is spoken for at once
    assert "Your drawdown of CN¥50,000.00 over 12 months waits for a person's review" in home
