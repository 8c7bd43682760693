"""Migrations: the models and the migrations agree, every migration goes up and down without
losing a row, and the bot refuses a database whose schema is not the one it was written for."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

import run_bot
import storage.tables  # noqa: F401  (the tables as defined)
from storage import Database, schema
from storage.schema import (
    FIRST_REVISION,
    SchemaError,
    SchemaVersion,
    alembic_config,
    check_schema,
    downgrade,
    head_revision,
    migrate,
)
from storage.urls import sync_url
from tests.databases import migrated
from tests.storage.conftest import postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    urls = postgres_url()
    yield next(urls)
    next(urls, None)


def test_models_and_migrations_agree(empty_url: str) -> None:
    """`alembic check`: a database at the newest migration has exactly the tables, columns,
    types, indexes and constraints storage/tables.py defines; a table changed without its
    migration fails here."""
    migrate(empty_url)
    command.check(alembic_config(empty_url))  # type: ignore[arg-type]


def test_a_model_change_without_its_migration_is_caught(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'drift.db'}"
    migrate(url)
    extra = sa.Column("nickname", sa.String(32), nullable=True)
    SQLModel.metadata.tables["users"].append_column(extra)
    try:
        with pytest.raises(Exception, match="nickname"):
            command.check(alembic_config(url))  # type: ignore[arg-type]
    finally:
        SQLModel.metadata.tables["users"]._columns.remove(extra)


def test_the_bot_reads_the_same_head_as_alembic() -> None:
    """The bot finds the newest migration without loading Alembic; both must agree."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))  # type: ignore[arg-type]
    assert [head_revision()] == script.get_heads()
    assert set(schema.revisions()) == {rev.revision for rev in script.walk_revisions()}


# -- nothing lost going up and down --------------------------------------------------------


def _sample(column: sa.Column[Any]) -> Any:
    """One value per column type, the same for every column of a type, so every foreign key
    finds its row (users.id = 1, loans.id = 'k1', ...)."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 11, 23, 2, 0, 0, 123456)
    if isinstance(kind, sa.Date):
        return date(2026, 11, 23)
    if isinstance(kind, sa.Numeric):
        return Decimal("0.000547945205479452054794520548")
    return "k1"  # text (rates on SQLite are text too)


def _fill_every_table(url: str) -> dict[str, list[str]]:
    """A row in each table the database has (reflected, so also tables added later)."""
    engine = create_engine(sync_url(url))
    try:
        reflected = sa.MetaData()
        reflected.reflect(engine)
        columns = {}
        with engine.begin() as connection:
            for table in reflected.sorted_tables:
                if table.name == "alembic_version":
                    continue
                connection.execute(table.insert().values({c.name: _sample(c) for c in table.c}))
                columns[table.name] = [c.name for c in table.c]
        return columns
    finally:
        engine.dispose()


# Columns a later migration drops on purpose. identities.birth_date: no plaintext birth dates at
# rest; the encrypted ID number it was read from still holds it (storage.store.TxStore.identity).
DROPPED = {("identities", "birth_date")}


def _surviving(columns: dict[str, list[str]]) -> dict[str, list[str]]:
    return {t: [c for c in names if (t, c) not in DROPPED] for t, names in columns.items()}


def _contents(url: str, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return {
                table: sorted(
                    tuple(str(value) for value in row)
                    for row in connection.execute(text(f"SELECT {', '.join(names)} FROM {table}"))
                )
                for table, names in columns.items()
            }
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_loses_nothing(empty_url: str) -> None:
    migrate(empty_url, FIRST_REVISION)
    columns = _surviving(_fill_every_table(empty_url))
    assert {"users", "loans", "ledger_entries", "postings", "outbox"} <= set(columns)
    before = _contents(empty_url, columns)
    assert all(len(rows) == 1 for rows in before.values())
    migrate(empty_url)
    downgrade(empty_url, FIRST_REVISION)
    migrate(empty_url)
    assert _contents(empty_url, columns) == before


def test_every_migration_goes_down_and_up_again(empty_url: str) -> None:
    """A stairway: each step of the history upgrades, downgrades and upgrades again."""
    script = ScriptDirectory.from_config(alembic_config(empty_url))  # type: ignore[arg-type]
    for revision in reversed(list(script.walk_revisions())):
        migrate(empty_url, revision.revision)
        downgrade(empty_url, revision.down_revision or "base")  # type: ignore[arg-type]
        migrate(empty_url, revision.revision)
    command.check(alembic_config(empty_url))  # type: ignore[arg-type]


def test_a_database_made_before_migrations_is_adopted_with_its_rows(tmp_path: Path) -> None:
    """Deployments from before migrations have the first revision's tables, made by
    create_all, and no alembic_version: migrate takes them over and keeps every row."""
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    migrate(url, FIRST_REVISION)  # the very tables the code before migrations created
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    columns = _surviving(_fill_every_table(url))
    before = _contents(url, columns)
    migrate(url)
    assert _contents(url, columns) == before
    command.check(alembic_config(url))  # type: ignore[arg-type]


def test_creating_a_test_database_stays_cheap(tmp_path: Path) -> None:
    """Every flow test starts from a migrated database: a copy of a migrated template."""
    migrated(f"sqlite:///{tmp_path / 'warm.db'}")  # the template, once per run
    started = time.perf_counter()
    for n in range(20):
        migrated(f"sqlite:///{tmp_path / f'copy{n}.db'}")
    assert (time.perf_counter() - started) / 20 < 0.02


# -- the bot refuses a schema it was not written for ------------------------------------------


async def _check(url: str) -> None:
    db = Database(url)
    try:
        await db.run(check_schema)
    finally:
        await db.close()


async def test_the_bot_starts_only_on_the_current_schema(empty_url: str) -> None:
    with pytest.raises(SchemaError, match=r"no tables yet: run `python run_bot.py migrate`"):
        await _check(empty_url)
    migrate(empty_url)
    await _check(empty_url)
    db = Database(empty_url)
    await db.run(lambda tx: tx.execute("UPDATE alembic_version SET version_num = 'f00d'"))
    await db.close()
    with pytest.raises(SchemaError, match=r"\(f00d\) is ahead of this code"):
        await _check(empty_url)


def test_a_schema_behind_the_code_asks_for_migrate(monkeypatch: pytest.MonkeyPatch) -> None:
    newer = {FIRST_REVISION: (), "0002": (FIRST_REVISION,)}
    monkeypatch.setattr(schema, "revisions", lambda: newer)
    reason = schema.problem(SchemaVersion((FIRST_REVISION,), has_tables=True))
    assert reason == (
        "the database schema (0001) is behind this code (0002): run `python run_bot.py migrate`"
    )
    assert schema.problem(SchemaVersion(("0002",), has_tables=True)) is None


def test_run_bot_refuses_then_migrates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "PII_KEY", "BOT_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert run_bot.main(["invite"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if "chatlend:" in line]
    assert err == ["chatlend: the database has no tables yet: run `python run_bot.py migrate`"]
    assert run_bot.main(["migrate"]) == 0
    assert f"at {head_revision()}" in capsys.readouterr().out
    assert run_bot.main(["invite"]) == 0
    assert "Invite code:" in capsys.readouterr().out


def test_make_run_never_migrates_a_shared_postgresql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    called: list[str] = []
    monkeypatch.setattr(schema, "migrate", lambda url, revision="head": called.append(url))
    assert run_bot.main(["migrate", "--only-sqlite"]) == 0
    assert called == []
