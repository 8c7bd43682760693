"""What runs beside a transport, on either library: outbox delivery, the broadcast runner and
the staff-menu reconcile loop. Each library supplies only its API adapters."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from bot.broadcast_telegram import LibraryBroadcastApi, start_broadcasts
from bot.delivery import (
    OutboxLoop,
    Sender,
    budget_unless_installed,
    start_outbox_loop,
    stop_outbox,
    stop_task,
    uninstall_budget,
)
from bot.send_budget import SendBudget
from bot.staff_menus import MenuApi, start_staff_menus
from flows.events import Conversation


class BackgroundWork:
    def __init__(self) -> None:
        self._outbox: OutboxLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._own_budget: SendBudget | None = None

    def start(
        self,
        conversation: Conversation,
        sender: Sender,
        platform: str,
        broadcasts: LibraryBroadcastApi,
        menus: MenuApi,
        admin_ids: Iterable[int],
    ) -> None:
        # Paced even when embedded without run_bot: Telegram refuses a bot past ~30 a second.
        self._own_budget = budget_unless_installed()
        self._outbox = start_outbox_loop(conversation, sender, platform=platform)
        started = (
            start_broadcasts(conversation, broadcasts),
            # Staff menus follow roles granted and revoked in the chat (and across restarts).
            start_staff_menus(conversation, menus, admin_ids),
        )
        self._tasks = [task for task in started if task is not None]

    async def stop(self) -> None:
        await stop_outbox(self._outbox)
        self._outbox = None
        for task in self._tasks:
            await stop_task(task)
        self._tasks = []
        if self._own_budget is not None:
            await uninstall_budget(self._own_budget)
            self._own_budget = None
