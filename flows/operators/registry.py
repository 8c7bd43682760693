"""Every operator command: who may use it, what it does, and its menu line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from flows.context import StepContext
from flows.operators.access import Role, Staff

OperatorHandler = Callable[[StepContext, str, Staff], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class OperatorCommand:
    needs: Role
    handler: OperatorHandler
    description: str  # msgid for the command menu


def commands_for(role: Role | None) -> list[tuple[str, str]]:
    """(name, description msgid) of the commands `role` may use, in menu order."""
    from flows.operators.access import allows
    from flows.operators.commands import OPERATOR_COMMANDS

    return [
        (name, command.description)
        for name, command in OPERATOR_COMMANDS.items()
        if allows(role, command.needs)
    ]
