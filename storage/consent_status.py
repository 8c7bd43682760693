"""Consent as it stands now: the latest row per person and purpose decides (a withdrawal is a
newer row with granted = false). Shared by broadcasts and anything else that must ask."""

from __future__ import annotations

from storage.sql import Tx

# The newest consent row of each person for one purpose.
LATEST_CONSENT = (
    "SELECT c.user_id, c.granted FROM consents c WHERE c.purpose = :purpose AND c.id = ("
    " SELECT MAX(c2.id) FROM consents c2 WHERE c2.user_id = c.user_id AND c2.purpose = :purpose)"
)


def consenting_users(tx: Tx, purpose: str) -> set[int]:
    return {int(row.user_id) for row in tx.all(LATEST_CONSENT, purpose=purpose) if row.granted}


def has_consent(tx: Tx, user_id: int, purpose: str) -> bool:
    granted = tx.scalar(
        "SELECT granted FROM consents WHERE user_id = :user AND purpose = :purpose"
        " ORDER BY id DESC LIMIT 1",
        user=user_id,
        purpose=purpose,
    )
    return bool(granted)
