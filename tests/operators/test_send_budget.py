"""The bot-wide send budget: rate caps per bot, per chat and for broadcasts; replies first."""

from __future__ import annotations

import asyncio
import itertools

from bot import delivery
from bot.broadcast_telegram import install_budget
from bot.send_budget import BudgetLimits, Priority, SendBudget, backoff_seconds, shared_limits
from bot.settings import load_settings
from tests.operators.virtual_time import VirtualClock, worst_window


def budget(clock: VirtualClock, **limits: float) -> SendBudget:
    return SendBudget(BudgetLimits(**limits), clock=clock, sleep=clock.sleep)


async def _send(b: SendBudget, clock: VirtualClock, log: list, chat: int, p: Priority) -> None:
    await b.acquire(chat, p)
    log.append((clock(), chat, p))


async def test_no_one_second_window_exceeds_the_bot_or_the_broadcast_rate() -> None:
    clock = VirtualClock()
    b = budget(clock)
    log: list = []
    senders = [_send(b, clock, log, chat, Priority.BROADCAST) for chat in range(300)]
    senders += [_send(b, clock, log, 10_000 + n, Priority.REMINDER) for n in range(100)]
    await asyncio.gather(*senders)
    await b.close()
    assert len(log) == 400
    assert worst_window([t for t, _, _ in log]) <= 30
    assert worst_window([t for t, _, p in log if p is Priority.BROADCAST]) <= 25
    # and the budget is used: reminders at 30/s, then the broadcast at 25/s, no slower
    assert max(t for t, _, _ in log) - min(t for t, _, _ in log) < 100 / 30 + 300 / 25 + 0.5


async def test_each_replica_of_one_bot_keeps_to_its_share_of_the_rates() -> None:
    """Three webhook processes of one bot: Telegram counts the bot, not the process, so each
    budget keeps to a third, and the three together to the bot's rates."""
    clock = VirtualClock()
    b = SendBudget(shared_limits(25, 3), clock=clock, sleep=clock.sleep)
    log: list = []
    senders = [_send(b, clock, log, chat, Priority.BROADCAST) for chat in range(100)]
    senders += [_send(b, clock, log, 10_000 + n, Priority.REMINDER) for n in range(30)]
    await asyncio.gather(*senders)
    await b.close()
    assert worst_window([t for t, _, _ in log]) * 3 <= 30
    assert worst_window([t for t, _, p in log if p is Priority.BROADCAST]) * 3 <= 25
    # and the share is used: reminders at 10/s, then the broadcast at 25/3 a second, no slower
    assert max(t for t, _, _ in log) - min(t for t, _, _ in log) < 30 / 10 + 100 / (25 / 3) + 1
    installed = install_budget(load_settings(env_file=None, broadcast_rate=25, bot_processes=3))
    assert installed.limits == shared_limits(25, 3)
    await delivery.uninstall_budget(installed)


async def test_one_chat_gets_at_most_one_reminder_or_broadcast_a_second() -> None:
    clock = VirtualClock()
    b = budget(clock)
    log: list = []
    await asyncio.gather(
        *(_send(b, clock, log, 7, p) for p in [Priority.REMINDER, Priority.BROADCAST] * 3)
    )
    times = sorted(t for t, _, _ in log)
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    # the replies to one message may follow each other at once (one slot apart)
    log.clear()
    await asyncio.gather(*(_send(b, clock, log, 8, Priority.INTERACTIVE) for _ in range(3)))
    assert max(t for t, _, _ in log) - min(t for t, _, _ in log) < 3 * b.limits.slot


async def test_an_interactive_reply_waits_at_most_one_slot_behind_a_broadcast() -> None:
    clock = VirtualClock()
    b = budget(clock)
    log: list = []
    broadcast = asyncio.gather(
        *(_send(b, clock, log, chat, Priority.BROADCAST) for chat in range(500))
    )
    delays = []
    for n in range(20):
        while clock() < 1000.0 + n * 0.7:  # arrive at scattered moments during the broadcast
            await asyncio.sleep(0)
        asked = clock()
        await b.acquire(50_000 + n, Priority.INTERACTIVE)
        delays.append(clock() - asked)
    await broadcast
    await b.close()
    assert max(delays) <= b.limits.slot + 1e-6


async def test_a_429_pauses_every_sender_and_5xx_backs_off() -> None:
    clock = VirtualClock()
    b = budget(clock)
    await b.acquire(1, Priority.INTERACTIVE)
    b.retry_after(5)
    paused_at = clock()
    await b.acquire(2, Priority.INTERACTIVE)
    assert clock() - paused_at >= 5
    asked = clock()
    await b.acquire(3, Priority.REMINDER, not_before=clock() + backoff_seconds(3))
    assert clock() - asked >= 4
    assert [backoff_seconds(n) for n in (1, 2, 3, 10)] == [1, 2, 4, 60]
    await b.close()


async def test_a_reply_overtakes_a_queue_of_reminders() -> None:
    clock = VirtualClock()
    b = budget(clock)
    log: list = []
    reminders = asyncio.gather(*(_send(b, clock, log, n, Priority.REMINDER) for n in range(300)))
    while len(log) < 10:
        await asyncio.sleep(0)
    asked = clock()
    await b.acquire(99_999, Priority.INTERACTIVE)
    assert clock() - asked <= b.limits.slot + 1e-6  # not behind the 290 reminders still waiting
    await reminders
    await b.close()
