"""Which chats have a staff command menu, and who holds the operator role by a grant."""

from __future__ import annotations

from datetime import datetime

from storage.sql import Tx


def granted_operators(tx: Tx, platform: str) -> set[int]:
    rows = tx.all("SELECT platform_user_id FROM operator_grants WHERE platform = :p", p=platform)
    return {int(row.platform_user_id) for row in rows}


def published(tx: Tx, platform: str) -> dict[int, str]:
    rows = tx.all("SELECT chat_id, role FROM staff_menus WHERE platform = :p", p=platform)
    return {int(row.chat_id): row.role for row in rows}


def record(tx: Tx, platform: str, chat_id: int, role: str, now: datetime) -> None:
    tx.execute(
        "INSERT INTO staff_menus (platform, chat_id, role, published_at)"
        " VALUES (:p, :chat, :role, :now) ON CONFLICT (platform, chat_id)"
        " DO UPDATE SET role = excluded.role, published_at = excluded.published_at",
        p=platform,
        chat=chat_id,
        role=role,
        now=now,
    )


def forget(tx: Tx, platform: str, chat_id: int) -> None:
    tx.execute(
        "DELETE FROM staff_menus WHERE platform = :p AND chat_id = :chat", p=platform, chat=chat_id
    )
