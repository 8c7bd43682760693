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
)

OPERATOR_COMMANDS: tuple[tuple[str, str], ...] = ()


def command_menu(locale: str, admin: bool = False) -> list[tuple[str, str]]:
    t = texts(locale)
    commands = BORROWER_COMMANDS + (OPERATOR_COMMANDS if admin else ())
    return [(name, t._(description)) for name, description in commands]
