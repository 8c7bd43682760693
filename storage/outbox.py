"""The outbox: messages that announce committed facts, sent after commit, retried, never twice.

A row is queued in the same transaction as the fact it announces. A sender leases it (so two
workers never send the same row), acknowledges it once the platform accepted it, or reports a
failure and the row comes back after an exponential backoff; a lease that runs out (the sender
died) makes the row due again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from flows.events import Outgoing
from flows.ports import OutboxMessage
from storage import reminder_words
from storage.codec import reply_from_json, reply_to_json
from storage.sql import Tx, utc

OUTBOX_LEASE = timedelta(seconds=60)  # how long a sender may take before another retries
OUTBOX_MAX_ATTEMPTS = 8


def lease_due(tx: Tx, now: datetime, limit: int) -> list[Outgoing]:
    """Claim up to `limit` due rows for this sender. On PostgreSQL, rows another process is
    claiming right now are skipped rather than waited for (FOR UPDATE SKIP LOCKED): any number
    of replicas drain one outbox in parallel and each row goes to exactly one of them. SQLite
    has one writer, so its claim is atomic as it stands."""
    rows = tx.all(
        "UPDATE outbox SET status = 'leased', lease_until = :until, attempts = attempts + 1"
        " WHERE id IN (SELECT id FROM outbox WHERE (status = 'pending' AND not_before <= :now)"
        " OR (status = 'leased' AND lease_until < :now) ORDER BY id LIMIT :limit"
        f"{' FOR UPDATE SKIP LOCKED' if tx.postgres else ''})"
        " RETURNING id, chat_id, platform, payload",
        now=now,
        until=now + OUTBOX_LEASE,
        limit=limit,
    )
    worded = reminder_words.word(tx, rows, now)  # a reminder's words are written now
    return [
        Outgoing(row.chat_id, reply, row.id, row.platform)
        for row in sorted(rows, key=lambda row: row.id)
        if (reply := worded[row.id] if row.id in worded else reply_from_json(row.payload))
    ]


def mark_delivered(tx: Tx, delivered: Sequence[tuple[int, datetime]]) -> None:
    """Rows the platform accepted, each with the time it was acknowledged."""
    tx.executemany(
        "UPDATE outbox SET status = 'sent', sent_at = :now, lease_until = NULL WHERE id = :id",
        [{"now": now, "id": outbox_id} for outbox_id, now in delivered],
    )


class DeliveredMarks:
    """Acknowledgements waiting for the writer: every row delivered since the last write is
    marked by one statement in one unit of work, instead of a unit (and a wait) per row.

    Taken from the event loop and written on the database thread, hence the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[tuple[int, datetime]] = []

    def add(self, outbox_id: int, now: datetime) -> bool:
        """True for the first mark since the last write: the caller queues `write` once."""
        with self._lock:
            self._waiting.append((outbox_id, now))
            return len(self._waiting) == 1

    def write(self, tx: Tx) -> None:
        with self._lock:
            delivered, self._waiting = self._waiting, []
        mark_delivered(tx, delivered)


def mark_failed(tx: Tx, outbox_id: int, error: str, now: datetime) -> None:
    attempts = tx.scalar("SELECT attempts FROM outbox WHERE id = :id", id=outbox_id)
    if attempts is None:
        return
    tx.execute(
        "UPDATE outbox SET status = :status, not_before = :retry, lease_until = NULL,"
        " last_error = :error WHERE id = :id",
        status="dead" if attempts >= OUTBOX_MAX_ATTEMPTS else "pending",
        retry=now + timedelta(seconds=min(2**attempts, 3600)),
        error=error[:200],
        id=outbox_id,
    )


def enqueue_new(tx: Tx, messages: Sequence[OutboxMessage], now: datetime) -> list[int]:
    ids = (enqueue(tx, message, now, leased=False) for message in messages)
    return [outbox_id for outbox_id in ids if outbox_id is not None]


def enqueue(tx: Tx, message: OutboxMessage, now: datetime, leased: bool) -> int | None:
    """The new row's id; None when a row with this dedupe key exists already."""
    outbox_id = tx.scalar(
        "INSERT INTO outbox (chat_id, platform, payload, status, attempts, not_before, lease_until,"
        " dedupe_key, created_at) VALUES (:chat, :platform, :payload, :status, :attempts, :not_before,"
        " :lease_until, :dedupe, :now) ON CONFLICT DO NOTHING RETURNING id",
        chat=message.chat_id,
        platform=message.platform,
        payload=reply_to_json(message.reply),
        status="leased" if leased else "pending",
        attempts=1 if leased else 0,
        not_before=message.not_before or now,
        lease_until=now + OUTBOX_LEASE if leased else None,
        dedupe=message.dedupe_key,
        now=now,
    )
    return None if outbox_id is None else int(outbox_id)


def enqueue_many(
    tx: Tx, rows: Sequence[tuple[int, str, str, str]], now: datetime, chunk: int = 500
) -> dict[str, int]:
    """Pending rows, each (chat id, platform, payload, dedupe key), in a few multi-row
    statements; returns the new rows' ids by dedupe key (a key already queued is left out)."""
    ids: dict[str, int] = {}
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        params: dict[str, object] = {"now": now}
        values = []
        for i, (chat_id, platform, payload, key) in enumerate(part):
            params[f"c{i}"], params[f"p{i}"], params[f"y{i}"], params[f"k{i}"] = (
                chat_id, platform, payload, key
            )  # fmt: skip
            values.append(f"(:c{i}, :p{i}, :y{i}, 'pending', 0, :now, NULL, :k{i}, :now)")
        for row in tx.all(
            "INSERT INTO outbox (chat_id, platform, payload, status, attempts, not_before,"
            " lease_until, dedupe_key, created_at) VALUES " + ", ".join(values) +
            " ON CONFLICT DO NOTHING RETURNING id, dedupe_key",
            **params,
        ):  # fmt: skip
            ids[row.dedupe_key] = int(row.id)
    return ids


def backlog(tx: Tx) -> tuple[int, datetime | None]:
    """How many rows wait to be sent, and when the oldest of them was queued (for monitoring)."""
    row = tx.one(
        "SELECT COUNT(*) AS waiting, MIN(created_at) AS oldest FROM outbox"
        " WHERE status IN ('pending', 'leased')"
    )
    if row is None or not row.waiting:
        return 0, None
    return int(row.waiting), utc(row.oldest)
