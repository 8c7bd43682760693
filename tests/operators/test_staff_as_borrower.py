"""Staff who also borrow, and staff whose role is revoked: the console is not a dead end."""

from __future__ import annotations

import json

from flows.events import Reply
from tests.flows.harness import Harness, Person, onboard
from tests.operators.conftest import ADMIN, OPERATOR
from tests.servicing.conftest import borrower

BIG_ASK = {"requested_amount_fen": "More than CN¥40,000.00"}
HOME = "Your credit line"
CONSOLE = "Operator console"
UNKNOWN = "Sorry, I don't know that command. Send /help to see what you can do."
NOT_YET = "This becomes available once your credit line is approved."


async def staff_borrower(bot: Harness) -> Person:
    """tg:501 with a credit line and a loan, made an operator in the chat."""
    person = await borrower(bot)
    await bot.person(ADMIN).command("operator", "add tg:501")
    return person


def texts(replies: list[Reply]) -> str:
    return "\n\n".join(reply.text for reply in replies)


async def decisions(bot: Harness) -> int:
    return await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM review_decisions"))


async def deciding_an_application(bot: Harness) -> Person:
    """An operator who borrows, on the reason screen of an application they pressed Approve on."""
    applicant = bot.person(502)
    await onboard(applicant, await bot.invite(), answers=BIG_ASK, phone="+86 139 0000 0502")
    person = await staff_borrower(bot)
    await person.command("review")
    await person.press("Approve")
    return person


async def to_console(person: Person) -> None:
    assert (await person.command("review"))[-1].text == "Nothing waits for review."


async def test_an_operator_who_borrows_gets_back_to_their_own_screens(bot: Harness) -> None:
    person = await staff_borrower(bot)
    await to_console(person)
    assert HOME in (await person.command("menu"))[-1].text
    await to_console(person)
    assert "Tap an option or type another amount." in (await person.command("repay"))[-1].text
    await person.command("cancel")
    await to_console(person)
    assert (await person.command("loans"))[-1].text.startswith("Your loans:")
    await to_console(person)
    said = texts(await person.command("start"))
    assert CONSOLE not in said and HOME in said


async def test_an_operator_who_borrows_leaves_a_reason_untyped_with_nothing_decided(
    bot: Harness,
) -> None:
    person = await deciding_an_application(bot)
    said = texts(await person.command("menu"))
    assert said.startswith("Nothing was decided.") and HOME in said
    await person.say("income verified by payslip")  # on the home menu now: no reason to take
    assert await decisions(bot) == 0


async def test_staff_who_do_not_borrow_stay_in_the_console(bot: Harness) -> None:
    operator = bot.person(OPERATOR)
    await operator.command("review")
    assert (await operator.command("menu"))[-1].text == NOT_YET
    assert (await operator.command("repay"))[-1].text == NOT_YET
    assert CONSOLE in (await operator.command("start"))[-1].text


async def test_a_borrower_whose_role_is_revoked_in_the_console_is_back_home(
    bot: Harness,
) -> None:
    person = await staff_borrower(bot)
    await person.command("review")
    await bot.person(ADMIN).command("operator", "remove tg:501")
    said = texts(await person.say("hello"))
    assert said.startswith(UNKNOWN) and HOME in said
    assert "Tap an option or type another amount." in (await person.press("Repay"))[-1].text


async def test_a_borrower_whose_role_is_revoked_is_home_on_their_next_command(
    bot: Harness,
) -> None:
    person = await staff_borrower(bot)
    await person.command("review")
    await bot.person(ADMIN).command("operator", "remove tg:501")
    said = texts(await person.command("start"))
    assert CONSOLE not in said and HOME in said


async def test_a_reason_typed_after_the_role_is_revoked_decides_nothing_for_a_borrower(
    bot: Harness,
) -> None:
    person = await deciding_an_application(bot)
    await bot.person(ADMIN).command("operator", "remove tg:501")
    said = texts(await person.say("income verified by payslip"))
    assert said.startswith(UNKNOWN) and HOME in said
    assert await decisions(bot) == 0
    # Nor is the half-made decision kept with the person's own data.
    await person.command("privacy")
    export = [r.document for r in await person.press("Download my data") if r.document]
    (conversation,) = json.loads(export[0].content)["data"]["conversations"]
    assert "review" not in conversation["answers"]


async def test_someone_without_a_credit_line_whose_role_is_revoked_can_join_by_invite(
    bot: Harness,
) -> None:
    helper = bot.person(4242)
    await bot.person(ADMIN).command("operator", "add tg:4242")
    await helper.command("review")
    await bot.person(ADMIN).command("operator", "remove tg:4242")
    assert "by invitation only" in (await helper.command("start"))[-1].text
    await helper.command("start", await bot.invite())
    assert helper.button("Continue")  # the introduction: onboarding has begun
