"""Storage behaviour on SQLite and PostgreSQL: the journey, the outbox, concurrent writers."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from flows.changes import SaveIdentity
from flows.events import ButtonPress, Command, Event, Reply
from flows.ports import ChangeRefused, OutboxMessage
from flows.states import State
from storage import Database
from storage.store import TxStore, save_identity
from tests.flows.harness import Harness, onboard, resident_id
from tests.storage.busy_writer import BusyWriter
from tests.storage.conftest import postgres_url


async def test_the_journey_works_on_this_database(any_bot: Harness) -> None:
    person = any_bot.person()
    await onboard(person, await any_bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    receipt = await person.press("Confirm")
    assert "CN¥5,000.00 has been paid out" in receipt[0].text
    await person.command("repay")
    await person.press("Pay off")
    assert "repaid in full" in (await person.press("Confirm"))[0].text
    loans = await any_bot.store.loans(1)
    assert [loan.status for loan in loans] == ["closed"]
    # Every loan's ledger balances: the sum of all postings is zero.
    total = await any_bot.db.run(lambda tx: tx.scalar("SELECT SUM(amount_fen) FROM postings"))
    assert total == 0


async def test_a_redelivered_update_changes_nothing_and_gets_its_replies_again(
    any_bot: Harness,
) -> None:
    """Telegram redelivers an update whose acknowledgement it never got (say the bot died
    between commit and send): the person must hear the answer, and nothing happens twice."""
    person = any_bot.person()
    code = await any_bot.invite(uses=5)
    first = await person.send(Command("start", code), update_id=1)
    before = await any_bot.store.load_session("telegram", person.user_id)
    again = await person.send(Command("start", code), update_id=1)
    assert again == first and "Welcome!" in first[0].text
    after = await any_bot.store.load_session("telegram", person.user_id)
    assert before is not None and after is not None and after.version == before.version
    uses_left = await any_bot.db.run(lambda tx: tx.scalar("SELECT uses_left FROM invites"))
    assert uses_left == 4  # redeemed once


async def test_a_session_saved_by_another_process_is_reread_not_overwritten(
    any_bot: Harness,
) -> None:
    person = any_bot.person()
    await person.command("start", await any_bot.invite())
    other = Harness(any_bot.path, any_bot.clock, url=any_bot.url)  # a second bot process
    other.update_ids = any_bot.update_ids
    try:
        twin = other.person(person.user_id)
        twin.seen = list(person.seen)
        await twin.press("Continue")  # the other process moves the person on
        replies = await person.press("Continue")  # this process still caches the old screen
        assert "This button has expired" in replies[0].text  # re-read, not overwritten
        session = await any_bot.store.load_session("telegram", person.user_id)
        assert session is not None and session.state is State.CONSENT_ASSESSMENT
    finally:
        await other.db.close()


async def test_outbox_rows_are_sent_once_retried_on_failure_and_never_duplicated(
    any_bot: Harness,
) -> None:
    store, now = any_bot.store, datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    message = OutboxMessage(
        42, "telegram", Reply("Your repayment is due tomorrow."), "reminder:loan1:2026-11-24"
    )
    assert len(await store.enqueue([message, message], now)) == 1  # same dedupe key: queued once
    assert await store.enqueue([message], now) == []

    first = await store.due_outbox(now, 10)
    assert [o.reply.text for o in first] == ["Your repayment is due tomorrow."]
    assert await store.due_outbox(now, 10) == []  # leased: a second worker gets nothing
    assert first[0].outbox_id is not None
    await store.mark_failed(first[0].outbox_id, "network down", now)
    assert await store.due_outbox(now, 10) == []  # backing off
    retry = await store.due_outbox(now + timedelta(seconds=5), 10)
    assert [o.outbox_id for o in retry] == [first[0].outbox_id]
    assert retry[0].outbox_id is not None
    await store.mark_delivered(retry[0].outbox_id, now)
    assert await store.due_outbox(now + timedelta(days=1), 10) == []


async def test_delivered_marks_ride_the_writers_next_batch_together(tmp_path: Path) -> None:
    """SQLite: marking a row delivered does not wait for a commit; rows delivered while the
    writer is busy are marked together, each with its own time, before any later unit runs."""
    bot = Harness(tmp_path / "bot.db")
    store, now = bot.store, datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    busy = BusyWriter(bot.db.run)
    try:
        messages = [OutboxMessage(42, "telegram", Reply(f"m{n}"), f"k{n}") for n in range(3)]
        await store.enqueue(messages, now)
        rows = await store.due_outbox(now, 10)
        await busy.start()
        for n, row in enumerate(rows[:2]):
            assert row.outbox_id is not None  # returns at once, the writer being busy
            await asyncio.wait_for(store.mark_delivered(row.outbox_id, now + timedelta(n)), 1)
        await busy.release()
        sent = await bot.db.run(
            lambda tx: tx.tuples("SELECT status, sent_at, lease_until FROM outbox ORDER BY id")
        )
        assert [(status, lease is None) for status, _, lease in sent] == [
            ("sent", True),
            ("sent", True),
            ("leased", False),  # not delivered: its lease brings it back
        ]
        assert sent[0][1] != sent[1][1]
        assert await store.due_outbox(now + timedelta(minutes=2), 10) == [rows[2]]
    finally:
        busy.stop()
        await bot.close()


async def test_a_lease_that_expires_is_retried(any_bot: Harness) -> None:
    store, now = any_bot.store, datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    await store.enqueue([OutboxMessage(42, "telegram", Reply("hi"), "k1")], now)
    assert len(await store.due_outbox(now, 10)) == 1
    # The sender died without acknowledging: after the lease the row comes back.
    assert len(await store.due_outbox(now + timedelta(minutes=2), 10)) == 1


async def test_a_disbursement_announcement_is_an_outbox_row_acknowledged_after_sending(
    any_bot: Harness,
) -> None:
    person = any_bot.person()
    await onboard(person, await any_bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    await person.press("Confirm")
    announced = [o for o in person.seen if o.outbox_id is not None]
    assert announced and "has been paid out" in announced[0].reply.text
    statuses = await any_bot.db.run(
        lambda tx: [r.status for r in tx.all("SELECT status FROM outbox")]
    )
    assert statuses and set(statuses) == {"sent"}


@pytest.mark.postgres
async def test_the_bot_carries_on_after_the_database_drops_its_connections(tmp_path: Path) -> None:
    urls = postgres_url()
    url = next(urls)
    bot = Harness(tmp_path / "unused.db", url=url)
    try:
        person = bot.person()
        await person.command("start", await bot.invite())
        await person.press("Continue")
        killer = Database(url)  # another session ends all of ours, as a server restart would
        await killer.run(
            lambda tx: tx.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        await killer.close()
        for _ in range(4):  # every worker thread of ours held a now-dead connection
            assert "Recorded: you agreed." in (await person.press("Agree"))[0].text
    finally:
        await bot.close()
        next(urls, None)


async def test_a_loan_reads_back_with_its_schedule_in_order(any_bot: Harness) -> None:
    """A person's loans come back from one statement, each schedule as one text: twelve
    instalments in number order (10 after 9, not after 1), the same as the rows hold."""
    from storage.loans import load_ledger, load_loans

    person = any_bot.person()
    await onboard(person, await any_bot.invite())
    for amount, months in (("5000", "12 months"), ("1000", "3 months")):
        await person.press("Borrow")
        await person.say(amount)
        await person.press(months)
        await person.press("Confirm")
    read = await any_bot.db.run(lambda tx: load_loans(tx, 1))
    truth = await any_bot.db.run(lambda tx: load_ledger(tx, 1))
    assert [loan.loan_id for loan in read] == [loan.loan_id for loan in truth]
    assert [loan.schedule for loan in read] == [loan.schedule for loan in truth]
    longest = max(read, key=lambda loan: len(loan.schedule.instalments))
    assert [i.number for i in longest.schedule.instalments] == list(range(1, 13))


async def test_a_message_a_step_hands_its_transport_is_not_sent_again_by_the_outbox_loop(
    any_bot: Harness,
) -> None:
    """The disbursement announcement is an outbox row so it survives a crash; the step's own
    transport sends it at once. Until its lease runs out, the outbox loop leaves it alone (else
    the borrower would hear it twice); after that, the loop retries it (the sender died)."""
    person = any_bot.person()
    await onboard(person, await any_bot.invite())
    await person.press("Borrow")
    await person.say("5000")
    await person.press("3 months")
    event = Event(
        "telegram", person.user_id, person.user_id, 999, any_bot.clock(), "en",
        ButtonPress(person.button("Confirm")),
    )  # fmt: skip
    out = await any_bot.engine.handle(event)  # not acknowledged: the transport is sending it
    [announced] = [o for o in out if o.outbox_id is not None]
    assert await any_bot.store.due_outbox(any_bot.clock(), 10) == []
    later = any_bot.clock() + timedelta(minutes=2)
    assert [o.outbox_id for o in await any_bot.store.due_outbox(later, 10)] == [announced.outbox_id]


async def test_an_id_number_taken_meanwhile_is_a_refused_change_not_a_failure(
    any_bot: Harness,
) -> None:
    """Two people typing one ID number at the same moment: each step's own check saw it free,
    so the database's unique key catches the second. The store reports a refused change,
    which the engine answers by redoing the step (which now sees the number taken)."""
    await onboard(any_bot.person(501), await any_bot.invite())
    await onboard(
        any_bot.person(502), await any_bot.invite(), id_sequence="456", phone="+86 139 0013 9000"
    )
    taken = SaveIdentity(id_number=resident_id(date(1990, 3, 7)), birth_date=date(1990, 3, 7))

    def second_writer(uow: TxStore) -> None:
        save_identity(uow.tx, uow.vault, 2, taken, any_bot.clock())

    with pytest.raises(ChangeRefused):
        await any_bot.store.unit_of_work(second_writer)
