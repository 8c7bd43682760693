"""Two schedulers on one PostgreSQL database: no loan closed twice, no reminder sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from storage import Database, PiiVault, SqlStore
from storage.close_of_business import close_through
from storage.reminders import sweep
from tests.flows.harness import TEST_PII_KEY, Harness
from tests.servicing.conftest import at_local, borrower, local, queued, word_queued
from tests.servicing.test_close_of_business import assert_positions_match_the_ledger
from tests.storage.conftest import postgres_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_url()


async def test_two_schedulers_share_the_work_and_do_nothing_twice(
    pg_url: str, tmp_path: Path
) -> None:
    bot = Harness(tmp_path / "unused.db", url=pg_url)
    other = SqlStore(Database(pg_url), PiiVault(TEST_PII_KEY))  # a second process
    try:
        users = (501, 502, 503, 504, 505, 506)
        for user in users:
            await borrower(bot, user)
        # 33 nights later (one loan-day each per batch), then the morning sweep, both at once.
        bot.clock.now = at_local(date(2026, 12, 26), 0, 30)
        night = local(bot).date() - timedelta(days=1)
        now = bot.clock()
        reports = await asyncio.gather(
            close_through(bot.db, night, now, batch_size=1),
            close_through(other.db, night, now, batch_size=1),
        )
        for report in reports:
            assert report.loans  # both took part
        closed = await bot.db.run(
            lambda tx: tx.all("SELECT DISTINCT closed_through FROM loan_positions")
        )
        assert [str(row.closed_through) for row in closed] == [str(night)]
        entries = await bot.db.run(
            lambda tx: tx.all(
                "SELECT loan_id, COUNT(*) AS n FROM ledger_entries WHERE kind = 'accrual'"
                " GROUP BY loan_id"
            )
        )
        # One accrual a night after the first (day 0 earns nothing): 32, never more.
        assert {row.n for row in entries} == {32}
        for user_id in range(1, len(users) + 1):
            await assert_positions_match_the_ledger(bot, user_id)

        bot.clock.now = at_local(date(2026, 12, 26), 10)
        now = bot.clock()
        while True:
            rounds = await asyncio.gather(
                *(db.run(lambda tx: sweep(tx, now, limit=2)) for db in (bot.db, other.db))
            )
            if not any(r.sent + r.covered + r.dropped for r in rounds):
                break
        await word_queued(bot)
        messages = await queued(bot)
        assert len(messages) == len(users)  # one reminder each, not two
        assert all(m.text.startswith("Your repayment is overdue") for m in messages)
    finally:
        await other.db.close()
        await bot.close()
