"""Databases for storage tests: SQLite always; PostgreSQL when TEST_POSTGRES_URL reaches one."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage.urls import sync_url
from tests.databases import migrated
from tests.flows.harness import Harness


def postgres_url() -> Iterator[str]:
    """A fresh schema-isolated database for one test, or a skip saying why there is none."""
    base = os.environ.get("TEST_POSTGRES_URL")
    required = os.environ.get("REQUIRE_POSTGRES") == "1"
    if not base:
        if required:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
        pytest.skip(
            "PostgreSQL tests need TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1/test); .ci/run sets it"
        )
    name = f"chatlend_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sync_url(base), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # unreachable server, no rights...
        admin.dispose()
        if required:
            pytest.fail(
                f"PostgreSQL at TEST_POSTGRES_URL is not usable: {error.__class__.__name__}"
            )
        pytest.skip(f"PostgreSQL at TEST_POSTGRES_URL is not reachable: {error.__class__.__name__}")
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    if request.param == "sqlite":
        harness = Harness(tmp_path / "bot.db")
        yield harness
        await harness.close()
        return
    urls = postgres_url()
    url = next(urls)
    harness = Harness(tmp_path / "unused.db", url=url)
    try:
        yield harness
    finally:
        await harness.close()
        next(urls, None)


@pytest.fixture
async def bot_sqlite(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path / "bot.db")
    yield harness
    await harness.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the newest schema, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
        migrated(url)
        yield url
        return
    urls = postgres_url()
    url = next(urls)
    migrated(url)
    yield url
    next(urls, None)
