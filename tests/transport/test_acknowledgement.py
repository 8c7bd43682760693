"""When an update may be acknowledged to Telegram: after its commit, never before."""

from __future__ import annotations

import asyncio

from bot.acknowledgement import Acknowledger, next_offset, note_committed, note_failed


def test_the_offset_confirms_a_batch_only_up_to_its_first_failure():
    assert next_offset(None, [5, 6, 7], [True, True, True]) == 8
    # 6 failed: 6 and 7 come again (7 is then dropped as a replay by the engine).
    assert next_offset(None, [5, 6, 7], [True, False, True]) == 6
    assert next_offset(None, [7, 5, 6], [True, True, False]) == 6
    assert next_offset(4, [], []) == 4


async def test_an_update_is_acknowledged_only_after_it_finished():
    order: list[str] = []

    async def process() -> None:
        await asyncio.sleep(0.05)
        order.append("committed")
        note_committed()
        order.append("delivered")

    assert await Acknowledger(slow_after=5).run(process)
    order.append("acknowledged")
    assert order == ["committed", "delivered", "acknowledged"]


async def test_a_slow_delivery_goes_on_in_the_background_but_a_slow_commit_is_waited_for():
    delivered = asyncio.Event()
    order: list[str] = []

    async def process() -> None:
        await asyncio.sleep(0.1)  # slower than slow_after, before the commit
        order.append("committed")
        note_committed()
        await asyncio.sleep(0.3)  # a flood wait while delivering
        delivered.set()

    acknowledger = Acknowledger(slow_after=0.02)
    assert await acknowledger.run(process)
    order.append("acknowledged")
    assert order == ["committed", "acknowledged"] and not delivered.is_set()
    await acknowledger.drain()
    assert delivered.is_set()


async def test_an_update_that_failed_before_its_commit_is_not_acknowledged():
    async def database_down() -> None:
        raise ConnectionError("database unreachable")

    async def swallowed_by_the_library() -> None:
        # PTB hands handler errors to its error handlers; the receipt still knows.
        note_failed(ConnectionError("database unreachable"))

    async def failed_after_commit() -> None:
        note_committed()
        raise ConnectionError("Telegram unreachable")  # the outbox retries; no redelivery

    acknowledger = Acknowledger(slow_after=1)
    assert not await acknowledger.run(database_down)
    assert not await acknowledger.run(swallowed_by_the_library)
    assert await acknowledger.run(failed_after_commit)
