"""The broadcast sender's view of Telegram through aiogram, and its start-up beside a transport."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot import delivery
from bot.broadcast import BroadcastRunner
from bot.delivery import RetryLater
from bot.send_budget import BudgetLimits, Rejected, SendBudget, ServerTrouble, Unreachable
from flows.events import Conversation


class AiogramBroadcastApi:
    """Plain text on purpose: nothing an admin types can break or smuggle in formatting, and
    the preview in the chat is exactly what recipients see."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(self, chat_id: int, text: str) -> int:
        try:
            message = await self.bot.send_message(chat_id, text, parse_mode=None)
        except TelegramRetryAfter as error:
            raise RetryLater(float(error.retry_after)) from None
        except TelegramForbiddenError as error:
            raise Unreachable(error.message) from None
        except TelegramBadRequest as error:
            raise Rejected(error.message) from None
        except (TelegramServerError, TelegramNetworkError) as error:
            raise ServerTrouble(type(error).__name__) from None
        return message.message_id

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> None:
        try:
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, parse_mode=None
            )
        except TelegramRetryAfter as error:
            raise RetryLater(float(error.retry_after)) from None
        except (TelegramForbiddenError, TelegramBadRequest) as error:
            raise Rejected(error.message) from None
        except (TelegramServerError, TelegramNetworkError) as error:
            raise ServerTrouble(type(error).__name__) from None


def install_budget(broadcast_rate: float) -> SendBudget:
    """One budget for the process: replies, outbox rows and broadcasts all ask it."""
    budget = SendBudget(BudgetLimits(broadcast_rate=broadcast_rate))
    delivery.use_budget(budget)
    return budget


def start_broadcasts(conversation: Conversation, bot: Bot) -> asyncio.Task[None] | None:
    """Run broadcasts beside the transport, on the installed budget; None without a database
    (a scripted conversation in tests) or without a budget."""
    from flows.engine import Engine
    from storage import SqlStore

    budget = delivery._budget
    if budget is None or not (
        isinstance(conversation, Engine) and isinstance(conversation.store, SqlStore)
    ):
        return None
    runner = BroadcastRunner(conversation.store.db, AiogramBroadcastApi(bot), budget)
    return asyncio.create_task(runner.run_forever(), name="broadcasts")
