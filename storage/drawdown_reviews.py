"""Drawdowns above the review threshold: asked for by the borrower, decided once by a person."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from flows.changes import DecideDrawdown, OpenLoan, RequestDrawdown
from flows.ports import ChangeRefused, DrawdownItem, Identity, PendingDrawdown
from lending import servicing
from storage.loans import insert_loan
from storage.operators import queue_notice
from storage.reviews import account_of
from storage.sql import Row, Tx, utc

_WAITING = (
    "SELECT r.id AS request_id, r.amount_fen, r.term_months, r.daily_rate, r.requested_at,"
    " c.user_id, c.chat_id, c.locale, c.status, c.state, c.answers, c.timezone, u.platform,"
    " u.platform_user_id, l.limit_fen, a.score, a.grade, a.reasons"
    " FROM drawdown_requests r JOIN conversations c ON c.user_id = r.user_id"
    " JOIN users u ON u.id = r.user_id LEFT JOIN credit_lines l ON l.user_id = r.user_id"
    " LEFT JOIN applications a ON a.id = l.application_id WHERE r.status = 'pending'"
)


def open_loan(tx: Tx, user_id: int, change: OpenLoan, now: datetime) -> None:
    """The loan, its schedule and its disbursement; refused when its key was used already."""
    loan = servicing.open_loan(change.loan_id, change.schedule)
    key, months = change.idempotency_key, change.term_months
    if not insert_loan(tx, user_id, loan, key, months, now, [change.disbursement]):
        raise ChangeRefused("drawdown already made")


def request(tx: Tx, user_id: int, change: RequestDrawdown, now: datetime) -> None:
    if pending(tx, user_id) is not None:
        raise ChangeRefused("a drawdown already waits for review")
    if not tx.execute(
        "INSERT INTO drawdown_requests (user_id, idempotency_key, amount_fen, term_months,"
        " daily_rate, status, requested_at) VALUES (:user, :key, :amount, :term, :rate,"
        " 'pending', :now) ON CONFLICT DO NOTHING",
        user=user_id,
        key=change.idempotency_key,
        amount=change.amount_fen,
        term=change.term_months,
        rate=str(change.daily_rate),
        now=now,
    ):
        raise ChangeRefused("drawdown already requested")


def pending(tx: Tx, user_id: int) -> PendingDrawdown | None:
    row = tx.one(
        "SELECT id, amount_fen, term_months FROM drawdown_requests"
        " WHERE user_id = :user AND status = 'pending'",
        user=user_id,
    )
    return None if row is None else PendingDrawdown(row.id, row.amount_fen, row.term_months)


def waiting(tx: Tx, limit: int, request_id: int | None = None) -> list[Row]:
    if request_id is None:
        return tx.all(_WAITING + " ORDER BY r.requested_at, r.id LIMIT :limit", limit=limit)
    return tx.all(_WAITING + " AND r.id = :id", id=request_id)


def item(row: Row, identity: Identity | None) -> DrawdownItem:
    queued = utc(row.requested_at)
    assert queued is not None
    return DrawdownItem(
        account=account_of(row),
        request_id=row.request_id,
        amount_fen=row.amount_fen,
        term_months=row.term_months,
        daily_rate=Decimal(str(row.daily_rate)),
        limit_fen=row.limit_fen or 0,
        score=row.score,
        grade=row.grade,
        reasons=tuple(json.loads(row.reasons)) if row.reasons else (),
        identity=identity,
        answers=json.loads(row.answers),
        timezone=row.timezone,
        queued_at=queued,
    )


def decided(tx: Tx, request_id: int) -> bool:
    found = tx.scalar(
        "SELECT 1 FROM drawdown_requests WHERE id = :id AND status <> 'pending'", id=request_id
    )
    return found is not None


def decide(tx: Tx, change: DecideDrawdown, now: datetime) -> None:
    """The guarded UPDATE is the race: of two decisions committed at once, one changes the row."""
    if not tx.execute(
        "UPDATE drawdown_requests SET status = :decision, decided_at = :now, operator = :op,"
        " reason = :reason, loan_id = :loan WHERE id = :id AND status = 'pending'",
        decision=change.decision,
        now=now,
        op=change.operator,
        reason=change.reason[:300],
        loan=change.loan.loan_id if change.loan else None,
        id=change.request_id,
    ):
        raise ChangeRefused("decided already")
    if change.loan is not None:
        open_loan(tx, change.user_id, change.loan, now)
    queue_notice(tx, change.notice, now)
