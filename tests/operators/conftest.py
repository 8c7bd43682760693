from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.config import FlowConfig
from tests.flows.harness import Harness

ADMIN = 9001
OPERATOR = 9002


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    config = FlowConfig(admin_ids=frozenset({ADMIN}), operator_ids=frozenset({OPERATOR}))
    harness = Harness(tmp_path / "bot.db", config=config)
    yield harness
    await harness.close()
