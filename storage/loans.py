"""Loans as rows, and back: the lending aggregate is rebuilt from its schedule and its ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from lending.ledger import Entry, Posting
from lending.schedule import Instalment, RepaymentMethod, Schedule
from lending.servicing import Loan
from storage.sql import Tx, day, optional_day


def insert_loan(
    tx: Tx, user_id: int, loan: Loan, key: str, term_months: int, now: datetime
) -> bool:
    """False when a loan with this idempotency key exists already: nothing is written."""
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


def insert_entries(tx: Tx, loan_id: str, entries: Iterable[Entry], now: datetime) -> None:
    """Posts entries whose key is new; an entry posted before is skipped (idempotency)."""
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
        tx.executemany(
            "INSERT INTO postings (entry_key, account, amount_fen) VALUES (:key, :account, :amount)",
            [
                {"key": item.key, "account": p.account, "amount": p.amount_fen}
                for p in item.postings
            ],
        )


def set_closed_through(tx: Tx, loan_id: str, closed_through: date | None) -> None:
    if closed_through is not None:
        tx.execute(
            "UPDATE loans SET closed_through = :day WHERE id = :loan",
            day=closed_through,
            loan=loan_id,
        )


def load_loans(tx: Tx, user_id: int) -> list[Loan]:
    loan_rows = tx.all(
        "SELECT * FROM loans WHERE user_id = :user ORDER BY created_at, id", user=user_id
    )
    if not loan_rows:
        return []
    instalments: dict[str, list[Instalment]] = defaultdict(list)
    for row in tx.all(
        "SELECT i.* FROM instalments i JOIN loans l ON l.id = i.loan_id WHERE l.user_id = :user"
        " ORDER BY i.loan_id, i.number",
        user=user_id,
    ):
        instalments[row.loan_id].append(
            Instalment(row.number, day(row.due_date), row.principal_fen, row.interest_fen)
        )
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
            schedule=Schedule(
                principal_fen=row.principal_fen,
                start=day(row.start_date),
                daily_rate=Decimal(row.daily_rate),
                method=RepaymentMethod(row.method),
                instalments=tuple(instalments[row.id]),
                fee_fen=row.fee_fen,
            ),
            penalty_daily_rate=Decimal(row.penalty_daily_rate),
            entries=tuple(entries[row.id]),
            closed_through=optional_day(row.closed_through),
            freeze_after_dpd=row.freeze_after_dpd,
        )
        for row in loan_rows
    ]
