"""Key rotation: re-encrypt every stored personal field with the first key of PII_KEY.

Put the new key first in PII_KEY (the old one after it), run `python run_bot.py rotate-pii-key`,
then drop the old key. Each batch is its own transaction and a field already under the first
key is left alone, so an interrupted run is simply run again: it resumes where it stopped.
The duplicate-lookup hashes are untouched: their key is not the encryption key
(storage/pii.py), so they stay findable throughout.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from storage.database import Database
from storage.pii import PiiVault
from storage.sql import Tx

log = logging.getLogger(__name__)

IDENTITY_FIELDS = ("name_enc", "id_number_enc", "birth_date_enc", "phone_enc")
# The vault's own rows: one row each, keyed by id.
VAULT_FIELDS = (("vault_check", "canary_enc"), ("pii_lookup_key", "key_enc"))


@dataclass(frozen=True, slots=True)
class Rotated:
    rows: int = 0  # rows read
    fields: int = 0  # fields re-encrypted now
    current: int = 0  # fields already under the first key (a resumed run)

    def __add__(self, other: Rotated) -> Rotated:
        return Rotated(
            self.rows + other.rows, self.fields + other.fields, self.current + other.current
        )


def _rotate_value(vault: PiiVault, value: str | None) -> tuple[str | None, Rotated]:
    if not value:
        return None, Rotated()
    if vault.is_current(value):
        return None, Rotated(current=1)
    return vault.rotate(value), Rotated(fields=1)


def rotate_vault_rows(tx: Tx, vault: PiiVault) -> Rotated:
    total = Rotated()
    for table, column in VAULT_FIELDS:
        value = tx.scalar(f"SELECT {column} FROM {table} WHERE id = 1")
        new, counted = _rotate_value(vault, value)
        if new is not None:
            tx.execute(f"UPDATE {table} SET {column} = :new WHERE id = 1", new=new)
        total += counted + Rotated(rows=1 if value else 0)
    return total


def rotate_identities(tx: Tx, vault: PiiVault, after: int, limit: int) -> tuple[int, Rotated]:
    """One batch: the identities after user id `after`; returns the last id seen."""
    rows = tx.all(
        f"SELECT user_id, {', '.join(IDENTITY_FIELDS)} FROM identities"
        " WHERE user_id > :after ORDER BY user_id LIMIT :limit",
        after=after,
        limit=limit,
    )
    total = Rotated(rows=len(rows))
    for row in rows:
        changed: dict[str, str] = {}
        for column in IDENTITY_FIELDS:
            new, counted = _rotate_value(vault, row[column])
            total += counted
            if new is not None:
                changed[column] = new
        if changed:
            assignments = ", ".join(f"{column} = :{column}" for column in changed)
            tx.execute(
                f"UPDATE identities SET {assignments} WHERE user_id = :user",
                user=row.user_id,
                **changed,
            )
    return (rows[-1].user_id if rows else after), total


async def rotate_all(db: Database, vault: PiiVault, batch_size: int = 500) -> Rotated:
    total = await db.run(lambda tx: rotate_vault_rows(tx, vault))
    after = 0
    while True:
        after, batch = await db.run(
            lambda tx, after=after: rotate_identities(tx, vault, after, batch_size)  # type: ignore[misc]
        )
        total += batch
        log.info("rotated a batch: %d rows, %d fields re-encrypted", batch.rows, batch.fields)
        if batch.rows < batch_size:
            return total
