"""Staff menus through aiogram, and their reconcile loop beside the aiogram transports."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.staff_menus import StaffMenus
from flows.events import Conversation


class AiogramMenuApi:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def set_chat_menu(
        self, chat_id: int, commands: list[tuple[str, str]], language_code: str | None
    ) -> None:
        await self.bot.set_my_commands(
            [BotCommand(command=name, description=text) for name, text in commands],
            scope=BotCommandScopeChat(chat_id=chat_id),
            language_code=language_code,
        )

    async def delete_chat_menu(self, chat_id: int, language_code: str | None) -> None:
        await self.bot.delete_my_commands(
            scope=BotCommandScopeChat(chat_id=chat_id), language_code=language_code
        )


def start_staff_menus(
    conversation: Conversation, bot: Bot, admin_ids: Iterable[int]
) -> asyncio.Task[None] | None:
    """None without a database (a scripted conversation in tests)."""
    from flows.engine import Engine
    from storage import SqlStore

    if not (isinstance(conversation, Engine) and isinstance(conversation.store, SqlStore)):
        return None
    menus = StaffMenus(
        conversation.store.db,
        AiogramMenuApi(bot),
        admin_ids,
        conversation.config.operator_ids,
    )
    return asyncio.create_task(menus.run_forever(), name="staff-menus")
