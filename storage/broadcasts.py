"""Broadcasts and their recipients: the snapshot taken at confirmation, and the per-recipient
progress that lets a restarted sender resume without a duplicate or a gap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flows.changes import StartBroadcast
from flows.operators.broadcast_rules import Audience, Kind
from lending import servicing
from storage.consent_status import consenting_users, has_consent
from storage.loans import load_loans
from storage.sql import Row, Tx, utc

# Admitted people (an invite was redeemed); prospects never hear from a broadcast.
_ADMITTED = (
    "SELECT u.id, c.chat_id, c.locale, c.timezone FROM users u"
    " JOIN conversations c ON c.user_id = u.id"
    " WHERE c.status IN ('active', 'frozen')"
    " AND NOT EXISTS (SELECT 1 FROM unreachable_users x WHERE x.user_id = u.id)"
)


@dataclass(frozen=True, slots=True)
class BroadcastJob:
    id: int
    admin_chat_id: int
    admin_locale: str
    platform: str
    text_en: str | None
    text_zh: str | None
    kind: str
    status: str
    status_message_id: int | None
    total: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    chat_id: int
    timezone: str  # the language is claim()'s answer: the one they have when it is sent
    attempts: int


def audience_members(tx: Tx, audience: Audience, kind: Kind, today: date) -> list[tuple]:
    """(user id, chat id, locale, time zone) of everyone this broadcast may reach."""
    people = [(r.id, r.chat_id, r.locale, r.timezone) for r in tx.all(_ADMITTED)]
    if kind is Kind.MARKETING or audience is Audience.MARKETING_CONSENT:
        consenting = consenting_users(tx, "marketing")
        people = [p for p in people if p[0] in consenting]
    if audience in (Audience.ACTIVE_LOANS, Audience.OVERDUE):
        borrowers = {int(r.user_id) for r in tx.all("SELECT DISTINCT user_id FROM loans")}
        people = [p for p in people if p[0] in borrowers and _has(tx, p[0], audience, today)]
    return people


def _has(tx: Tx, user_id: int, audience: Audience, today: date) -> bool:
    active = [loan for loan in load_loans(tx, user_id) if loan.status == "active"]
    if audience is Audience.ACTIVE_LOANS:
        return bool(active)
    return servicing.overdue_today(active, today)


def create(tx: Tx, change: StartBroadcast, now: datetime, today: date) -> int:
    people = audience_members(tx, Audience(change.audience), Kind(change.kind), today)
    broadcast_id = int(
        tx.scalar(
            "INSERT INTO broadcasts (created_by, admin_chat_id, admin_locale, platform, text_en,"
            " text_zh, audience, kind, status, total, created_at) VALUES (:by, :chat, :locale,"
            " :platform, :en, :zh, :audience, :kind, 'running', :total, :now) RETURNING id",
            by=change.created_by,
            chat=change.admin_chat_id,
            locale=change.admin_locale,
            platform=change.platform,
            en=change.text_en,
            zh=change.text_zh,
            audience=change.audience,
            kind=change.kind,
            total=len(people),
            now=now,
        )
    )
    tx.executemany(
        "INSERT INTO broadcast_recipients (broadcast_id, user_id, chat_id, locale, timezone,"
        " status, attempts, not_before) VALUES (:b, :user, :chat, :locale, :zone, 'pending', 0,"
        " :now)",
        [
            {"b": broadcast_id, "user": u, "chat": c, "locale": lo, "zone": z, "now": now}
            for u, c, lo, z in people
        ],
    )
    return broadcast_id


def running(tx: Tx) -> list[BroadcastJob]:
    rows = tx.all("SELECT * FROM broadcasts WHERE status = 'running' ORDER BY id")
    return [_job(row) for row in rows]


def job(tx: Tx, broadcast_id: int) -> BroadcastJob | None:
    row = tx.one("SELECT * FROM broadcasts WHERE id = :id", id=broadcast_id)
    return None if row is None else _job(row)


def _job(r: Row) -> BroadcastJob:
    created = utc(r.created_at)
    assert created is not None
    return BroadcastJob(
        r.id,
        r.admin_chat_id,
        r.admin_locale,
        r.platform,
        r.text_en,
        r.text_zh,
        r.kind,
        r.status,
        r.status_message_id,
        r.total,
        created,
    )


def release_in_doubt(tx: Tx, broadcast_id: int) -> int:
    """After a crash: recipients claimed but never recorded go back to the queue. A lane claims
    one recipient just before its send and records it as soon as Telegram answers, so each lane
    leaves at most one here: claimed and not sent (sent now, once), or accepted by Telegram just
    before the crash (sent again: the one window)."""
    return tx.execute(
        "UPDATE broadcast_recipients SET status = 'pending'"
        " WHERE broadcast_id = :b AND status = 'sending'",
        b=broadcast_id,
    )


def due(tx: Tx, broadcast_id: int, now: datetime, limit: int) -> list[Recipient]:
    rows = tx.all(
        "SELECT user_id, chat_id, timezone, attempts FROM broadcast_recipients"
        " WHERE broadcast_id = :b AND status = 'pending' AND not_before <= :now"
        " ORDER BY user_id LIMIT :limit",
        b=broadcast_id,
        now=now,
        limit=limit,
    )
    return [Recipient(r.user_id, r.chat_id, r.timezone, r.attempts) for r in rows]


def next_due(tx: Tx, broadcast_id: int) -> datetime | None:
    return utc(
        tx.scalar(
            "SELECT MIN(not_before) FROM broadcast_recipients"
            " WHERE broadcast_id = :b AND status = 'pending'",
            b=broadcast_id,
        )
    )


def claim(tx: Tx, broadcast_id: int, user_id: int, marketing: bool = False) -> str | None:
    """Of two senders that picked the same recipient, one wins: it gets the locale to send in,
    the other None. A marketing message is checked against the person's consent as it stands
    now (it may have waited hours for the morning): one withdrawn since the broadcast was queued
    drops them. The language is likewise the one they have now, not when it was queued."""
    if marketing and not has_consent(tx, user_id, "marketing"):
        tx.execute(
            "UPDATE broadcast_recipients SET status = 'withdrawn'"
            " WHERE broadcast_id = :b AND user_id = :user AND status = 'pending'",
            b=broadcast_id,
            user=user_id,
        )
        return None
    claimed = tx.execute(
        "UPDATE broadcast_recipients SET status = 'sending', attempts = attempts + 1"
        " WHERE broadcast_id = :b AND user_id = :user AND status = 'pending'",
        b=broadcast_id,
        user=user_id,
    )
    if claimed != 1:
        return None
    locale = tx.scalar(
        "SELECT COALESCE(c.locale, r.locale) FROM broadcast_recipients r"
        " LEFT JOIN conversations c ON c.user_id = r.user_id"
        " WHERE r.broadcast_id = :b AND r.user_id = :user",
        b=broadcast_id,
        user=user_id,
    )
    return str(locale)


def defer(tx: Tx, broadcast_id: int, user_id: int, until: datetime) -> None:
    tx.execute(
        "UPDATE broadcast_recipients SET status = 'pending', not_before = :until"
        " WHERE broadcast_id = :b AND user_id = :user",
        b=broadcast_id,
        user=user_id,
        until=until,
    )


def record(
    tx: Tx, broadcast_id: int, user_id: int, status: str, error: str | None, now: datetime
) -> None:
    sent_at = ", sent_at = :now" if status == "sent" else ""
    tx.execute(
        f"UPDATE broadcast_recipients SET status = :status, error = :error{sent_at}"
        " WHERE broadcast_id = :b AND user_id = :user",
        status=status,
        error=None if error is None else error[:200],
        now=now,
        b=broadcast_id,
        user=user_id,
    )
    if status == "unreachable":
        tx.execute(
            "INSERT INTO unreachable_users (user_id, since, reason) VALUES (:user, :now, :why)"
            " ON CONFLICT DO NOTHING",
            user=user_id,
            now=now,
            why=(error or "blocked")[:200],
        )


def progress(tx: Tx, broadcast_id: int) -> dict[str, int]:
    rows = tx.all(
        "SELECT status, COUNT(*) AS n FROM broadcast_recipients WHERE broadcast_id = :b"
        " GROUP BY status",
        b=broadcast_id,
    )
    return {row.status: int(row.n) for row in rows}


def set_status_message(tx: Tx, broadcast_id: int, message_id: int) -> None:
    tx.execute(
        "UPDATE broadcasts SET status_message_id = :m WHERE id = :id", m=message_id, id=broadcast_id
    )


def finish(tx: Tx, broadcast_id: int, now: datetime) -> None:
    tx.execute(
        "UPDATE broadcasts SET status = 'done', finished_at = :now"
        " WHERE id = :id AND status = 'running'",
        now=now,
        id=broadcast_id,
    )


def cancel(tx: Tx, broadcast_id: int, now: datetime) -> bool:
    return (
        tx.execute(
            "UPDATE broadcasts SET status = 'cancelled', finished_at = :now"
            " WHERE id = :id AND status = 'running'",
            now=now,
            id=broadcast_id,
        )
        == 1
    )


def latest_running_id(tx: Tx) -> int | None:
    found = tx.scalar("SELECT MAX(id) FROM broadcasts WHERE status = 'running'")
    return None if found is None else int(found)


def recent(tx: Tx, limit: int) -> list[tuple[BroadcastJob, dict[str, int]]]:
    rows = tx.all("SELECT * FROM broadcasts ORDER BY id DESC LIMIT :limit", limit=limit)
    return [(_job(row), progress(tx, row.id)) for row in rows]
