"""A thin layer over the DB-API driver: SQL written once with :name parameters, run on SQLite
(sqlite3) or PostgreSQL (psycopg), values adapted to each.

Why not SQLAlchemy Core here: a Core statement does its Python work before the driver sees
it. `python -m benchmarks.bench_sql` printed, for one primary-key read on SQLite: ~16 µs through
Core, ~4.4 µs through this layer, ~3.6 µs on the bare cursor (`make bench`, 2 cores, 25 November,
14:09 UTC). A conversation step is a handful of statements. SQLModel still defines the tables
and creates them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_PLAIN = (str, int, float, type(None))


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any: ...

    def execute(self, sql: str, params: Any = ...) -> Any: ...

    def executemany(self, sql: str, params: Any) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Row(dict[str, Any]):
    """A result row, read by column name: row["state"] or row.state."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@cache
def _pyformat(sql: str) -> str:
    """:name -> %(name)s for psycopg; literal % doubled first."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class Tx:
    """One open transaction on one connection, used by a unit of work on the database thread."""

    def __init__(self, cursor: Cursor, postgres: bool) -> None:
        self._cursor = cursor
        self.postgres = postgres
        self._savepoints = 0
        # The last timestamp bound and its text: a unit of work binds its `now` to most of
        # its statements, and SQLite's text form costs an isoformat each time.
        self._last_moment: tuple[datetime, Any] | None = None

    def _bind(self, value: Any) -> Any:
        if isinstance(value, datetime):
            last = self._last_moment
            if last is not None and last[0] is value:
                return last[1]
            bound = self._bind_moment(value)
            self._last_moment = (value, bound)
            return bound
        if isinstance(value, date):
            return value if self.postgres else value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    def _bind_moment(self, value: datetime) -> Any:
        value = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        # SQLAlchemy's text form for SQLite datetimes (fixed width, so text order is time
        # order), so a column reads the same whichever way it was written.
        return value if self.postgres else value.isoformat(" ", "microseconds")

    def _bound(self, params: dict[str, Any]) -> dict[str, Any]:
        # Most values go to the driver as they are; only those that need it are converted.
        for name, value in params.items():
            if type(value) not in _PLAIN:
                params[name] = self._bind(value)
        return params

    def execute(self, sql: str, **params: Any) -> int:
        self._cursor.execute(_pyformat(sql) if self.postgres else sql, self._bound(params))
        return int(self._cursor.rowcount)

    def executemany(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        """One statement for many rows, through the driver's own executemany: sqlite3 steps
        one prepared statement; psycopg pipelines the rows (one round trip, not one a row)."""
        if not rows:
            return
        # A batch repeats the same few dates and timestamps (the night, now): each is
        # converted once per call, not once per row.
        memo: dict[Any, Any] = {}

        def bind(value: Any) -> Any:
            if type(value) in _PLAIN:
                return value
            key = (type(value), value)  # True == Decimal(1): the type keeps them apart
            try:
                return memo[key]
            except KeyError:
                memo[key] = bound = self._bind(value)
                return bound
            except TypeError:  # unhashable: converted as it is
                return self._bind(value)

        bound = [{name: bind(value) for name, value in row.items()} for row in rows]
        self._cursor.executemany(_pyformat(sql) if self.postgres else sql, bound)

    def _rows(self) -> list[Row]:
        names = [column[0] for column in self._cursor.description]
        return [Row(zip(names, values, strict=True)) for values in self._cursor.fetchall()]

    def all(self, sql: str, **params: Any) -> list[Row]:
        self.execute(sql, **params)
        return self._rows()

    def tuples(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Rows as the driver returns them, by position: for bulk reads (a batch's instalments)
        where building a Row per record would cost more than the query."""
        self.execute(sql, **params)
        return [tuple(values) for values in self._cursor.fetchall()]

    def one(self, sql: str, **params: Any) -> Row | None:
        rows = self.all(sql, **params)
        return rows[0] if rows else None

    def scalar(self, sql: str, **params: Any) -> Any:
        self.execute(sql, **params)
        rows = self._cursor.fetchall()  # by position: no Row for one value
        return rows[0][0] if rows else None

    def savepoint(self) -> Savepoint:
        self._savepoints += 1
        return Savepoint(self, f"sp{self._savepoints}")


class Savepoint:
    """`with tx.savepoint():` undoes only what ran inside it when an exception leaves it."""

    def __init__(self, tx: Tx, name: str) -> None:
        self.tx = tx
        self.name = name

    def __enter__(self) -> None:
        self.tx.execute(f"SAVEPOINT {self.name}")

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.tx.execute(f"RELEASE SAVEPOINT {self.name}")
        else:
            self.tx.execute(f"ROLLBACK TO SAVEPOINT {self.name}")
            self.tx.execute(f"RELEASE SAVEPOINT {self.name}")


def in_list(values: Iterable[object], prefix: str) -> tuple[str, dict[str, object]]:
    """Named parameters for an IN list (":u0, :u1", values by name), as both drivers take them."""
    params = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{name}" for name in params), params


def is_unique_violation(error: BaseException) -> bool:
    """A unique constraint refused a row, on either driver (without importing psycopg)."""
    if isinstance(error, sqlite3.IntegrityError):
        return "UNIQUE" in str(error)
    return getattr(error, "sqlstate", None) == "23505"


def utc(value: datetime | str | None) -> datetime | None:
    """A stored timestamp (naive UTC, or SQLite text) -> an aware UTC datetime."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def day(value: date | str) -> date:
    """A stored date (a date, or SQLite text) -> a date."""
    return value if isinstance(value, date) else date.fromisoformat(value[:10])


def optional_day(value: date | str | None) -> date | None:
    return None if value is None else day(value)
