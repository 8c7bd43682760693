"""What the credit decision is told about the applicant's own loans with us."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flows.config import FlowConfig
from flows.context import StepContext
from flows.events import Event, Text
from flows.ports import Identity
from flows.session import Session
from flows.step_table import STEPS
from flows.steps.decision import _policy_context
from lending.servicing import Loan, repay
from tests.lending.conftest import make_loan


class Book:
    """The reads `_policy_context` makes, answered from memory."""

    def __init__(self, loans: list[Loan]) -> None:
        self._loans = loans

    async def loans(self, user_id: int) -> list[Loan]:
        return self._loans

    async def identity_taken(self, user_id: int | None, id_number: str) -> bool:
        return False

    async def phone_taken(self, user_id: int | None, phone: str) -> bool:
        return False


async def overdue_as_told(loans: list[Loan], today: date) -> bool:
    now = datetime.combine(today, time(4), tzinfo=UTC)  # noon in Shanghai
    session = Session("telegram", 501, 501, "en", "Asia/Shanghai", user_id=1)
    event = Event("telegram", 501, 501, 1, now, "en", Text("Apply"))
    store: Any = Book(loans)
    ctx = StepContext(event, session, store, FlowConfig(), now, STEPS)
    told = await _policy_context(ctx, Identity("Li Wei", None, None, None))
    return told.has_overdue_loan


async def test_an_applicant_who_paid_ahead_is_not_told_overdue_while_the_nights_are_not_closed() -> (
    None
):
    """Close of business may be behind: the first instalment, paid ahead, is settled by the
    credit held for it, which the stored position alone does not show."""
    unpaid = make_loan()
    first = unpaid.schedule.instalments[0]
    paid = repay(unpaid, first.total_fen, first.due_date - timedelta(days=5), "early").loan
    later = first.due_date + timedelta(days=5)
    assert await overdue_as_told([paid], later) is False
    assert await overdue_as_told([paid, make_loan(loan_id="L2")], later) is True
