"""Loans as rows, and back: the lending aggregate is rebuilt from its schedule and its ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from lending.ledger import Entry, Posting
from lending.schedule import Instalment, RepaymentMethod, Schedule
from lending.servicing import Loan
from storage.tables import Instalment as InstalmentRow
from storage.tables import LedgerEntry, table
from storage.tables import Loan as LoanRow
from storage.tables import Posting as PostingRow

LOANS = table(LoanRow)
INSTALMENTS = table(InstalmentRow)
ENTRIES = table(LedgerEntry)
POSTINGS = table(PostingRow)


def insert_loan(
    conn: Connection, user_id: int, loan: Loan, key: str, term_months: int, now: datetime
) -> None:
    s = loan.schedule
    conn.execute(
        insert(LOANS).values(
            id=loan.loan_id,
            user_id=user_id,
            idempotency_key=key,
            principal_fen=s.principal_fen,
            term_months=term_months,
            method=str(s.method),
            daily_rate=str(s.daily_rate),
            penalty_daily_rate=str(loan.penalty_daily_rate),
            fee_fen=s.fee_fen,
            start_date=s.start,
            freeze_after_dpd=loan.freeze_after_dpd,
            closed_through=loan.closed_through,
            created_at=now,
        )
    )
    conn.execute(
        insert(INSTALMENTS),
        [
            {
                "loan_id": loan.loan_id,
                "number": i.number,
                "due_date": i.due_date,
                "principal_fen": i.principal_fen,
                "interest_fen": i.interest_fen,
            }
            for i in s.instalments
        ],
    )


def insert_entries(conn: Connection, loan_id: str, entries: Iterable[Entry], now: datetime) -> None:
    """Posts entries whose key is new; an entry posted before is skipped (idempotency)."""
    entries = list(entries)
    if not entries:
        return
    keys = [e.key for e in entries]
    known = set(conn.execute(select(ENTRIES.c.key).where(ENTRIES.c.key.in_(keys))).scalars())
    seq = conn.execute(
        select(func.coalesce(func.max(ENTRIES.c.seq), 0)).where(ENTRIES.c.loan_id == loan_id)
    ).scalar_one()
    fresh = [e for e in entries if e.key not in known]
    for offset, item in enumerate(fresh, start=1):
        conn.execute(
            insert(ENTRIES).values(
                key=item.key,
                loan_id=loan_id,
                seq=seq + offset,
                at=item.at,
                kind=item.kind,
                posted_at=now,
            )
        )
    rows = [
        {"entry_key": e.key, "account": p.account, "amount_fen": p.amount_fen}
        for e in fresh
        for p in e.postings
    ]
    if rows:
        conn.execute(insert(POSTINGS), rows)


def set_closed_through(conn: Connection, loan_id: str, closed_through: object) -> None:
    if closed_through is not None:
        conn.execute(
            update(LOANS).where(LOANS.c.id == loan_id).values(closed_through=closed_through)
        )


def load_loans(conn: Connection, user_id: int) -> list[Loan]:
    loan_rows = conn.execute(
        select(LOANS).where(LOANS.c.user_id == user_id).order_by(LOANS.c.created_at, LOANS.c.id)
    ).all()
    if not loan_rows:
        return []
    ids = [row.id for row in loan_rows]
    instalments: dict[str, list[Instalment]] = defaultdict(list)
    for row in conn.execute(
        select(INSTALMENTS)
        .where(INSTALMENTS.c.loan_id.in_(ids))
        .order_by(INSTALMENTS.c.loan_id, INSTALMENTS.c.number)
    ):
        instalments[row.loan_id].append(
            Instalment(row.number, row.due_date, row.principal_fen, row.interest_fen)
        )
    postings: dict[str, list[Posting]] = defaultdict(list)
    entry_rows = conn.execute(
        select(ENTRIES).where(ENTRIES.c.loan_id.in_(ids)).order_by(ENTRIES.c.loan_id, ENTRIES.c.seq)
    ).all()
    keys = [row.key for row in entry_rows]
    for row in (
        conn.execute(select(POSTINGS).where(POSTINGS.c.entry_key.in_(keys)).order_by(POSTINGS.c.id))
        if keys
        else ()
    ):
        postings[row.entry_key].append(Posting(row.account, row.amount_fen))
    entries: dict[str, list[Entry]] = defaultdict(list)
    for row in entry_rows:
        entries[row.loan_id].append(Entry(row.key, row.at, row.kind, tuple(postings[row.key])))
    return [
        Loan(
            loan_id=row.id,
            schedule=Schedule(
                principal_fen=row.principal_fen,
                start=row.start_date,
                daily_rate=Decimal(row.daily_rate),
                method=RepaymentMethod(row.method),
                instalments=tuple(instalments[row.id]),
                fee_fen=row.fee_fen,
            ),
            penalty_daily_rate=Decimal(row.penalty_daily_rate),
            entries=tuple(entries[row.id]),
            closed_through=row.closed_through,
            freeze_after_dpd=row.freeze_after_dpd,
        )
        for row in loan_rows
    ]
