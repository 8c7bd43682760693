"""/stats and /user count what a person decided on an application the scorecard left to one."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.flows.harness import Harness, Person, onboard
from tests.operators.conftest import ADMIN, OPERATOR

BIG_ASK = {"requested_amount_fen": "More than CN¥40,000.00"}


async def sent_to_review(bot: Harness, user_id: int) -> Person:
    person = bot.person(user_id)
    await onboard(
        person,
        await bot.invite(),
        answers=BIG_ASK,
        birth=date(1980, 1, 1) + timedelta(days=user_id),
        phone=f"+86 139 0000 {user_id:04d}",
    )
    return person


async def decide(bot: Harness, verb: str) -> None:
    operator = bot.person(OPERATOR)
    await operator.command("review")
    await operator.press(verb)
    await operator.say("checked against the payslip")


def funnel_row(stats: str, name: str) -> list[str]:
    match = re.search(rf"^{name}\s+(\d+)\s+(\d+)\s+(\d+)$", stats, re.M)
    assert match, stats
    return list(match.groups())


async def test_a_person_s_approval_is_an_approval_in_stats_and_user(bot: Harness) -> None:
    applicant = await sent_to_review(bot, 501)
    await decide(bot, "Approve")
    await applicant.command("start")
    await applicant.press("Borrow")
    await applicant.say("3000")
    await applicant.press("3 months")
    await applicant.press("Confirm")
    admin = bot.person(ADMIN)
    stats = (await admin.command("stats"))[-1].text
    assert funnel_row(stats, "Approved") == ["1", "1", "1"]
    assert funnel_row(stats, "First drawdown") == ["1", "1", "1"]
    assert "Approval rate: 100.0%" in stats
    record = (await admin.command("user", "tg:501"))[-1].text
    assert "Decision: approved, grade" in record and "Decision: review" not in record


async def test_a_person_s_decline_is_a_decline_in_stats(bot: Harness) -> None:
    await sent_to_review(bot, 501)
    await decide(bot, "Approve")
    await sent_to_review(bot, 502)
    await decide(bot, "Decline")
    stats = (await bot.person(ADMIN).command("stats"))[-1].text
    assert funnel_row(stats, "Approved") == ["1", "1", "1"]
    assert funnel_row(stats, "Declined") == ["1", "1", "1"]
    assert "Approval rate: 50.0%" in stats
    record = (await bot.person(ADMIN).command("user", "tg:502"))[-1].text
    assert "Decision: declined, grade" in record
