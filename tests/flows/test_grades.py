"""Every risk grade a person can be approved at, through to a repaid loan, on SQLite and (when
TEST_POSTGRES_URL is set) PostgreSQL: approve, draw down, repay, with balanced books."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.flows.harness import Harness, onboard

WEAKER = {"bank_balance": "Under CN¥2,000.00", "savings": "No savings", "housing": "Rented"}
# Questionnaire answers that score into each grade (risk/policy.py grade_floors).
GRADES = {
    "A": {},
    "B": {"bank_balance": "Under CN¥2,000.00", "savings": "Under CN¥5,000.00"},
    "C": {
        **WEAKER,
        "property": "None of these",
        "employment_length": "1 to 4 years",
        "credit_history": "Never borrowed",
        "dependents": "2 or more people",
    },
    "D": {
        **WEAKER,
        "property": "None of these",
        "employment_length": "1 to 4 years",
        "credit_history": "Some late payments",
    },
}
LINES = {"A": "80,000.00", "B": "60,000.00", "C": "40,000.00", "D": "20,000.00"}


def daily_rate(text: str) -> Decimal:
    found = re.search(r"Daily rate:? ([0-9.]+)%", text)
    assert found, text
    return Decimal(found.group(1))


@pytest.mark.parametrize("grade", sorted(GRADES))
async def test_each_grade_is_approved_draws_down_and_repays(any_bot: Harness, grade: str) -> None:
    bot = any_bot
    person = bot.person()
    decision = await onboard(person, await bot.invite(), answers=GRADES[grade])
    assert f"Approved! Your credit line is CN¥{LINES[grade]}, grade {grade}." in decision[0].text

    await person.press("Borrow")
    await person.say("5000")
    disclosure = (await person.press("6 months"))[-1].text
    assert "CN¥5,000.00" in disclosure and "Total to repay:" in disclosure
    receipt = await person.press("Confirm")
    assert "CN¥5,000.00 has been paid out" in receipt[0].text

    await person.command("repay")
    await person.press("Pay off")
    paid = await person.press("Confirm")
    assert "Payment received: CN¥5,000.00" in paid[0].text and "repaid in full" in paid[0].text

    loans = await bot.store.loans(1)
    assert [loan.status for loan in loans] == ["closed"]
    sums = await bot.db.run(
        lambda tx: [
            int(r.total)
            for r in tx.all("SELECT SUM(amount_fen) AS total FROM postings GROUP BY entry_key")
        ]
    )
    assert len(sums) >= 2 and set(sums) == {0}  # payout and repayment, each balanced


async def test_worse_grades_pay_a_higher_daily_rate(bot: Harness) -> None:
    """What a borrower sees: the grade prices the loan, A cheapest."""
    rates = []
    for n, grade in enumerate(sorted(GRADES)):
        person = bot.person(user_id=700 + n)
        answers = GRADES[grade]
        invite = await bot.invite()
        await onboard(
            person, invite, answers=answers, id_sequence=f"{n:03d}", phone=f"+86 139 0000 {n:04d}"
        )
        await person.press("Borrow")
        await person.say("5000")
        rates.append(daily_rate((await person.press("6 months"))[-1].text))
    assert rates == sorted(rates) and len(set(rates)) == 4, rates
