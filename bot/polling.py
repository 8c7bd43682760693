"""Long polling that confirms an update only once it is committed, for either library.

Both libraries' own pollers confirm a batch (the next getUpdates carries its offset) while its
updates may still be running, so a crash then loses them for good. This loop fetches a batch,
runs its updates concurrently (the engine serialises each user's), and asks for the next batch,
which confirms this one, only when every update in it is committed (bot/acknowledgement.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Protocol, TypeVar

from bot.acknowledgement import Acknowledger, next_offset

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 25
MAX_BACKOFF_SECONDS = 5.0
ALLOWED_UPDATES = ("message", "callback_query")

U = TypeVar("U")


class Background(Protocol):
    """What a transport runs beside its updates (menus, outbox, broadcasts)."""

    async def start_background(self, admin_ids: Iterable[int] = ()) -> None: ...

    async def stop_background(self) -> None: ...


async def serve(
    fetch: Callable[[int | None], Awaitable[Sequence[U]]],
    update_id: Callable[[U], int],
    process: Callable[[U], Awaitable[None]],
    acknowledger: Acknowledger,
    transport: Background,
    admin_ids: Iterable[int],
) -> None:
    """Both libraries' polling mode: the transport's background work beside `poll`, and on
    cancellation the updates in flight finished before it stops."""
    await transport.start_background(admin_ids)
    try:
        await poll(fetch, update_id, process, acknowledger)
    finally:
        await acknowledger.drain()
        await transport.stop_background()


async def poll(
    fetch: Callable[[int | None], Awaitable[Sequence[U]]],
    update_id: Callable[[U], int],
    process: Callable[[U], Awaitable[None]],
    acknowledger: Acknowledger,
) -> None:
    """Run until cancelled. `fetch(offset)` is one getUpdates call."""
    offset: int | None = None
    backoff = 0.0
    while True:
        try:
            updates = await fetch(offset)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # network or Bot API trouble: wait and ask again
            backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or 0.25)
            log.warning("getUpdates failed (%s); again in %.2fs", type(error).__name__, backoff)
            await asyncio.sleep(backoff)
            continue
        results = await asyncio.gather(
            *(acknowledger.run(partial(process, update)) for update in updates)
        )
        offset = next_offset(offset, [update_id(update) for update in updates], results)
        if all(results):
            backoff = 0.0
        else:  # something is down (the database?); do not spin on the same updates
            backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or 0.25)
            await asyncio.sleep(backoff)
