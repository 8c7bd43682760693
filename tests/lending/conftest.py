from datetime import date
from decimal import Decimal

import pytest

from lending.schedule import RepaymentMethod, build_schedule
from lending.servicing import Loan, disburse, open_loan

START = date(2026, 1, 15)


def make_loan(
    principal_fen: int = 1_200_000,
    term: int = 12,
    rate: str = "0.0005",
    method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT,
    fee_fen: int = 0,
    loan_id: str = "L1",
) -> Loan:
    schedule = build_schedule(principal_fen, term, Decimal(rate), method, START, fee_fen=fee_fen)
    loan = open_loan(loan_id, schedule)
    return loan.with_entries([disburse(loan, START, f"{loan_id}:disbursement")])


@pytest.fixture
def loan() -> Loan:
    return make_loan()
