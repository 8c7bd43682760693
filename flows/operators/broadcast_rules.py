"""What a broadcast is and whom it may reach: pure rules, used by the compose screens, the
recipient snapshot and the background sender alike."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from flows.i18n import N_
from flows.validation import normalise_text

QUIET_FROM = time(21, 0)  # marketing never reaches anyone between 21:00 ...
QUIET_UNTIL = time(8, 0)  # ... and 08:00 in their own time zone
# A line of three or more dashes parts the languages; Chinese input methods type full-width
# or em dashes for "-", and NFKC turns the full-width ones into "-".
SEPARATOR_DASHES = frozenset("-—–―")


class Audience(StrEnum):
    ALL = "all"
    ACTIVE_LOANS = "active"
    OVERDUE = "overdue"
    MARKETING_CONSENT = "consented"


class Kind(StrEnum):
    SERVICE = "service"
    MARKETING = "marketing"


AUDIENCE_LABELS = {
    Audience.ALL: N_("All users"),
    Audience.ACTIVE_LOANS: N_("Borrowers with active loans"),
    Audience.OVERDUE: N_("Overdue borrowers"),
    Audience.MARKETING_CONSENT: N_("Users who consented to marketing"),
}
KIND_LABELS = {Kind.SERVICE: N_("Service notice"), Kind.MARKETING: N_("Marketing")}


def quiet_until(now: datetime, timezone: str) -> datetime | None:
    """When a marketing message may reach someone whose local time is `now`: None if it may
    go now, else the next 08:00 in their zone (as an aware datetime)."""
    local = now.astimezone(ZoneInfo(timezone))
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=ZoneInfo(timezone))


def split_languages(text: str) -> tuple[str | None, str | None]:
    """The admin's text -> (English, Chinese). Both languages: English, a line of dashes such
    as "---", Chinese. One language alone goes to everyone."""
    lines = text.strip().splitlines()
    cut = next((n for n, line in enumerate(lines) if is_language_separator(line)), None)
    if cut is None:
        return text.strip() or None, None
    english = "\n".join(lines[:cut]).strip() or None
    chinese = "\n".join(lines[cut + 1 :]).strip() or None
    return english, chinese


def is_language_separator(line: str) -> bool:
    dashes = normalise_text(line)
    return len(dashes) >= 3 and set(dashes) <= SEPARATOR_DASHES


def text_for(locale: str, english: str | None, chinese: str | None) -> str:
    """The recipient's language when the admin wrote it, else the language that was given."""
    if locale.startswith("zh") and chinese:
        return chinese
    return english or chinese or ""
