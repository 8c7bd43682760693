"""Servicing at scale: what a read, the nightly close of business and the reminder sweep cost.

Run: `python -m benchmarks.bench_servicing` (SERVICING_BENCH_LARGE=0 skips the 1M-loan book;
TEST_POSTGRES_URL adds close of business on PostgreSQL).

1. Home screen CPU (process time, every thread) for 1 and 10 loans aged 0, 90 and 365 days
   (repaid on time) and 60 days overdue, through the real engine (/menu) on SQLite; the peer
   is the same screen's loans rebuilt from every ledger entry and brought to today, the
   per-day replay reads did before loan_positions.
2. Close of business: loans closed per second over 100,000 active loans, one night, batches
   of 500, on SQLite (and PostgreSQL); the peer is one transaction per loan on the same book.
3. One loan's 400-day catch-up: ours (each day folded once) against the peer re-adding every
   entry after each posting (what the loan aggregate did before).
4. The reminder sweep over 100,000 and 1,000,000 loans with 1% due: time and peak memory; and
   what wording those messages costs later, as the outbox leases them for sending (Telegram
   takes ~30 messages a second, so 10,000 reminders leave over minutes: a message's words are
   written from its borrower's loans as they stand when it leaves, not at 10:00).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.servicing_book import add_reminders, build_book, reset_sweep
from bot.delivery import OUTBOX_BATCH
from flows.engine import Engine
from flows.events import Command, Event
from lending import close_of_business as cob
from lending import servicing
from lending.position import Position
from lending.schedule import RepaymentMethod, build_schedule
from lending.servicing import Loan, disburse, open_loan, repay, run_day
from storage import Database, PiiVault, SqlStore
from storage.close_of_business import close_batch, close_through
from storage.loans import insert_entries, insert_loan, load_ledger, load_loans, set_closed_through
from storage.outbox import lease_due
from storage.reminders import sweep
from storage.sql import Tx

PII_KEY = "YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXkhISE="
TODAY = date(2027, 6, 1)
SCREENS = 30
SCREEN_RUNS = 7  # runs of SCREENS screens a figure, median: one run swung 2x on a shared machine
UPDATE_IDS = itertools.count(1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _fresh(directory: str, name: str) -> Database:
    db = Database(f"sqlite:///{Path(directory) / name}", sqlite_synchronous="NORMAL")
    db.create_schema()
    return db


# -- 1. home screen --------------------------------------------------------------------------


def _person(tx: Tx, now: datetime) -> None:
    tx.execute(
        "INSERT INTO users (id, platform, platform_user_id, created_at)"
        " VALUES (1, 'telegram', 1, :now)",
        now=now,
    )
    tx.execute(
        "INSERT INTO conversations (user_id, chat_id, locale, timezone, status, state, answers,"
        " screen, version, updated_at) VALUES (1, 1, 'en', 'Asia/Shanghai', 'active', 'home',"
        " '{}', 1, 1, :now)",
        now=now,
    )
    tx.execute(
        "INSERT INTO applications (id, user_id, inputs, inputs_hash, scorecard_version, outcome,"
        " score, grade, reasons, decided_at) VALUES (1, 1, '{}', 'x', 'v', 'approved', 700, 'A',"
        " '[]', :now)",
        now=now,
    )
    tx.execute(
        "INSERT INTO credit_lines (user_id, application_id, limit_fen, daily_rate, apr, grade,"
        " updated_at) VALUES (1, 1, 20000000, '0.0005', '0.18', 'A', :now)",
        now=now,
    )


def _draw(tx: Tx, loans: int, start: date, now: datetime) -> None:
    for i in range(loans):
        # 24 months, so a loan is still running at 365 days (a closed loan would flatter it).
        schedule = build_schedule(
            1_200_000, 24, Decimal("0.0005"), RepaymentMethod.EQUAL_INSTALLMENT, start
        )
        loan = open_loan(f"L{i}", schedule)
        insert_loan(tx, 1, loan, f"k{i}", 24, now)
        insert_entries(tx, loan.loan_id, [disburse(loan, start, f"L{i}:d")], now)


def _pay_due(tx: Tx, day: date, now: datetime) -> None:
    """Every loan pays what falls due on `day`, as a borrower repaying on time does."""
    for loan in load_loans(tx, 1):
        due = [i for i in loan.schedule.instalments if i.due_date == day]
        if not due or loan.status != "active":
            continue
        result = repay(loan, due[0].total_fen, day, f"{loan.loan_id}:pay:{day}")
        insert_entries(tx, loan.loan_id, result.entries, now)
        set_closed_through(tx, loan.loan_id, result.loan.closed_through)


async def _aged(directory: str, loans: int, age: int, pays: bool) -> tuple[Engine, Clock]:
    start = TODAY - timedelta(days=age)
    clock = Clock(datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2))
    db = _fresh(directory, f"home-{loans}-{age}-{pays}.db")
    await db.run(lambda tx: _person(tx, clock()))
    await db.run(lambda tx: _draw(tx, loans, start, clock()))
    day = start
    while day < TODAY:
        clock.now += timedelta(days=1)
        day += timedelta(days=1)
        await close_through(db, day - timedelta(days=1), clock())
        if pays:
            await db.run(lambda tx, d=day: _pay_due(tx, d, clock()))  # type: ignore[misc]
    return Engine(SqlStore(db, PiiVault(PII_KEY)), clock=clock), clock


def _cpu(
    work: Callable[[], Awaitable[Any]], times: int, runs: int = 1
) -> Callable[[], Awaitable[float]]:
    """Milliseconds of CPU per call of `work`: the median of `runs` runs of `times` calls."""

    async def measure() -> float:
        await work()  # warm
        figures = []
        for _ in range(runs):
            begin = time.process_time()
            for _ in range(times):
                await work()
            figures.append((time.process_time() - begin) / times * 1000)
        return statistics.median(figures)

    return measure


async def home_screens() -> None:
    print(
        f"Home screen: CPU per /menu through the engine (ms), SQLite; ours: median of"
        f" {SCREEN_RUNS} runs of {SCREENS} screens"
    )
    print(
        f"{'loans':>5} {'age':>16} {'ours':>8} {'vs day 0':>9} {'replay peer':>12} {'peer/ours':>10}"
    )
    with tempfile.TemporaryDirectory() as directory:
        for loans in (1, 10):
            base = None
            for age, pays, label in (
                (0, True, "0 days"),
                (90, True, "90 days"),
                (365, True, "365 days"),
                (90, False, "60 days overdue"),
            ):
                engine, clock = await _aged(directory, loans, age, pays)

                async def menu(e: Engine = engine, c: Clock = clock) -> None:
                    event = Event("telegram", 1, 1, next(UPDATE_IDS), c(), "en", Command("menu"))
                    await e.handle(event)

                assert isinstance(engine.store, SqlStore)
                store = engine.store

                async def replay(s: SqlStore = store) -> None:
                    def work(tx: Tx) -> list[Loan]:
                        return [servicing.as_of(loan, TODAY) for loan in load_ledger(tx, 1)]

                    await s.db.run(work)

                ours = await _cpu(menu, SCREENS, SCREEN_RUNS)()
                peer = await _cpu(replay, max(SCREENS // 10, 3))()
                base = base or ours
                print(
                    f"{loans:>5} {label:>16} {ours:>8.2f} {ours / base:>8.2f}x {peer:>12.2f}"
                    f" {peer / ours:>9.1f}x"
                )
                await store.db.close()
    print("target: the 365-day figure within 1.5x of the day-0 figure")


# -- 2. close of business ---------------------------------------------------------------------


async def _close_rate(db: Database, n: int, per_loan: bool) -> tuple[float, float]:
    """Loans closed per second of wall time, and per second of this process's CPU (the wall
    figure moves with whatever else the 2 shared cores are doing)."""
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
    cpu = time.process_time()
    begin = time.perf_counter()
    if per_loan:
        closed = 0
        while True:
            batch = await db.run(lambda tx: close_batch(tx, TODAY, 1, now))
            if not batch.loans:
                break
            closed += batch.loans
    else:
        closed = (await close_through(db, TODAY, now, batch_size=500)).loans
    assert closed == n, (closed, n)
    return n / (time.perf_counter() - begin), n / (time.process_time() - cpu)


async def close_of_business(n: int = 100_000) -> None:
    print(f"Close of business: one night over {n:,} active loans (loans/s)")
    with tempfile.TemporaryDirectory() as directory:
        db = _fresh(directory, "cob.db")
        await build_book(db, n, TODAY)
        ours = await _close_rate(db, n, per_loan=False)
        await db.close()
        peer_n = n // 20
        peer_db = _fresh(directory, "cob-peer.db")
        await build_book(peer_db, peer_n, TODAY)
        peer = await _close_rate(peer_db, peer_n, per_loan=True)
        await peer_db.close()
    print(f"  {'':32} {'wall':>9} {'per CPU s':>10}")
    print(
        f"  SQLite, batches of 500:        {ours[0]:>9,.0f} {ours[1]:>10,.0f}"
        f"  ({ours[0] / peer[0]:.1f}x the peer)"
    )
    print(
        f"  SQLite, one transaction/loan:  {peer[0]:>9,.0f} {peer[1]:>10,.0f}"
        f"  (peer, {peer_n:,} loans)"
    )
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        from tests.storage.conftest import postgres_url

        urls = postgres_url()
        try:
            pg = Database(next(urls))
            pg.create_schema()
            await build_book(pg, n, TODAY)
            rate = await _close_rate(pg, n, per_loan=False)
            await pg.close()
            print(
                f"  PostgreSQL, batches of 500:    {rate[0]:>9,.0f} {rate[1]:>10,.0f}"
                f"  ({rate[0] / peer[0]:.1f}x the SQLite peer)"
            )
        finally:
            next(urls, None)
    else:
        print("  PostgreSQL: set TEST_POSTGRES_URL to measure it")
    print("target: at least 5,000 loans/s on SQLite")


# -- 3. one loan's 400-day catch-up -------------------------------------------------------


def _peer_catch_up(loan: Loan, through: date) -> Loan:
    """The old way: after each posting the loan re-adds every entry it holds (only the
    overdue principal-days counted so far are carried, as the penalty rule needs them)."""
    empty = Position.empty(len(loan.schedule.instalments))
    day = loan.schedule.start
    while day <= through:
        for step in (cob._accrual, cob._apply_credit, cob._penalty):
            if loan.status != "active":
                break
            made = step(loan, day)
            if made is not None:
                loan = loan.with_entries([made])
        counted = loan.position.counted_through(loan.schedule, day).principal_days
        loan = replace(loan, opening=empty.with_principal_days(counted))
        day += timedelta(days=1)
    return loan


def catch_up() -> None:
    start = TODAY - timedelta(days=400)
    schedule = build_schedule(
        1_200_000, 12, Decimal("0.0005"), RepaymentMethod.EQUAL_INSTALLMENT, start
    )
    loan = open_loan("L", schedule)
    loan = loan.with_entries([disburse(loan, start, "d")])
    begin, cpu = time.perf_counter(), time.process_time()
    ours = run_day(loan, TODAY - timedelta(days=1))
    mine, mine_cpu = time.perf_counter() - begin, time.process_time() - cpu
    begin = time.perf_counter()
    peer = _peer_catch_up(loan, TODAY - timedelta(days=1))
    theirs = time.perf_counter() - begin
    # Every balance alike (a loan held in memory recounts its principal-days from its entries).
    assert ours.loan.position.with_principal_days(()) == peer.position.with_principal_days(())
    print(
        f"One loan's 400-day catch-up (never repaid, {len(ours.entries)} entries): ours"
        f" {mine * 1000:.0f} ms (CPU {mine_cpu * 1000:.0f} ms), peer {theirs * 1000:.0f} ms"
        f" ({theirs / mine:.0f}x)"
    )


# -- 4. reminder sweep ----------------------------------------------------------------------


async def _sweep_all(db: Database, now: datetime) -> int:
    sent = 0
    while True:
        report = await db.run(lambda tx: sweep(tx, now, 1000))
        sent += report.sent
        if report.sent + report.covered + report.dropped + report.deferred == 0:
            return sent


async def _word_all(db: Database, now: datetime) -> int:
    """What the outbox does with the queued reminders: lease them a batch at a time, which
    writes each one's words from its borrower's loans (storage.reminder_words)."""
    worded = 0
    while batch := await db.run(lambda tx: lease_due(tx, now, OUTBOX_BATCH)):
        worded += len(batch)
    return worded


async def reminder_sweep(sizes: tuple[int, ...]) -> None:
    print("Reminder sweep: everything due now, 1% of the book (10:00 Shanghai)")
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
    times = {}
    with tempfile.TemporaryDirectory() as directory:
        for n in sizes:
            db = _fresh(directory, f"sweep-{n}.db")
            await build_book(db, n, TODAY, ledger=False, starts=1)
            due = await add_reminders(db, n, 0.01, now)
            begin, cpu = time.perf_counter(), time.process_time()
            sent = await _sweep_all(db, now)
            elapsed, cpu = time.perf_counter() - begin, time.process_time() - cpu
            assert sent == due, (sent, due)
            words_cpu = time.process_time()
            assert await _word_all(db, now) == due
            words_cpu = time.process_time() - words_cpu
            await db.run(reset_sweep)
            tracemalloc.start()
            await _sweep_all(db, now)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            await db.close()
            times[n] = cpu
            print(
                f"  {n:>9,} loans, {due:>6,} due: wall {elapsed:.2f} s, CPU {cpu:.2f} s"
                f" ({cpu / due * 1e6:.0f} µs CPU a reminder), peak {peak / 2**20:.1f} MiB traced;"
                f" then worded as the outbox leases them: {words_cpu / due * 1e6:.0f} µs CPU"
                " a message"
            )
    if len(sizes) > 1:
        ratio = times[sizes[-1]] / times[sizes[0]]
        per = ratio / (sizes[-1] / sizes[0])  # the due count grows with the book
        print(
            f"  {sizes[-1]:,} vs {sizes[0]:,}: {ratio:.2f}x the time for {per:.2f}x the work per loan due"
        )
    print("target: the 1M sweep under 1 s and within 1.5x of the 100k time")


def run() -> None:
    large = os.environ.get("SERVICING_BENCH_LARGE", "1") != "0"
    asyncio.run(home_screens())
    print()
    catch_up()
    print()
    asyncio.run(close_of_business())
    print()
    asyncio.run(reminder_sweep((100_000, 1_000_000) if large else (100_000,)))


if __name__ == "__main__":
    run()
