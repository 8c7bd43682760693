"""The repayment waterfall and reading a repayment back, fen by fen, on hand-made instalments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lending.allocation import allocation_of, waterfall
from lending.ledger import Entry, Posting, entry
from lending.position import InstalmentState
from lending.schedule import Instalment, RepaymentMethod, Schedule

JAN, FEB, MAR = date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)
SCHEDULE = Schedule(
    300_00,
    date(2025, 12, 15),
    Decimal("0.0005"),
    RepaymentMethod.EQUAL_INSTALLMENT,
    (
        Instalment(1, JAN, 100_00, 5_00),
        Instalment(2, FEB, 100_00, 5_00),
        Instalment(3, MAR, 100_00, 5_00),
    ),
)


def state(number: int, principal: int, interest: int, penalty: int = 0) -> InstalmentState:
    return InstalmentState(SCHEDULE.instalments[number - 1], principal, interest, penalty, interest)


def test_a_single_fen_owed_is_settled_by_a_single_fen() -> None:
    overdue_penalty = [state(1, 0, 0, penalty=1)]
    assert waterfall(overdue_penalty, 1, date(2026, 1, 20)) == ({"penalty:1": 1}, 0)
    current_interest = [state(1, 0, 1)]
    assert waterfall(current_interest, 1, date(2026, 1, 10)) == ({"interest:1": 1}, 0)


def test_an_early_payment_goes_to_the_first_instalment_still_owing() -> None:
    """Instalment 1 is paid up (nothing outstanding): the payment reaches instalment 2, not
    the borrower's credit."""
    states = [state(1, 0, 0), state(2, 100_00, 2_00), state(3, 100_00, 0)]
    settled, left = waterfall(states, 50_00, date(2026, 1, 10))
    assert settled == {"interest:2": 2_00, "principal:2": 48_00} and left == 0


def test_overdue_first_by_kind_then_the_current_instalment() -> None:
    states = [state(1, 100_00, 5_00, penalty=30), state(2, 100_00, 1_00)]
    settled, left = waterfall(states, 106_00, date(2026, 1, 20))
    assert settled == {"penalty:1": 30, "interest:1": 5_00, "principal:1": 100_00, "interest:2": 70}
    assert left == 0
    only_overdue, rest = waterfall(states, 200_00, date(2026, 1, 20), current=False)
    assert sum(only_overdue.values()) == 105_30 and rest == 200_00 - 105_30


def test_a_repayment_is_read_back_with_credit_applied_and_held() -> None:
    """Cash received, credit held from before applied, overdue and current parts, and the
    surplus held again; accounts that are not receivables are left out wherever they sort."""
    item = Entry(
        "pay-1",
        date(2026, 1, 20),
        "repayment",
        (
            Posting("cash", 90_00),
            Posting("borrower_credit", 20_01),
            Posting("another_account", 0),
            Posting("penalty:1", -1_00),
            Posting("interest:1", -5_00),
            Posting("principal:1", -100_00),
            Posting("interest:2", -1_00),
            Posting("principal:2", -2_00),
            Posting("borrower_credit", -1_01),
        ),
    )
    read = allocation_of(item, SCHEDULE)
    assert (read.received_fen, read.from_credit_fen, read.to_credit_fen) == (90_00, 20_01, 1_01)
    assert (read.penalty_overdue_fen, read.interest_overdue_fen, read.principal_overdue_fen) == (
        1_00,
        5_00,
        100_00,
    )
    assert (read.interest_current_fen, read.principal_current_fen) == (1_00, 2_00)
    assert read.applied_fen == 109_00


def test_one_fen_of_held_credit_applied_counts_as_applied() -> None:
    item = entry("pay-2", JAN, "credit_applied", {"borrower_credit": 1, "interest:1": -1})
    read = allocation_of(item, SCHEDULE)
    assert (read.from_credit_fen, read.to_credit_fen, read.interest_current_fen) == (1, 0, 1)


def test_on_its_due_date_an_instalment_is_current_and_the_rest_is_held() -> None:
    """Not overdue until the day after: paid on the due date, it is settled as the current
    instalment (interest, then principal) and nothing goes on to the next one."""
    states = [state(1, 100_00, 5_00), state(2, 100_00, 0)]
    settled, left = waterfall(states, 150_00, JAN)
    assert settled == {"interest:1": 5_00, "principal:1": 100_00} and left == 45_00
