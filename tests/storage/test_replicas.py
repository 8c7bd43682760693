"""Several processes on one PostgreSQL database.

A replica here is what a process holds: its own connections (a Database), its own engine with
its own session cache and per-user asyncio locks. Only the database is shared, as it is between
webhook processes behind a load balancer.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from flows.engine import Engine
from flows.events import Event, Outgoing, Reply
from flows.ports import OutboxMessage
from storage import Database, PiiVault, SqlStore
from storage.outbox import lease_due
from storage.sql import Tx
from tests.flows.harness import TEST_PII_KEY, Harness, Person, onboard
from tests.storage.conftest import postgres_url

USERS = 200
DUPLICATED = 0.1
USER_KEYS = re.compile(r"\b(user|repay|drawdown):(\d+)\b:?")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
REFERENCE = re.compile(r"SANDBOX-PAY(?:OUT)?-[0-9A-F]+")


@pytest.fixture
def pg_urls() -> Iterator[tuple[str, str]]:
    """Two fresh databases: one for the single process, one for the replicas."""
    first, second = postgres_url(), postgres_url()
    yield next(first), next(second)
    next(first, None)
    next(second, None)


class Cluster(Harness):
    """A Harness whose updates go to one of several replicas, some to two at once."""

    def __init__(self, path: Path, url: str, replicas: int, seed: int) -> None:
        super().__init__(path, url=url)
        self.replicas = [self.engine] + [self._replica() for _ in range(replicas - 1)]
        self.random = random.Random(seed)
        self.duplicates = 0

    def _replica(self) -> Engine:
        db = Database(self.url)
        self.extra_dbs = [*getattr(self, "extra_dbs", []), db]
        return Engine(SqlStore(db, PiiVault(TEST_PII_KEY)), self.config, self.clock)

    async def deliver(self, event: Event) -> list[Outgoing]:
        if len(self.replicas) == 1:
            return await self.engine.handle(event)
        first, second = self.random.sample(self.replicas, 2)
        if self.random.random() >= DUPLICATED:
            return await first.handle(event)
        # Telegram did not hear the acknowledgement in time and sent the update again, to
        # another process behind the load balancer, while the first was still on it.
        self.duplicates += 1
        answers = await asyncio.gather(first.handle(event), second.handle(event))
        answer, again = sorted(answers, key=lambda out: -len(out))
        # The second delivery repeats the same answer (or none) and never resends an outbox
        # row: the outbox alone delivers those, once.
        assert all(item.outbox_id is None for item in again)
        assert [item.reply for item in again] in (
            [],
            [item.reply for item in answer if item.outbox_id is None],
        )
        return answer

    async def close(self) -> None:
        for db in getattr(self, "extra_dbs", []):
            await db.close()
        await super().close()


async def _journey(bot: Harness, n: int, invite: str) -> list[str]:
    """One borrower: onboarding, a loan, paying it off. Returns what the person read."""
    person = Person(bot, 10_000 + n)
    await onboard(person, invite, id_sequence=f"{n:03d}", phone=f"+86 139 0000 {n:04d}")
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    await person.press("Confirm")
    await person.command("repay")
    await person.press("Pay off")
    await person.press("Confirm")
    return [_without_references(item.reply.text) for item in person.seen]


def _without_references(text: str) -> str:
    """Sandbox payment references derive from database ids, which depend on the order people
    arrived in; everything else a person reads must be the same."""
    return REFERENCE.sub("SANDBOX-REF", text)


async def _run(bot: Harness) -> tuple[list[list[str]], dict[str, Any]]:
    invite = await bot.invite(uses=USERS)
    seen = await asyncio.gather(*(_journey(bot, n, invite) for n in range(USERS)))
    # The outbox after the run: every row was acknowledged by one sender.
    return list(seen), await _state(bot.db)


async def _state(db: Database) -> dict[str, Any]:
    """Everything a borrower or operator could tell apart, with the ids that depend on the
    order people arrived in (user ids, loan ids) replaced by the person's Telegram id."""

    def read(tx: Tx) -> dict[str, Any]:
        people = {
            r.id: r.platform_user_id for r in tx.all("SELECT id, platform_user_id FROM users")
        }
        loans = {r.id: people[r.user_id] for r in tx.all("SELECT id, user_id FROM loans")}
        pattern = re.compile("|".join(map(re.escape, loans)) or "^$")

        def plain(value: Any) -> str:
            text = str(value)
            text = USER_KEYS.sub(lambda m: f"{m.group(1)}:T{people[int(m.group(2))]}:", text)
            return pattern.sub(lambda m: f"loan-of-{loans[m.group(0)]}", _without_references(text))

        def rows(sql: str, user_column: str | None = None) -> list[tuple[str, ...]]:
            out = []
            for row in tx.all(sql):
                if user_column:
                    row[user_column] = people[row[user_column]]
                out.append(tuple(plain(v) for v in row.values()))
            return sorted(out)

        return {
            "conversations": rows(
                "SELECT user_id, state, status, answers, screen, version, locale FROM conversations",
                "user_id",
            ),
            "applications": rows(
                "SELECT user_id, outcome, score, grade, reasons FROM applications", "user_id"
            ),
            "credit_lines": rows("SELECT user_id, limit_fen, apr FROM credit_lines", "user_id"),
            "loans": rows(
                "SELECT id, user_id, principal_fen, term_months, daily_rate, fee_fen, start_date,"
                " closed_through FROM loans",
                "user_id",
            ),
            "ledger": rows("SELECT key, loan_id, seq, at, kind FROM ledger_entries"),
            "postings": rows("SELECT entry_key, account, amount_fen FROM postings"),
            "outbox": rows("SELECT chat_id, dedupe_key, payload, status, attempts FROM outbox"),
            "consents": rows("SELECT user_id, purpose, granted FROM consents", "user_id"),
            "identities": rows("SELECT user_id, id_hash, phone_hash FROM identities", "user_id"),
            "invites": rows("SELECT inviter, max_uses, uses_left FROM invites"),
            "audit": rows("SELECT actor, action, detail FROM audit_log"),
            "updates": tx.scalar("SELECT COUNT(*) FROM processed_updates"),
        }

    return await db.run(read)


@pytest.mark.postgres
async def test_three_replicas_end_where_one_process_ends(
    pg_urls: tuple[str, str], tmp_path: Path
) -> None:
    single = Cluster(tmp_path / "unused1.db", pg_urls[0], replicas=1, seed=1)
    replicas = Cluster(tmp_path / "unused2.db", pg_urls[1], replicas=3, seed=2)
    try:
        alone_seen, alone = await _run(single)
        together_seen, together = await _run(replicas)
    finally:
        await single.close()
        await replicas.close()
    assert replicas.duplicates > USERS  # about a tenth of ~6,000 updates went to two replicas
    assert len(alone["loans"]) >= USERS // 2
    assert together_seen == alone_seen  # every person read the same, nothing lost or doubled
    for table in alone:
        assert together[table] == alone[table], table


class TwoReplicas(Harness):
    """Two processes on one database; the test says which one gets the next update."""

    def __init__(self, path: Path, url: str) -> None:
        super().__init__(path, url=url)
        self.other_db = Database(self.url)
        self.other = Engine(
            SqlStore(self.other_db, PiiVault(TEST_PII_KEY)), self.config, self.clock
        )
        self.to = self.engine

    async def deliver(self, event: Event) -> list[Outgoing]:
        return await self.to.handle(event)

    async def close(self) -> None:
        await self.other_db.close()
        await super().close()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_a_replica_never_acts_on_its_stale_cached_session(kind: str, tmp_path: Path) -> None:
    """Replica A caches the session it saved; replica B then moves the person on. A's next
    update must act on B's state, not on A's memory of it."""
    urls = postgres_url() if kind == "postgres" else iter([f"sqlite:///{tmp_path / 'bot.db'}"])
    bot = TwoReplicas(tmp_path / "bot.db", next(urls))
    try:
        person = bot.person()
        invite = await bot.invite()
        await person.command("start", invite)  # A: intro, cached in A
        bot.to = bot.other
        await person.press("Continue")  # B: the first consent
        await person.press("Agree")  # B: the second consent
        bot.to = bot.engine
        # A's cache still says "intro"; the person answers the second consent on screen.
        replies = await person.press("Agree")
        assert "Consent 3 of 4 (optional)" in replies[-1].text  # the step after B's, not A's
        session = await bot.store.load_session("telegram", person.user_id)
        assert session is not None and session.version == 4
        consents = await bot.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM consents"))
        assert consents == 2
    finally:
        await bot.close()
        next(urls, None)


@pytest.mark.postgres
async def test_outbox_senders_skip_rows_another_is_claiming(tmp_path: Path) -> None:
    """Two replicas drain one outbox: the second takes the rows the first is not claiming,
    at once, instead of waiting for the first's transaction; no row goes to both."""
    urls = postgres_url()
    bot = Harness(tmp_path / "unused.db", url=next(urls))
    messages = [
        OutboxMessage(7, "telegram", Reply(f"reminder {n}"), f"reminder:{n}") for n in range(10)
    ]
    await bot.store.enqueue(messages, NOW)
    first, second = (psycopg.connect(bot.url, autocommit=True) for _ in range(2))
    try:
        a, b = first.cursor(), second.cursor()
        a.execute("BEGIN")
        claimed_by_a = lease_due(Tx(a, postgres=True), NOW, 4)  # still being claimed
        b.execute("BEGIN")
        b.execute("SET LOCAL lock_timeout = '2s'")  # waiting would fail the test
        claimed_by_b = lease_due(Tx(b, postgres=True), NOW, 10)
        b.execute("COMMIT")
        a.execute("COMMIT")
        ids_a = {item.outbox_id for item in claimed_by_a}
        ids_b = {item.outbox_id for item in claimed_by_b}
        assert len(ids_a) == 4 and len(ids_b) == 6 and not ids_a & ids_b
        assert await bot.store.due_outbox(NOW, 10) == []
    finally:
        first.close()
        second.close()
        await bot.close()
        next(urls, None)


class ManyReplicas(Cluster):
    """Each update to the next replica in turn, all of them at once."""

    def __init__(self, path: Path, url: str, replicas: int) -> None:
        super().__init__(path, url, replicas, seed=0)
        self.turn = itertools.count()

    async def deliver(self, event: Event) -> list[Outgoing]:
        return await self.replicas[next(self.turn) % len(self.replicas)].handle(event)


@pytest.mark.postgres
async def test_one_persons_updates_on_many_replicas_wait_their_turn(
    pg_urls: tuple[str, str], tmp_path: Path
) -> None:
    """A person tapping fast while each update lands on another replica: every update is
    answered. They queue on the person's lock in the database; resting on the session version
    alone, all but one would conflict and retry, and the last ones would give up unanswered."""
    bot = ManyReplicas(tmp_path / "unused.db", pg_urls[0], replicas=8)
    try:
        person = bot.person()
        await person.command("start", await bot.invite())
        answers = await asyncio.gather(*(person.command("help") for _ in range(16)))
        assert all(answers), [len(a) for a in answers]
        session = await bot.store.load_session("telegram", person.user_id)
        assert session is not None and session.version == 17  # every update saved, once
    finally:
        await bot.close()
