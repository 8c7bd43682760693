"""Operator roles granted in the chat, account lookup for operators, and freezing accounts."""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.changes import (
    CreateInvite,
    GrantOperator,
    Notice,
    RevokeInvite,
    RevokeOperator,
    SetFrozen,
)
from flows.ports import Account, OutboxMessage
from flows.session import UserStatus
from storage import outbox
from storage.close_of_business import arrears_frozen
from storage.sql import Tx


def is_granted_operator(tx: Tx, platform: str, platform_user_id: int) -> bool:
    found = tx.scalar(
        "SELECT 1 FROM operator_grants WHERE platform = :platform AND platform_user_id = :user",
        platform=platform,
        user=platform_user_id,
    )
    return found is not None


def grant_operator(tx: Tx, change: GrantOperator, now: datetime) -> None:
    tx.execute(
        "INSERT INTO operator_grants (platform, platform_user_id, granted_by, granted_at)"
        " VALUES (:platform, :user, :by, :now) ON CONFLICT DO NOTHING",
        platform=change.platform,
        user=change.platform_user_id,
        by=change.granted_by,
        now=now,
    )


def revoke_operator(tx: Tx, change: RevokeOperator) -> None:
    tx.execute(
        "DELETE FROM operator_grants WHERE platform = :platform AND platform_user_id = :user",
        platform=change.platform,
        user=change.platform_user_id,
    )


def find_accounts(
    tx: Tx, platform: str, telegram_id: int | None, account_id: int | None
) -> list[Account]:
    rows = tx.all(
        "SELECT u.id, u.platform, u.platform_user_id, c.chat_id, c.locale, c.status, c.state"
        " FROM users u JOIN conversations c ON c.user_id = u.id"
        " WHERE (u.platform = :platform AND u.platform_user_id = :telegram) OR u.id = :account"
        " ORDER BY u.id",
        platform=platform,
        telegram=-1 if telegram_id is None else telegram_id,
        account=-1 if account_id is None else account_id,
    )
    return [
        Account(r.id, r.platform, r.platform_user_id, r.chat_id, r.locale, r.status, r.state)
        for r in rows
    ]


def freeze_reason(tx: Tx, user_id: int) -> str | None:
    reason = tx.scalar("SELECT reason FROM account_freezes WHERE user_id = :user", user=user_id)
    return None if reason is None else str(reason)


def status_after(operator_freeze: bool, arrears_freeze: bool) -> UserStatus:
    """The line is closed while either freeze holds: lifting the operator's leaves close of
    business's freeze for days past due in force until the arrears are cured."""
    return UserStatus.FROZEN if operator_freeze or arrears_freeze else UserStatus.ACTIVE


def set_frozen(tx: Tx, change: SetFrozen, now: datetime) -> None:
    status = status_after(change.reason is not None, arrears_frozen(tx, change.user_id))
    # The version bump makes every cached copy of this person's session stale: their next
    # update reads the new status from here.
    tx.execute(
        "UPDATE conversations SET status = :status, version = version + 1, updated_at = :now"
        " WHERE user_id = :user",
        status=str(status),
        now=now,
        user=change.user_id,
    )
    tx.execute("DELETE FROM account_freezes WHERE user_id = :user", user=change.user_id)
    if change.reason is not None:
        tx.execute(
            "INSERT INTO account_freezes (user_id, reason, frozen_by, frozen_at)"
            " VALUES (:user, :reason, :by, :now)",
            user=change.user_id,
            reason=change.reason[:300],
            by=change.by,
            now=now,
        )
    queue_notice(tx, change.notice, now)


def queue_notice(tx: Tx, notice: Notice, now: datetime) -> None:
    outbox.enqueue(
        tx,
        OutboxMessage(notice.chat_id, notice.platform, notice.reply, notice.dedupe_key),
        now,
        leased=False,
    )


def create_invite(tx: Tx, change: CreateInvite, now: datetime) -> None:
    tx.execute(
        "INSERT INTO invites (code, inviter, max_uses, uses_left, expires_at, created_at)"
        " VALUES (:code, :inviter, :uses, :uses, :expires, :now)",
        code=change.code,
        inviter=change.inviter,
        uses=change.uses,
        expires=now + timedelta(days=change.days),
        now=now,
    )


def revoke_invite(tx: Tx, change: RevokeInvite) -> bool:
    return (
        tx.execute(
            "UPDATE invites SET uses_left = 0 WHERE code = :code AND inviter LIKE :prefix",
            code=change.code,
            prefix=change.inviter_prefix + "%",
        )
        == 1
    )
