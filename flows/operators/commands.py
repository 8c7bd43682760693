"""The operator commands by name, in the order of the staff command menu."""

from __future__ import annotations

from flows.i18n import N_
from flows.operators.access import Role
from flows.operators.accounts import freeze, operator_role, unfreeze
from flows.operators.audit_view import show_audit
from flows.operators.broadcast_commands import broadcast, broadcast_cancel, broadcasts
from flows.operators.registry import OperatorCommand
from flows.operators.review import review

OPERATOR_COMMANDS: dict[str, OperatorCommand] = {
    "review": OperatorCommand(Role.OPERATOR, review, N_("Applications waiting for a person")),
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
