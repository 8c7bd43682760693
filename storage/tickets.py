"""Complaint tickets: opened by borrowers, answered and closed by operators."""

from __future__ import annotations

from datetime import datetime

from flows.changes import AnswerTicket, CloseTicket, OpenTicket
from flows.ports import Account, ChangeRefused, TicketView
from storage.operators import queue_notice
from storage.sql import Row, Tx, utc

_TICKETS = (
    "SELECT t.*, c.chat_id, c.locale, c.status AS account_status, c.state, u.platform,"
    " u.platform_user_id FROM tickets t JOIN users u ON u.id = t.user_id"
    " JOIN conversations c ON c.user_id = t.user_id"
)


def _view(r: Row) -> TicketView:
    account = Account(
        r.user_id, r.platform, r.platform_user_id, r.chat_id, r.locale, r.account_status, r.state
    )
    created, respond_by = utc(r.created_at), utc(r.respond_by)
    assert created is not None and respond_by is not None
    return TicketView(r.id, r.number, account, r.category, r.text, r.status, created, respond_by)


def of_user(tx: Tx, user_id: int) -> list[TicketView]:
    return [_view(r) for r in tx.all(_TICKETS + " WHERE t.user_id = :u ORDER BY t.id", u=user_id)]


def still_open(tx: Tx, limit: int) -> list[TicketView]:
    rows = tx.all(
        _TICKETS + " WHERE t.status <> 'closed' ORDER BY t.created_at, t.id LIMIT :limit",
        limit=limit,
    )
    return [_view(r) for r in rows]


def one(tx: Tx, number: str) -> TicketView | None:
    row = tx.one(_TICKETS + " WHERE t.number = :number", number=number)
    return None if row is None else _view(row)


def open_ticket(tx: Tx, user_id: int, change: OpenTicket, now: datetime) -> None:
    tx.execute(
        "INSERT INTO tickets (number, user_id, category, text, status, created_at, respond_by)"
        " VALUES (:number, :user, :category, :text, 'open', :now, :by)",
        number=change.number,
        user=user_id,
        category=change.category,
        text=change.text[:2000],
        now=now,
        by=change.respond_by,
    )


def answer(tx: Tx, change: AnswerTicket, now: datetime) -> None:
    if not tx.execute(
        "UPDATE tickets SET status = 'answered' WHERE id = :id AND status <> 'closed'",
        id=change.ticket_id,
    ):
        raise ChangeRefused("ticket closed meanwhile")
    tx.execute(
        "INSERT INTO ticket_replies (ticket_id, operator, text, at) VALUES (:t, :op, :text, :now)",
        t=change.ticket_id,
        op=change.operator,
        text=change.text[:2000],
        now=now,
    )
    queue_notice(tx, change.notice, now)


def close(tx: Tx, change: CloseTicket, now: datetime) -> None:
    if not tx.execute(
        "UPDATE tickets SET status = 'closed', closed_at = :now WHERE id = :id AND status <> 'closed'",
        id=change.ticket_id,
        now=now,
    ):
        raise ChangeRefused("ticket closed meanwhile")
    queue_notice(tx, change.notice, now)
