"""What a broadcast is and whom it may reach: pure rules, used by the compose screens, the
recipient snapshot and the background sender alike."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from flows.i18n import N_

QUIET_FROM = time(21, 0)  # marketing never reaches anyone between 21:00 ...
QUIET_UNTIL = time(8, 0)  # ... and 08:00 in their own time zone
LANGUAGE_SEPARATOR = "---"


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
    """The admin's text -> (English, Chinese). Both languages: English, a line "---", Chinese.
    One language alone goes to everyone."""
    lines = text.strip().splitlines()
    if LANGUAGE_SEPARATOR in (line.strip() for line in lines):
        cut = [line.strip() for line in lines].index(LANGUAGE_SEPARATOR)
        english = "\n".join(lines[:cut]).strip() or None
        chinese = "\n".join(lines[cut + 1 :]).strip() or None
        return english, chinese
    return text.strip() or None, None


def text_for(locale: str, english: str | None, chinese: str | None) -> str:
    """The recipient's language when the admin wrote it, else the language that was given."""
    if locale.startswith("zh") and chinese:
        return chinese
    return english or chinese or ""
