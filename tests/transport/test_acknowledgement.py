"""When an update may be acknowledged to Telegram: after its commit, never before."""

from __future__ import annotations

import asyncio
import contextlib

from bot import webhook
from bot.acknowledgement import Acknowledger, next_offset, note_committed, note_failed
from tests.transport.test_loopback import free_port


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


async def test_a_webhook_is_paced_from_its_first_update():
    # After a restart Telegram delivers the moment the port listens (the webhook is still set):
    # the transport's background work, which installs the send budget, must already run.
    port = free_port()
    seen: list[tuple[str, bool]] = []

    async def accepts() -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    class Transport:
        async def start_background(self, admin_ids: object = ()) -> None:
            seen.append(("background started, port listening", await accepts()))

        async def stop_background(self) -> None:
            seen.append(("background stopped, port listening", await accepts()))

    class Bot:
        async def set_webhook(self, url: str, **_: object) -> None:
            seen.append(("setWebhook, port listening", await accepts()))
            webhook_set.set()

    async def process(update: dict[str, object]) -> None:
        return None

    webhook_set = asyncio.Event()
    serving = asyncio.create_task(
        webhook.serve(
            Bot(), Transport(), process, url="https://example.invalid/hook", secret="s3cret",
            host="127.0.0.1", port=port, path="/hook", admin_ids=(),
            acknowledger=Acknowledger(), add_routes=None,
        )
    )  # fmt: skip
    await asyncio.wait_for(webhook_set.wait(), 5)
    serving.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await serving
    assert seen == [
        ("background started, port listening", False),
        ("setWebhook, port listening", True),
        ("background stopped, port listening", False),
    ]
