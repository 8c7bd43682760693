"""New test databases at the newest schema, made by the migrations themselves, cheaply.

Running the migrations costs ~90 ms a database; most tests need hundreds of them. SQLite files
are copied from one template migrated once per test run (~1 ms); PostgreSQL databases are
migrated directly (fewer of them).
"""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

from storage.schema import migrate
from storage.urls import database_kind, sqlite_path


@cache
def _sqlite_template() -> Path:
    template = Path(tempfile.mkdtemp(prefix="chatlend-template-")) / "template.db"
    migrate(f"sqlite:///{template}")
    return template


def migrated(url: str) -> None:
    """Bring the new, empty database at `url` to the newest schema."""
    path = sqlite_path(url) if database_kind(url) == "sqlite" else None
    if path is None or path == ":memory:" or Path(path).exists():
        migrate(url)
        return
    shutil.copyfile(_sqlite_template(), path)
