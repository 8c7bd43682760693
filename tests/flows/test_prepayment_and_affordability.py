"""Through the conversation: repayments elsewhere are asked and counted; a prepayment shows its
new schedule before Confirm and then is what the person pays."""

from __future__ import annotations

from datetime import date

from flows.i18n import texts
from flows.states import State
from lending.schedule import RepaymentMethod, build_schedule
from risk.pricing import REFERENCE_START
from tests.flows.harness import (
    Harness,
    Person,
    at_name_question,
    identify_and_apply,
    onboard,
    resident_id,
)


async def borrowed(bot: Harness, amount: str = "12k", months: str = "12 months") -> Person:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say(amount)
    await person.press(months)
    await person.press("Confirm")
    return person


async def test_a_prepayment_shows_both_choices_then_the_new_schedule_then_pays_it(
    bot: Harness,
) -> None:
    person = await borrowed(bot)
    bot.clock.advance(days=5)
    await person.command("repay")
    choice = (await person.say("5000"))[-1].text
    assert "repays principal today" in choice
    assert "Lower instalment:" in choice and "Shorter term:" in choice
    confirm = (await person.press("Shorter term"))[-1].text
    assert "Your new repayment schedule:" in confirm and "Interest saved:" in confirm
    assert "Pay CN¥5,000.00 now" in confirm
    paid = (await person.press("Confirm"))[0].text
    assert "Payment received: CN¥5,000.00" in paid
    loans = (await person.command("loans"))[0].text
    left = 1_200_000 - 500_000  # less the interest of the five days used
    assert "Principal left: CN¥7," in loans and left < 800_000
    # the schedule the person saw is the one stored
    stored = await bot.db.run(
        lambda tx: tx.scalar("SELECT COUNT(*) FROM instalments WHERE due_date = '2026-11-28'")
    )
    assert stored == 1


async def test_a_payment_of_what_is_due_skips_the_choice(bot: Harness) -> None:
    person = await borrowed(bot)
    await person.command("repay")
    confirm = (await person.press("Pay off"))[-1].text
    assert "Pay CN¥12,000.00 now" in confirm
    assert "new repayment schedule" not in confirm


async def test_repayments_elsewhere_are_asked_with_an_example_and_bad_input_changes_nothing(
    bot: Harness,
) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    await person.say("Li Wei")

    await person.say(resident_id(date(1990, 3, 7)))
    await person.share_contact("+86 138 0013 8000")
    await person.press("Employed")
    await person.press("4 to 7 years")
    await person.say("12000")
    for label in ("CN¥2,000.00 or more", "CN¥10,000.00 or more", "All repaid on time", "One loan"):
        await person.press(label)
    asked = (await person.press("No"))[-1].text
    assert "mortgage" in asked and "4500" in asked
    for bad in ("lots", "-4500", "4500.001"):
        reply = (await person.say(bad))[-1].text
        assert "amount" in reply.lower()
        session = await bot.store.load_session("telegram", person.user_id)
        assert session is not None and session.state is State.Q_OUTSIDE_REPAYMENTS
        assert "outside_monthly_repayments_fen" not in session.answers
    await person.say("4500")
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and session.answers["outside_monthly_repayments_fen"] == 450_000


async def test_a_teacher_with_a_mortgage_asking_40000_is_told_why(bot: Harness) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    replies = await identify_and_apply(
        person,
        income="12000",
        answers={
            "outside_repayments": "4500",
            "requested_amount_fen": "CN¥20,000.00 to CN¥40,000.00",
        },
    )
    text = "\n".join(r.text for r in replies)
    assert "over half your income" in text


async def test_a_loan_overdue_elsewhere_is_declined_with_what_to_do(bot: Harness) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    replies = await identify_and_apply(
        person, answers={"credit_history": "A loan elsewhere is overdue now"}
    )
    text = "\n".join(r.text for r in replies)
    assert "A loan you have elsewhere is overdue. Once it is repaid, you may apply again." in text


async def test_every_screen_shows_the_apr_on_one_basis(bot: Harness) -> None:
    person = bot.person()
    approval = (await onboard(person, await bot.invite()))[0].text
    line = await bot.store.credit_line(1)
    assert line is not None
    # the line's APR: that of a 12-month loan of 10,000 in equal instalments, on the simple
    # basis (monthly IRR x 12), never the compounded figure
    reference = build_schedule(
        1_000_000, 12, line.daily_rate, RepaymentMethod.EQUAL_INSTALLMENT, REFERENCE_START
    )
    assert f"APR {texts('en').percent(reference.apr.apr_simple)}" in approval
    assert texts("en").percent(reference.apr.apr_compound) not in approval
    home = (await person.command("start"))[-1].text
    assert texts("en").percent(line.apr) in home
    await person.press("Borrow")
    await person.say("8k")
    disclosure = (await person.press("6 months"))[-1].text
    schedule = build_schedule(
        800_000, 6, line.daily_rate, RepaymentMethod.EQUAL_INSTALLMENT, date(2026, 11, 23)
    )
    shown = texts("en").percent(schedule.apr.apr_simple)
    assert f"monthly rate x 12): {shown}" in disclosure
    assert texts("en").percent(schedule.apr.apr_compound) not in disclosure


def test_an_answer_no_longer_offered_is_asked_again() -> None:
    from flows.steps.decision import first_unanswered
    from flows.steps.questions import QUESTIONS

    answers: dict[str, object] = {q.key: str(q.options[0][1]) for q in QUESTIONS}
    answers["outside_monthly_repayments_fen"] = 0
    assert first_unanswered(answers) is None
    answers["savings"] = "over_20k"  # the band before savings were cut at 10 CNY per DM
    assert first_unanswered(answers) is State.Q_SAVINGS
    answers["savings"] = "over_10k"
    del answers["outside_monthly_repayments_fen"]
    assert first_unanswered(answers) is State.Q_OUTSIDE_REPAYMENTS


async def test_back_from_a_plain_confirm_returns_to_the_amount(bot: Harness) -> None:
    person = await borrowed(bot)
    await person.command("repay")
    await person.press("Pay off")
    back = (await person.command("back"))[-1].text
    assert "To repay everything today" in back
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None and session.state is State.REPAY_AMOUNT


async def test_a_loan_read_on_one_day_is_brought_up_to_the_next_without_close_of_business(
    bot: Harness,
) -> None:
    # The loan's rows do not change while close of business is down, so the same loan comes
    # back from the store each day: what a screen showed on the first day must not stand on
    # the fortieth (ten days late, the line frozen).
    person = await borrowed(bot, "2000", "3 months")
    first = "\n".join(reply.text for reply in await person.command("menu"))
    assert "Available: CN¥78,000.00" in first and "Overdue" not in first
    bot.clock.advance(days=40)
    later = "\n".join(reply.text for reply in await person.command("menu"))
    assert "Available: CN¥0.00" in later
    assert "Overdue by 10 days" in later and "Pay CN¥676.57 to be current" in later
