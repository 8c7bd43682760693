"""What an operator command is: who may use it, what it does, and its menu line (the commands
themselves are in flows/operators/commands.py)."""

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
