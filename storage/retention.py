"""The nightly retention job: keep personal data no longer than it is needed.

- Applicants who were declined, stopped at a consent or abandoned onboarding more than
  `applicant_days` ago (and never borrowed): their personal data is erased like a deleted
  account's (storage/privacy.py), the decision and consent records kept until the AML date.
- Erased accounts whose retention date has passed: what was kept goes too.
- Processed updates (they carry their replies) and delivered outbox rows older than the replay
  window: Telegram does not redeliver an update that old, so they protect nothing any more.

Each batch is its own short transaction, so the job never holds the writer long; every step
selects only what is still to do, so a second run changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from flows.states import ONBOARDING_ORDER, State
from storage.database import Database
from storage.pii import PiiVault
from storage.privacy import erase_person, purge_kept
from storage.sql import Tx, in_list

log = logging.getLogger(__name__)

# Where an application ended without a customer: declined, stopped, or left half-way.
ENDED_STATES = tuple(
    str(state) for state in (*ONBOARDING_ORDER, State.DECLINED, State.CONSENT_DECLINED)
)


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    applicant_days: int = 180
    replay_window_days: int = 7
    aml_retention_years: int = 5
    batch_size: int = 200


@dataclass(frozen=True, slots=True)
class RetentionCounts:
    applicants_erased: int = 0
    accounts_purged: int = 0
    updates_pruned: int = 0
    outbox_pruned: int = 0


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def erase_stale_applicants(
    tx: Tx, vault: PiiVault, before: datetime, keep_until: date, now: datetime, limit: int
) -> int:
    placeholders, states = in_list(ENDED_STATES, "s")
    rows = tx.all(
        "SELECT c.user_id FROM conversations c"
        f" WHERE c.state IN ({placeholders}) AND c.updated_at < :before"
        " AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.user_id = c.user_id)"
        " ORDER BY c.user_id LIMIT :limit",
        before=before,
        limit=limit,
        **states,
    )
    for row in rows:
        erase_person(tx, vault, row.user_id, "retention", keep_until, now)
    return len(rows)


def purge_expired(tx: Tx, today: date, now: datetime, limit: int) -> int:
    rows = tx.all(
        "SELECT user_id FROM erased_accounts WHERE keep_until < :today AND purged_at IS NULL"
        " ORDER BY user_id LIMIT :limit",
        today=today,
        limit=limit,
    )
    for row in rows:
        purge_kept(tx, row.user_id, now)
    return len(rows)


def prune_processed_updates(tx: Tx, before: datetime, limit: int) -> int:
    return tx.execute(
        "DELETE FROM processed_updates WHERE (platform, update_id) IN (SELECT platform, update_id"
        " FROM processed_updates WHERE at < :before LIMIT :limit)",
        before=before,
        limit=limit,
    )


def prune_delivered_outbox(tx: Tx, before: datetime, limit: int) -> int:
    return tx.execute(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
        " WHERE (status = 'sent' AND sent_at < :before)"
        " OR (status = 'void' AND created_at < :before) LIMIT :limit)",
        before=before,
        limit=limit,
    )


class HasDatabase(Protocol):
    db: Database
    vault: PiiVault


async def _in_batches(db: Database, batch: Callable[[Tx], int], size: int) -> int:
    total = 0
    while True:
        done = await db.run(batch)
        total += done
        if done < size:
            return total


async def run_retention(
    store: HasDatabase, now: datetime, settings: RetentionSettings | None = None
) -> RetentionCounts:
    """The whole job; the scheduler calls it nightly. Returns (and logs) what it did."""
    s = settings or RetentionSettings()
    db, vault, size = store.db, store.vault, s.batch_size
    keep_until = years_after(now.date(), s.aml_retention_years)
    applicant_cutoff = now - timedelta(days=s.applicant_days)
    replay_cutoff = now - timedelta(days=s.replay_window_days)
    counts = RetentionCounts(
        applicants_erased=await _in_batches(
            db,
            lambda tx: erase_stale_applicants(tx, vault, applicant_cutoff, keep_until, now, size),
            size,
        ),
        accounts_purged=await _in_batches(
            db, lambda tx: purge_expired(tx, now.date(), now, size), size
        ),
        updates_pruned=await _in_batches(
            db, lambda tx: prune_processed_updates(tx, replay_cutoff, size), size
        ),
        outbox_pruned=await _in_batches(
            db, lambda tx: prune_delivered_outbox(tx, replay_cutoff, size), size
        ),
    )
    if counts != RetentionCounts():
        await db.scrub()
    log.info(
        "retention: %d applicants erased, %d erased accounts purged, %d processed updates and"
        " %d delivered outbox rows pruned",
        counts.applicants_erased,
        counts.accounts_purged,
        counts.updates_pruned,
        counts.outbox_pruned,
    )
    return counts
