"""A loan's schedule replaced after a partial prepayment (lending.prepayment)."""

from __future__ import annotations

from lending.schedule import Schedule
from storage.sql import Tx


def replace_instalments(tx: Tx, loan_id: str, schedule: Schedule) -> None:
    """The loan's instalment rows become the new schedule's (settled ones are unchanged)."""
    tx.execute("DELETE FROM instalments WHERE loan_id = :loan", loan=loan_id)
    tx.executemany(
        "INSERT INTO instalments (loan_id, number, due_date, principal_fen, interest_fen)"
        " VALUES (:loan_id, :number, :due, :principal, :interest)",
        [
            {
                "loan_id": loan_id,
                "number": i.number,
                "due": i.due_date,
                "principal": i.principal_fen,
                "interest": i.interest_fen,
            }
            for i in schedule.instalments
        ],
    )
