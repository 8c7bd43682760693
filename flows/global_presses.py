"""What a global button does when pressed (flows/global_buttons.py says what one is): the press is
only a request, checked against the presser's own open loans at that moment."""

from __future__ import annotations

from flows.context import StepContext
from flows.global_buttons import REPAY
from flows.states import CUSTOMER_STATES, State
from flows.steps.base import expired
from flows.steps.standing import line_and_loans


async def on_global_button(ctx: StepContext, choice: str) -> None:
    if choice.startswith(REPAY):
        await _repay(ctx, choice.removeprefix(REPAY))
    else:
        await expired(ctx)


async def _repay(ctx: StepContext, loan_id: str) -> None:
    if ctx.session.state not in CUSTOMER_STATES or ctx.session.user_id is None:
        await expired(ctx)
        return
    _, loans = await line_and_loans(ctx)
    if not any(loan.loan_id == loan_id and loan.status == "active" for loan in loans):
        await expired(ctx)  # not theirs, never existed, or repaid meanwhile
        return
    # The repay screen takes the loan from the draft (a draft of another loan is dropped).
    ctx.session.answers["draft"] = {"loan_id": loan_id}
    if ctx.session.state is State.REPAY_AMOUNT:
        await ctx.reprompt()
    else:
        await ctx.go(State.REPAY_AMOUNT)
