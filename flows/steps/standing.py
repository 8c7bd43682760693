"""What every money screen starts from: the credit line and the loans as they stand today."""

from __future__ import annotations

from datetime import date

from flows.context import StepContext
from flows.lru import Lru
from flows.ports import CreditLine
from lending import servicing
from lending.servicing import Loan

# Loans brought up to a day, by id and day, each with the loan object it was computed from. The
# store answers a read of unchanged rows with the same objects (storage.loans._loan_as_read), and
# `as_of` is a pure function of the loan and the day, so a result stands for as long as the same
# object comes back: a Confirm reads the loans twice (the check, then the home screen), and every
# later screen that day reads them again. A loan the step or a payment changed is a new object,
# so it is brought anew. Bounded as that read cache is.
_BROUGHT: Lru[tuple[str, date], tuple[Loan, Loan]] = Lru(4096)


def brought_to(loan: Loan, today: date) -> Loan:
    """`servicing.as_of(loan, today)`, computed once for this loan object and day."""
    key = (loan.loan_id, today)
    known = _BROUGHT.get(key)
    if known is not None and known[0] is loan:
        return known[1]
    brought = servicing.as_of(loan, today)
    _BROUGHT.put(key, (loan, brought))
    return brought


async def line_and_loans(ctx: StepContext) -> tuple[CreditLine | None, list[Loan]]:
    """The credit line and the loans as they stand today, this step's own changes included.

    Loans are brought up to today (credit held applied on due dates, interest earned so far)
    in memory, so what the borrower sees never waits for the nightly close of business.
    """
    assert ctx.session.user_id is not None
    line = ctx.pending_line or await ctx.store.credit_line(ctx.session.user_id)
    stored = await ctx.store.loans(ctx.session.user_id)
    pending = ctx.pending_loans
    loans = [pending.get(loan.loan_id, loan) for loan in stored]
    loans += [
        loan for loan_id, loan in pending.items() if loan_id not in {x.loan_id for x in stored}
    ]
    today = ctx.today
    return line, [brought_to(loan, today) for loan in loans]
