"""/reminders: the hour repayment reminders come at, and the one notice that may be turned off.

The hour is local and within 08:00-20:00 (quiet hours are 21:00-08:00). Only the 3-day notice
can be turned off; the due-day and overdue reminders cannot, and the screen says so.
"""

from __future__ import annotations

import re
from datetime import time

from babel.dates import format_time

from flows.changes import SaveReminderPreferences
from flows.context import StepContext
from flows.i18n import N_, babel_locale
from flows.reminder_plan import EARLIEST_HOUR, LATEST_HOUR, Preferences
from flows.states import State
from flows.steps.base import Step, choice_rows
from flows.validation import normalise_text


async def _preferences(ctx: StepContext) -> Preferences:
    assert ctx.session.user_id is not None
    return await ctx.store.reminder_preferences(ctx.session.user_id)


def _hour(ctx: StepContext, hour: int) -> str:
    return format_time(time(hour), "short", locale=babel_locale(ctx.t.locale))


# "9点", "9点钟", "9时" (and the traditional 點/時 of Hong Kong). A time of day such as
# 晚上 or 下午 is left in, so the hour is refused rather than guessed at (8 or 20?).
_HOUR_WORD = re.compile(r"\s*(?:点钟|點鐘|点|點|时|時)$")


# "9am", "9 AM", "9:00 PM", "9 p.m.": the English clock the screen itself shows.
_TWELVE_HOUR = re.compile(r"^([0-9]{1,2})(?::([0-9]{1,2}))?\s*([ap])\.?\s*m\.?$", re.IGNORECASE)


def parse_hour(text: str) -> int | None:
    """ "9", "09", "9:00", "09:00", "９", "9点", "9 AM", "9:00 PM" -> 9 or 21; anything else
    (or outside 8-20) -> None. 12 AM is midnight and 12 PM noon."""
    value = _HOUR_WORD.sub("", normalise_text(text))  # NFKC also folds "：" to ":"
    twelve = _TWELVE_HOUR.match(value)
    if twelve:
        clock, minutes, half = twelve.groups()
        if minutes not in (None, "00", "0") or not 1 <= int(clock) <= 12:
            return None
        number = int(clock) % 12 + (12 if half.lower() == "p" else 0)
    else:
        hour, _, minutes = value.partition(":")
        if not (hour.isascii() and hour.isdigit() and len(hour) <= 2):
            return None
        if minutes not in ("", "00", "0"):
            return None
        number = int(hour)
    return number if EARLIEST_HOUR <= number <= LATEST_HOUR else None


class ReminderSettings(Step):
    state = State.REMINDERS
    where = N_("Repayment reminders")
    expects_buttons = False

    async def prompt(self, ctx: StepContext) -> None:
        self._show(ctx, await _preferences(ctx))

    def _show(self, ctx: StepContext, prefs: Preferences) -> None:
        lines = [
            ctx._("Repayment reminders"),
            ctx._(
                "They come at {hour}, your local time. Type another hour from {earliest} to {latest} to change it.",
                hour=_hour(ctx, prefs.hour),
                earliest=_hour(ctx, EARLIEST_HOUR),
                latest=_hour(ctx, LATEST_HOUR),
            ),
            ctx._("3 days before a due date: on.")
            if prefs.three_day_notice
            else ctx._("3 days before a due date: off."),
            ctx._(
                "The reminders the day before, on the due day and when a payment is overdue cannot be turned off: they keep penalty interest away."
            ),
        ]
        toggle = (
            (N_("Turn off the 3-day notice"), "three_off")
            if prefs.three_day_notice
            else (N_("Turn on the 3-day notice"), "three_on")
        )
        ctx.say("\n".join(lines), buttons=choice_rows(ctx, [toggle, (N_("Done"), "done")]))

    def _save(self, ctx: StepContext, prefs: Preferences, said: str) -> None:
        """Queue the change and show the screen again with it: the store answers from before
        this update's commit, so the new choice is shown from here, not read back."""
        ctx.changes.append(
            SaveReminderPreferences(prefs.hour, prefs.three_day_notice, ctx.session.timezone)
        )
        ctx.say(said)
        ctx.session.screen += 1  # older buttons become stale, as with any reprompt
        self._show(ctx, prefs)

    async def on_text(self, ctx: StepContext, text: str) -> None:
        hour = parse_hour(text)
        if hour is None:
            ctx.say(
                ctx._(
                    "Please type a whole hour from {earliest} to {latest}, for example 9 or 18. Nothing was changed.",
                    earliest=EARLIEST_HOUR,
                    latest=LATEST_HOUR,
                )
            )
            return
        prefs = await _preferences(ctx)
        said = ctx._("Saved: reminders now come at {hour}.", hour=_hour(ctx, hour))
        self._save(ctx, Preferences(hour, prefs.three_day_notice), said)

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice == "done":
            await ctx.go(State.HOME)
            return
        if choice not in ("three_off", "three_on"):
            await super().on_button(ctx, choice)
            return
        prefs = await _preferences(ctx)
        said = (
            ctx._("The 3-day notice is off.")
            if choice == "three_off"
            else ctx._("The 3-day notice is on.")
        )
        self._save(ctx, Preferences(prefs.hour, choice == "three_on"), said)
