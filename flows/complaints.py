"""Complaints, the borrower's side: /complaint (or the Complaint button on home) takes a
category and a text and answers with a ticket number and when a person will answer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.changes import OpenTicket
from flows.context import StepContext
from flows.i18n import N_
from flows.states import COMPLAINT_FROM, State
from flows.steps.base import Step, choice_rows

RESPONSE_WORKING_DAYS = 2
MAX_COMPLAINT_CHARS = 2000
CATEGORIES = {
    "loan": N_("A loan or a repayment"),
    "decision": N_("A decision about my application"),
    "account": N_("My account was frozen or limited"),
    "privacy": N_("My personal data"),
    "other": N_("Something else"),
}
STATUS_LABELS = {
    "open": N_("waiting for an answer"),
    "answered": N_("answered"),
    "closed": N_("closed"),
}


def add_working_days(day: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `day`."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def respond_by(now: datetime, timezone: str) -> datetime:
    """The end of the promised working day, in the borrower's zone."""
    zone = ZoneInfo(timezone)
    day = add_working_days(now.astimezone(zone).date(), RESPONSE_WORKING_DAYS)
    return datetime.combine(day, time(18, 0), tzinfo=zone)


async def complaint(ctx: StepContext, arg: str) -> None:
    state = ctx.session.state
    if state is State.COMPLAINT:
        await ctx.reprompt()
        return
    if state not in COMPLAINT_FROM:
        ctx.say(
            ctx._(
                "A complaint can be made from the home menu, or while your application waits. Please finish or /cancel what you are doing first."
            )
        )
        return
    ctx.session.answers["complaint"] = {"back": str(state)}
    await ctx.go(State.COMPLAINT)


async def my_tickets(ctx: StepContext, arg: str) -> None:
    mine = await ctx.store.tickets_of(ctx.session.user_id) if ctx.session.user_id else []
    if not mine:
        ctx.say(ctx._("You have no complaints. /complaint opens one."))
        return
    lines = [ctx._("Your complaints:")]
    for ticket in mine:
        lines.append(
            ctx._(
                "#{number} · {category} · {status} · opened {date}",
                number=ticket.number,
                category=ctx._(CATEGORIES.get(ticket.category, ticket.category)),
                status=ctx._(STATUS_LABELS.get(ticket.status, ticket.status)),
                date=ctx.t.date(ticket.created_at.astimezone(ZoneInfo(ctx.session.timezone))),
            )
        )
    ctx.say("\n".join(lines))


def leave(ctx: StepContext) -> None:
    draft = ctx.session.answers.pop("complaint", {})
    ctx.move(State(draft.get("back", State.HOME)))


class Complaint(Step):
    state = State.COMPLAINT
    where = N_("A complaint")

    async def prompt(self, ctx: StepContext) -> None:
        draft = ctx.session.answers.setdefault("complaint", {"back": str(State.HOME)})
        if "category" not in draft:
            ctx.say(
                ctx._("What is your complaint about? /cancel goes back."),
                buttons=choice_rows(ctx, [(label, key) for key, label in CATEGORIES.items()], 1),
            )
        else:
            ctx.say(ctx._("Please describe what happened, in one message. /cancel goes back."))

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice in CATEGORIES:
            ctx.session.answers["complaint"]["category"] = choice
            await ctx.reprompt()
        else:
            await super().on_button(ctx, choice)

    async def on_text(self, ctx: StepContext, text: str) -> None:
        draft = ctx.session.answers.get("complaint", {})
        text = text.strip()
        if "category" not in draft:
            ctx.say(ctx._("Please tap one of the buttons below."))
            await ctx.reprompt()
            return
        if not 5 <= len(text) <= MAX_COMPLAINT_CHARS:
            ctx.say(
                ctx._(
                    "Please describe it in 5 to {n} characters.",
                    n=ctx.t.number(MAX_COMPLAINT_CHARS),
                )
            )
            return
        user_id = ctx.session.user_id or 0
        number = f"{user_id}-{len(await ctx.store.tickets_of(user_id)) + 1}"
        due = respond_by(ctx.now, ctx.session.timezone)
        ctx.changes.append(OpenTicket(number, draft["category"], text, due))
        ctx.say(
            ctx._(
                "Thank you. Your complaint is ticket #{number}. A person will answer here by {date}. /tickets shows your complaints.",
                number=number,
                date=ctx.t.date(due.date()),
            )
        )
        leave(ctx)
        await ctx.reprompt()
