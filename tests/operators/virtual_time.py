"""A clock that moves only when the send budget sleeps: seconds of pacing in milliseconds."""

from __future__ import annotations

import asyncio


class VirtualClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def worst_window(times: list[float], width: float = 1.0) -> int:
    """The most sends in any window [t, t + width) (windows starting at a send are enough)."""
    ordered = sorted(times)
    worst, start = 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - width:
            start += 1
        worst = max(worst, end - start + 1)
    return worst
