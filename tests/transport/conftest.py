from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot import delivery
from bot.broadcast_telegram import install_budget
from bot.send_budget import WIDE_OPEN, SendBudget
from bot.settings import load_settings


@pytest.fixture
async def budget() -> AsyncIterator[SendBudget]:
    """The process-wide send budget run_bot installs for Telegram, at the default rates: a bot
    run without it sends as fast as it answers, which Telegram (and the loopback server) refuses
    with 429 once a quick conversation passes 30 messages in a second."""
    async with delivery.budget_in_use(install_budget(load_settings(env_file=None))) as installed:
        yield installed


@pytest.fixture
async def unpaced() -> AsyncIterator[SendBudget]:
    """A budget too wide to hold anything back, for tests that run several bots in one process
    against their own fake servers: production runs one bot a process, but the budget is the
    process's, so the default one would make five bots share one bot's pace (and one chat's,
    as they talk to the same user id). Without any, each bot's transport installs its own."""
    async with delivery.budget_in_use(SendBudget(WIDE_OPEN)) as installed:
        yield installed
