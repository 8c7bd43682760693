"""How Alembic reaches the database and what it compares it with: SQLModel's metadata, filled
by storage/tables.py (the one place tables are defined)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.urls import sync_url

config = context.config


def database_url() -> str:
    """`-x url=...`, then the URL a caller set on the config, then DATABASE_URL, then the
    bot's own default (the same file `make run` uses)."""
    return (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
        or "sqlite:///./chatlend.db"
    )


def run_migrations() -> None:
    url = sync_url(database_url())
    connection = config.attributes.get("connection")
    if connection is not None:  # a caller lent its own connection (tests, storage.schema)
        _run(connection, url)
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run(connection, url)
    finally:
        engine.dispose()


def _run(connection: object, url: str) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=SQLModel.metadata,
        # SQLite alters a table by copying it: Alembic's batch mode does that for us.
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=sync_url(database_url()), target_metadata=SQLModel.metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations()
