"""/broadcast, /broadcast_cancel [id], /broadcasts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.changes import CancelBroadcast
from flows.context import StepContext
from flows.i18n import N_
from flows.operators.access import Staff, audit
from flows.operators.broadcast_rules import KIND_LABELS, Kind
from flows.operators.entry import enter
from flows.states import State
from flows.validation import normalise_text

RECENT = 10
STATUS_LABELS = {
    "running": N_("running"),
    "done": N_("finished"),
    "cancelled": N_("cancelled"),
}


async def broadcast(ctx: StepContext, arg: str, staff: Staff) -> None:
    entered = await enter(ctx, State.OP_BROADCAST_TEXT)
    audit(ctx, staff, "broadcast_compose", result="ok" if entered else "busy")


async def broadcast_cancel(ctx: StepContext, arg: str, staff: Staff) -> None:
    wanted = normalise_text(arg).removeprefix("#")
    if wanted and not (wanted.isascii() and wanted.isdigit()):
        ctx.say(ctx._("Usage: /broadcast_cancel [broadcast number]"))
        audit(ctx, staff, "broadcast_cancel", typed=arg, result="invalid")
        return
    broadcast_id = int(wanted[:12]) if wanted else await ctx.store.running_broadcast_id()
    running = {
        s.broadcast_id for s in await ctx.store.recent_broadcasts(50) if s.status == "running"
    }
    if broadcast_id is None or broadcast_id not in running:
        ctx.say(ctx._("No broadcast with that number is running."))
        audit(ctx, staff, "broadcast_cancel", typed=arg, result="not_running")
        return
    ctx.changes.append(CancelBroadcast(broadcast_id))
    audit(ctx, staff, "broadcast_cancel", parameters=f"#{broadcast_id}")
    ctx.say(ctx._("Broadcast #{id} is cancelled: nobody else will receive it.", id=broadcast_id))


async def broadcasts(ctx: StepContext, arg: str, staff: Staff) -> None:
    audit(ctx, staff, "broadcasts")
    summaries = await ctx.store.recent_broadcasts(RECENT)
    if not summaries:
        ctx.say(ctx._("No broadcasts yet."))
        return
    zone = ZoneInfo(ctx.session.timezone)
    lines = [ctx._("Recent broadcasts:")]
    for s in summaries:
        lines.append(
            ctx._(
                "#{id} {when} · {kind} · {status} · {sent}/{total} sent · {failed} failed · {unreachable} unreachable",
                id=s.broadcast_id,
                when=format_datetime(s.created_at, "short", tzinfo=zone, locale=ctx.session.locale),
                kind=ctx._(KIND_LABELS[Kind(s.kind)]),
                status=ctx._(STATUS_LABELS.get(s.status, s.status)),
                sent=ctx.t.number(s.counts.get("sent", 0)),
                total=ctx.t.number(s.total),
                failed=ctx.t.number(s.counts.get("failed", 0)),
                unreachable=ctx.t.number(s.counts.get("unreachable", 0)),
            )
        )
    ctx.say("\n".join(lines))
