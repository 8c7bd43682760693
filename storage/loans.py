"""Loans as rows, and back: the lending aggregate is rebuilt from its schedule and the position
persisted with its latest posting (loan_positions), so reading a loan costs the same whatever
its age. Every posting updates that position in its own transaction; `load_ledger` rebuilds a
loan from every entry instead, which is what tests check the position against.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lending.ledger import Entry, Posting
from lending.loan import status_of
from lending.position import Position
from lending.schedule import Instalment, RepaymentMethod, Schedule
from lending.servicing import Loan
from storage.codec import dumps
from storage.sql import Row, Tx, day, in_list, optional_day


def insert_loan(
    tx: Tx, user_id: int, loan: Loan, key: str, term_months: int, now: datetime,
    entries: Sequence[Entry] = (),
) -> bool:  # fmt: skip
    """False when a loan with this idempotency key exists already: nothing is written.
    `entries` (a drawdown's disbursement) are posted with the loan, and its position is
    written once with them taken in: a new loan has no ledger to read back or update."""
    s = loan.schedule
    created = tx.execute(
        "INSERT INTO loans (id, user_id, idempotency_key, principal_fen, term_months, method, daily_rate,"
        " penalty_daily_rate, fee_fen, start_date, freeze_after_dpd, closed_through, created_at)"
        " VALUES (:id, :user_id, :key, :principal, :term, :method, :rate, :penalty, :fee, :start,"
        " :freeze, :closed, :now) ON CONFLICT DO NOTHING",
        id=loan.loan_id,
        user_id=user_id,
        key=key,
        principal=s.principal_fen,
        term=term_months,
        method=str(s.method),
        rate=s.daily_rate,
        penalty=loan.penalty_daily_rate,
        fee=s.fee_fen,
        start=s.start,
        freeze=loan.freeze_after_dpd,
        closed=loan.closed_through,
        now=now,
    )
    if not created:
        return False
    posted = post_new_entries(tx, loan.loan_id, entries, now, last_seq=0) if entries else []
    position = loan.position.plus(posted) if posted else loan.position
    tx.execute(
        "INSERT INTO loan_positions (loan_id, user_id, status, closed_through, days_past_due,"
        " balances, updated_at) VALUES (:loan, :user, :status, :closed, 0, :balances, :now)",
        loan=loan.loan_id,
        user=user_id,
        status=status_of(position),
        closed=loan.closed_through or s.start - timedelta(days=1),
        balances=position_to_json(position),
        now=now,
    )
    tx.executemany(
        "INSERT INTO instalments (loan_id, number, due_date, principal_fen, interest_fen)"
        " VALUES (:loan_id, :number, :due, :principal, :interest)",
        [
            {
                "loan_id": loan.loan_id,
                "number": i.number,
                "due": i.due_date,
                "principal": i.principal_fen,
                "interest": i.interest_fen,
            }
            for i in s.instalments
        ],
    )
    return True


def insert_entries(
    tx: Tx, loan_id: str, entries: Iterable[Entry], now: datetime,
    days_past_due: int | None = None,
) -> None:  # fmt: skip
    """Posts entries whose key is new; an entry posted before is skipped (idempotency). The
    loan's position takes in exactly the entries posted, in the same transaction, and the
    days past due the caller worked out after them, when it did."""
    row = tx.one(
        "SELECT balances FROM loan_positions WHERE loan_id = :loan"
        + (" FOR UPDATE" if tx.postgres else ""),
        loan=loan_id,
    )
    posted = post_new_entries(tx, loan_id, entries, now)
    if row is not None and posted:
        position = position_from_json(row.balances).plus(posted)
        tx.execute(
            # A repayment can cure a loan: a loan no longer active is no longer late, and an
            # active one is as late as the caller found (else as the last close of business).
            "UPDATE loan_positions SET balances = :balances, status = :status, updated_at = :now,"
            " days_past_due = CASE WHEN :active THEN COALESCE(:dpd, days_past_due) ELSE 0 END"
            " WHERE loan_id = :loan",
            dpd=days_past_due,
            balances=position_to_json(position),
            status=status_of(position),
            active=status_of(position) == "active",
            now=now,
            loan=loan_id,
        )


def post_new_entries(
    tx: Tx, loan_id: str, entries: Iterable[Entry], now: datetime, last_seq: int | None = None
) -> list[Entry]:
    """The ledger rows of the entries whose key is new; returns those it posted. `last_seq`:
    the loan's last entry number when the caller knows it (0 for a loan it just inserted)."""
    done: list[Entry] = []
    seq = last_seq
    if seq is None:
        seq = tx.scalar(
            "SELECT COALESCE(MAX(seq), 0) AS seq FROM ledger_entries WHERE loan_id = :loan",
            loan=loan_id,
        )
    for item in entries:
        posted = tx.execute(
            "INSERT INTO ledger_entries (key, loan_id, seq, at, kind, posted_at)"
            " VALUES (:key, :loan, :seq, :at, :kind, :now) ON CONFLICT DO NOTHING",
            key=item.key,
            loan=loan_id,
            seq=seq + 1,
            at=item.at,
            kind=item.kind,
            now=now,
        )
        if not posted:
            continue
        seq += 1
        done.append(item)
        tx.executemany(
            "INSERT INTO postings (entry_key, account, amount_fen) VALUES (:key, :account, :amount)",
            [
                {"key": item.key, "account": p.account, "amount": p.amount_fen}
                for p in item.postings
            ],
        )
    return done


def set_closed_through(tx: Tx, loan_id: str, closed_through: date | None) -> None:
    """Only ever forward: a step that caught a loan up less far than the nightly job leaves
    the job's mark."""
    if closed_through is not None:
        tx.execute(
            "UPDATE loans SET closed_through = :day WHERE id = :loan"
            " AND (closed_through IS NULL OR closed_through < :day)",
            day=closed_through,
            loan=loan_id,
        )
        tx.execute(
            "UPDATE loan_positions SET closed_through = :day WHERE loan_id = :loan"
            " AND closed_through < :day",
            day=closed_through,
            loan=loan_id,
        )


def position_to_json(position: Position) -> str:
    return dumps(
        {
            "principal": position.principal,
            "interest": position.interest,
            "penalty": position.penalty,
            "accrued": position.accrued,
            "credit": position.credit_fen,
            "kinds": sorted(position.kinds),
            "latest": position.latest.isoformat() if position.latest else None,
            "penalty_charged": position.penalty_charged,
            "principal_days": position.principal_days,
        }
    )


def position_from_json(text: str) -> Position:
    data: dict[str, Any] = json.loads(text)
    return Position(
        principal=tuple(data["principal"]),
        interest=tuple(data["interest"]),
        penalty=tuple(data["penalty"]),
        accrued=tuple(data["accrued"]),
        credit_fen=data["credit"],
        kinds=frozenset(data["kinds"]),
        latest=optional_day(data["latest"]),
        penalty_charged=tuple(data.get("penalty_charged", ())),
        principal_days=tuple(data.get("principal_days", ())),
    )


@lru_cache(maxsize=1024)
def _rate(stored: str) -> Decimal:
    """A book has a few prices: each stored rate is parsed once (the nightly job and the
    sweep read thousands of loans at a time). Keyed by the text, so 0.00050 stays 0.00050."""
    return Decimal(stored)


def _schedule(row: Row, instalments: Sequence[Instalment]) -> Schedule:
    return Schedule(
        principal_fen=row.principal_fen,
        start=day(row.start_date),
        daily_rate=_rate(str(row.daily_rate)),
        method=RepaymentMethod(row.method),
        instalments=tuple(instalments),
        fee_fen=row.fee_fen,
    )


def instalments_where(tx: Tx, where: str, **params: Any) -> dict[str, list[Instalment]]:
    found: dict[str, list[Instalment]] = defaultdict(list)
    for loan_id, number, due, principal, interest in tx.tuples(
        "SELECT i.loan_id, i.number, i.due_date, i.principal_fen, i.interest_fen"
        " FROM instalments i JOIN loans l ON l.id = i.loan_id"
        f" WHERE {where} ORDER BY i.loan_id, i.number",
        **params,
    ):
        found[loan_id].append(Instalment(number, day(due), principal, interest))
    return found


def stored_loan(row: Row, instalments: Sequence[Instalment]) -> Loan:
    """A loan from its row joined with its position row (balances, position_through)."""
    return Loan(
        loan_id=row.id,
        schedule=_schedule(row, instalments),
        penalty_daily_rate=_rate(str(row.penalty_daily_rate)),
        closed_through=optional_day(row.position_through),
        freeze_after_dpd=row.freeze_after_dpd,
        opening=position_from_json(row.balances),
    )


# The columns `stored_loan` reads, in the order `_loan_rows` selects them after the user id.
_READ_COLUMNS = (
    "id", "principal_fen", "start_date", "daily_rate", "method", "fee_fen",
    "penalty_daily_rate", "freeze_after_dpd", "balances", "position_through",
)  # fmt: skip
# A loan's instalments as one text, "number,due,principal,interest;...": one statement reads a
# person's loans with their schedules, a row a loan (a row per instalment cost more to fetch).
_SCHEDULE_TEXT = {
    False: "(SELECT group_concat(i.number || ',' || i.due_date || ',' || i.principal_fen || ','"
    " || i.interest_fen, ';') FROM instalments i WHERE i.loan_id = l.id)",
    True: "(SELECT string_agg(i.number || ',' || to_char(i.due_date, 'YYYY-MM-DD') || ','"
    " || i.principal_fen || ',' || i.interest_fen, ';' ORDER BY i.number) FROM instalments i"
    " WHERE i.loan_id = l.id)",
}


def _loan_rows(tx: Tx, where: str, order: str, **params: Any) -> list[tuple[Any, ...]]:
    """The loans `where` picks, in `order`, with their positions and schedules in one
    statement: a row a loan, its user id first and then what `_loan_as_read` takes. On
    PostgreSQL their positions are locked, in that order."""
    return tx.tuples(
        "SELECT l.user_id, l.id, l.principal_fen, l.start_date, l.daily_rate, l.method,"
        " l.fee_fen, l.penalty_daily_rate, l.freeze_after_dpd, p.balances, p.closed_through, "
        + _SCHEDULE_TEXT[tx.postgres]
        + f" FROM loans l JOIN loan_positions p ON p.loan_id = l.id WHERE {where}"
        f" ORDER BY {order}" + (" FOR UPDATE OF p" if tx.postgres else ""),
        **params,
    )


def load_loans(tx: Tx, user_id: int) -> list[Loan]:
    """A person's loans at their persisted positions: a few rows each, whatever their age.
    On PostgreSQL the positions are locked, so the nightly job and this person's step never
    compute from the same position at once (the job skips a loan that is locked)."""
    rows = _loan_rows(tx, "l.user_id = :user", "l.created_at, l.id", user=user_id)
    return [_loan_as_read(row[1:]) for row in rows]


@lru_cache(maxsize=4096)
def _loan_as_read(row: tuple[Any, ...]) -> Loan:
    """The loan this row holds, built once for as long as it reads the same: every step that
    shows a person's loans reads them again, and most have not changed since (a posting
    changes the position's columns, a new schedule its text, so a changed loan is built
    anew). A Loan is immutable, so one object may serve every read of the same row."""
    parts = (part.split(",") for part in (row[-1] or "").split(";") if part)
    instalments = [
        Instalment(int(number), day(due), int(principal), int(interest))
        for number, due, principal, interest in parts
    ]
    instalments.sort(key=lambda instalment: instalment.number)  # whatever order the text had
    return stored_loan(Row(zip(_READ_COLUMNS, row, strict=False)), instalments)


def load_loans_of(tx: Tx, user_ids: Sequence[int]) -> dict[int, list[Loan]]:
    """`load_loans` for many people in one statement (the reminder sweep's batch). PostgreSQL
    locks the positions in user order, the order every batch job takes them in."""
    if not user_ids:
        return {}
    placeholders, params = in_list(user_ids, "u")
    found: dict[int, list[Loan]] = defaultdict(list)
    for row in _loan_rows(
        tx, f"l.user_id IN ({placeholders})", "l.user_id, l.created_at, l.id", **params
    ):
        found[row[0]].append(_loan_as_read(row[1:]))
    return found


def load_ledger(tx: Tx, user_id: int) -> list[Loan]:
    """A person's loans rebuilt from every ledger entry (the source of truth), for checks."""
    loan_rows = tx.all(
        "SELECT * FROM loans WHERE user_id = :user ORDER BY created_at, id", user=user_id
    )
    instalments = instalments_where(tx, "l.user_id = :user", user=user_id)
    postings: dict[str, list[Posting]] = defaultdict(list)
    for row in tx.all(
        "SELECT p.entry_key, p.account, p.amount_fen FROM postings p"
        " JOIN ledger_entries e ON e.key = p.entry_key JOIN loans l ON l.id = e.loan_id"
        " WHERE l.user_id = :user ORDER BY p.id",
        user=user_id,
    ):
        postings[row.entry_key].append(Posting(row.account, row.amount_fen))
    entries: dict[str, list[Entry]] = defaultdict(list)
    for row in tx.all(
        "SELECT e.key, e.loan_id, e.at, e.kind FROM ledger_entries e JOIN loans l ON l.id = e.loan_id"
        " WHERE l.user_id = :user ORDER BY e.loan_id, e.seq",
        user=user_id,
    ):
        entries[row.loan_id].append(Entry(row.key, day(row.at), row.kind, tuple(postings[row.key])))
    return [
        Loan(
            loan_id=row.id,
            schedule=_schedule(row, instalments[row.id]),
            penalty_daily_rate=Decimal(row.penalty_daily_rate),
            entries=tuple(entries[row.id]),
            closed_through=optional_day(row.closed_through),
            freeze_after_dpd=row.freeze_after_dpd,
        )
        for row in loan_rows
    ]
