"""Which repayment reminders a borrower gets, and when: pure rules, tested with a fake clock.

A reminder is one (instalment, kind) of a loan: "before_3" three days before the due date,
"before_1" the day before, "due" on the day, "overdue_7" seven days after it. Close of business
plans the kinds that fall on the borrower's next day at their reminder hour; the sweep sends what
is due, at most one message per borrower per local day (the most urgent, covering every loan),
never in quiet hours, never for an instalment already paid, and drops a pre-due notice whose day
(or a due-day notice) has passed rather than sending it late.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lending.position import InstalmentState

DUE = "due"
BEFORE = "before_"
OVERDUE = "overdue_"
DEFAULT_HOUR = 10
EARLIEST_HOUR = 8  # quiet hours end (inclusive)
LATEST_HOUR = 20  # the last reminder hour a borrower may choose: quiet hours start at 21:00


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    before_days: tuple[int, ...] = (3, 1)
    overdue_days: tuple[int, ...] = (1, 3, 7, 15, 30)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)

    def kind_on(self, due_date: date, day: date) -> str | None:
        """The reminder an instalment due on `due_date` gets on `day`, if any."""
        offset = (due_date - day).days
        if offset == 0:
            return DUE
        if offset > 0 and offset in self.before_days:
            return f"{BEFORE}{offset}"
        if offset < 0 and -offset in self.overdue_days:
            return f"{OVERDUE}{-offset}"
        return None


@dataclass(frozen=True, slots=True)
class Preferences:
    hour: int = DEFAULT_HOUR  # local hour, EARLIEST_HOUR..LATEST_HOUR
    three_day_notice: bool = True


@dataclass(frozen=True, slots=True)
class Planned:
    instalment: int
    kind: str


def optional(kind: str) -> bool:
    """Only the 3-day notice may be turned off; the due-day and overdue notices may not."""
    return kind == f"{BEFORE}3"


def pre_due(kind: str) -> bool:
    return kind.startswith(BEFORE)


def urgency(kind: str) -> int:
    """Higher is more urgent: the longest overdue first, then due today, then the nearest."""
    if kind.startswith(OVERDUE):
        return 1000 + int(kind.removeprefix(OVERDUE))
    if kind == DUE:
        return 500
    return 100 - int(kind.removeprefix(BEFORE))


def plan_day(
    states: Iterable[InstalmentState], day: date, policy: ReminderPolicy, prefs: Preferences
) -> list[Planned]:
    """The reminders an unpaid instalment earns on the borrower's local `day`."""
    planned = []
    for state in states:
        if state.settled:
            continue
        kind = policy.kind_on(state.due_date, day)
        if kind is None or (optional(kind) and not prefs.three_day_notice):
            continue
        planned.append(Planned(state.number, kind))
    return planned


def send_at(day: date, prefs: Preferences, timezone: str) -> datetime:
    """The UTC moment of the borrower's reminder hour on their local `day`."""
    hour = min(max(prefs.hour, EARLIEST_HOUR), LATEST_HOUR)
    local = datetime.combine(day, time(hour), tzinfo=ZoneInfo(timezone))
    return local.astimezone(ZoneInfo("UTC"))


def quiet_until(now: datetime, timezone: str, policy: ReminderPolicy) -> datetime | None:
    """When quiet hours end if `now` falls in them for the borrower, else None."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    clock = local.time()
    if policy.quiet_end <= clock < policy.quiet_start:
        return None
    day = local.date() if clock < policy.quiet_end else local.date() + timedelta(days=1)
    return datetime.combine(day, policy.quiet_end, tzinfo=zone).astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A planned reminder, as the sweep sees it."""

    reminder_id: int
    loan_id: str
    instalment: int
    kind: str
    local_day: date  # the borrower's day it was planned for
    settled: bool  # the instalment is paid by now


@dataclass(frozen=True, slots=True)
class Verdict:
    send: Candidate | None  # the one message for this borrower now
    covered: tuple[int, ...]  # ids answered by that message (the less urgent of the same day)
    dropped: tuple[int, ...]  # ids never to send: paid, turned off, or a pre-due day passed


def choose(candidates: Sequence[Candidate], today: date, prefs: Preferences) -> Verdict:
    """One borrower's due reminders -> the single most urgent one to send, and what it settles.

    `today` is the borrower's local date. A borrower already reminded today gets nothing (the
    caller passes only what is still planned; it knows whether today's message went out).
    """
    live, dropped = [], []
    for item in candidates:
        # A notice about a date ("in 3 days", "today") is wrong once its day has passed: it is
        # dropped, and the overdue reminders take over.
        stale_pre_due = (pre_due(item.kind) or item.kind == DUE) and item.local_day < today
        turned_off = optional(item.kind) and not prefs.three_day_notice
        if item.settled or stale_pre_due or turned_off or item.local_day > today:
            if item.local_day <= today or item.settled:
                dropped.append(item.reminder_id)
            continue
        live.append(item)
    if not live:
        return Verdict(None, (), tuple(dropped))
    best = max(live, key=lambda c: (urgency(c.kind), c.local_day, -c.reminder_id))
    covered = tuple(c.reminder_id for c in live if c is not best)
    return Verdict(best, covered, tuple(dropped))
