"""A reminder's Repay button: it opens the repay flow for its loan from wherever the borrower is,
and only for one of their own open loans; anything else is an expired button that changes
nothing."""

from __future__ import annotations

from datetime import date

from flows.events import ButtonPress, Reply
from storage.codec import reply_from_json
from tests.flows.harness import Harness, Person
from tests.servicing.conftest import borrower, local, next_day


async def overdue_reminder(bot: Harness, chat_id: int = 501) -> Reply:
    """The latest reminder to this chat, once the first instalment is 3 days late."""
    while local(bot).date() < date(2026, 12, 26):
        await next_day(bot)
    rows = await bot.db.run(
        lambda tx: tx.all(
            "SELECT payload FROM outbox WHERE dedupe_key LIKE 'reminder:%' AND chat_id = :c"
            " ORDER BY id DESC",
            c=chat_id,
        )
    )
    return reply_from_json(rows[0].payload)


def tokens(reply: Reply) -> list[str]:
    return [button.token for row in reply.buttons for button in row]


async def where(bot: Harness, telegram_id: int = 501) -> tuple[str, int]:
    row = await bot.db.run(
        lambda tx: tx.one(
            "SELECT c.state, c.screen FROM conversations c JOIN users u ON u.id = c.user_id"
            " WHERE u.platform_user_id = :u",
            u=telegram_id,
        )
    )
    assert row is not None
    return row.state, row.screen


async def ledger_size(bot: Harness) -> int:
    return int(await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM postings")))


async def test_the_repay_button_of_a_reminder_opens_repay_from_home(bot: Harness) -> None:
    person = await borrower(bot)
    reminder = await overdue_reminder(bot)
    assert [b.label for row in reminder.buttons for b in row] == ["Repay"]
    await person.command("menu")
    screen = (await person.send(ButtonPress(tokens(reminder)[0])))[-1]
    assert screen.text.startswith("Loan of CN¥3,000.00") and "Due now" in screen.text
    assert (await where(bot))[0] == "repay_amount"
    await person.press("Pay")
    receipt = await person.press("Confirm")
    assert "Payment received" in receipt[0].text


async def test_the_button_works_mid_flow_and_opens_the_loan_it_names(bot: Harness) -> None:
    person = await borrower(bot)  # CN¥3,000.00
    await person.command("menu")
    await person.press("Borrow")
    await person.say("2000")
    await person.press("3 months")
    await person.press("Confirm")  # a second loan, CN¥2,000.00, due on the same days
    reminder = await overdue_reminder(bot)
    by_label = {b.label: b.token for row in reminder.buttons for b in row}
    first = by_label["Repay the loan of CN¥3,000.00"]
    second = by_label["Repay the loan of CN¥2,000.00"]
    await person.command("reminders")  # mid-way through another screen
    assert (await where(bot))[0] == "reminders"
    screen = (await person.send(ButtonPress(second)))[-1]
    assert screen.text.startswith("Loan of CN¥2,000.00")
    await person.say("100")  # at the Confirm of a repayment of that loan
    assert (await where(bot))[0] == "repay_confirm"
    screen = (await person.send(ButtonPress(second)))[-1]
    assert screen.text.startswith("Loan of CN¥2,000.00")
    screen = (await person.send(ButtonPress(first)))[-1]  # from the repay screen itself
    assert screen.text.startswith("Loan of CN¥3,000.00")
    await person.press("Pay")
    await person.press("Confirm")
    assert (await where(bot))[0] == "home"


async def test_a_second_tap_only_shows_the_repay_screen_again(bot: Harness) -> None:
    person = await borrower(bot)
    token = tokens(await overdue_reminder(bot))[0]
    before = await ledger_size(bot)
    first = await person.send(ButtonPress(token))
    again = await person.send(ButtonPress(token))
    assert first[-1].text == again[-1].text and "Due now" in again[-1].text
    assert await ledger_size(bot) == before


async def expired_and_unchanged(bot: Harness, person: Person, token: str) -> None:
    before, size = await where(bot, person.user_id), await ledger_size(bot)
    replies = await person.send(ButtonPress(token))
    assert (replies[0].text, replies[0].toast) == ("This button has expired.", True)
    # Only the current question again, when it scrolled away: no other screen, no payment.
    assert all("Loan of" not in reply.text for reply in replies)
    assert (await where(bot, person.user_id))[0] == before[0]
    assert await ledger_size(bot) == size


async def test_a_forged_or_someone_elses_loan_is_an_expired_button(bot: Harness) -> None:
    person = await borrower(bot)
    other = await borrower(bot, 502)
    reminder = await overdue_reminder(bot)
    theirs = await overdue_reminder(bot, 502)
    assert tokens(theirs) != tokens(reminder)
    await person.command("menu")
    await expired_and_unchanged(bot, person, tokens(theirs)[0])  # 502's loan
    await expired_and_unchanged(bot, person, "g:repay:000000000000")
    await expired_and_unchanged(bot, person, "g:repay:")
    await expired_and_unchanged(bot, person, "g:borrow:" + tokens(reminder)[0][8:])
    await other.command("menu")
    await expired_and_unchanged(bot, other, tokens(reminder)[0])  # 501's loan, pressed by 502


async def test_after_payoff_the_button_has_expired(bot: Harness) -> None:
    person = await borrower(bot)
    token = tokens(await overdue_reminder(bot))[0]
    await person.command("repay")
    await person.press("Pay off")
    await person.press("Confirm")
    assert "repaid in full" in person.last_text() or any(
        "repaid in full" in item.reply.text for item in person.seen[-3:]
    )
    await expired_and_unchanged(bot, person, token)


async def test_before_a_credit_line_the_button_does_nothing(bot: Harness) -> None:
    await borrower(bot)
    token = tokens(await overdue_reminder(bot))[0]
    stranger = bot.person(777)
    await stranger.command("start", await bot.invite())  # onboarding, no credit line yet
    await expired_and_unchanged(bot, stranger, token)


async def test_while_writing_a_complaint_the_button_leaves_the_complaint_alone(
    bot: Harness,
) -> None:
    person = await borrower(bot)
    token = tokens(await overdue_reminder(bot))[0]
    await person.command("menu")
    await person.command("complaint")
    assert (await where(bot))[0] == "complaint"
    await expired_and_unchanged(bot, person, token)
