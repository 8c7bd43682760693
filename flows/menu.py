"""The commands a platform shows in its menu, per locale."""

from __future__ import annotations

from flows.i18n import N_, texts

BORROWER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start or continue")),
    ("help", N_("Where am I and what can I do")),
    ("loans", N_("My loans")),
    ("repay", N_("Repay a loan")),
    ("reminders", N_("Repayment reminders")),
    ("back", N_("Correct the previous answer")),
    ("cancel", N_("Stop what I am doing")),
    ("language", N_("Language / 语言")),
    ("privacy", N_("My consents and my data")),
    ("complaint", N_("Make a complaint")),
    ("tickets", N_("My complaints")),
)


def command_menu(locale: str, admin: bool = False, operator: bool = False) -> list[tuple[str, str]]:
    """Everyone's commands, then the operator commands the role may use (admins all of them)."""
    from flows.operators.access import Role
    from flows.operators.commands import commands_for

    t = texts(locale)
    role = Role.ADMIN if admin else Role.OPERATOR if operator else None
    commands = BORROWER_COMMANDS + (tuple(commands_for(role)) if role else ())
    return [(name, t._(description)) for name, description in commands]
