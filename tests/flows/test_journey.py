"""The borrower's whole journey, and what must hold when the network or the person repeats."""

from __future__ import annotations

import asyncio

from flows.events import ButtonPress, Reply
from flows.states import State
from tests.flows.harness import Harness, at_name_question, onboard


async def count(bot: Harness, table: str) -> int:
    return int(await bot.db.run(lambda tx: tx.scalar(f"SELECT COUNT(*) FROM {table}")))


async def test_invited_person_gets_a_credit_line_borrows_and_repays(any_bot: Harness) -> None:
    bot = any_bot
    person = bot.person()
    decision = await onboard(person, await bot.invite())

    approval = decision[0].text
    assert "Approved! Your credit line is CN¥" in approval
    assert "Daily rate 0.0" in approval and "APR " in approval  # both rates, side by side
    home = decision[-1].text
    assert "Limit: CN¥" in home and "Available: CN¥" in home

    await person.press("Borrow")
    await person.say("8k")
    disclosure = (await person.press("6 months"))[-1].text
    for shown in (
        "CN¥8,000.00",
        "6 months",
        "Daily rate:",
        "APR (annual rate by the IRR method: monthly rate x 12):",
        "Total interest:",
        "Total to repay:",
        "6. May 23, 2027",
    ):
        assert shown in disclosure
    receipt = await person.press("Confirm")
    assert (
        "CN¥8,000.00 has been paid out" in receipt[0].text and "SANDBOX-PAYOUT-" in receipt[0].text
    )
    assert "Available: CN¥72,000.00" in receipt[-1].text  # limit 80,000 less 8,000 borrowed

    loans = (await person.command("loans"))[0].text
    assert (
        "Principal left: CN¥8,000.00" in loans
        and "Next payment: CN¥1,361.87 due December 23, 2026" in loans
    )

    await person.command("repay")
    await person.press("Pay off")
    paid = await person.press("Confirm")
    assert "Payment received: CN¥8,000.00" in paid[0].text  # paid the same day: no interest yet
    assert "repaid in full" in paid[0].text
    # The home screen after it counts the payment: the loan this step read first and brought
    # up to today is not reused once the payment changed it.
    assert "Available: CN¥80,000.00" in paid[-1].text
    assert "repaid in full" in (await person.command("loans"))[0].text


async def test_a_restart_in_the_middle_of_kyc_resumes_where_the_person_was(bot: Harness) -> None:
    person = bot.person()
    await at_name_question(person, await bot.invite())
    await person.say("Li Wei")

    await bot.restart()
    person.bot = bot
    resumed = await person.command("start")
    assert "continue where you left off" in resumed[0].text
    assert "resident ID number" in resumed[-1].text  # the question after the name


async def test_a_replayed_update_has_no_second_effect(bot: Harness) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    confirm = ButtonPress(person.button("Confirm"))
    first = await person.send(confirm, update_id=9_000)
    again = await person.send(confirm, update_id=9_000)  # Telegram delivers the same update twice
    assert "has been paid out" in first[0].text
    assert again == []
    assert await count(bot, "loans") == 1


async def test_a_double_tapped_confirm_makes_exactly_one_loan(bot: Harness) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    token = person.button("Confirm")
    # Two taps, two distinct updates, arriving together.
    first, second = await asyncio.gather(
        person.send(ButtonPress(token)), person.send(ButtonPress(token))
    )
    texts = [r.text for r in first + second]
    assert sum("has been paid out" in text for text in texts) == 1
    assert any("This button has expired" in text for text in texts)
    assert await count(bot, "loans") == 1


async def test_a_button_from_an_old_message_is_refused_politely(bot: Harness) -> None:
    person = bot.person()
    await person.command("start", await bot.invite())
    old_continue = person.button("Continue")
    await person.press("Continue")
    await person.press("Agree")  # consent 1 given; now on consent 2
    replies = await person.send(ButtonPress(old_continue))
    # Answered on the button itself: nothing is added to the chat, and nothing changed.
    assert [(r.text, r.toast) for r in replies] == [("This button has expired.", True)]
    assert "Consent 3 of 4" in (await person.press("Agree"))[0].text  # consent 2 was still open


async def test_a_redelivered_stale_tap_is_answered_with_the_same_toast(bot: Harness) -> None:
    person = bot.person()
    await person.command("start", await bot.invite())
    old_continue = person.button("Continue")
    await person.press("Continue")
    first = await person.send(ButtonPress(old_continue), update_id=7_000)
    again = await person.send(ButtonPress(old_continue), update_id=7_000)  # Telegram retried
    assert first == again == [Reply("This button has expired.", toast=True)]


async def test_a_forged_button_changes_nothing(bot: Harness) -> None:
    person = bot.person()
    await person.command("start", await bot.invite())
    await person.press("Continue")
    session = await bot.store.load_session("telegram", person.user_id)
    assert session is not None
    forged = await person.send(ButtonPress(f"{session.screen}:approve_me"))
    assert "This button has expired" in forged[0].text
    after = await bot.store.load_session("telegram", person.user_id)
    assert after is not None and after.state is State.CONSENT_ASSESSMENT
    assert await count(bot, "consents") == 0


async def test_cancelling_a_drawdown_borrows_nothing(bot: Harness) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    cancelled = await person.press("Cancel")
    assert cancelled[0].text == "Cancelled. Nothing was borrowed or paid."
    assert "Available: CN¥80,000.00" in cancelled[-1].text
    await person.press("Borrow")
    assert "Nothing was borrowed" in (await person.command("cancel"))[0].text
    assert await count(bot, "loans") == 0


async def test_an_internal_error_is_answered_politely_and_changes_nothing(
    bot: Harness, monkeypatch
) -> None:
    person = bot.person()
    await onboard(person, await bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    from lending import servicing

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("payout rail down")

    monkeypatch.setattr(servicing, "disburse", broken)
    failed = await person.press("Confirm")
    assert failed[0].text.startswith("Sorry, something went wrong on our side. Nothing was changed")
    assert await count(bot, "loans") == 0
    monkeypatch.undo()
    assert "has been paid out" in (await person.press("Confirm"))[0].text  # the same button works
