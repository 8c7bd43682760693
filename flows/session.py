"""One person's conversation as the engine holds it between updates."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flows.states import State


class UserStatus(StrEnum):
    PROSPECT = "prospect"  # has written to us, not yet admitted by an invite
    ACTIVE = "active"
    FROZEN = "frozen"  # no drawdown; repayment still possible


@dataclass(slots=True)
class Session:
    platform: str
    platform_user_id: int
    chat_id: int
    locale: str
    timezone: str
    user_id: int | None = None
    status: UserStatus = UserStatus.PROSPECT
    state: State = State.NEW
    answers: dict[str, Any] = field(default_factory=dict)
    screen: int = 0  # bumped whenever a new question is shown; buttons carry it
    version: int = 0  # 0: never stored; the database refuses a save from a stale version

    def copy(self) -> Session:
        """A copy a step may change freely. Answers are plain JSON data: only their dicts and
        lists need copying (everything else in them is immutable), which takes a third of
        a JSON round trip and a sixth of copy.deepcopy. Built field by field: `copy.copy`
        of a slotted dataclass goes through pickling's reduce protocol, twice the cost."""
        return Session(
            self.platform,
            self.platform_user_id,
            self.chat_id,
            self.locale,
            self.timezone,
            self.user_id,
            self.status,
            self.state,
            _copied(self.answers),
            self.screen,
            self.version,
        )


def _copied(data: dict[str, Any]) -> dict[str, Any]:
    return {key: _copied_value(value) for key, value in data.items()}


def _copied_value(value: Any) -> Any:
    # As the JSON round trip did: any mapping becomes a dict, any sequence a list.
    if isinstance(value, dict):
        return _copied(value)
    if isinstance(value, list | tuple):
        return [_copied_value(item) for item in value]
    return value
