"""Keyboards of earlier screens are taken off when a new screen is sent (bot/delivery.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.delivery import EditRejected, LiveKeyboards, RetryLater, deliver_replies
from bot.rendering import Markup
from flows.events import Button, Event, Outgoing, Reply, Text
from flows.global_buttons import repay_button
from tests.transport.fakes import USER_ID, FakeConversation

MENU = ((Button("Borrow", "1:borrow"),),)


@dataclass
class FakeSender:
    keyboards: LiveKeyboards = field(default_factory=LiveKeyboards)
    sent: list[tuple[int, str]] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    refuse_removal: list[Exception] = field(default_factory=list)

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        self.sent.append((len(self.sent) + 1, text))
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        raise AssertionError("no edits here")

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        if self.refuse_removal:
            raise self.refuse_removal.pop(0)
        self.removed.append(message_id)


def event() -> Event:
    return Event("telegram", USER_ID, USER_ID, None, datetime.now(UTC), "en", Text("x"))


async def say(sender: FakeSender, *replies: Reply) -> None:
    outgoing = [Outgoing(USER_ID, reply) for reply in replies]
    await deliver_replies(FakeConversation(), sender, event(), outgoing)


async def test_a_new_screen_takes_the_earlier_keyboards_off_and_keeps_its_own() -> None:
    sender = FakeSender()
    await say(sender, Reply("Menu", buttons=MENU, new_screen=True))  # message 1
    await say(sender, Reply("Please tap a button."))  # same screen: the menu still works
    assert sender.removed == []
    await say(sender, Reply("How much?", buttons=MENU, new_screen=True))  # message 3
    assert sender.removed == [1]
    await say(sender, Reply("Your name?", new_screen=True))  # a screen without buttons
    assert sender.removed == [1, 3]


async def test_a_keyboard_that_cannot_be_removed_never_holds_up_the_reply() -> None:
    sender = FakeSender()
    await say(sender, Reply("Menu", buttons=MENU, new_screen=True))
    await say(sender, Reply("Old menu", buttons=MENU, new_screen=False))
    sender.refuse_removal = [RetryLater(30), EditRejected("message to edit not found")]
    await say(sender, Reply("Next", new_screen=True))
    assert sender.sent[-1] == (3, "Next") and sender.removed == []
    # The flood-limited one is tried again with the next screen; the vanished one is not.
    await say(sender, Reply("Then", new_screen=True))
    assert sender.removed == [1]


async def test_a_reminders_repay_button_stays_when_the_screen_changes() -> None:
    sender = FakeSender()
    reminder = Reply("Due today", buttons=((repay_button("Repay", "abc123"),),))
    await say(sender, reminder)  # message 1: works from any screen
    await say(sender, Reply("Menu", buttons=MENU, new_screen=True))  # message 2
    await say(sender, Reply("How much?", buttons=MENU, new_screen=True))
    assert sender.removed == [2]
