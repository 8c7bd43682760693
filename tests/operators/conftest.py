from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.config import FlowConfig
from tests.flows.harness import Harness
from tests.storage.conftest import postgres_url

ADMIN = 9001
OPERATOR = 9002
CONFIG = FlowConfig(admin_ids=frozenset({ADMIN}), operator_ids=frozenset({OPERATOR}))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    """Each operator test on SQLite, and on PostgreSQL when TEST_POSTGRES_URL reaches one."""
    if request.param == "sqlite":
        harness = Harness(tmp_path / "bot.db", config=CONFIG)
        yield harness
        await harness.close()
        return
    urls = postgres_url()
    harness = Harness(tmp_path / "unused.db", config=CONFIG, url=next(urls))
    try:
        yield harness
    finally:
        await harness.close()
        next(urls, None)
