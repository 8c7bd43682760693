"""`make demo` shows a loan's life by moving the clock: its reminders, a missed payment, the
overdue notice, the reminder's Repay button opening the repayment that cures it, the payoff."""

from __future__ import annotations

import re

from bot.demo import run_demo
from bot.settings import Settings


async def test_the_demo_shows_a_loans_life_with_the_repay_button() -> None:
    written: list[str] = []
    await run_demo(Settings(), locales=("en",), write=written.append)
    life = "\n".join(written).split("The loan's life, a day at a time (en)")[1]
    order = [
        "Reminder: your repayment is due in 3 days.",
        "Reminder: your repayment is due tomorrow.",
        "Your repayment is due today.",
        "Your repayment is overdue. Days past due: 1.",
        "Overdue by 1 days: principal",  # the home screen's notice
        "Your repayment is overdue. Days past due: 3.",
        "you> #1",  # the reminder's Repay button...
        "Due now:",  # ...opens the repayment of that loan
        "Payment received",
        "This loan is now repaid in full.",
    ]
    at = [life.index(item) for item in order]
    assert at == sorted(at)
    late = life[life.index("Days past due: 3.") :].split("you>")[0]
    assert re.search(r"penalty CN¥0\.[1-9]\d", late) and "[1] Repay" in late
