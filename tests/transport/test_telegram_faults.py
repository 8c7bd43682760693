"""The journey up to the drawdown, through the real transports, while Telegram misbehaves the
ways it does: a 429 storm, a 5xx burst, a connection dropped after Telegram accepted a message,
a webhook update delivered again. No message is lost, none is shown twice except where the
connection broke after Telegram accepted it (the bot cannot know; it retries), and the double
tap on Confirm still makes one loan."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.botapi.client import TelegramUser
from tests.botapi.journey import JOURNEY, TRANSPORTS, Transport, play_on_telegram
from tests.botapi.server import BotAPIServer, Fault

TO_THE_LOAN = JOURNEY[: JOURNEY.index("##") + 1]  # ... Confirm, Confirm again
CONSENTS_DONE = 5  # a line in the middle of onboarding where faults begin
AIOGRAM_POLLING, AIOGRAM_WEBHOOK, PTB_POLLING, PTB_WEBHOOK = TRANSPORTS

AfterLine = Callable[[int, TelegramUser], Awaitable[None]]


def loans(directory: Path) -> int:
    with sqlite3.connect(directory / "journey.db") as db:
        return int(db.execute("SELECT count(*) FROM loans").fetchone()[0])


async def run(
    directory: Path,
    transport: Transport,
    server: BotAPIServer,
    after_line: AfterLine | None = None,
) -> tuple[list[str], list[tuple[str, str]]]:
    directory.mkdir()
    async with server:
        transcript = await play_on_telegram(
            server, transport, directory, "en", TO_THE_LOAN, after_line
        )
    assert loans(directory) == 1, transport.name
    return transcript, server.refused


def relaxed() -> BotAPIServer:
    return BotAPIServer(chat_rate=100, chat_burst=100)


def at(line: int, *faults: Fault) -> AfterLine:
    async def inject(number: int, user: TelegramUser) -> None:
        if number == line:
            user.server.faults.extend(faults)

    return inject


# Each fault on both libraries, by polling and by webhook (a redelivery needs a webhook).
FAULTS_ON = [
    pytest.param(PTB_WEBHOOK, AIOGRAM_POLLING, PTB_POLLING, AIOGRAM_WEBHOOK, id="set-a"),
    pytest.param(AIOGRAM_POLLING, PTB_WEBHOOK, AIOGRAM_WEBHOOK, PTB_WEBHOOK, id="set-b"),
]


@pytest.mark.usefixtures("unpaced")
@pytest.mark.parametrize(("on_storm", "on_burst", "on_drop", "on_redelivery"), FAULTS_ON)
async def test_the_journey_survives_telegram_faults(
    tmp_path, on_storm, on_burst, on_drop, on_redelivery
):
    storm = BotAPIServer(chat_rate=100, chat_burst=100, bot_rate=3)  # ~3 sends/s per bot
    burst, dropped, hook = relaxed(), relaxed(), relaxed()
    redelivered_calls: list[tuple[int, list[tuple[str, dict[str, Any]]]]] = []

    async def redeliver_each_press(number: int, user: TelegramUser) -> None:
        # Telegram repeats an update when our 200 got lost: every press arrives twice.
        if TO_THE_LOAN[number].startswith("#"):
            calls_before = len(user.server.calls)
            user.server.redeliver(user.last_update_id)
            await asyncio.sleep(0.05)
            await user.server.wait_all_acknowledged()
            pressed_on = user.server.pressed_message(user.last_update_id)
            redelivered_calls.append((pressed_on, user.server.calls[calls_before:]))

    fault_5xx = Fault("sendMessage", "5xx", times=2)
    fault_drop = Fault("sendMessage", "drop_after", times=1)
    (
        (reference, _),
        (stormy, storm_refusals),
        (bursty, _),
        (broken, _),
        (twice, _),
    ) = await asyncio.gather(
        run(tmp_path / "reference", AIOGRAM_POLLING, relaxed()),
        run(tmp_path / "storm", on_storm, storm),
        run(tmp_path / "burst", on_burst, burst, at(CONSENTS_DONE, fault_5xx)),
        run(tmp_path / "dropped", on_drop, dropped, at(CONSENTS_DONE, fault_drop)),
        run(tmp_path / "redelivered", on_redelivery, hook, redeliver_each_press),
    )
    # Under faults the removal of a spent keyboard may wait for a later screen (it is retried
    # then), so messages and presses are compared, not the moment keyboards were taken off.
    reference, stormy, bursty, broken, twice = (
        _messages(t) for t in (reference, stormy, bursty, broken, twice)
    )
    # 429s were answered, waited out, and nothing was lost.
    assert any(description.startswith("Too Many Requests") for _, description in storm_refusals)
    assert stormy == reference
    # Two 5xx in a row: retried, nothing lost, nothing doubled.
    assert fault_5xx.times == 0 and bursty == reference
    # Telegram accepted a message but the answer never came: it is shown twice, nothing else.
    assert fault_drop.times == 0
    assert len(broken) > len(reference)
    assert _without_repeats(_no_ids(broken)) == _no_ids(reference)
    # Every press delivered twice: the second copy changes nothing (one loan, the same
    # journey); its kept answer is shown again, because Telegram redelivers only what it did
    # not see acknowledged, and a bot that crashed between commit and send owes that answer.
    # A kept toast stays a toast: the chat gets nothing the first delivery did not show.
    assert _without_repeats(_no_ids(twice)) == _no_ids(reference)
    # The redelivered double tap on Confirm replays its kept answer, a toast, and does
    # nothing else; no redelivered press touches the keyboard it was pressed on again.
    *presses, double_tap = redelivered_calls
    assert [(name, params.get("text")) for name, params in double_tap[1]] == [
        ("answerCallbackQuery", "This button has expired.")
    ]
    assert not [
        name
        for pressed_on, calls in presses
        for name, params in calls
        if name == "editMessageReplyMarkup" and params.get("message_id") == pressed_on
    ]


def _messages(transcript: list[str]) -> list[str]:
    return [line for line in transcript if not line.endswith(" buttons removed")]


def _no_ids(transcript: list[str]) -> list[str]:
    # A message shown twice shifts the ids of those after it.
    return [re.sub(r"^<#\d+", "<#", line) for line in transcript]


def _without_repeats(transcript: list[str]) -> list[str]:
    """The transcript with a message that directly repeats the one before taken out."""
    blocks: list[list[str]] = []
    for line in transcript:
        if line.startswith(("<", ">")) or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    kept = [block for n, block in enumerate(blocks) if n == 0 or block != blocks[n - 1]]
    return [line for block in kept for line in block]
