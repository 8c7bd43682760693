"""The day a Confirm screen's figures were worked out for. Interest, penalties, due dates and the
APR all count from the borrower's `today`: after their midnight the screen no longer shows what
Confirm would book, so Confirm books nothing and shows the screen again, worked out for today."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import date
from typing import Any

from flows.context import StepContext
from flows.i18n import N_

QUOTED_FOR = "quoted_for"  # the draft's key: the ISO day its figures were worked out for

DAY_CHANGED = N_(
    "The day has changed since you saw these figures, so they have changed too. Nothing has "
    "been done yet. Here they are for today: please check them and confirm again."
)


def mark_quoted(draft: MutableMapping[str, Any], today: date) -> None:
    """The screen about to be shown works out the draft's figures for `today`."""
    draft[QUOTED_FOR] = today.isoformat()


def quoted_for_another_day(draft: Mapping[str, Any], today: date) -> bool:
    """Confirm would book figures other than those shown: they were worked out for another day
    (or for a day not recorded, by a screen shown before the day was kept)."""
    return draft.get(QUOTED_FOR) != today.isoformat()


async def still_as_shown(ctx: StepContext, draft: Mapping[str, Any]) -> bool:
    """A Confirm handler's first check. False: nothing may be booked; the borrower was told why
    and shown the same screen worked out for today, on a new screen (the pressed Confirm is
    now expired), to confirm again."""
    if not quoted_for_another_day(draft, ctx.today):
        return True
    ctx.say(ctx._(DAY_CHANGED))
    await ctx.reprompt()
    return False
