"""Every send path asks the one budget: outbox rows as reminders, a 429 slows everyone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import delivery
from bot.delivery import LiveKeyboards, RetryLater, flush_outbox, handle_and_deliver
from bot.rendering import Markup
from bot.send_budget import BudgetLimits, Priority, SendBudget
from flows.events import Command, Event, Outgoing, Reply
from tests.operators.virtual_time import VirtualClock
from tests.transport.fakes import FakeConversation


class RecordingSender:
    def __init__(self, clock: VirtualClock, flood_once: bool = False) -> None:
        self.clock = clock
        self.flood_once = flood_once
        self.sent: list[tuple[float, int]] = []
        self.keyboards = LiveKeyboards()

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        self.sent.append((self.clock(), chat_id))

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        if self.flood_once:
            self.flood_once = False
            raise RetryLater(0)  # the transport already waited; the budget must pause too
        self.sent.append((self.clock(), chat_id))
        return None

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        self.sent.append((self.clock(), chat_id))


class SpyBudget(SendBudget):
    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(BudgetLimits(), clock=clock, sleep=clock.sleep)
        self.asked: list[tuple[int, Priority]] = []
        self.pauses: list[float] = []

    async def acquire(
        self, chat_id: int, priority: Priority, not_before: float | None = None
    ) -> None:
        self.asked.append((chat_id, priority))
        await super().acquire(chat_id, priority, not_before)

    def retry_after(self, seconds: float) -> None:
        self.pauses.append(seconds)
        super().retry_after(seconds)


@pytest.fixture
def budget() -> Iterator[SpyBudget]:
    spy = SpyBudget(VirtualClock())
    delivery.use_budget(spy)
    yield spy
    delivery.use_budget(None)


async def test_replies_and_outbox_rows_take_slots_at_their_priority(budget: SpyBudget) -> None:
    clock = budget._clock
    conversation = FakeConversation()
    conversation.outbox = [Outgoing(7, Reply("reminder"), outbox_id=1)]
    sender = RecordingSender(clock)  # type: ignore[arg-type]
    event = Event("telegram", 5, 5, 1, None, "en", Command("start"))  # type: ignore[arg-type]
    await handle_and_deliver(conversation, sender, event)
    await flush_outbox(conversation, sender)
    assert budget.asked == [(5, Priority.INTERACTIVE), (7, Priority.REMINDER)]
    await budget.close()


async def test_a_429_pauses_the_whole_budget(budget: SpyBudget) -> None:
    sender = RecordingSender(budget._clock, flood_once=True)  # type: ignore[arg-type]
    await handle_and_deliver(
        FakeConversation(),
        sender,
        Event("telegram", 5, 5, 1, None, "en", Command("start")),  # type: ignore[arg-type]
    )
    assert budget.pauses == [0] and len(sender.sent) == 1
    await budget.close()
