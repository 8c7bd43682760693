"""The figures behind /stats and the records behind /user and /invites: one named query each."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from flows.ports import Funnel, InviteFigures, Portfolio, UserRecord
from lending import servicing
from lending.delinquency import bucket
from storage.loans import load_loans
from storage.sql import Tx, utc

# Each application's final word: a person's decision where one was asked for (the scorecard's
# review, or an applicant's appeal of a decline), else the scorecard's.
_DECIDED = (
    "(SELECT a.id, a.user_id, a.grade, a.score,"
    " COALESCE(d.decision, a.outcome) AS outcome,"
    " COALESCE(d.decided_at, a.decided_at) AS decided_at"
    " FROM applications a LEFT JOIN review_decisions d ON d.application_id = a.id) f"
)

# The funnel, each step as "people who reached it since :since".
_FUNNEL = {
    "invited": "SELECT COUNT(*) FROM users WHERE invited_by IS NOT NULL AND created_at >= :since",
    "started": "SELECT COUNT(*) FROM users WHERE created_at >= :since",
    "consented": "SELECT COUNT(DISTINCT user_id) FROM consents"
    " WHERE purpose = 'assessment' AND granted AND at >= :since",
    "kyc_done": "SELECT COUNT(*) FROM identities WHERE phone_hash IS NOT NULL"
    " AND id_hash IS NOT NULL AND updated_at >= :since",
    "approved": f"SELECT COUNT(DISTINCT user_id) FROM {_DECIDED}"
    " WHERE outcome = 'approved' AND decided_at >= :since",
    "declined": f"SELECT COUNT(DISTINCT user_id) FROM {_DECIDED}"
    " WHERE outcome = 'declined' AND decided_at >= :since",
    "first_drawdown": "SELECT COUNT(*) FROM (SELECT user_id, MIN(created_at) AS first FROM loans"
    " GROUP BY user_id) f WHERE f.first >= :since",
}


def funnel(tx: Tx, since: datetime) -> Funnel:
    return Funnel(**{name: int(tx.scalar(sql, since=since) or 0) for name, sql in _FUNNEL.items()})


def portfolio(tx: Tx, today: date) -> Portfolio:
    active, principal = 0, 0
    buckets: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for row in tx.all("SELECT DISTINCT user_id FROM loans"):
        for loan in load_loans(tx, row.user_id):
            if loan.status != "active":
                continue
            # As the borrower's own screens read it: close of business may be behind, and a
            # payment made ahead settles its instalment only when that day is brought up.
            loan = servicing.as_of(loan, today)
            left = servicing.outstanding_principal(loan)
            active, principal = active + 1, principal + left
            late = bucket(servicing.days_past_due(loan, today))
            count, amount = buckets[late]
            buckets[late] = (count + 1, amount + left)
    decided = tx.one(
        "SELECT SUM(CASE WHEN outcome = 'approved' THEN 1 ELSE 0 END) AS yes,"
        " SUM(CASE WHEN outcome IN ('approved', 'declined') THEN 1 ELSE 0 END) AS decided"
        f" FROM {_DECIDED}"
    )
    yes = int(decided.yes or 0) if decided else 0
    total = int(decided.decided or 0) if decided else 0
    return Portfolio(active, principal, dict(buckets), yes, total)


def user_record(tx: Tx, user_id: int) -> UserRecord:
    consents = [
        (r.purpose, bool(r.granted), utc(r.at))
        for r in tx.all(
            "SELECT purpose, granted, at FROM consents WHERE user_id = :u ORDER BY id", u=user_id
        )
    ]
    decisions = [
        (r.outcome, r.grade, int(r.score), utc(r.decided_at))
        for r in tx.all(
            f"SELECT outcome, grade, score, decided_at FROM {_DECIDED} WHERE user_id = :u"
            " ORDER BY id",
            u=user_id,
        )
    ]
    return UserRecord(consents, decisions)  # type: ignore[arg-type]


def invites_of(tx: Tx, prefix: str) -> list[InviteFigures]:
    rows = tx.all(
        "SELECT i.code, i.inviter, i.max_uses, i.uses_left, i.expires_at,"
        " (SELECT COUNT(*) FROM users u WHERE u.invited_by = i.inviter) AS joined,"
        " (SELECT COUNT(*) FROM users u JOIN credit_lines l ON l.user_id = u.id"
        "  WHERE u.invited_by = i.inviter) AS approved"
        " FROM invites i WHERE i.inviter LIKE :prefix ORDER BY i.created_at DESC LIMIT 20",
        prefix=prefix + "%",
    )
    return [
        InviteFigures(r.code, int(r.uses_left), utc(r.expires_at), int(r.joined), int(r.approved))  # type: ignore[arg-type]
        for r in rows
    ]
