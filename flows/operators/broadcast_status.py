"""The one status message of a running broadcast, as the admin reads it (edited in place)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flows.i18n import texts


@dataclass(frozen=True, slots=True)
class Figures:
    sent: int
    failed: int
    unreachable: int
    left: int
    rate: float  # messages a second since the start
    finished: bool = False
    cancelled: bool = False


def status_text(locale: str, broadcast_id: int, f: Figures) -> str:
    t = texts(locale)
    if f.cancelled:
        head = t._("Broadcast #{id} cancelled.")
    elif f.finished:
        head = t._("Broadcast #{id} finished.")
    else:
        head = t._("Broadcast #{id} is running.")
    body = t._(
        "Sent {sent} · failed {failed} · unreachable {unreachable} · left {left}\nRate {rate}/s · about {eta} min to go"
    )
    eta = round(f.left / f.rate / 60) if f.rate > 0 and f.left else 0
    return (
        head.format(id=broadcast_id)
        + "\n"
        + body.format(
            sent=t.number(f.sent),
            failed=t.number(f.failed),
            unreachable=t.number(f.unreachable),
            left=t.number(f.left),
            rate=t.number(Decimal(f"{f.rate:.1f}")),
            eta=t.number(eta),
        )
    )
