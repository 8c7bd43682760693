"""How much the bot says to one chat: new information in as few messages as possible, and a
reminder of what is expected at most once a second, re-showing a question only once it has
scrolled out of sight.

Telegram allows about one message per second per chat, and a person who sends a burst of
stray input wants one answer, not one per message. What the chat has seen since the current
question was shown lives in the session's answers under PACE, so every process agrees on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from flows.events import Reply

PACE = "pace"
# Telegram's per-chat limit: a reminder of what is expected is not repeated faster than this.
REPEAT_INTERVAL = timedelta(seconds=1)
# Messages (both ways) after a question was shown beyond which it has likely scrolled off a
# phone's screen, so a reminder shows the question again rather than pointing "above".
VISIBLE_MESSAGES = 6


def _pace(answers: dict[str, Any]) -> dict[str, Any]:
    pace: dict[str, Any] = answers.setdefault(PACE, {})
    return pace


def spoke_within(answers: dict[str, Any], now: datetime, interval: timedelta) -> bool:
    """Whether the bot sent this chat a message less than `interval` ago."""
    last = _pace(answers).get("last")
    return last is not None and now - datetime.fromisoformat(last) < interval


def question_visible(answers: dict[str, Any], screen: int) -> bool:
    """Whether the current question's message is likely still on the person's screen."""
    pace = _pace(answers)
    return pace.get("screen") == screen and int(pace.get("seen", 0)) < VISIBLE_MESSAGES


def chat_messages(replies: Sequence[Reply]) -> int:
    """How many of `replies` land in the chat (a toast does not)."""
    return sum(not reply.toast for reply in replies)


def record(
    answers: dict[str, Any],
    screen_before: int,
    screen: int,
    replies: Sequence[Reply],
    now: datetime,
    *,
    their_message: bool,
) -> None:
    """After an update: count the messages the chat received since the current question was
    shown (theirs, unless they tapped a button, and ours)."""
    pace = _pace(answers)
    sent = chat_messages(replies)
    if screen != screen_before or pace.get("screen") != screen:
        pace["screen"], pace["seen"] = screen, 1
    else:
        pace["seen"] = int(pace.get("seen", 0)) + int(their_message) + sent
    if sent:
        pace["last"] = now.isoformat()


def _can_lead(reply: Reply, following: Reply) -> bool:
    """Whether `reply` can be sent as the first paragraph of `following`: Telegram draws one
    keyboard per message, so only a reply without one of its own can merge."""
    if reply.buttons or reply.contact_request or reply.edit or reply.toast or following.toast:
        return False
    # Taking a reply keyboard away cannot share a message with inline buttons or a new keyboard.
    return not reply.remove_keyboard or not (following.buttons or following.contact_request)


def merge(replies: Sequence[Reply]) -> list[Reply]:
    """Consecutive replies of one update as few messages as they can be: a plain notice joins
    the question that follows it ("Saved." + the next question = one message)."""
    merged: list[Reply] = []
    for reply in replies:
        if merged and _can_lead(merged[-1], reply):
            lead = merged.pop()
            reply = replace(
                reply,
                text=f"{lead.text}\n\n{reply.text}",
                remove_keyboard=lead.remove_keyboard or reply.remove_keyboard,
                new_screen=lead.new_screen or reply.new_screen,
            )
        merged.append(reply)
    return merged


def mark_new_screen(replies: Sequence[Reply]) -> list[Reply]:
    """The replies of an update that showed a new question: older keyboards no longer work."""
    return [reply if reply.toast else replace(reply, new_screen=True) for reply in replies]
