"""The conversation as a careful person sees it on Telegram, on aiogram and on
python-telegram-bot: no noise, no dead buttons, one message a second at most."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.flows.harness import GOOD_ANSWERS, Harness, resident_id
from tests.transport import fakes
from tests.transport.fakes import USER_ID
from tests.transport.telegram_chat import (
    AiogramFramework,
    Framework,
    PTBFramework,
    Shown,
    TelegramChat,
)


class Client:
    """A person's Telegram app: types, taps what is on screen, shares their contact."""

    def __init__(self, bot: Harness, chat: TelegramChat, framework: Framework) -> None:
        self.bot = bot
        self.chat = chat
        self.framework = framework
        self.update_ids = itertools.count(1)

    async def _feed(self, update: dict[str, Any]) -> list[Shown]:
        before = set(self.chat.messages)
        for part in ("message", "callback_query"):
            if part in update:
                update[part]["from"] = {**update[part]["from"], "language_code": "en"}
        await self.framework.feed(update)
        return [m for i, m in self.chat.messages.items() if i not in before]

    async def type(self, text: str) -> list[Shown]:
        return await self._feed(fakes.text_update(text, next(self.update_ids)))

    async def share_contact(self, phone: str) -> list[Shown]:
        return await self._feed(fakes.contact_update(phone, USER_ID, next(self.update_ids)))

    async def tap(self, label_part: str) -> list[Shown]:
        return await self.tap_at(*self.chat.find(label_part))

    async def tap_at(self, message_id: int, data: str) -> list[Shown]:
        return await self._feed(self.chat.callback(message_id, data, next(self.update_ids)))

    async def screen(self) -> int:
        session = await self.bot.store.load_session("telegram", USER_ID)
        assert session is not None
        return session.screen


@pytest.fixture(params=["aiogram", "ptb"])
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Client]:
    bot = Harness(tmp_path / "bot.db")
    chat = TelegramChat(bot.clock)
    framework: Framework
    if request.param == "aiogram":
        framework = AiogramFramework(bot.engine, chat)
    else:
        framework = PTBFramework(bot.engine, chat)
        await framework.start()
    yield Client(bot, chat, framework)
    await framework.close()
    await bot.close()


async def only_current_buttons_are_tappable(client: Client) -> None:
    screen = await client.screen()
    stale = [
        (label, data)
        for _, label, data in client.chat.tappable()
        if not data.startswith(f"{screen}:")
    ]
    assert stale == [], f"buttons of earlier screens still on screen: {stale}"


async def to_home(client: Client) -> None:
    """Onboarding by taps and typing, as a person does it, checking the screen after each."""
    steps: list[tuple[str, str]] = [
        ("type", f"/start {await client.bot.invite()}"),
        ("tap", "Continue"),
        *[("tap", "Agree")] * 4,
        ("type", "Li Wei"),
        ("type", resident_id(date(1990, 3, 7))),
        ("contact", "+8613800138000"),
        ("tap", GOOD_ANSWERS["employment"]),
        ("tap", GOOD_ANSWERS["employment_length"]),
        ("type", "2万"),
        ("tap", GOOD_ANSWERS["bank_balance"]),
        ("type", "/back"),  # back to the income, a question without buttons
        ("type", "2万"),
        *[
            ("tap", GOOD_ANSWERS[key])
            for key in (
                "bank_balance",
                "savings",
                "credit_history",
                "existing_credits",
                "other_instalments",
            )
        ],
        ("tap", "Nothing elsewhere"),
        *[
            ("tap", GOOD_ANSWERS[key])
            for key in (
                "housing",
                "property",
                "dependents",
                "purpose",
                "requested_amount_fen",
                "requested_term_months",
            )
        ],
        ("tap", "Submit"),
    ]
    for kind, value in steps:
        client.bot.clock.advance(seconds=3)
        if kind == "type":
            await client.type(value)
        elif kind == "tap":
            await client.tap(value)
        else:
            await client.share_contact(value)
        await only_current_buttons_are_tappable(client)


async def test_after_each_screen_change_no_earlier_keyboard_is_tappable(client: Client) -> None:
    await to_home(client)
    for action in (
        lambda: client.tap("Borrow"),  # quick amounts on screen...
        lambda: client.type("5000"),  # ...typed instead: the amount buttons go
        lambda: client.tap("3 months"),
        lambda: client.type("/cancel"),  # the disclosure's buttons go with it
        lambda: client.type("/language"),  # the home menu goes; the language choice comes
        lambda: client.tap("English"),
        lambda: client.tap("My loans"),
        lambda: client.tap("Borrow"),
        lambda: client.type("/cancel"),
    ):
        client.bot.clock.advance(seconds=3)
        await action()
        await only_current_buttons_are_tappable(client)
    assert client.chat.tappable(), "the current menu is still there to use"


async def test_ten_fast_taps_on_confirm_make_one_loan_and_no_extra_messages(
    client: Client,
) -> None:
    await to_home(client)
    await client.tap("Borrow")
    await client.type("5000")
    await client.tap("3 months")
    confirm = client.chat.find("Confirm")
    answered, before = len(client.chat.toasts), len(client.chat.sent())
    # Ten taps within the same instant, as ten updates handled concurrently.
    await asyncio.gather(*(client.tap_at(*confirm) for _ in range(10)))
    [receipt] = client.chat.sent()[before:]  # one message: the payout and the menu after it
    assert "has been paid out" in receipt.text and receipt.keyboard
    assert sorted(client.chat.toasts[answered:], key=str) == sorted(
        [None] + ["This button has expired."] * 9, key=str
    )
    loans = await client.bot.store.loans(1)
    assert len(loans) == 1


async def test_a_hundred_stray_texts_get_a_few_answers_never_two_in_a_second(
    client: Client,
) -> None:
    await to_home(client)
    client.bot.clock.advance(seconds=3)
    before = len(client.chat.sent())
    for _ in range(100):
        client.bot.clock.advance(seconds=0.01)  # a hundred texts in one second
        await client.type("hello?")
    answers = client.chat.sent()[before:]
    assert 1 <= len(answers) <= 2
    assert "tap one of the buttons" in answers[0].text
    assert await menus_that_work(client) == 1, "the menu is not re-sent while it is on screen"
    sent = client.chat.sent()
    seconds = [(m.at.replace(microsecond=0)) for m in sent[before - 1 :]]
    assert len(seconds) == len(set(seconds)), "two messages in the same second"


async def test_a_stray_text_after_the_menu_scrolled_away_brings_it_back_in_one_message(
    client: Client,
) -> None:
    await to_home(client)
    answers: list[Shown] = []
    for _ in range(4):
        client.bot.clock.advance(seconds=2)
        answers += await client.type("hello?")
    # One answer per text; the fourth finds the menu scrolled away and brings it back with it.
    assert [bool(m.keyboard) for m in answers] == [False, False, False, True]
    assert all("tap one of the buttons" in m.text for m in answers)
    assert await menus_that_work(client) == 1


async def menus_that_work(client: Client) -> int:
    return len({message_id for message_id, _, _ in client.chat.tappable()})
