"""The schema's version: upgrading it with Alembic, and checking it at start-up without Alembic.

Tables are defined once, in storage/tables.py; every change to them is a migration in
storage/migrations/versions/. `python run_bot.py migrate` (or `python -m storage.schema URL`)
upgrades a database; the bot itself only reads the revision the database is at and compares it
with the newest migration file, so neither Alembic nor SQLAlchemy is loaded into the
long-running process, whose idle memory `make bench` holds to a plain aiogram bot's.
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from storage.sql import Tx

MIGRATIONS = Path(__file__).parent / "migrations"
FIRST_REVISION = "0001"  # the schema as it stood before migrations (created by create_all)
MIGRATE_HINT = "run `python run_bot.py migrate`"

_REVISION = re.compile(r"^revision\b[^=]*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


class SchemaError(RuntimeError):
    """The database's schema does not match this code; the message says what to do."""


@cache
def revisions() -> dict[str, tuple[str, ...]]:
    """Every migration this code ships: revision -> the revisions it follows."""
    found: dict[str, tuple[str, ...]] = {}
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        revision = _REVISION.search(text)
        if revision is None:
            continue
        down = _DOWN_REVISION.search(text)
        found[revision.group(1)] = tuple(_QUOTED.findall(down.group(1))) if down else ()
    return found


def head_revision() -> str:
    """The newest migration; exactly one, or the lead has two branches to merge."""
    known = revisions()
    followed = {parent for parents in known.values() for parent in parents}
    heads = sorted(set(known) - followed)
    if len(heads) != 1:
        raise SchemaError(
            f"the migrations have {len(heads)} heads ({', '.join(heads)}): "
            "merge them with `alembic merge heads`"
        )
    return heads[0]


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    revisions: tuple[str, ...]  # what alembic_version holds; () when it is missing or empty
    has_tables: bool  # any of the bot's tables exist (a database made before migrations)


def _table_exists(tx: Tx, name: str) -> bool:
    if tx.postgres:
        return tx.scalar("SELECT to_regclass(:name) IS NOT NULL", name=name) is True
    return (
        tx.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name", name=name)
        is not None
    )


def read_version(tx: Tx) -> SchemaVersion:
    has_tables = _table_exists(tx, "users")
    if not _table_exists(tx, "alembic_version"):
        return SchemaVersion((), has_tables)
    rows = tx.all("SELECT version_num FROM alembic_version ORDER BY version_num")
    return SchemaVersion(tuple(row.version_num for row in rows), has_tables)


def problem(version: SchemaVersion) -> str | None:
    """Why the bot must not start on a database at this version; None when it is current."""
    head = head_revision()
    if version.revisions == (head,):
        return None
    if not version.revisions:
        what = "was created before migrations" if version.has_tables else "has no tables yet"
        return f"the database {what}: {MIGRATE_HINT}"
    unknown = [revision for revision in version.revisions if revision not in revisions()]
    if unknown:
        return (
            f"the database schema ({', '.join(unknown)}) is ahead of this code ({head}): "
            "run the newer code, or downgrade the database with alembic"
        )
    return f"the database schema ({', '.join(version.revisions)}) is behind this code ({head}): {MIGRATE_HINT}"


def check_schema(tx: Tx) -> None:
    """A unit of work for start-up: raise SchemaError unless the schema is current."""
    reason = problem(read_version(tx))
    if reason is not None:
        raise SchemaError(reason)


def is_current(tx: Tx) -> bool:
    """For readiness probes: the schema matches this code."""
    return problem(read_version(tx)) is None


# -- upgrading: Alembic, in whichever process runs the migrate command ------------------------

MIGRATION_LOCK = 0x43484C4D  # one pg_advisory_xact_lock id: replicas started together migrate once


def alembic_config(url: str) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision`. A database made before migrations (its
    tables are the first migration's) is recorded as being at the first revision first."""
    from alembic import command
    from sqlalchemy import create_engine, inspect, pool, text

    from storage.urls import sync_url

    config = alembic_config(url)
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            config.attributes["connection"] = connection  # type: ignore[attr-defined]
            tables = set(inspect(connection).get_table_names())
            if "users" in tables and "alembic_version" not in tables:
                command.stamp(config, FIRST_REVISION)  # type: ignore[arg-type]
            command.upgrade(config, revision)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)  # type: ignore[arg-type]


async def migrate_in_child(url: str) -> None:
    """Upgrade from a child process, so the caller never loads Alembic and SQLAlchemy."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "storage.schema", url, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await child.communicate()
    if child.returncode != 0:
        last = (errors.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise SchemaError(f"could not migrate the database: {last}")


if __name__ == "__main__":
    migrate(sys.argv[1])
