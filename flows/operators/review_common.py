"""What both kinds of review item share: the card's buttons and masking, and the notice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.changes import Notice
from flows.context import StepContext
from flows.events import Button, Reply
from flows.masking import mask_id_number, mask_phone
from flows.ports import Account, Identity


def verb_buttons(ctx: StepContext, kind: str, number: int) -> list[Button]:
    return [
        ctx.button(ctx._("Approve"), f"{kind}:approve:{number}"),
        ctx.button(ctx._("Decline"), f"{kind}:decline:{number}"),
        ctx.button(ctx._("Ask for more information"), f"{kind}:info:{number}"),
    ]


def masked_person(who: Identity | None) -> list[str]:
    """Name, ID and phone as a reviewer may see them: never in full."""
    if who is None:
        return []
    name = (who.name or "")[:1] + "*" * max(0, len(who.name or "") - 1)
    return [f"{name} · {mask_id_number(who.id_number or '')} · {mask_phone(who.phone or '')}"]


def waiting_since(ctx: StepContext, at: datetime) -> str:
    zone = ZoneInfo(ctx.session.timezone)
    return format_datetime(at, "short", tzinfo=zone, locale=ctx.session.locale)


def notice_to(ctx: StepContext, account: Account, key: str, text: str) -> Notice:
    """A message to the borrower decided on, queued with the decision; the key is unique per
    operator update, so a replayed update queues nothing twice."""
    return Notice(
        account.chat_id,
        account.platform,
        Reply(text),
        f"{key}:{ctx.event.update_id}:{ctx.now.isoformat()}",
    )
