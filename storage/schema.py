"""Creating the tables, from their SQLModel definitions.

`python -m storage.schema DATABASE_URL` creates whatever is missing. The bot runs it in a child
process at start-up: SQLAlchemy and SQLModel are needed for that one job, and keeping them out
of the long-running bot process saves ~25 MB of its resident memory (see `make bench`).
"""

from __future__ import annotations

import asyncio
import sys


class SchemaError(RuntimeError):
    pass


def create_schema(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
    from storage.database import sync_url

    engine = create_engine(sync_url(url))
    try:
        SQLModel.metadata.create_all(engine)
    finally:
        engine.dispose()


async def create_schema_in_child(url: str) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "storage.schema", url, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await child.communicate()
    if child.returncode != 0:
        last = (errors.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise SchemaError(f"could not create the tables: {last}")


if __name__ == "__main__":
    create_schema(sys.argv[1])
