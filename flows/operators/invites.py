"""/invite [uses] [days], /invites, /invite_revoke <code>: an admin's invite links."""

from __future__ import annotations

import secrets

from flows.changes import CreateInvite, RevokeInvite
from flows.context import StepContext
from flows.operators.access import Staff, audit
from flows.validation import normalise_text

INVITE_CODE_BYTES = 16  # 128 bits, as the command-line invites
MAX_USES, MAX_DAYS = 1000, 90


def _prefix(staff: Staff) -> str:
    return f"admin:{staff.platform_user_id}:"


def _number(word: str, default: int, most: int) -> int | None:
    if not word:
        return default
    if not (word.isascii() and word.isdigit()) or not 1 <= int(word[:6]) <= most:
        return None
    return int(word)


async def invite(ctx: StepContext, arg: str, staff: Staff) -> None:
    words = normalise_text(arg).split()
    uses = _number(words[0] if words else "", 1, MAX_USES)
    days = _number(words[1] if len(words) > 1 else "", 7, MAX_DAYS)
    if uses is None or days is None or len(words) > 2:
        ctx.say(
            ctx._(
                "Usage: /invite [uses 1-{uses}] [days 1-{days}], e.g. /invite 5 7",
                uses=MAX_USES,
                days=MAX_DAYS,
            )
        )
        audit(ctx, staff, "invite", typed=arg, result="invalid")
        return
    code = secrets.token_urlsafe(INVITE_CODE_BYTES)
    inviter = _prefix(staff) + code[:8]
    ctx.changes.append(CreateInvite(code, inviter, uses, days))
    audit(ctx, staff, "invite", parameters=f"{code[:8]}… uses={uses} days={days}")
    name = ctx.config.bot_username
    link = f"https://t.me/{name}?start={code}" if name else f"/start {code}"
    ctx.say(
        ctx._(
            "Invite for {uses} people, valid {days} days:\n{link}",
            uses=ctx.t.number(uses),
            days=ctx.t.number(days),
            link=link,
        )
    )


async def my_invites(ctx: StepContext, arg: str, staff: Staff) -> None:
    audit(ctx, staff, "invites")
    mine = await ctx.store.invites_by(_prefix(staff))
    if not mine:
        ctx.say(ctx._("You have made no invites yet. /invite makes one."))
        return
    lines = [ctx._("Your invites:")]
    for item in mine:
        lines.append(
            ctx._(
                "{code} · {left} uses left · until {until} · joined {joined} · approved {approved}",
                code=item.code,
                left=ctx.t.number(item.uses_left),
                until=ctx.t.date(item.expires_at.date()),
                joined=ctx.t.number(item.joined),
                approved=ctx.t.number(item.approved),
            )
        )
    ctx.say("\n".join(lines))


async def invite_revoke(ctx: StepContext, arg: str, staff: Staff) -> None:
    code = arg.strip()
    mine = {item.code for item in await ctx.store.invites_by(_prefix(staff))}
    if code not in mine:
        ctx.say(ctx._("You have no invite with that code. /invites lists yours."))
        audit(ctx, staff, "invite_revoke", typed=code[:8], result="unknown_invite")
        return
    ctx.changes.append(RevokeInvite(code, _prefix(staff)))
    audit(ctx, staff, "invite_revoke", parameters=code[:8])
    ctx.say(ctx._("The invite is revoked: nobody else can join with it."))
