"""DATABASE_URL as people write it: which database it names, and the forms each library wants.

Apart from `storage.database` so that `storage.schema` (migrations) can read a URL without
importing the connection it is itself imported by.
"""

from __future__ import annotations

_SCHEMES = {
    "sqlite": "sqlite",
    "sqlite+aiosqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "postgresql+psycopg": "postgresql",
    "postgresql+asyncpg": "postgresql",
}


def database_kind(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in _SCHEMES:
        # The scheme only: the rest of a URL may hold a password.
        raise ValueError(f"must start with sqlite:/// or postgresql:// (not {scheme}://)")
    return _SCHEMES[scheme]


def sqlite_path(url: str) -> str:
    """sqlite:///relative.db, sqlite:////absolute.db, sqlite:///:memory: -> a sqlite3 path."""
    return url.partition(":///")[2] or ":memory:"


def sync_url(url: str) -> str:
    """DATABASE_URL as people write it -> a SQLAlchemy URL with a synchronous driver (for DDL)."""
    rest = url.partition("://")[2]
    return (
        f"sqlite:///{sqlite_path(url)}"
        if database_kind(url) == "sqlite"
        else f"postgresql+psycopg://{rest}"
    )
