"""Which command menus to publish (setMyCommands), independent of the library that sends them.

Telegram picks a menu by scope (everyone, or one chat) and by the client's language code;
a language without its own menu gets the default one. Borrowers whose client is not Chinese
are served in English, so English is the default and Chinese is published for "zh".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flows.events import Conversation

# (our locale, Telegram language_code or None for the default menu)
MENU_LANGUAGES: tuple[tuple[str, str | None], ...] = (("en", None), ("zh_CN", "zh"))


@dataclass(frozen=True, slots=True)
class MenuEntry:
    commands: tuple[tuple[str, str], ...]
    language_code: str | None
    admin_chat_id: int | None = None  # None: the menu every private chat sees


def plan_menus(
    conversation: Conversation, admin_ids: Iterable[int] = (), operator_ids: Iterable[int] = ()
) -> list[MenuEntry]:
    """Everyone's menu per language, then each admin's own chat-scoped menu (which replaces the
    default one in that chat only, so borrowers never see admin commands)."""
    entries = [
        MenuEntry(tuple(conversation.command_menu(locale)), language_code)
        for locale, language_code in MENU_LANGUAGES
    ]
    admin_menus = [
        (tuple(conversation.command_menu(locale, admin=True)), language_code)
        for locale, language_code in MENU_LANGUAGES
    ]
    for admin_id in dict.fromkeys(admin_ids):
        entries.extend(
            MenuEntry(commands, language_code, admin_id) for commands, language_code in admin_menus
        )
    admins = set(admin_ids)
    # OPERATOR_IDS reach the engine's config; the transports pass only ADMIN_IDS.
    config = getattr(conversation, "config", None)
    operator_ids = [*operator_ids, *getattr(config, "operator_ids", ())]
    operators = [user for user in dict.fromkeys(operator_ids) if user not in admins]
    if operators:
        operator_menus = [
            (tuple(conversation.command_menu(locale, operator=True)), language_code)
            for locale, language_code in MENU_LANGUAGES
        ]
        for operator_id in operators:
            entries.extend(
                MenuEntry(commands, language_code, operator_id)
                for commands, language_code in operator_menus
            )
    return entries
