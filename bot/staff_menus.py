"""Staff command menus kept in step with the roles: each admin's and operator's own chat gets
the menu of their role in each menu language; a chat whose role was revoked (in the chat, or
taken out of ADMIN_IDS / OPERATOR_IDS) gets its menu deleted, back to everyone's.

What was published is recorded per chat, so the menus follow the roles across restarts too: a
reconcile compares the roles now with the record and calls the Bot API only for differences.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from bot.commands_menu import MENU_LANGUAGES
from flows.events import Conversation
from flows.menu import command_menu
from flows.operators.access import Role
from storage import staff_menus
from storage.database import Database
from storage.sql import Tx

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 15.0  # a role granted in the chat shows in its menu within this


class MenuApi(Protocol):
    """setMyCommands / deleteMyCommands with a chat scope. Raises on a refusal (a chat that
    never opened the bot), which is tried again at the next reconcile."""

    async def set_chat_menu(
        self, chat_id: int, commands: list[tuple[str, str]], language_code: str | None
    ) -> None: ...

    async def delete_chat_menu(self, chat_id: int, language_code: str | None) -> None: ...


def wanted_roles(
    admin_ids: Iterable[int], operator_ids: Iterable[int], granted: Iterable[int]
) -> dict[int, Role]:
    """Each staff chat's role (a private chat's id is its user's): admin wins over operator."""
    roles = {user: Role.OPERATOR for user in [*operator_ids, *granted]}
    roles.update({user: Role.ADMIN for user in admin_ids})
    return roles


def differences(
    wanted: dict[int, Role], published: dict[int, str]
) -> tuple[dict[int, Role], list[int]]:
    """(chats to publish with their role, chats whose menu to delete)."""
    publish = {chat: role for chat, role in wanted.items() if published.get(chat) != role}
    delete = sorted(chat for chat in published if chat not in wanted)
    return publish, delete


class StaffMenus:
    def __init__(
        self,
        db: Database,
        api: MenuApi,
        admin_ids: Iterable[int],
        operator_ids: Iterable[int],
        platform: str = "telegram",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db, self.api, self.platform, self.now = db, api, platform, now
        self.admin_ids, self.operator_ids = tuple(admin_ids), tuple(operator_ids)

    async def reconcile(self) -> None:
        platform = self.platform
        granted = await self.db.run(lambda tx: staff_menus.granted_operators(tx, platform))
        published = await self.db.run(lambda tx: staff_menus.published(tx, platform))
        wanted = wanted_roles(self.admin_ids, self.operator_ids, granted)
        publish, delete = differences(wanted, published)
        for chat, role in publish.items():
            try:
                for locale, language_code in MENU_LANGUAGES:
                    menu = command_menu(locale, admin=role is Role.ADMIN, operator=True)
                    await self.api.set_chat_menu(chat, menu, language_code)
            except Exception as error:  # a chat not opened yet: try again next time
                log.warning("staff menu not published: %s", type(error).__name__)
                continue
            await self.db.run(partial(self._record, chat=chat, role=role))
        for chat in delete:
            try:
                for _, language_code in MENU_LANGUAGES:
                    await self.api.delete_chat_menu(chat, language_code)
            except Exception as error:
                log.warning("staff menu not deleted: %s", type(error).__name__)
                continue
            await self.db.run(partial(staff_menus.forget, platform=platform, chat_id=chat))

    def _record(self, tx: Tx, chat: int, role: Role) -> None:
        staff_menus.record(tx, self.platform, chat, str(role), self.now())

    async def run_forever(self, every: float = RECONCILE_SECONDS) -> None:
        while True:
            try:
                await self.reconcile()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("staff menus not reconciled")
            await asyncio.sleep(every)


def start_staff_menus(
    conversation: Conversation, api: MenuApi, admin_ids: Iterable[int]
) -> asyncio.Task[None] | None:
    """The reconcile loop beside a transport, on either library; None without a database (a
    scripted conversation in tests)."""
    from flows.engine import Engine
    from storage import SqlStore

    if not (isinstance(conversation, Engine) and isinstance(conversation.store, SqlStore)):
        return None
    menus = StaffMenus(conversation.store.db, api, admin_ids, conversation.config.operator_ids)
    return asyncio.create_task(menus.run_forever(), name="staff-menus")
