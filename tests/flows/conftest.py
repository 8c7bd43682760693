from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.flows.harness import Harness


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path / "bot.db")
    yield harness
    await harness.close()
