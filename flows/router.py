"""Which code answers an event: a command, a button, or the current step."""

from __future__ import annotations

from flows.commands import COMMANDS, leave_revoked_staff_screen, unknown_command
from flows.context import StepContext
from flows.events import ButtonPress, Command, SharedContact, Text, Unsupported
from flows.global_buttons import GLOBAL
from flows.global_presses import on_global_button
from flows.language import LANGUAGE_CHOICE, choose_language
from flows.operators.access import SCREEN_ROLES, Staff, allows, role_of
from flows.operators.commands import OPERATOR_COMMANDS
from flows.states import State
from flows.step_table import STEPS
from flows.steps.base import expired
from flows.steps.privacy import PRIVACY_CHOICE, on_privacy_button


async def route(ctx: StepContext) -> None:
    payload = ctx.event.payload
    step = STEPS[ctx.session.state]
    needed = SCREEN_ROLES.get(ctx.session.state)
    # A staff screen answers staff only: a role revoked mid-way ends it, and the person goes
    # back to where their account belongs instead of staying on a screen that answers nobody.
    if needed is not None and not allows(await role_of(ctx), needed):
        await leave_revoked_staff_screen(ctx)
        if not isinstance(payload, Command):
            # Meant for the staff screen, so it decides nothing. A borrower is shown the menu
            # they are back on; to anyone else it reads as unknown input does to a non-operator.
            unknown_command(ctx)
            if ctx.session.state is State.HOME:
                await ctx.reprompt()
            return
    match payload:
        case Command(name=name, arg=arg):
            # The one role check. To anyone without the role an operator command is exactly an
            # unknown command (or the borrower's command of that name, e.g. /tickets).
            operator_command = OPERATOR_COMMANDS.get(name)
            if operator_command is not None:
                role = await role_of(ctx)
                if role is not None and allows(role, operator_command.needs):
                    await operator_command.handler(ctx, arg, Staff(ctx.event.user_id, role))
                    return
            handler = COMMANDS.get(name)
            if handler is None:
                unknown_command(ctx)
            else:
                await handler(ctx, arg)
        case ButtonPress(token=token):
            screen, _, choice = token.partition(":")
            if screen == GLOBAL:
                await on_global_button(ctx, choice)
            elif screen != str(ctx.session.screen):
                await expired(ctx)
            elif choice.startswith(LANGUAGE_CHOICE):
                await choose_language(ctx, choice.removeprefix(LANGUAGE_CHOICE))
            elif choice.startswith(PRIVACY_CHOICE):
                await on_privacy_button(ctx, choice.removeprefix(PRIVACY_CHOICE))
            else:
                await step.on_button(ctx, choice)
        case Text(text=text):
            await step.on_text(ctx, text)
        case SharedContact():
            await step.on_contact(ctx, payload)
        case Unsupported(what=what):
            await step.on_other(ctx, what)
