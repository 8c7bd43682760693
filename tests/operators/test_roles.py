"""Operator commands exist only for staff: to anyone else they are unknown commands."""

from __future__ import annotations

import pytest

from bot.commands_menu import plan_menus
from flows.commands import COMMANDS
from flows.engine import Engine
from flows.menu import command_menu
from flows.operators.access import Role
from flows.operators.commands import OPERATOR_COMMANDS
from tests.flows.harness import Harness, onboard
from tests.operators.conftest import ADMIN, OPERATOR
from tests.operators.helpers import audit_actions

ARGS = ("", "123 some reason", "add 77")
# /tickets is also the borrower's own command (their complaints): not a hint of the staff one.
STAFF_ONLY = [name for name in OPERATOR_COMMANDS if name not in COMMANDS]


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_a_borrower_gets_the_unknown_command_answer_for_every_operator_command(
    bot: Harness, language: str
) -> None:
    borrower = bot.person(501, language)
    await onboard(borrower, await bot.invite()) if language == "en" else await borrower.command(
        "start", await bot.invite()
    )
    for arg in ARGS:
        unknown = await borrower.command("no_such_command", arg)
        for name in STAFF_ONLY:
            assert await borrower.command(name, arg) == unknown, name
    assert await audit_actions(bot) == []


async def test_a_stranger_gets_the_unknown_command_answer_and_leaves_no_row(bot: Harness) -> None:
    stranger = bot.person(777)
    unknown = await stranger.command("no_such_command")
    for name in STAFF_ONLY:
        assert await stranger.command(name, "1 x") == unknown, name
    users = await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM users"))
    assert users == 0


async def test_operators_never_reach_admin_only_commands(bot: Harness) -> None:
    operator = bot.person(OPERATOR)
    unknown = await operator.command("no_such_command", "1 x")
    admin_only = [n for n, c in OPERATOR_COMMANDS.items() if c.needs is Role.ADMIN]
    assert {"freeze", "unfreeze", "operator"} <= set(admin_only)
    for name in admin_only:
        assert await operator.command(name, "1 x") == unknown, name


def test_menus_show_staff_commands_only_to_staff() -> None:
    borrower = {name for name, _ in command_menu("en")}
    operator = {name for name, _ in command_menu("en", operator=True)}
    admin = {name for name, _ in command_menu("zh_CN", admin=True)}
    assert borrower.isdisjoint(STAFF_ONLY)
    assert "freeze" not in operator and "freeze" in admin
    assert set(OPERATOR_COMMANDS) <= admin
    zh = dict(command_menu("zh_CN", admin=True))
    en = dict(command_menu("en", admin=True))
    assert zh["freeze"] != en["freeze"]  # in the admin's language


async def test_menus_are_published_per_chat_for_staff_only(bot: Harness) -> None:
    engine: Engine = bot.engine
    entries = plan_menus(engine, admin_ids=[ADMIN], operator_ids=[OPERATOR, ADMIN])
    everyone = [e for e in entries if e.admin_chat_id is None]
    assert all(not {n for n, _ in e.commands} & set(STAFF_ONLY) for e in everyone)
    per_chat = {(e.admin_chat_id, e.language_code): {n for n, _ in e.commands} for e in entries}
    assert "freeze" in per_chat[(ADMIN, None)] and "freeze" in per_chat[(ADMIN, "zh")]
    assert "audit" not in per_chat[(OPERATOR, None)] and "freeze" not in per_chat[(OPERATOR, "zh")]
    # as the transports call it: ADMIN_IDS only, OPERATOR_IDS from the engine's settings
    chats = {e.admin_chat_id for e in plan_menus(engine, admin_ids=[ADMIN])}
    assert OPERATOR in chats and "review" in per_chat[(OPERATOR, "zh")]


async def test_an_admin_grants_and_revokes_the_operator_role_in_the_chat(bot: Harness) -> None:
    admin, helper = bot.person(ADMIN), bot.person(4242)
    await helper.command("review")
    assert "don't know that command" in helper.last_text()  # not staff yet
    await admin.command("operator", "add tg:4242")
    await helper.command("review")
    assert helper.last_text() == "Nothing waits for review."  # an operator now
    await helper.command("unfreeze", "tg:501")
    assert "don't know that command" in helper.last_text()  # but no admin-only commands
    await admin.command("operator", "remove tg:4242")
    await helper.command("review")
    assert "don't know that command" in helper.last_text()  # and not staff any more
    actions = await audit_actions(bot)
    assert ("operator_add", "ok") in actions and ("operator_remove", "ok") in actions
    grants = await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM operator_grants"))
    assert grants == 0


async def test_a_role_revoked_mid_review_ends_the_review_screen(bot: Harness) -> None:
    """The router's staff-screen check: once the role is gone, the reason typed on the review
    screen decides nothing and is answered like any unknown input from a non-operator."""
    borrower, admin, helper = bot.person(501), bot.person(ADMIN), bot.person(4242)
    await onboard(
        borrower, await bot.invite(), answers={"requested_amount_fen": "More than CN¥40,000.00"}
    )
    unknown = await helper.command("no_such_command")
    await admin.command("operator", "add tg:4242")
    await helper.command("review")
    await helper.press("Approve")
    await admin.command("operator", "remove tg:4242")
    assert await helper.say("income verified by payslip") == unknown
    decisions = await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM review_decisions"))
    assert decisions == 0
