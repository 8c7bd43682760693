"""/review: what waits for a person, decided once, with the borrower told in their language."""

from __future__ import annotations

import asyncio

import pytest

from flows.changes import DecideReview, Notice
from flows.events import Reply
from flows.ports import ChangeRefused
from flows.states import State
from storage import reviews
from tests.flows.harness import Harness, onboard
from tests.operators.conftest import ADMIN, OPERATOR
from tests.operators.helpers import audit_actions, outbox_texts

BIG_ASK = {"requested_amount_fen": "More than CN¥40,000.00"}


async def test_an_operator_approves_an_application_sent_to_review(bot: Harness) -> None:
    borrower, operator = bot.person(501), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    card = (await operator.command("review"))[-1].text
    assert "Sent to a person by the scorecard" in card and "R_LARGE_AMOUNT" in card
    assert "Score " in card and "grade " in card and "Offer on approval: CN¥" in card
    assert "1101**********" in card and "+86 138****8000" in card  # masked, never in full
    assert "Li Wei" not in card
    await operator.press("Approve")
    done = await operator.say("income verified by payslip")
    assert "Approved" in done[-1].text
    told = (await outbox_texts(bot, 501))[-1]
    assert "approved it" in told and "APR" in told and "Daily rate" in told
    home = (await borrower.command("start"))[-1].text
    assert "Available: CN¥" in home
    assert "How much would you like to borrow?" in (await borrower.press("Borrow"))[-1].text
    assert ("review_approve", "ok") in await audit_actions(bot)
    assert "Nothing waits for review." in (await operator.command("review"))[-1].text


async def test_a_decline_after_a_human_review_gives_the_reasons_and_a_date(bot: Harness) -> None:
    borrower, operator = bot.person(502), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), income="1500")
    await borrower.press("human review")  # PIPL art. 24
    await borrower.command("language")
    await borrower.press("中文")  # and reads Chinese from now on
    card = (await operator.command("review"))[-1].text
    assert "asked for a human review" in card
    assert "Approve" not in [b.label for row in operator.seen[-1].reply.buttons for b in row]
    await operator.press("Decline")
    await operator.say("income below our floor")
    told = (await outbox_texts(bot, 502))[-1]
    assert "income below our floor" in told and "人工审核" in told and "年" in told  # in Chinese
    session = await bot.store.load_session("telegram", 502)
    assert session is not None and session.state is State.DECLINED


async def test_two_operators_deciding_one_item_at_once_make_one_decision(bot: Harness) -> None:
    borrower = bot.person(503)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    first, second = bot.person(OPERATOR), bot.person(ADMIN)
    await first.command("review")
    await second.command("review")
    await first.press("Approve")
    await second.press("Decline")
    answers = await asyncio.gather(first.say("looks good"), second.say("too risky"))
    texts = [replies[-1].text for replies in answers]
    assert sum("already" in text for text in texts) == 1
    decisions = await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM review_decisions"))
    assert decisions == 1
    notices = [t for t in await outbox_texts(bot, 503) if "reviewed your application" in t]
    assert len(notices) == 1
    roles = await bot.db.run(
        lambda tx: tx.all(
            "SELECT actor, role FROM operator_audit WHERE action LIKE 'review_%' ORDER BY id"
        )
    )
    assert {(r.actor, r.role) for r in roles} == {(OPERATOR, "operator"), (ADMIN, "admin")}


async def test_ask_for_more_information_keeps_the_item_and_tells_the_applicant(
    bot: Harness,
) -> None:
    borrower, operator = bot.person(504), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    await operator.command("review")
    await operator.press("Ask for more")
    assert "3 to 300" in (await operator.say("x"))[-1].text  # too short: asked again
    await operator.say("please send a recent payslip")
    assert "recent payslip" in (await outbox_texts(bot, 504))[-1]
    assert "Application " in (await operator.command("review"))[-1].text  # still waiting


async def test_a_decision_that_lost_the_race_is_refused_at_commit(bot: Harness) -> None:
    """Two reviewers who both read the item before either committed (PostgreSQL, replicas):
    the second commit is refused, so the engine redoes that step and it sees the decision."""
    await onboard(bot.person(505), await bot.invite(), answers=BIG_ASK)
    now = bot.clock()

    def decision(verdict: str) -> DecideReview:
        notice = Notice(505, "telegram", Reply(verdict), f"race:{verdict}")
        answers: dict[str, object] = {"outcome": verdict}
        return DecideReview(1, 1, verdict, "race", OPERATOR, answers, None, notice)

    await bot.db.run(lambda tx: reviews.decide(tx, decision("declined"), now))
    with pytest.raises(ChangeRefused):
        await bot.db.run(lambda tx: reviews.decide(tx, decision("approved"), now))
    session = await bot.store.load_session("telegram", 505)
    assert session is not None and session.state is State.DECLINED


async def test_a_decision_applies_to_the_applicant_on_the_card_and_no_other(bot: Harness) -> None:
    """The reason typed after Approve decides the application whose card was shown. If another
    operator decided it meanwhile, nothing is decided, not even the next one waiting."""
    first_in_line, next_in_line = bot.person(501), bot.person(502)
    await onboard(first_in_line, await bot.invite(), answers=BIG_ASK)
    bot.clock.advance(minutes=1)
    await onboard(
        next_in_line,
        await bot.invite(),
        answers=BIG_ASK,
        id_sequence="456",
        phone="+86 139 0013 9000",
    )
    slow, quick = bot.person(OPERATOR), bot.person(ADMIN)
    await slow.command("review")
    await slow.press("Approve")
    await quick.command("review")
    await quick.press("Decline")
    await quick.say("too risky")
    late = await slow.say("looks good")
    assert "decided this application already" in late[-1].text
    decided = await bot.db.run(lambda tx: tx.all("SELECT user_id, decision FROM review_decisions"))
    assert [(row.user_id, row.decision) for row in decided] == [(1, "declined")]
    assert "Application" in (await slow.command("review"))[-1].text  # the next one still waits


async def test_the_card_shows_the_score_and_grade_the_scorecard_recorded(bot: Harness) -> None:
    borrower, operator = bot.person(504), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite(), answers=BIG_ASK)
    recorded = await bot.db.run(lambda tx: tx.one("SELECT score, grade FROM applications"))
    assert recorded is not None and recorded.score is not None and recorded.grade
    card = (await operator.command("review"))[-1].text
    assert f"Score {recorded.score} · grade {recorded.grade}" in card
