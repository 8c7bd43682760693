"""Invites, /stats and /user from the chat; every operator command leaves an audit row."""

from __future__ import annotations

import re

from flows.operators.commands import OPERATOR_COMMANDS
from tests.flows.harness import Harness, onboard
from tests.operators.conftest import ADMIN, OPERATOR
from tests.servicing.conftest import borrower


async def audit_rows(bot: Harness) -> int:
    return int(await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM operator_audit")))


async def test_an_admin_invites_lists_and_revokes(bot: Harness) -> None:
    admin = bot.person(ADMIN)
    made = (await admin.command("invite", "2 7"))[-1].text
    code = re.search(r"/start (\S+)", made)
    assert code is not None and "2 people" in made
    joiner = bot.person(601)
    assert "Continue" in str((await joiner.command("start", code[1]))[-1].buttons)
    listed = (await admin.command("invites"))[-1].text
    assert code[1] in listed and "1 uses left" in listed and "joined 1" in listed
    assert "revoked" in (await admin.command("invite_revoke", code[1]))[-1].text
    late = await bot.person(602).command("start", code[1])
    assert "Continue" not in str(late[-1].buttons)
    assert "Usage: /invite" in (await admin.command("invite", "0 7"))[-1].text
    assert "no invite with that code" in (await admin.command("invite_revoke", "nope"))[-1].text


async def test_stats_and_user_show_the_book_masked(bot: Harness) -> None:
    borrower, operator = bot.person(501), bot.person(OPERATOR)
    await onboard(borrower, await bot.invite())
    await borrower.press("Borrow")
    await borrower.say("8k")
    await borrower.press("6 months")
    await borrower.press("Confirm")
    stats = (await operator.command("stats"))[-1].text
    assert re.search(r"Started\s+1\s+1\s+1", stats) and re.search(r"Approved\s+1", stats)
    assert "Active loans: 1" in stats and "Outstanding principal: CN¥8,000.00" in stats
    assert "Approval rate: 100.0%" in stats
    user = (await operator.command("user", "tg:501"))[-1].text
    assert "1101**********" in user and "+86 138****8000" in user
    assert (
        "Consent Identity and credit assessment: yes" in user
        and "principal left CN¥8,000.00" in user
    )
    assert "Li Wei" not in user and "13800138000" not in user


async def test_the_funnel_s_today_starts_at_local_midnight(bot: Harness) -> None:
    await bot.person(501).command("start", await bot.invite())  # 10:00 in Shanghai
    bot.clock.advance(hours=15)  # 01:00 the next day there: within 24 hours, not today
    stats = (await bot.person(OPERATOR).command("stats"))[-1].text
    assert re.search(r"Today\s+7 days\s+30 days", stats)
    assert re.search(r"Started\s+0\s+1\s+1", stats)


async def test_every_operator_command_leaves_an_audit_row(bot: Harness) -> None:
    admin = bot.person(ADMIN)
    for name in OPERATOR_COMMANDS:
        before = await audit_rows(bot)
        await admin.command(name, "")
        await admin.command("cancel")  # leave any screen the command opened
        assert await audit_rows(bot) == before + 1, name


async def test_stats_and_user_read_a_borrower_who_paid_ahead_as_current_before_the_nights_close(
    bot: Harness,
) -> None:
    """Close of business may be behind (downtime): a first instalment paid ahead is settled
    by the credit held for it, as the borrower's own screens show, so the book agrees."""
    await borrower(bot, 501)  # pays nothing
    paid = await borrower(bot, 502)
    await paid.command("repay")
    await paid.press("Pay")  # the first instalment, before it falls due
    await paid.press("Confirm")
    bot.clock.advance(days=35)  # 28 December: the first instalment fell due on the 23rd
    operator = bot.person(OPERATOR)
    stats = (await operator.command("stats"))[-1].text
    assert re.search(r"current\s+1 ", stats) and re.search(r"1-30\s+1 ", stats), stats
    assert "0 days past due" in (await operator.command("user", "tg:502"))[-1].text
    assert "5 days past due" in (await operator.command("user", "tg:501"))[-1].text
