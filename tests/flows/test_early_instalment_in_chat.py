"""Paying the next instalment on the day the loan is paid out, then each later one when due:
the interest of the first period is charged only for the days its principal was used, and the
borrower pays exactly what the screens asked for."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from flows.events import Reply
from tests.flows.harness import Harness
from tests.servicing.conftest import borrower, local, next_day, repay_due

USER = 1  # the store's id of the only borrower


def _fen(text: str, pattern: str) -> int:
    found = re.search(pattern + r"CN¥([\d,]+\.\d\d)", text)
    assert found is not None, text
    return int(Decimal(found.group(1).replace(",", "")) * 100)


def _text(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


async def test_the_next_instalment_paid_on_day_zero_charges_interest_for_days_used(
    bot: Harness,
) -> None:
    person = await borrower(bot, amount="3000", term="3 months")
    start = local(bot).date()
    [loan] = await bot.store.loans(USER)
    schedule = loan.schedule
    first = schedule.instalments[0]

    await person.command("repay")
    assert _fen(person.last_text(), "Next payment: ") == first.total_fen
    await person.press("Pay CN")
    receipt = _text(await person.press("Confirm"))
    paid = [_fen(receipt, "Payment received: ")]
    principal_early = _fen(receipt, r"principal ")
    assert paid[0] == first.total_fen and principal_early == first.principal_fen

    for _ in range(120):
        await next_day(bot)
        await person.command("repay")
        screen = person.last_text()
        if "nothing to repay" in screen:
            break
        if "Due now" in screen:
            shown = _fen(screen, "Due now: ")
            receipt = _text(await repay_due(person))
            assert _fen(receipt, "Payment received: ") == shown
            paid.append(shown)
    [loan] = await bot.store.loans(USER)
    assert loan.status == "closed"

    days = (first.due_date - start).days
    saved = math.ceil(Decimal(principal_early) * schedule.daily_rate * days)
    assert saved > 0
    assert sum(paid) == schedule.principal_fen + schedule.total_interest_fen - saved
