"""Staff menus through aiogram (the reconcile loop itself is bot.staff_menus.start_staff_menus)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat


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
