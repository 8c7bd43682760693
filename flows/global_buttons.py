"""Buttons that work from any screen, like a command: the Repay button of a reminder.

An ordinary button carries its screen number and is refused once that screen has passed. A
reminder arrives outside the conversation, while the borrower may be anywhere in it, so its
button carries no screen: "g:repay:<loan id>". The data is still only a request: the loan must be
one of the presser's own open loans at the moment of the press, and the move goes through the
transition table like /repay. A forged id, another person's loan or a loan repaid meanwhile gets
"this button has expired" and changes nothing; a second tap opens the same repay screen again.
"""

from __future__ import annotations

from flows.context import StepContext
from flows.events import Button
from flows.states import CUSTOMER_STATES, State

GLOBAL = "g"  # in place of the screen number
REPAY = "repay:"


def repay_button(label: str, loan_id: str) -> Button:
    return Button(label, f"{GLOBAL}:{REPAY}{loan_id}")


def is_global(token: str) -> bool:
    return token.startswith(f"{GLOBAL}:")


async def on_global_button(ctx: StepContext, choice: str) -> None:
    from flows.steps.base import expired  # the steps' notices make these buttons

    if choice.startswith(REPAY):
        await _repay(ctx, choice.removeprefix(REPAY))
    else:
        await expired(ctx)


async def _repay(ctx: StepContext, loan_id: str) -> None:
    from flows.steps.base import expired
    from flows.steps.home import line_and_loans  # the steps' notices make these buttons

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
