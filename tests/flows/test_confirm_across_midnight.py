"""What a Confirm screen shows is what Confirm books: when the borrower's midnight passes between
the screen and the press, nothing is booked; they are told the figures changed with the day and
shown them for today, and the Confirm of that new screen books exactly those."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flows.events import ButtonPress
from flows.i18n import texts
from flows.steps.borrow import disclosure
from flows.steps.quote_day import DAY_CHANGED
from lending import servicing
from lending.loan import balances
from lending.prepayment import Keep, plan_prepayment
from lending.servicing import Loan
from tests.flows.harness import Harness, Person, onboard
from tests.servicing.conftest import borrower, local, nightly

T = texts("en")
CHANGED = "The day has changed since you saw these figures"
USER = 1  # the store's id of the only borrower


async def the_loan(bot: Harness) -> Loan:
    (loan,) = await bot.store.loans(USER)
    return loan


async def late_confirm(bot: Harness, person: Person) -> tuple[str, str]:
    """Confirm pressed five minutes after the screen, past midnight in Shanghai. Returns the
    screen's text and the token of the Confirm pressed."""
    old_confirm = person.button("Confirm")
    assert local(bot).hour == 23
    bot.clock.advance(minutes=5)
    assert local(bot).hour == 0
    replies = await person.press("Confirm")
    return "\n".join(r.text for r in replies), old_confirm


async def old_confirm_stays_expired(person: Person, token: str) -> None:
    assert [r.text for r in await person.send(ButtonPress(token))] == ["This button has expired."]


def test_the_message_is_the_catalog_one() -> None:
    assert DAY_CHANGED.startswith(CHANGED)


async def test_drawdown_terms_shown_before_midnight_are_shown_again_for_the_new_day(
    bot: Harness,
) -> None:
    bot.clock.now = datetime(2027, 1, 30, 2, 0, tzinfo=UTC)
    person = bot.person()
    await onboard(person, await bot.invite(), birth=date(1981, 1, 1), phone="+86 139 0000 0501")
    bot.clock.now = datetime(2027, 1, 30, 15, 58, tzinfo=UTC)  # 23:58 in Shanghai
    await person.press("Borrow")
    await person.say("3000")
    shown = (await person.press("3 months"))[-1].text

    late, old_confirm = await late_confirm(bot, person)

    assert late.startswith(CHANGED) and "Please read before you confirm:" in late
    assert await bot.store.loans(USER) == []  # nothing paid out or owed
    await old_confirm_stays_expired(person, old_confirm)
    assert await bot.store.loans(USER) == []
    again = late.removeprefix(DAY_CHANGED).strip()
    assert again != shown  # the 31st's schedule: other due dates, interest and APR

    done = (await person.press("Confirm"))[0].text
    assert done.startswith("Done! CN¥3,000.00 has been paid out")
    schedule = (await the_loan(bot)).schedule
    assert schedule.start == date(2027, 1, 31)
    for line in disclosure(T, schedule):  # every figure booked is a figure the screen showed
        assert line in again
    assert "2. March 31, 2027: CN¥1,012.19" in again and "APR" in again
    assert "2. March 30, 2027" in shown and "2. March 30, 2027" not in again


async def test_a_payoff_quoted_before_midnight_is_quoted_again_and_then_closes_the_loan(
    bot: Harness,
) -> None:
    person = await borrower(bot)  # drawn 2026-11-23
    bot.clock.now = datetime(2026, 12, 5, 15, 58, tzinfo=UTC)  # 23:58 on 5 December
    await nightly(bot)
    await person.command("repay")
    await person.press("Pay off")
    assert person.last_text() == "Pay CN¥3,007.20 now from your sandbox account?"
    before = await the_loan(bot)

    late, old_confirm = await late_confirm(bot, person)

    payoff = servicing.payoff_quote(before, local(bot).date()).total_fen
    assert payoff > 300_720  # a day's more interest
    assert late.startswith(CHANGED)
    assert late.endswith(f"Pay {T.money(payoff)} now from your sandbox account?")
    await old_confirm_stays_expired(person, old_confirm)
    assert (await the_loan(bot)).entries == before.entries  # nothing booked

    receipt = (await person.press("Confirm"))[0].text
    assert f"Payment received: {T.money(payoff)}" in receipt
    assert "This loan is now repaid in full." in receipt and "held for" not in receipt
    after = await the_loan(bot)
    assert after.status == "closed" and balances(after).credit_fen == 0


async def test_the_amount_due_quoted_before_midnight_is_quoted_again_with_the_new_penalty(
    bot: Harness,
) -> None:
    person = await borrower(bot)  # first instalment due 2026-12-23
    bot.clock.now = datetime(2026, 12, 24, 15, 58, tzinfo=UTC)  # 23:58, a day overdue
    await nightly(bot)
    await person.command("repay")
    await person.press("Pay CN¥1,012.19")
    assert person.last_text() == "Pay CN¥1,012.19 now from your sandbox account?"
    before = await the_loan(bot)

    late, old_confirm = await late_confirm(bot, person)

    today = local(bot).date()
    due = servicing.amount_due(before, today)
    assert due > 101_219  # a penalty accrued with the new day
    assert late.startswith(CHANGED)
    assert late.endswith(f"Pay {T.money(due)} now from your sandbox account?")
    await old_confirm_stays_expired(person, old_confirm)
    assert (await the_loan(bot)).entries == before.entries

    receipt = (await person.press("Confirm"))[0].text
    assert f"Payment received: {T.money(due)}" in receipt
    assert "Applied to penalty CN¥0.00" not in receipt
    after = await the_loan(bot)
    assert servicing.days_past_due(after, today) == 0  # no longer overdue
    assert servicing.amount_due(after, today) == 0


async def test_a_prepayment_plan_shown_before_midnight_is_shown_again_and_booked_as_shown(
    bot: Harness,
) -> None:
    person = await borrower(bot)
    bot.clock.now = datetime(2026, 12, 5, 15, 58, tzinfo=UTC)
    await nightly(bot)
    await person.command("repay")
    await person.say("2000")
    shown = (await person.press("Lower instalment"))[-1].text
    assert "CN¥7.20 interest for the days used" in shown
    before = await the_loan(bot)

    late, old_confirm = await late_confirm(bot, person)

    plan = plan_prepayment(before, 200_000, local(bot).date(), Keep.TERM)
    assert late.startswith(CHANGED)
    again = late.removeprefix(DAY_CHANGED).strip()
    assert again.startswith("Pay CN¥2,000.00 now") and again != shown
    assert (
        f"{T.money(plan.interest_to_date_fen)} interest for the days used, "
        f"{T.money(plan.principal_reduction_fen)} off your principal." in again
    )
    await old_confirm_stays_expired(person, old_confirm)
    assert (await the_loan(bot)).entries == before.entries
    assert (await the_loan(bot)).schedule == before.schedule

    receipt = (await person.press("Confirm"))[0].text
    assert (
        f"interest {T.money(plan.interest_to_date_fen)}, "
        f"principal {T.money(plan.principal_reduction_fen)}." in receipt
    )
    booked = [
        i for i in (await the_loan(bot)).schedule.instalments if i.due_date > date(2026, 12, 6)
    ]
    assert len(booked) == len(plan.new_instalments) == 3
    for n, i in enumerate(booked, start=1):
        row = (
            f"{n}. {T.date(i.due_date)}: {T.money(i.total_fen)} "
            f"(principal {T.money(i.principal_fen)}, interest {T.money(i.interest_fen)})"
        )
        assert row in again
        assert n == 3 or row not in shown  # the first two payments changed with the day


async def test_a_confirm_on_the_same_day_books_what_was_shown(bot: Harness) -> None:
    person = await borrower(bot)
    bot.clock.now = datetime(2026, 12, 5, 15, 50, tzinfo=UTC)
    await nightly(bot)
    await person.command("repay")
    await person.press("Pay off")
    bot.clock.advance(minutes=5)  # 23:55: the same day
    receipt = (await person.press("Confirm"))[0].text
    assert receipt.startswith("Payment received: CN¥3,007.20")
    assert (await the_loan(bot)).status == "closed"
