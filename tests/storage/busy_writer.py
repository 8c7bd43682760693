"""A database writer kept busy on one unit until released: units queued meanwhile then run
together, as one batch, which is how the writer's tests set up a batch on purpose."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any


class BusyWriter:
    def __init__(self, run: Callable[[Callable[[Any], None]], Awaitable[Any]]) -> None:
        self._run = run
        self._gate, self._held = threading.Event(), threading.Event()
        self._unit: asyncio.Future[Any] | None = None

    def _hold(self, tx: Any) -> None:
        self._held.set()
        self._gate.wait(10)

    async def start(self) -> None:
        """Returns once the writer is inside the holding unit."""
        self._unit = asyncio.ensure_future(self._run(self._hold))
        await asyncio.to_thread(self._held.wait, 10)

    async def release(self) -> None:
        """Lets the writer go on, and waits for the holding unit to finish."""
        self._gate.set()
        assert self._unit is not None
        await self._unit

    def stop(self) -> None:
        """For `finally`: never leave the writer's thread waiting on the gate."""
        self._gate.set()
