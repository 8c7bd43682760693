"""Complaints, the operators' side: /tickets (open ones, oldest first), /reply, /close."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.changes import AnswerTicket, CloseTicket, Notice
from flows.complaints import CATEGORIES, STATUS_LABELS
from flows.context import StepContext
from flows.events import Reply
from flows.i18n import texts
from flows.operators.access import Staff, audit, masked
from flows.ports import TicketView

LISTED = 20


async def open_tickets(ctx: StepContext, arg: str, staff: Staff) -> None:
    audit(ctx, staff, "tickets")
    waiting = await ctx.store.open_tickets(LISTED)
    if not waiting:
        ctx.say(ctx._("No open complaints."))
        return
    zone = ZoneInfo(ctx.session.timezone)
    lines = [ctx._("Open complaints, oldest first:")]
    for t in waiting:
        lines.append(
            ctx._(
                "#{number} · id:{user} · {category} · {status} · answer by {due}\n{text}",
                number=t.number,
                user=t.account.user_id,
                category=ctx._(CATEGORIES.get(t.category, t.category)),
                status=ctx._(STATUS_LABELS.get(t.status, t.status)),
                due=format_datetime(t.respond_by, "short", tzinfo=zone, locale=ctx.session.locale),
                text=masked(t.text)[:200],
            )
        )
    lines.append(ctx._("/reply <ticket> <text> answers; /close <ticket> closes."))
    ctx.say("\n".join(lines))


async def _find(ctx: StepContext, staff: Staff, action: str, number: str) -> TicketView | None:
    ticket = await ctx.store.ticket(number.removeprefix("#")) if number else None
    if ticket is None:
        ctx.say(ctx._("There is no ticket #{number}.", number=number.removeprefix("#")))
        audit(ctx, staff, action, parameters=masked(number)[:40], result="unknown_ticket")
    elif ticket.status == "closed":
        ctx.say(ctx._("Ticket #{number} is closed already.", number=ticket.number))
        audit(ctx, staff, action, target=ticket.account.user_id, result="closed")
        return None
    return ticket


def _notice(ctx: StepContext, ticket: TicketView, what: str, text: str) -> Notice:
    return Notice(
        ticket.account.chat_id,
        ticket.account.platform,
        Reply(text),
        f"ticket:{what}:{ticket.number}:{ctx.event.update_id}:{ctx.now.isoformat()}",
    )


async def reply(ctx: StepContext, arg: str, staff: Staff) -> None:
    number, _, text = arg.strip().partition(" ")
    text = text.strip()
    if not number or not text:
        ctx.say(ctx._("Usage: /reply <ticket> <text>"))
        audit(ctx, staff, "reply", parameters=masked(arg)[:80], result="invalid")
        return
    ticket = await _find(ctx, staff, "reply", number)
    if ticket is None:
        return
    told = (
        texts(ticket.account.locale)
        ._("Answer to your complaint #{number}:")
        .format(number=ticket.number)
    )
    ctx.changes.append(
        AnswerTicket(
            ticket.ticket_id,
            staff.platform_user_id,
            text,
            _notice(ctx, ticket, "reply", f"{told}\n{text}"),
        )
    )
    audit(ctx, staff, "reply", target=ticket.account.user_id, parameters=f"#{ticket.number}")
    ctx.say(ctx._("Sent to the borrower of ticket #{number}.", number=ticket.number))


async def close(ctx: StepContext, arg: str, staff: Staff) -> None:
    number = arg.strip()
    if not number:
        ctx.say(ctx._("Usage: /close <ticket>"))
        audit(ctx, staff, "close", result="invalid")
        return
    ticket = await _find(ctx, staff, "close", number)
    if ticket is None:
        return
    told = (
        texts(ticket.account.locale)
        ._(
            "Your complaint #{number} is closed. If it is not settled for you, send /complaint again."
        )
        .format(number=ticket.number)
    )
    ctx.changes.append(CloseTicket(ticket.ticket_id, _notice(ctx, ticket, "close", told)))
    audit(ctx, staff, "close", target=ticket.account.user_id, parameters=f"#{ticket.number}")
    ctx.say(ctx._("Ticket #{number} is closed; the borrower was told.", number=ticket.number))
