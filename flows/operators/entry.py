"""The way onto a staff screen from wherever a staff member is in the chat."""

from __future__ import annotations

from flows.context import StepContext
from flows.states import OPERATOR_ENTRY, OPERATOR_STATES, State


async def enter(ctx: StepContext, target: State) -> bool:
    """Open a staff screen. Staff in the middle of a borrower's flow finish or /cancel it
    first, so nothing they were doing is lost; False then."""
    state = ctx.session.state
    if state not in OPERATOR_STATES and state not in OPERATOR_ENTRY:
        ctx.say(ctx._("Please finish or /cancel what you are doing first."))
        return False
    if state is not State.OP_CONSOLE:
        ctx.move(State.OP_CONSOLE)
    if target is not State.OP_CONSOLE:
        await ctx.go(target)
    return True
