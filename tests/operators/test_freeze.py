"""/freeze stops drawdowns (but not repayment), /unfreeze restores them; both are audited and
the borrower is told in their own language."""

from __future__ import annotations

from tests.flows.harness import Harness, onboard
from tests.operators.conftest import ADMIN
from tests.operators.helpers import audit_actions, outbox_texts


async def test_freeze_blocks_drawdown_and_unfreeze_restores_it(bot: Harness) -> None:
    borrower, admin = bot.person(501), bot.person(ADMIN)
    await onboard(borrower, await bot.invite())

    said = await admin.command("freeze", "501 documents under check")
    assert "is frozen" in said[-1].text
    notices = await outbox_texts(bot, 501)
    assert "frozen" in notices[-1] and "documents under check" in notices[-1]
    assert "/complaint" in notices[-1]  # how to appeal

    home = (await borrower.command("start"))[-1].text
    assert "Available: CN¥0.00" in home and "Reason: documents under check" in home
    refused = await borrower.press("Borrow")
    assert "You cannot borrow right now" in refused[0].text
    assert "Choose an amount" not in refused[-1].text
    assert "Principal" not in (await borrower.command("loans"))[0].text  # still answers

    await admin.command("unfreeze", "tg:501")
    assert "open again" in (await outbox_texts(bot, 501))[-1]
    home = (await borrower.command("start"))[-1].text
    assert "Available: CN¥80,000.00" in home
    assert "How much would you like to borrow?" in (await borrower.press("Borrow"))[-1].text
    assert [a for a in await audit_actions(bot) if a[1] == "ok"] == [
        ("freeze", "ok"),
        ("unfreeze", "ok"),
    ]


async def test_the_frozen_borrower_is_told_in_their_language(bot: Harness) -> None:
    borrower, admin = bot.person(502, "zh"), bot.person(ADMIN)
    await borrower.command("start", await bot.invite())
    await admin.command("freeze", "502 逾期核查")
    notice = (await outbox_texts(bot, 502))[-1]
    assert "逾期核查" in notice and "frozen" not in notice


async def test_unknown_ambiguous_or_malformed_users_get_a_clear_answer(bot: Harness) -> None:
    admin = bot.person(ADMIN)
    first = bot.person(2)  # account id 1 ...
    await first.command("start", await bot.invite())
    second = bot.person(1)  # ... account id 2: "1" is one's Telegram id and the other's account
    await second.command("start", await bot.invite())
    assert "No account matches 999" in (await admin.command("freeze", "999 x"))[-1].text
    assert "ambiguous" in (await admin.command("freeze", "1 x"))[-1].text
    assert "username" in (await admin.command("freeze", "@someone x"))[-1].text
    assert "Usage: /freeze" in (await admin.command("freeze", "tg:2"))[-1].text
    assert "Telegram user id" in (await admin.command("freeze", "2x spam"))[-1].text
    statuses = await bot.db.run(lambda tx: tx.all("SELECT status FROM conversations"))
    assert "frozen" not in {row.status for row in statuses}
    assert all(result != "ok" for _, result in await audit_actions(bot))
