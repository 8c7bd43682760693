"""What every step can do, and the polite defaults for input it does not expect."""

from __future__ import annotations

from flows.context import StepContext
from flows.events import Button, SharedContact
from flows.i18n import N_
from flows.pacing import question_visible
from flows.states import State
from flows.validation import Invalid, parse_yuan


class Step:
    state: State
    # Where the person is, in a few words, and what they can do there (for /help).
    where: str = N_("Getting started")
    expects_buttons: bool = True

    async def prompt(self, ctx: StepContext) -> None:
        raise NotImplementedError

    async def on_text(self, ctx: StepContext, text: str) -> None:
        if self.expects_buttons:
            await ctx.remind(ctx._("Please tap one of the buttons of the question."))
        else:
            await ctx.reprompt()

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        await expired(ctx)

    async def on_contact(self, ctx: StepContext, contact: SharedContact) -> None:
        await ctx.remind(ctx._("Thanks, but no contact is needed here."))

    async def on_other(self, ctx: StepContext, what: str) -> None:
        await ctx.remind(ctx._("I can only read text and buttons here."))


async def expired(ctx: StepContext) -> None:
    """A button of an earlier screen (or one we never sent): the press is answered on the
    button itself, so a burst of taps adds nothing to the chat. The current question is shown
    again only when it has scrolled out of sight."""
    ctx.toast(ctx._("This button has expired."))
    if not question_visible(ctx.session.answers, ctx.session.screen):
        await ctx.reprompt()


def button_number(choice: str, prefix: str) -> int | None:
    """The number after `prefix` in button data, or None unless it is plain ASCII digits (a
    crafted "²" or "１" is not a number we ever sent)."""
    digits = choice.removeprefix(prefix)
    if not choice.startswith(prefix) or not digits.isascii() or not digits.isdigit():
        return None
    return int(digits[:18])


def choice_rows(ctx: StepContext, options: list[tuple[str, str]], per_row: int = 2) -> tuple:
    """(label msgid, choice) pairs -> inline rows of translated buttons."""
    buttons = [ctx.button(ctx.t.label(label), choice) for label, choice in options]
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


class AmountStep(Step):
    """A question answered with money: a tapped amount button or a typed amount."""

    expects_buttons = False
    PREFIX = "fen"

    def amount_button(self, ctx: StepContext, label: str, fen: int) -> Button:
        return ctx.button(label, f"{self.PREFIX}{fen}")

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        fen = button_number(choice, self.PREFIX)
        low, high = self.button_bounds(ctx)
        if fen is not None and low <= fen <= high:
            await self.take(ctx, fen)
        else:
            await super().on_button(ctx, choice)

    def button_bounds(self, ctx: StepContext) -> tuple[int, int]:
        """The amounts a button of this step can carry; anything else was not sent by us."""
        return 1, 10**12

    async def on_text(self, ctx: StepContext, text: str) -> None:
        parsed = parse_yuan(text)
        if isinstance(parsed, Invalid):
            ctx.say(ctx._(parsed.reason))
            return
        await self.take(ctx, parsed.value)

    async def take(self, ctx: StepContext, fen: int) -> None:
        raise NotImplementedError
