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
    OPERATOR_STATES,
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
    elif state in OPERATOR_STATES and await _to_borrower_screens(ctx):
        await ctx.reprompt()
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
    elif state in (State.OP_BROADCAST_TEXT, State.OP_BROADCAST_PREVIEW, State.OP_REVIEW_REASON):
        _drop_staff_drafts(ctx, tell=True)
        ctx.move(State.OP_CONSOLE)
    elif state is State.COMPLAINT:
        ctx.say(ctx._("No complaint was made."))
        leave(ctx)
        await ctx.reprompt()
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


def _drop_staff_drafts(ctx: StepContext, *, tell: bool) -> None:
    """What was half-made on the staff screen being left: kept, it would sit in the person's
    own data (their /privacy download) and could be picked up by a later screen."""
    state, answers = ctx.session.state, ctx.session.answers
    if state in (State.OP_BROADCAST_TEXT, State.OP_BROADCAST_PREVIEW):
        answers.pop("broadcast", None)
        if tell:
            ctx.say(ctx._("Broadcast cancelled; nothing was sent."))
    elif state is State.OP_REVIEW_REASON:
        answers.pop("review", None)
        if tell:
            ctx.say(ctx._("Nothing was decided."))


async def belongs_outside_staff_screens(ctx: StepContext) -> State:
    """Staff reach their screens only from NEW or HOME (OPERATOR_ENTRY), and HOME only with a
    credit line, so the line tells which of the two a person goes back to."""
    user = ctx.session.user_id
    line = None if user is None else await ctx.store.credit_line(user)
    return State.HOME if line is not None else State.NEW


async def _to_borrower_screens(ctx: StepContext) -> bool:
    """A staff member who also borrows leaves the staff screens with a borrower's command;
    staff who do not borrow have no borrower's screen to go to and stay (False)."""
    if await belongs_outside_staff_screens(ctx) is not State.HOME:
        return False
    _drop_staff_drafts(ctx, tell=True)
    ctx.move(State.HOME)
    return True


async def leave_revoked_staff_screen(ctx: StepContext) -> None:
    """Off a staff screen whose role was revoked, to where the account belongs. The draft goes
    unannounced: its author can no longer act on it."""
    target = await belongs_outside_staff_screens(ctx)
    _drop_staff_drafts(ctx, tell=False)
    ctx.move(target)


def _customer_only(action: Callable[[StepContext], Awaitable[None]]) -> CommandHandler:
    async def handler(ctx: StepContext, arg: str) -> None:
        if ctx.session.state in OPERATOR_STATES:
            await _to_borrower_screens(ctx)
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
