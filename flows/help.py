"""/help: where the person is in the conversation and what they can do from there. The home
menu's Help button shows it too, so it lives apart from flows/commands.py, which imports the
home screen."""

from __future__ import annotations

from flows.context import StepContext
from flows.states import CUSTOMER_STATES, ONBOARDING_ORDER, State


async def help_(ctx: StepContext, arg: str) -> None:
    where = ctx.screens[ctx.session.state].where
    lines = [ctx._("You are at: {where}", where=ctx._(where))]
    if ctx.session.state in ONBOARDING_ORDER:
        lines.append(
            ctx._(
                "Answer the question above. /back corrects your previous answer; /cancel pauses and keeps everything you have given."
            )
        )
    elif ctx.session.state in CUSTOMER_STATES:
        lines.append(
            ctx._("/loans shows your loans, /repay repays, /cancel goes back to the menu.")
        )
    elif ctx.session.state is State.NEW:
        lines.append(
            ctx._(
                "This service is by invitation. Open the invite link you received, or send /start followed by your invite code."
            )
        )
    if ctx.session.state is not State.NEW:
        lines.append(
            ctx._("/privacy shows your consents and your data: withdraw, download or delete.")
        )
    lines.append(ctx._("/language switches between 中文 and English. /help shows this message."))
    ctx.say("\n".join(lines))
