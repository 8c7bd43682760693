"""Who is staff: admins (ADMIN_IDS), operators (OPERATOR_IDS, or granted in the chat)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from flows.changes import AuditOperatorAction
from flows.context import StepContext
from flows.states import State


class Role(StrEnum):
    OPERATOR = "operator"  # review queue, complaints, user lookup, stats
    ADMIN = "admin"  # everything, including broadcast, freeze and invites


# Who may answer each staff screen (checked by the router, like the commands).
SCREEN_ROLES = {
    State.OP_CONSOLE: Role.OPERATOR,
    State.OP_BROADCAST_TEXT: Role.ADMIN,
    State.OP_BROADCAST_PREVIEW: Role.ADMIN,
    State.OP_REVIEW_REASON: Role.OPERATOR,
}


@dataclass(frozen=True, slots=True)
class Staff:
    """The operator behind the current update, as the router found them."""

    platform_user_id: int
    role: Role


def allows(role: Role | None, needed: Role) -> bool:
    return role is Role.ADMIN or (role is Role.OPERATOR and needed is Role.OPERATOR)


async def role_of(ctx: StepContext) -> Role | None:
    """Asked only for operator commands, so a borrower's update costs no extra read."""
    user = ctx.event.user_id
    if user in ctx.config.admin_ids:
        return Role.ADMIN
    if user in ctx.config.operator_ids or await ctx.store.granted_operator(
        ctx.event.platform, user
    ):
        return Role.OPERATOR
    return None


async def staff_on_screen(ctx: StepContext) -> Staff:
    """Who answers a staff screen, for the audit row (the router let only staff in)."""
    return Staff(ctx.event.user_id, await role_of(ctx) or Role.OPERATOR)


def audit(
    ctx: StepContext,
    staff: Staff,
    action: str,
    *,
    target: int | None = None,
    parameters: str = "",
    typed: str = "",
    result: str = "ok",
) -> None:
    """Write the audit row in the same commit as the action. `typed` is what the operator
    typed, masked here so that no command can forget to; `parameters` are what the bot itself
    built (its own ids and amounts, reasons it has masked already), kept whole."""
    recorded = " ".join(part for part in (parameters, masked(typed)) if part)
    ctx.changes.append(
        AuditOperatorAction(staff.platform_user_id, staff.role, action, target, recorded, result)
    )


_LONG_NUMBER = re.compile(r"\d{7,}")


def masked(text: str) -> str:
    """Free text an operator typed, fit for the audit log: any long number (an ID number, a
    phone, a card) keeps its first three and last two digits only."""
    return _LONG_NUMBER.sub(lambda m: m[0][:3] + "*" * (len(m[0]) - 5) + m[0][-2:], text)[:300]
