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


# The same flows on PostgreSQL when TEST_POSTGRES_URL is set (CI sets it), else SQLite only.
from tests.storage.conftest import any_bot  # noqa: E402, F401
