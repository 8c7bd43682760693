"""The broadcast sender's view of Telegram, for either library, and its start-up beside a
transport. Each transport passes its own send and edit calls and how its library spells
Telegram's refusals (`PlatformErrors`), so this module imports neither library."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from bot import delivery
from bot.broadcast import BroadcastRunner
from bot.delivery import PlatformErrors, RetryLater
from bot.send_budget import Rejected, SendBudget, ServerTrouble, Unreachable, shared_limits
from bot.settings import Settings
from flows.events import Conversation

SendText = Callable[[int, str], Awaitable[int]]
EditText = Callable[[int, int, str], Awaitable[None]]


@contextmanager
def _broadcast_errors(errors: PlatformErrors, *, editing: bool = False) -> Iterator[None]:
    try:
        yield
    except errors.retry_after as error:
        raise RetryLater(errors.retry_seconds(error)) from None
    except errors.forbidden as error:
        if editing:
            raise Rejected(errors.message(error)) from None
        raise Unreachable(errors.message(error)) from None
    except errors.bad_request as error:  # before `transient`: PTB's BadRequest is a NetworkError
        raise Rejected(errors.message(error)) from None
    except errors.transient as error:
        raise ServerTrouble(type(error).__name__) from None


class LibraryBroadcastApi:
    """`BroadcastApi` over one library. Plain text on purpose (the calls pass no parse mode):
    nothing an admin types can break or smuggle in formatting, and the preview in the chat is
    exactly what recipients see."""

    def __init__(self, send: SendText, edit: EditText, errors: PlatformErrors) -> None:
        self._send, self._edit, self.errors = send, edit, errors

    async def send_text(self, chat_id: int, text: str) -> int:
        with _broadcast_errors(self.errors):
            return await self._send(chat_id, text)

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> None:
        with _broadcast_errors(self.errors, editing=True):
            await self._edit(chat_id, message_id, text)


def install_budget(settings: Settings) -> SendBudget:
    """One budget for the process: replies, outbox rows and broadcasts all ask it; with
    BOT_PROCESSES replicas of the bot, this one's share of the bot's rates."""
    budget = SendBudget(shared_limits(settings.broadcast_rate, settings.bot_processes))
    delivery.use_budget(budget)
    return budget


def start_broadcasts(
    conversation: Conversation, api: LibraryBroadcastApi
) -> asyncio.Task[None] | None:
    """Run broadcasts beside the transport, on the installed budget; None without a database
    (a scripted conversation in tests) or without a budget."""
    from flows.engine import Engine
    from storage import SqlStore

    budget = delivery._budget
    if budget is None or not (
        isinstance(conversation, Engine) and isinstance(conversation.store, SqlStore)
    ):
        return None
    runner = BroadcastRunner(conversation.store.db, api, budget)
    return asyncio.create_task(runner.run_forever(), name="broadcasts")
