"""The writer's answers when a caller stops waiting or nobody waits: tests written for the
mutants that survived the re-check of the functions changed since the last mutation runs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from storage.writer import GroupCommitWriter
from tests.storage.busy_writer import BusyWriter
from tests.storage.test_writer import connect, pay


async def test_a_caller_who_stops_waiting_does_not_leave_the_rest_of_its_batch_unanswered(
    tmp_path: Path,
) -> None:
    """A caller gives up on its unit (its update timed out, the bot is stopping) while the
    unit waits in a batch with others: everyone else in that batch still hears "done"."""
    writer = GroupCommitWriter(lambda: connect(tmp_path / "w.db"))
    busy = BusyWriter(writer.run)

    try:
        await busy.start()
        # Queued while the writer is busy: one batch, the caller who gives up first in it.
        gone = asyncio.ensure_future(writer.run(pay("ann")))
        others = [asyncio.ensure_future(writer.run(pay(who))) for who in ("bob", "cat")]
        await asyncio.sleep(0.05)
        gone.cancel()
        await busy.release()
        assert await asyncio.wait_for(asyncio.gather(*others), 5) == ["bob", "cat"]
        assert gone.cancelled()
        rows = await writer.run(lambda tx: [r.who for r in tx.all("SELECT who FROM paid")])
        assert {"bob", "cat"} <= set(rows)
    finally:
        busy.stop()
        writer.close()


async def test_a_unit_nobody_waits_for_logs_why_it_failed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator reading the log of a failed `run_later` unit (an outbox row's delivered
    mark) sees the error that failed it, not only that something failed; a unit that
    succeeded raises no alarm."""
    writer = GroupCommitWriter(lambda: connect(tmp_path / "w.db"))
    try:
        with caplog.at_level(logging.ERROR, logger="storage.writer"):
            writer.run_later(pay("alice"))
            writer.run_later(pay("bob", fail=True))
            assert await asyncio.wait_for(writer.run(pay("ann")), 5) == "ann"
        failures = [r for r in caplog.records if r.name == "storage.writer"]
        assert [r.levelno for r in failures] == [logging.ERROR]
        # The line as written, which an operator searches the log (or sets an alert) for.
        assert failures[0].getMessage() == "a unit of work nobody waited for failed"
        assert failures[0].exc_info is not None
        assert isinstance(failures[0].exc_info[1], RuntimeError)
        assert "bob's payout rail is down" in caplog.text  # the traceback is in the log
    finally:
        writer.close()
