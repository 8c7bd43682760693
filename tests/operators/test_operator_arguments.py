"""What operators type: a Chinese input method's full-width forms are understood, a bare
Telegram id names a person in /audit, and whatever they type reaches the audit log masked."""

from __future__ import annotations

import re

import pytest

from flows.operators.audit_view import audit_query
from flows.operators.broadcast_rules import split_languages
from tests.flows.harness import Harness, onboard
from tests.operators.conftest import ADMIN
from tests.operators.helpers import audit_actions, outbox_texts

ID_NUMBER = "110105199003071239"
LONG_NUMBER = re.compile(r"\d{7,}")


async def account_id(bot: Harness, telegram_id: int) -> int:
    return int(
        await bot.db.run(
            lambda tx: tx.scalar(
                "SELECT id FROM users WHERE platform_user_id = :tg", tg=telegram_id
            )
        )
    )


async def audit_parameters(bot: Harness) -> dict[str, list[str]]:
    rows = await bot.db.run(
        lambda tx: tx.all("SELECT action, parameters FROM operator_audit ORDER BY id")
    )
    by_action: dict[str, list[str]] = {}
    for row in rows:
        by_action.setdefault(row.action, []).append(row.parameters)
    return by_action


@pytest.mark.parametrize(
    ("command", "arg"),
    [
        ("user", ID_NUMBER),
        ("audit", ID_NUMBER),
        ("audit", f"{ID_NUMBER} x"),
        ("audit", f"x{ID_NUMBER}"),
        ("broadcast_cancel", ID_NUMBER),
        ("broadcast_cancel", f"x{ID_NUMBER}"),
        ("invite", ID_NUMBER),
        ("invite_revoke", ID_NUMBER),
    ],
)
async def test_an_id_number_typed_to_a_command_is_masked_in_the_audit_log(
    bot: Harness, command: str, arg: str
) -> None:
    admin = bot.person(ADMIN)
    await admin.command(command, arg)
    logged = await audit_parameters(bot)
    assert logged[command] and not any(LONG_NUMBER.search(p) for p in logged[command])
    listed = (await admin.command("audit"))[-1].text
    assert command in listed and "110" in listed and not LONG_NUMBER.search(listed)


def test_a_number_counts_rows_only_after_a_word_and_up_to_50() -> None:
    assert audit_query("123456789") == ("123456789", 10)
    assert audit_query("5") == ("5", 10)  # alone, even a small number is an id
    assert audit_query("555555555 5") == ("555555555", 5)
    assert audit_query("freeze 50") == ("freeze", 50)
    assert audit_query("freeze 51") is None  # too many rows, and not a second subject
    assert audit_query("") == (None, 10)


async def test_audit_by_telegram_id_shows_only_that_persons_rows(bot: Harness) -> None:
    for telegram_id in (123456789, 555555555):
        await bot.person(telegram_id).command("start", await bot.invite())
    one, two = await account_id(bot, 123456789), await account_id(bot, 555555555)
    admin = bot.person(ADMIN)
    for _ in range(2):
        await admin.command("user", "123456789")
        await admin.command("user", "555555555")

    first = (await admin.command("audit", "123456789"))[-1].text
    assert f"id:{one}" in first and f"id:{two}" not in first

    second = (await admin.command("audit", "555555555 1"))[-1].text.splitlines()
    assert len(second) == 2 and f"id:{two}" in second[1]  # the heading and one row

    unknown = (await admin.command("audit", "987654321"))[-1].text
    assert "No account matches 987654321" in unknown
    assert ("audit", "unknown_user") in await audit_actions(bot)


@pytest.mark.parametrize("separator", ["---", "－－－", "———", "——————", "–––", "―――"])
def test_a_line_of_dashes_from_any_input_method_parts_the_languages(separator: str) -> None:
    assert split_languages(f"Hello\n{separator}\n大家好") == ("Hello", "大家好")


def test_two_dashes_or_dashes_within_text_do_not_part_the_languages() -> None:
    assert split_languages("Hello\n--\n大家好") == ("Hello\n--\n大家好", None)
    assert split_languages("Hello --- all") == ("Hello --- all", None)


@pytest.mark.parametrize("separator", ["－－－", "———"])
async def test_the_preview_shows_both_languages_after_a_chinese_dash_line(
    bot: Harness, separator: str
) -> None:
    admin = bot.person(ADMIN)
    await admin.command("broadcast")
    preview = "\n\n".join(r.text for r in await admin.say(f"Hello all\n{separator}\n大家好"))
    paragraphs = preview.split("\n\n")
    assert paragraphs[:4] == ["Preview, English:", "Hello all", "Preview, Chinese:", "大家好"]


@pytest.mark.parametrize(
    "who",
    [
        "tg：123456789",
        "id：{account}",
        "＃{account}",
        "１２３４５６７８９",
        "tg:１２３４５６７８９",
    ],
)
async def test_a_user_typed_with_a_chinese_input_method_is_understood(
    bot: Harness, who: str
) -> None:
    borrower, admin = bot.person(123456789, "zh"), bot.person(ADMIN)
    await borrower.command("start", await bot.invite())
    who = who.format(account=await account_id(bot, 123456789))
    said = await admin.command("freeze", f"{who}\u3000逾期核查，请联系我们")
    assert "is frozen" in said[-1].text
    # The reason reaches the person as typed: only the user reference is normalised.
    assert "逾期核查，请联系我们" in (await outbox_texts(bot, 123456789))[-1]
    assert "Account id:" in (await admin.command("user", who))[-1].text


async def test_other_commands_read_full_width_numbers(bot: Harness) -> None:
    admin = bot.person(ADMIN)
    assert (
        "Invite for 5 people, valid 7 days"
        in (await admin.command("invite", "５\u3000７"))[-1].text
    )
    borrower = bot.person(123456789)
    await onboard(borrower, await bot.invite())
    said = await admin.command("operator", "add\u3000tg：123456789")
    assert "tg:123456789 is now an operator" in said[-1].text
    await admin.command("broadcast")
    await admin.say("Hello")
    await admin.press("Send to")
    assert "Broadcast #1 is cancelled" in (await admin.command("broadcast_cancel", "＃１"))[-1].text
