from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot import delivery
from bot.broadcast_telegram import install_budget
from bot.send_budget import SendBudget
from bot.settings import load_settings


@pytest.fixture
async def budget() -> AsyncIterator[SendBudget]:
    """The process-wide send budget run_bot installs for Telegram, at the default rates: a bot
    run without it sends as fast as it answers, which Telegram (and the loopback server) refuses
    with 429 once a quick conversation passes 30 messages in a second."""
    installed = install_budget(load_settings(env_file=None))
    yield installed
    delivery.use_budget(None)
    await installed.close()
