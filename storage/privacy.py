"""The borrower's rights over their data, as queries: consents as they stand, everything held
about one person (export), and erasure.

The export and the erasure find a person's rows by the columns that tie a row to a person
(`user_id`, their loans' `loan_id`, their ledger entries' `entry_key`, their `chat_id`, the
audit log's `actor`), read from the database's own schema: a table added later is exported and
erased without anyone remembering to list it here.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from graphlib import TopologicalSorter
from typing import Any

from flows.ports import ConsentRecord
from storage.pii import PiiVault
from storage.sql import Row, Tx, day, utc

MARKETING = "marketing"
# Tables that hold nothing about one person (or, for erased_accounts, only a keyed hash).
NOT_ABOUT_A_PERSON = frozenset(
    {
        "processed_updates",
        "invites",
        "vault_check",
        "pii_lookup_key",
        "erased_accounts",
        "alembic_version",
        "job_leases",
        # Operators' own records: who may operate, what was announced to everyone.
        "operator_grants",
        "broadcasts",
    }
)
# Kept after an erasure for as long as the law requires: money records and proof of consent.
KEPT_BY_LAW = frozenset(
    {
        "loans",
        "instalments",
        "ledger_entries",
        "postings",
        "consents",
        "audit_log",
        "operator_audit",
    }
)
# How a table's rows are tied to a person, most direct first.
_LINKS = ("user_id", "loan_id", "entry_key", "ticket_id", "chat_id", "target_user_id", "actor")

_LATEST_CONSENTS = (
    "SELECT c.* FROM consents c WHERE c.id = (SELECT MAX(id) FROM consents"
    " WHERE user_id = c.user_id AND purpose = c.purpose)"
)


def consent_records(tx: Tx, user_id: int) -> list[ConsentRecord]:
    """Each purpose's latest record: what holds now."""
    rows = tx.all(_LATEST_CONSENTS + " AND c.user_id = :user ORDER BY c.id", user=user_id)
    return [
        ConsentRecord(row.purpose, bool(row.granted), row.text_version, utc(row.at))  # type: ignore[arg-type]
        for row in rows
    ]


def marketing_consented(tx: Tx, user_id: int) -> bool:
    """Whether a marketing message may be sent to this person now."""
    return any(r.purpose == MARKETING and r.granted for r in consent_records(tx, user_id))


def marketing_audience(tx: Tx) -> list[int]:
    """The users a marketing broadcast may reach: latest marketing consent given, not erased."""
    rows = tx.all(
        _LATEST_CONSENTS + " AND c.purpose = :purpose AND c.granted = :yes"
        " AND c.user_id NOT IN (SELECT user_id FROM erased_accounts) ORDER BY c.user_id",
        purpose=MARKETING,
        yes=True,
    )
    return [int(row.user_id) for row in rows]


# -- export ---------------------------------------------------------------------------------


def _schema(tx: Tx) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Each table's columns and the tables it refers to, read from the database itself (the
    running bot does not load the ORM's table definitions)."""
    if tx.postgres:
        columns = tx.all(
            "SELECT table_name AS tbl, column_name AS col FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
        parents = tx.all(
            "SELECT tc.table_name AS tbl, ccu.table_name AS parent"
            " FROM information_schema.table_constraints tc"
            " JOIN information_schema.constraint_column_usage ccu"
            " ON tc.constraint_name = ccu.constraint_name AND tc.table_schema = ccu.table_schema"
            " WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()"
        )
    else:
        columns = tx.all(
            "SELECT m.name AS tbl, p.name AS col FROM sqlite_master m"
            " JOIN pragma_table_info(m.name) p WHERE m.type = 'table'"
        )
        parents = tx.all(
            'SELECT m.name AS tbl, f."table" AS parent FROM sqlite_master m'
            " JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
        )
    tables: dict[str, set[str]] = {}
    for row in columns:
        tables.setdefault(row.tbl, set()).add(row.col)
    refers: dict[str, set[str]] = {name: set() for name in tables}
    for row in parents:
        if row.parent != row.tbl:
            refers[row.tbl].add(row.parent)
    return tables, refers


def _person_tables(tx: Tx) -> list[tuple[str, str]]:
    """(table, linking column) for every table that holds rows about a person, parents before
    the tables that refer to them."""
    tables, refers = _schema(tx)
    found = []
    for name in TopologicalSorter(refers).static_order():
        if name in NOT_ABOUT_A_PERSON or name not in tables:
            continue
        link = next((column for column in _LINKS if column in tables[name]), None)
        if link is None and name == "users":
            link = "id"
        if link is not None:
            found.append((name, link))
    return found


def _keys(tx: Tx, user_id: int, chat_id: int | None) -> dict[str, list[Any]]:
    """The values of each linking column that point at this person."""
    loans = [r.id for r in tx.all("SELECT id FROM loans WHERE user_id = :u", u=user_id)]
    entries = [
        r.key
        for loan_id in loans
        for r in tx.all("SELECT key FROM ledger_entries WHERE loan_id = :l", l=loan_id)
    ]
    tickets = [r.id for r in tx.all("SELECT id FROM tickets WHERE user_id = :u", u=user_id)]
    return {
        "id": [user_id],
        "user_id": [user_id],
        "loan_id": loans,
        "entry_key": entries,
        "ticket_id": tickets,
        "target_user_id": [user_id],
        "chat_id": [] if chat_id is None else [chat_id],
        "actor": [f"user:{user_id}"],
    }


def _rows_about(tx: Tx, user_id: int, chat_id: int | None) -> dict[str, list[Row]]:
    keys = _keys(tx, user_id, chat_id)
    found: dict[str, list[Row]] = {}
    for table, link in _person_tables(tx):
        rows: list[Row] = []
        for value in keys[link]:
            rows += tx.all(f"SELECT * FROM {table} WHERE {link} = :v", v=value)
        found[table] = rows
    return found


_JSON_COLUMNS = frozenset({"answers", "inputs", "reasons", "payload", "replies"})
_PROOF_HASHES = frozenset({"text_hash", "inputs_hash"})


def _readable(row: Row, vault: PiiVault) -> dict[str, Any]:
    """A row as its owner may read it: encrypted fields decrypted, lookup hashes left out,
    JSON columns parsed."""
    out: dict[str, Any] = {}
    for column, value in row.items():
        if column.endswith("_hash") and column not in _PROOF_HASHES:
            continue
        if column.endswith("_enc"):
            out[column.removesuffix("_enc")] = vault.decrypt(value) if value else None
        elif column in _JSON_COLUMNS and isinstance(value, str) and value:
            out[column] = json.loads(value)
        elif isinstance(value, datetime | date):
            out[column] = value.isoformat()
        else:
            out[column] = value
    return out


def export_data(tx: Tx, vault: PiiVault, user_id: int, chat_id: int | None) -> dict[str, Any]:
    """Everything held about one person, table by table."""
    rows = _rows_about(tx, user_id, chat_id)
    return {table: [_readable(row, vault) for row in found] for table, found in rows.items()}


# -- erasure --------------------------------------------------------------------------------


def last_money_day(tx: Tx, user_id: int) -> date | None:
    """The day of the person's last ledger entry (their last repayment, for a settled loan)."""
    last = tx.scalar(
        "SELECT MAX(e.at) FROM ledger_entries e JOIN loans l ON l.id = e.loan_id"
        " WHERE l.user_id = :user",
        user=user_id,
    )
    return None if last is None else day(last)


def _delete_rows(tx: Tx, keys: dict[str, list[Any]], keep: frozenset[str]) -> None:
    """Delete the person's rows from every table but `keep` and users, children first."""
    for table, link in reversed(_person_tables(tx)):
        if table in keep or table == "users":
            continue
        for value in keys[link]:
            tx.execute(f"DELETE FROM {table} WHERE {link} = :v", v=value)


def erase_person(
    tx: Tx, vault: PiiVault, user_id: int, reason: str, keep_until: date, now: datetime
) -> bool:
    """Erase one person's personal data; keep what the law requires, tied to them only by a
    keyed hash of their platform id. False (and no change) when there is nobody to erase."""
    user = tx.one("SELECT * FROM users WHERE id = :u", u=user_id)
    if user is None or tx.scalar("SELECT 1 FROM erased_accounts WHERE user_id = :u", u=user_id):
        return False
    chat_id = tx.scalar("SELECT chat_id FROM conversations WHERE user_id = :u", u=user_id)
    name = _name(tx, vault, user_id)
    # The decision stays provable (outcome, reasons, scorecard, inputs hash); the answers it
    # was made on go.
    tx.execute("UPDATE applications SET inputs = '{}' WHERE user_id = :u", u=user_id)
    _delete_rows(tx, _keys(tx, user_id, chat_id), KEPT_BY_LAW | {"applications"})
    if name:
        # Replies kept for replaying an update may quote the name back ("Name: …").
        tx.execute(
            "UPDATE processed_updates SET replies = NULL WHERE replies LIKE :quoted",
            quoted=f"%{name}%",
        )
    tx.execute(
        "UPDATE users SET platform = 'erased', platform_user_id = :tombstone, invited_by = NULL"
        " WHERE id = :u",
        tombstone=-user_id,
        u=user_id,
    )
    tx.execute(
        "INSERT INTO erased_accounts (user_id, subject_hash, reason, erased_at, keep_until)"
        " VALUES (:u, :subject, :reason, :now, :until)",
        u=user_id,
        subject=vault.lookup_hash(f"{user.platform}:{user.platform_user_id}"),
        reason=reason,
        now=now,
        until=keep_until,
    )
    return True


def _name(tx: Tx, vault: PiiVault, user_id: int) -> str | None:
    token = tx.scalar("SELECT name_enc FROM identities WHERE user_id = :u", u=user_id)
    return vault.decrypt(token) if token else None


def purge_kept(tx: Tx, user_id: int, now: datetime) -> None:
    """The retention period of an erased account has passed: what was kept goes too, but the
    tombstone user row and the erasure record (no personal data) remain."""
    _delete_rows(tx, _keys(tx, user_id, None), frozenset({"audit_log"}))
    tx.execute("UPDATE erased_accounts SET purged_at = :now WHERE user_id = :u", now=now, u=user_id)
