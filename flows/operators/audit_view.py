"""/audit [user|action] [n]: the newest operator audit rows."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.context import StepContext
from flows.operators.access import Staff, audit
from flows.operators.targets import parse_user_ref, resolve
from flows.validation import normalise_text

DEFAULT_ROWS = 10
MAX_ROWS = 50
_ROW_COUNTS = frozenset(str(n) for n in range(1, MAX_ROWS + 1))


def audit_query(arg: str) -> tuple[str | None, int] | None:
    """`[user or action] [rows]` -> (the user or action word, rows), or None if malformed.
    A number counts rows only after another word and only up to MAX_ROWS: alone or larger it
    is a Telegram or account id, a form the bot itself suggests for naming people."""
    words = normalise_text(arg).split()
    limit = DEFAULT_ROWS
    if len(words) > 1 and words[-1] in _ROW_COUNTS:
        limit = int(words.pop())
    if len(words) > 1:
        return None
    return (words[0] if words else None), limit


def names_user(word: str) -> bool:
    # "tg:x" or "@bob" are attempts at a user: resolving them explains the forms.
    return parse_user_ref(word) is not None or any(c in word for c in ":#@")


async def show_audit(ctx: StepContext, arg: str, staff: Staff) -> None:
    query = audit_query(arg)
    if query is None:
        ctx.say(ctx._("Usage: /audit [user or action] [number of rows, 1-{most}]", most=MAX_ROWS))
        audit(ctx, staff, "audit", typed=arg, result="invalid")
        return
    word, limit = query
    target: int | None = None
    action: str | None = None
    if word is not None and names_user(word):
        account = await resolve(ctx, word)
        if account is None:
            audit(ctx, staff, "audit", typed=arg, result="unknown_user")
            return
        target = account.user_id
    elif word is not None:
        action = word.lower()
    entries = await ctx.store.audit_entries(target, action, limit)
    audit(ctx, staff, "audit", target=target, typed=arg)
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
