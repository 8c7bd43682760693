"""The operator commands by name, in the order of the staff command menu."""

from __future__ import annotations

from flows.i18n import N_
from flows.operators.access import Role, allows
from flows.operators.accounts import freeze, operator_role, unfreeze
from flows.operators.audit_view import show_audit
from flows.operators.broadcast_commands import broadcast, broadcast_cancel, broadcasts
from flows.operators.insight import show_stats, show_user
from flows.operators.invites import invite, invite_revoke, my_invites
from flows.operators.registry import OperatorCommand
from flows.operators.review import review
from flows.operators.tickets import close, open_tickets, reply

OPERATOR_COMMANDS: dict[str, OperatorCommand] = {
    "review": OperatorCommand(Role.OPERATOR, review, N_("Applications waiting for a person")),
    "tickets": OperatorCommand(Role.OPERATOR, open_tickets, N_("Open complaints")),
    "reply": OperatorCommand(
        Role.OPERATOR, reply, N_("Answer a complaint: /reply <ticket> <text>")
    ),
    "close": OperatorCommand(Role.OPERATOR, close, N_("Close a complaint")),
    "user": OperatorCommand(Role.OPERATOR, show_user, N_("One account, masked: /user <user>")),
    "stats": OperatorCommand(Role.OPERATOR, show_stats, N_("The funnel and the portfolio")),
    "invite": OperatorCommand(Role.ADMIN, invite, N_("Make an invite link: /invite [uses] [days]")),
    "invites": OperatorCommand(Role.ADMIN, my_invites, N_("My invites and who joined")),
    "invite_revoke": OperatorCommand(Role.ADMIN, invite_revoke, N_("Revoke an invite")),
    "freeze": OperatorCommand(Role.ADMIN, freeze, N_("Freeze an account: /freeze <user> <reason>")),
    "unfreeze": OperatorCommand(Role.ADMIN, unfreeze, N_("Unfreeze an account")),
    "operator": OperatorCommand(Role.ADMIN, operator_role, N_("Grant or revoke the operator role")),
    "audit": OperatorCommand(Role.ADMIN, show_audit, N_("The operator audit log")),
    "broadcast": OperatorCommand(Role.ADMIN, broadcast, N_("Compose a broadcast")),
    "broadcast_cancel": OperatorCommand(
        Role.ADMIN, broadcast_cancel, N_("Stop the running broadcast")
    ),
    "broadcasts": OperatorCommand(Role.ADMIN, broadcasts, N_("Past broadcasts and their figures")),
}


def commands_for(role: Role | None) -> list[tuple[str, str]]:
    """(name, description msgid) of the commands `role` may use, in menu order."""
    return [
        (name, command.description)
        for name, command in OPERATOR_COMMANDS.items()
        if allows(role, command.needs)
    ]
