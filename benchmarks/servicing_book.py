"""A loan book written straight into the tables, for the servicing benchmarks: N borrowers with
one 3-month loan each (a few start dates), their positions, instalments and disbursements, and
optionally reminder rows: a history of sent ones and a share due now."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from lending.schedule import RepaymentMethod, add_months, build_schedule
from lending.servicing import disburse, open_loan
from storage.database import Database, sqlite_path
from storage.loans import position_to_json
from storage.sql import Tx

CHUNK = 20_000
RATE = Decimal("0.0005")


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _plain(value: Any) -> Any:
    """SQLite's text forms, as storage.sql.Tx binds them."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


async def _insert(db: Database, sql: str, rows: Iterator[dict[str, Any]]) -> None:
    if db.is_sqlite:
        # Setting up a million-loan book through the unit of work would take minutes; the
        # driver's own executemany on a side connection takes seconds.
        connection = sqlite3.connect(sqlite_path(db.url))
        try:
            for chunk in _chunks(rows):
                connection.executemany(
                    sql, [{k: _plain(v) for k, v in row.items()} for row in chunk]
                )
                connection.commit()
        finally:
            connection.close()
        return
    import psycopg

    with psycopg.connect(db.url) as pg, pg.cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.executemany(re.sub(r":(\w+)", r"%(\1)s", sql), chunk)
            pg.commit()


async def build_book(
    db: Database, n: int, today: date, *, ledger: bool = True, starts: int = 28
) -> None:
    """n borrowers, loan i started (i % starts) + 1 days before `today` (with starts=1: all
    due tomorrow), closed through yesterday."""
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    kinds = []
    for k in range(starts):
        start = (
            add_months(today + timedelta(days=1), -1)
            if starts == 1
            else today - timedelta(days=k + 1)
        )
        schedule = build_schedule(300_000, 3, RATE, RepaymentMethod.EQUAL_INSTALLMENT, start)
        loan = open_loan("L", schedule)
        entry = disburse(loan, start, "x")
        kinds.append((schedule, position_to_json(loan.with_entries([entry]).position), entry))

    await _insert(
        db,
        "INSERT INTO users (id, platform, platform_user_id, created_at)"
        " VALUES (:id, 'telegram', :id, :now)",
        ({"id": i, "now": now} for i in range(1, n + 1)),
    )
    await _insert(
        db,
        "INSERT INTO conversations (user_id, chat_id, locale, timezone, status, state, answers,"
        " screen, version, updated_at) VALUES (:id, :id, 'zh_CN', 'Asia/Shanghai', 'active',"
        " 'home', '{}', 1, 1, :now)",
        ({"id": i, "now": now} for i in range(1, n + 1)),
    )
    await _insert(
        db,
        "INSERT INTO loans (id, user_id, idempotency_key, principal_fen, term_months, method,"
        " daily_rate, penalty_daily_rate, fee_fen, start_date, freeze_after_dpd, closed_through,"
        " created_at) VALUES (:id, :user, :id, 300000, 3, 'equal_installment', '0.0005',"
        " '0.00075', 0, :start, 1, :closed, :now)",
        (
            {
                "id": f"L{i}",
                "user": i,
                "start": kinds[i % starts][0].start,
                "closed": today - timedelta(days=1),
                "now": now,
            }
            for i in range(1, n + 1)
        ),
    )
    await _insert(
        db,
        "INSERT INTO loan_positions (loan_id, user_id, status, closed_through, days_past_due,"
        " balances, updated_at) VALUES (:id, :user, 'active', :closed, 0, :balances, :now)",
        (
            {
                "id": f"L{i}",
                "user": i,
                "closed": today - timedelta(days=1),
                "balances": kinds[i % starts][1],
                "now": now,
            }
            for i in range(1, n + 1)
        ),
    )
    await _insert(
        db,
        "INSERT INTO instalments (loan_id, number, due_date, principal_fen, interest_fen)"
        " VALUES (:loan, :number, :due, :principal, :interest)",
        (
            {
                "loan": f"L{i}",
                "number": inst.number,
                "due": inst.due_date,
                "principal": inst.principal_fen,
                "interest": inst.interest_fen,
            }
            for i in range(1, n + 1)
            for inst in kinds[i % starts][0].instalments
        ),
    )
    if ledger:
        await _insert(
            db,
            "INSERT INTO ledger_entries (key, loan_id, seq, at, kind, posted_at)"
            " VALUES (:key, :loan, 1, :at, 'disbursement', :now)",
            (
                {"key": f"L{i}:d", "loan": f"L{i}", "at": kinds[i % starts][0].start, "now": now}
                for i in range(1, n + 1)
            ),
        )
        await _insert(
            db,
            "INSERT INTO postings (entry_key, account, amount_fen) VALUES (:key, :account, :amount)",
            (
                {"key": f"L{i}:d", "account": p.account, "amount": p.amount_fen}
                for i in range(1, n + 1)
                for p in kinds[i % starts][2].postings
            ),
        )


async def add_reminders(db: Database, n: int, due_share: float, at: datetime) -> int:
    """A sent reminder in every loan's history, and `due_share` of the loans with one due at
    `at`; returns how many are due."""
    await _insert(
        db,
        "INSERT INTO reminders (user_id, loan_id, instalment, kind, local_day, due_at, status,"
        " updated_at) VALUES (:id, :loan, 2, 'before_3', :day, :due, 'sent', :due)",
        (
            {"id": i, "loan": f"L{i}", "day": (at - timedelta(days=30)).date(),
             "due": at - timedelta(days=30)}
            for i in range(1, n + 1)
        ),
    )  # fmt: skip
    step = round(1 / due_share)
    due = list(range(1, n + 1, step))
    await _insert(
        db,
        "INSERT INTO reminders (user_id, loan_id, instalment, kind, local_day, due_at, status,"
        " updated_at) VALUES (:id, :loan, 1, 'before_1', :day, :due, 'planned', :due)",
        ({"id": i, "loan": f"L{i}", "day": at.date(), "due": at} for i in due),
    )
    return len(due)


def reset_sweep(tx: Tx) -> None:
    """Undo a sweep so it can be measured again (memory run)."""
    tx.execute("UPDATE reminders SET status = 'planned', outbox_id = NULL WHERE instalment = 1")
    tx.execute("DELETE FROM reminder_days")
    tx.execute("DELETE FROM outbox")
