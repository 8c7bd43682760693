"""What a step sees and produces while handling one event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from flows.changes import Change
from flows.config import FlowConfig
from flows.events import Button, ButtonPress, Event, Reply
from flows.i18n import Texts, texts
from flows.pacing import REPEAT_INTERVAL, question_visible, spoke_within
from flows.ports import CreditLine, Repository
from flows.session import Session
from flows.states import ALLOWED, State
from lending.servicing import Loan


class IllegalTransition(RuntimeError):
    """A step tried to move along an edge that flows.states.TRANSITIONS does not list."""


class Screen(Protocol):
    """What the context needs of a step (flows.steps.base.Step): to show its question, and to
    name where the person is (/help)."""

    where: str  # msgid

    async def prompt(self, ctx: StepContext) -> None: ...


@dataclass(slots=True)
class StepContext:
    event: Event
    session: Session
    store: Repository  # reads answered from this update's transaction
    config: FlowConfig
    now: datetime  # UTC
    # Every state's step (flows.step_table.STEPS), handed in so the steps, which use the context,
    # and the context, which shows their questions, do not import each other.
    screens: Mapping[State, Screen]
    replies: list[Reply] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    durable: bool = False  # the replies announce a committed fact: deliver through the outbox
    # Loans this step opened or changed, not yet committed: later prompts in the step see them.
    pending_loans: dict[str, Loan] = field(default_factory=dict)
    pending_line: CreditLine | None = None
    # `today` by the time zone it was worked out in: a money step asks some twenty times.
    _today: tuple[str, date] | None = field(default=None, repr=False, compare=False)

    @property
    def t(self) -> Texts:
        return texts(self.session.locale)

    @property
    def today(self) -> date:
        """The borrower's local date: due dates and ages follow their calendar, not UTC's."""
        zone = self.session.timezone
        if self._today is None or self._today[0] != zone:
            self._today = (zone, self.now.astimezone(ZoneInfo(zone)).date())
        return self._today[1]

    def _(self, message: str, **values: object) -> str:
        translated = self.t._(message)
        return translated.format(**values) if values else translated

    def say(self, text: str, **markup: object) -> None:
        self.replies.append(Reply(text, **markup))  # type: ignore[arg-type]

    def toast(self, text: str) -> None:
        """A short notice on the pressed button itself; in a chat message when nothing was pressed."""
        self.replies.append(Reply(text, toast=isinstance(self.event.payload, ButtonPress)))

    async def remind(self, text: str, **markup: object) -> None:
        """Input the step did not expect: say what is expected once, not once per message of a
        burst, and show the question again only when it has scrolled out of sight (in the same
        message). `markup` goes with the reminder when the question is still in sight."""
        if spoke_within(self.session.answers, self.now, REPEAT_INTERVAL):
            return  # a burst of input: the answer just sent covers it
        if question_visible(self.session.answers, self.session.screen):
            self.say(text, **markup)
        else:
            self.say(text)
            await self.reprompt()

    def button(self, label: str, choice: str) -> Button:
        # The screen number makes a button from an older message recognisably stale.
        return Button(label, f"{self.session.screen}:{choice}")

    async def go(self, target: State) -> None:
        """Move to `target` and show its question. The only way a state changes: a move that
        flows.states.TRANSITIONS does not list fails the step, and nothing is committed."""
        self.move(target)
        await self.reprompt()

    def move(self, target: State) -> None:
        """Move to `target` without showing its question (the step says something else)."""
        if (self.session.state, target) not in ALLOWED:
            raise IllegalTransition(f"{self.session.state} -> {target}")
        self.session.state = target

    async def reprompt(self) -> None:
        """Show the current question again, on a new screen: older buttons become stale."""
        self.session.screen += 1
        await self.screens[self.session.state].prompt(self)
