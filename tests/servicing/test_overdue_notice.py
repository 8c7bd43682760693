"""/loans and the home screen tell a borrower who is late what is overdue, for how long and how
to repay, in their language; a borrower who is not late sees no such notice."""

from __future__ import annotations

from datetime import date

from tests.flows.harness import Harness
from tests.servicing.conftest import borrower, local, next_day, repay_due

LATE_EN = (
    "Overdue by 3 days: principal CN¥994.19, interest CN¥18.00, penalty CN¥0.59."
    " Pay CN¥1,012.78 to be current: tap Repay or send /repay."
)
LATE_ZH = (
    "已逾期 3 天：本金 ¥994.19，利息 ¥18.00，罚息 ¥0.59。还款 ¥1,012.78 即可恢复正常："
    "点击“还款”或发送 /repay。"
)


async def three_days_late(bot: Harness) -> None:
    while local(bot).date() < date(2026, 12, 26):  # due 23 Dec, unpaid
        await next_day(bot)


async def test_loans_and_home_show_what_is_overdue_and_how_to_repay(bot: Harness) -> None:
    person = await borrower(bot)
    await three_days_late(bot)
    loans = (await person.command("loans"))[-1].text
    assert LATE_EN in loans
    home = (await person.command("menu"))[-1].text
    assert LATE_EN in home
    assert "Repay" in [b.label for row in (await person.command("menu"))[-1].buttons for b in row]


async def test_the_notice_is_in_chinese_for_a_chinese_speaker(bot: Harness) -> None:
    person = await borrower(bot)
    await person.command("language")
    await person.press("中文")
    await three_days_late(bot)
    assert LATE_ZH in (await person.command("loans"))[-1].text
    assert LATE_ZH in (await person.command("menu"))[-1].text


async def test_no_notice_before_the_due_date_or_once_repaid(bot: Harness) -> None:
    person = await borrower(bot)
    while local(bot).date() < date(2026, 12, 23):
        await next_day(bot)
    assert "Overdue" not in (await person.command("loans"))[-1].text  # due today, not late
    assert "Overdue" not in (await person.command("menu"))[-1].text
    await next_day(bot)
    assert "Overdue by 1 days" in (await person.command("menu"))[-1].text
    await repay_due(person)
    assert "Overdue" not in (await person.command("loans"))[-1].text
    assert "Overdue" not in (await person.command("menu"))[-1].text
