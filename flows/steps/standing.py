"""What every money screen starts from: the credit line and the loans as they stand today."""

from __future__ import annotations

from flows.context import StepContext
from flows.ports import CreditLine
from lending import servicing
from lending.servicing import Loan


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
    brought: list[Loan] = []
    for loan in loans:
        key = (loan.loan_id, today)
        known = ctx.loans_today.get(key)
        # The same loan object as last time (the store answers a repeated read with the same
        # objects): its result stands. A loan the step has changed since is brought anew.
        if known is None or known[0] is not loan:
            known = ctx.loans_today[key] = (loan, servicing.as_of(loan, today))
        brought.append(known[1])
    return line, brought
