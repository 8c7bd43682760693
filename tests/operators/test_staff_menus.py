"""Staff menus follow the roles: granted in the chat -> the operator's menu in that chat;
revoked (in the chat, or out of the settings, even while the bot was down) -> deleted."""

from __future__ import annotations

from bot.staff_menus import StaffMenus
from tests.flows.harness import Harness
from tests.operators.conftest import ADMIN, OPERATOR

HELPER = 4242


class RecordingMenus:
    def __init__(self) -> None:
        self.menus: dict[tuple[int, str | None], list[str]] = {}
        self.calls = 0

    async def set_chat_menu(
        self, chat_id: int, commands: list[tuple[str, str]], language_code: str | None
    ) -> None:
        self.calls += 1
        self.menus[(chat_id, language_code)] = [name for name, _ in commands]

    async def delete_chat_menu(self, chat_id: int, language_code: str | None) -> None:
        self.calls += 1
        self.menus.pop((chat_id, language_code), None)


def menus(
    bot: Harness, api: RecordingMenus, operators: tuple[int, ...] = (OPERATOR,)
) -> StaffMenus:
    return StaffMenus(bot.db, api, [ADMIN], operators, now=bot.clock)


async def test_a_role_granted_in_the_chat_gets_its_menu_and_loses_it_when_revoked(
    bot: Harness,
) -> None:
    api = RecordingMenus()
    await menus(bot, api).reconcile()
    assert "freeze" in api.menus[(ADMIN, None)] and "freeze" in api.menus[(ADMIN, "zh")]
    assert "review" in api.menus[(OPERATOR, "zh")] and "freeze" not in api.menus[(OPERATOR, None)]
    assert not any(chat == HELPER for chat, _ in api.menus)

    await bot.person(ADMIN).command("operator", f"add tg:{HELPER}")
    await menus(bot, api).reconcile()
    helper = api.menus[(HELPER, None)]
    assert "review" in helper and "broadcast" not in helper and "freeze" not in helper
    assert (HELPER, "zh") in api.menus

    calls = api.calls
    await menus(bot, api).reconcile()  # a restart with nothing changed calls nothing
    assert api.calls == calls

    await bot.person(ADMIN).command("operator", f"remove tg:{HELPER}")
    await menus(bot, api).reconcile()
    assert not any(chat == HELPER for chat, _ in api.menus)


async def test_someone_taken_out_of_the_settings_loses_the_menu_after_a_restart(
    bot: Harness,
) -> None:
    api = RecordingMenus()
    await menus(bot, api).reconcile()
    assert (OPERATOR, None) in api.menus
    await menus(bot, api, operators=()).reconcile()  # OPERATOR_IDS changed, bot restarted
    assert not any(chat == OPERATOR for chat, _ in api.menus)
    assert (ADMIN, None) in api.menus


async def test_an_admin_granted_the_operator_role_keeps_the_admin_menu(bot: Harness) -> None:
    api = RecordingMenus()
    await bot.person(ADMIN).command("operator", f"add tg:{ADMIN}")
    await menus(bot, api).reconcile()
    assert "freeze" in api.menus[(ADMIN, None)]


async def test_the_aiogram_adapter_scopes_each_menu_to_its_chat_and_language() -> None:
    from aiogram import Bot

    from bot.menus_telegram import AiogramMenuApi
    from tests.transport.test_aiogram_transport import TOKEN, RecordingSession

    session = RecordingSession()
    api = AiogramMenuApi(Bot(TOKEN, session=session))
    await api.set_chat_menu(HELPER, [("review", "Review queue")], "zh")
    await api.delete_chat_menu(HELPER, None)
    [published] = session.named("setMyCommands")
    assert (published.scope.type, published.scope.chat_id) == ("chat", HELPER)
    assert published.language_code == "zh" and published.commands[0].command == "review"
    [deleted] = session.named("deleteMyCommands")
    assert (deleted.scope.type, deleted.scope.chat_id, deleted.language_code) == (
        "chat",
        HELPER,
        None,
    )
