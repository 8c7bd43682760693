"""/audit [user|action] [n]: the newest operator audit rows."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.context import StepContext
from flows.operators.access import Staff, audit
from flows.operators.targets import resolve

DEFAULT_ROWS = 10
MAX_ROWS = 50


async def show_audit(ctx: StepContext, arg: str, staff: Staff) -> None:
    words = arg.split()
    limit = DEFAULT_ROWS
    if words and words[-1].isascii() and words[-1].isdigit():
        limit = max(1, min(MAX_ROWS, int(words.pop()[:6])))
    target: int | None = None
    action: str | None = None
    if len(words) > 1:
        ctx.say(ctx._("Usage: /audit [user or action] [number of rows]"))
        audit(ctx, staff, "audit", parameters=arg[:100], result="invalid")
        return
    if words:
        if any(c in words[0] for c in ":#@"):
            account = await resolve(ctx, words[0])
            if account is None:
                audit(ctx, staff, "audit", parameters=arg[:100], result="unknown_user")
                return
            target = account.user_id
        else:
            action = words[0].lower()
    entries = await ctx.store.audit_entries(target, action, limit)
    audit(ctx, staff, "audit", target=target, parameters=arg[:100])
    if not entries:
        ctx.say(ctx._("No audit entries match."))
        return
    zone = ZoneInfo(ctx.session.timezone)
    lines = [
        " · ".join(
            part
            for part in (
                format_datetime(entry.at, "short", tzinfo=zone, locale=ctx.session.locale),
                f"{entry.role} tg:{entry.actor}",
                entry.action,
                f"id:{entry.target_user_id}" if entry.target_user_id is not None else "",
                entry.parameters,
                entry.result,
            )
            if part
        )
        for entry in entries
    ]
    ctx.say(ctx._("Latest audit entries:") + "\n" + "\n".join(lines))
