"""Commands that work at every step: /start /help /cancel /back /language /loans /repay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from flows.complaints import complaint, leave, my_tickets
from flows.context import StepContext
from flows.help import help_
from flows.language import offer_languages
from flows.states import (
    BORROW_ORDER,
    CUSTOMER_STATES,
    ONBOARDING_ORDER,
    REPAY_ORDER,
    State,
    previous_in,
)
from flows.steps.decision import Declined
from flows.steps.home import cancel_to_home
from flows.steps.loans import show_loans
from flows.steps.onboarding import redeem_invite
from flows.steps.privacy import show_privacy

CommandHandler = Callable[[StepContext, str], Awaitable[None]]


async def start(ctx: StepContext, arg: str) -> None:
    state = ctx.session.state
    if state is State.NEW:
        await redeem_invite(ctx, arg.strip())
    elif state is State.CONSENT_DECLINED:
        await ctx.go(State.INTRO)
    elif state is State.DECLINED:
        await Declined().on_text(ctx, "")
    elif state in (*BORROW_ORDER, *REPAY_ORDER):
        await ctx.go(State.HOME)
    else:
        ctx.say(ctx._("Welcome back. Let's continue where you left off."))
        await ctx.reprompt()


async def cancel(ctx: StepContext, arg: str) -> None:
    state = ctx.session.state
    if state in (*BORROW_ORDER, *REPAY_ORDER):
        await cancel_to_home(ctx)
    elif state is State.REMINDERS:
        await ctx.go(State.HOME)
    elif state in ONBOARDING_ORDER:
        ctx.say(
            ctx._(
                "Paused. Everything you have told us is kept. Send /start whenever you want to continue."
            ),
            remove_keyboard=True,
        )
    elif state in (State.OP_BROADCAST_TEXT, State.OP_BROADCAST_PREVIEW):
        ctx.session.answers.pop("broadcast", None)
        ctx.say(ctx._("Broadcast cancelled; nothing was sent."))
        ctx.move(State.OP_CONSOLE)
    elif state is State.COMPLAINT:
        ctx.say(ctx._("No complaint was made."))
        leave(ctx)
        await ctx.reprompt()
    elif state is State.OP_REVIEW_REASON:
        ctx.session.answers.pop("review", None)
        ctx.say(ctx._("Nothing was decided."))
        ctx.move(State.OP_CONSOLE)
    else:
        ctx.say(ctx._("There is nothing to cancel right now."))


async def back(ctx: StepContext, arg: str) -> None:
    state = ctx.session.state
    previous = (
        previous_in(ONBOARDING_ORDER, state)
        or previous_in(BORROW_ORDER, state)
        or previous_in(REPAY_ORDER, state)
    )
    if previous is None:
        ctx.say(ctx._("There is no previous answer to correct here."))
        return
    await ctx.go(previous)


async def language(ctx: StepContext, arg: str) -> None:
    offer_languages(ctx)


def _customer_only(action: Callable[[StepContext], Awaitable[None]]) -> CommandHandler:
    async def handler(ctx: StepContext, arg: str) -> None:
        if ctx.session.state not in CUSTOMER_STATES:
            ctx.say(ctx._("This becomes available once your credit line is approved."))
            return
        await action(ctx)

    return handler


async def _repay(ctx: StepContext) -> None:
    await _to(ctx, State.REPAY_AMOUNT)


async def _reminders(ctx: StepContext) -> None:
    await _to(ctx, State.REMINDERS)


async def _menu(ctx: StepContext) -> None:
    await _to(ctx, State.HOME)


async def _to(ctx: StepContext, target: State) -> None:
    if ctx.session.state is target:
        await ctx.reprompt()
    else:
        await ctx.go(target)


async def privacy(ctx: StepContext, arg: str) -> None:
    await show_privacy(ctx)


def unknown_command(ctx: StepContext) -> None:
    ctx.say(ctx._("Sorry, I don't know that command. Send /help to see what you can do."))


COMMANDS: dict[str, CommandHandler] = {
    "start": start,
    "help": help_,
    "cancel": cancel,
    "back": back,
    "language": language,
    "loans": _customer_only(show_loans),
    "repay": _customer_only(_repay),
    "menu": _customer_only(_menu),
    "privacy": privacy,
    "reminders": _customer_only(_reminders),
    "complaint": complaint,
    "tickets": my_tickets,
}
