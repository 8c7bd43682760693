"""Every figure the issue asks Prometheus for exists and moves when what it counts happens, and
no label ever holds a person: sends by path and result on replies, outbox rows and broadcasts;
reminders and broadcasts sent; decisions by outcome; outbox backlog and its oldest row; commit
latency; errors by kind."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot import delivery, metrics
from bot.broadcast import BroadcastRunner
from bot.delivery import DeliveryError, EditRejected, LiveKeyboards, RetryLater, Unreachable
from bot.rendering import Markup
from bot.scheduler import ServicingJobs
from bot.send_budget import BudgetLimits, SendBudget
from bot.settings import load_settings
from flows.events import Outgoing, Reply
from flows.ports import OutboxMessage
from storage.outbox import enqueue_new
from tests.flows.harness import Harness, onboard
from tests.operators.fake_bot_api import RecordingApi
from tests.operators.test_broadcast import BASE_CHAT, add_people, queue, start
from tests.operators.virtual_time import VirtualClock
from tests.servicing.conftest import borrower, local, nightly

# The answer Telegram gives, by chat: the sender below plays each one.
OK, FLOOD_THEN_OK, BLOCKED, DOWN, NOT_FOUND = 1, 2, 3, 4, 5


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path / "bot.db")
    yield harness
    await harness.close()


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def sends(path: str) -> dict[str, float]:
    return {r: value("chatlend_sends_total", path=path, result=r) for r in _RESULTS}


_RESULTS = ("ok", "429", "403", "400", "5xx", "other")


class ScriptedTelegram:
    """A Sender answering as Telegram would for each chat (see the constants above)."""

    def __init__(self) -> None:
        self.keyboards = LiveKeyboards()
        self.flooded: set[int] = set()

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        if chat_id == FLOOD_THEN_OK and chat_id not in self.flooded:
            self.flooded.add(chat_id)
            raise RetryLater(0)
        if chat_id == BLOCKED:
            raise DeliveryError("blocked or not allowed: Forbidden: bot was blocked by the user")
        if chat_id == DOWN:
            raise Unreachable("TelegramServerError: Bad Gateway")
        if chat_id == NOT_FOUND:
            raise DeliveryError("TelegramBadRequest: chat not found")
        return 1

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        raise EditRejected("message is not modified")

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        pass


class Outbox:
    """The conversation's outbox port, holding the given rows."""

    def __init__(self, rows: list[Outgoing]) -> None:
        self.rows = rows
        self.delivered: list[int] = []
        self.failed: list[int] = []

    async def due_outbox(self, limit: int) -> list[Outgoing]:
        rows, self.rows = self.rows[:limit], self.rows[limit:]
        return rows

    async def mark_delivered(self, outbox_id: int) -> None:
        self.delivered.append(outbox_id)

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        self.failed.append(outbox_id)


def one_to_each_chat(with_outbox_ids: bool) -> list[Outgoing]:
    chats = (OK, FLOOD_THEN_OK, BLOCKED, DOWN, NOT_FOUND)
    return [
        Outgoing(chat, Reply("hello"), chat if with_outbox_ids else None, "telegram")
        for chat in chats
    ]


# Per chat above: ok; 429 then ok; 403; 5xx four times (three retries); 400.
EXPECTED = {"ok": 2, "429": 1, "403": 1, "400": 1, "5xx": 4, "other": 0}


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {result: after[result] - before[result] for result in _RESULTS}


async def test_replies_are_counted_by_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "UNREACHABLE_BACKOFF_SECONDS", (0, 0, 0))
    before = sends("reply")
    outbox = Outbox([])
    for item in one_to_each_chat(with_outbox_ids=False):
        await delivery.deliver(outbox, ScriptedTelegram(), item)  # type: ignore[arg-type]
    assert moved(before, sends("reply")) == EXPECTED


async def test_outbox_rows_are_counted_by_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "UNREACHABLE_BACKOFF_SECONDS", (0, 0, 0))
    before = sends("outbox")
    outbox = Outbox(one_to_each_chat(with_outbox_ids=True))
    assert await delivery.flush_outbox(outbox, ScriptedTelegram()) == 5  # type: ignore[arg-type]
    assert moved(before, sends("outbox")) == EXPECTED
    assert sorted(outbox.delivered) == [OK, FLOOD_THEN_OK]


async def test_broadcasts_are_counted_by_result_and_as_sent(bot: Harness) -> None:
    await add_people(bot, 30)
    clock = VirtualClock()
    blocked = {BASE_CHAT + n for n in range(0, 30, 10)}
    api = RecordingApi(clock, blocked)
    budget = SendBudget(BudgetLimits(broadcast_rate=25), clock=clock, sleep=clock.sleep)
    runner = BroadcastRunner(bot.db, api, budget, now=bot.clock, monotonic=clock)
    before, sent_before = (
        sends("broadcast"),
        value("chatlend_job_messages_sent_total", job="broadcast"),
    )
    await runner.run(await queue(bot, start()))
    await budget.close()
    counted = moved(before, sends("broadcast"))
    assert (counted["ok"], counted["403"]) == (27, 3)
    assert value("chatlend_job_messages_sent_total", job="broadcast") - sent_before == 27


async def test_reminders_put_in_the_outbox_are_counted(bot: Harness) -> None:
    await borrower(bot)
    jobs = ServicingJobs(bot.store, load_settings(env_file=None), bot.clock)
    before = value("chatlend_job_messages_sent_total", job="reminder")
    while local(bot).date() < date(2026, 12, 20):  # three days before the first instalment
        bot.clock.advance(days=1)
        await nightly(bot)
        await jobs.reminder_sweep()
    queued = await bot.db.run(
        lambda tx: tx.scalar("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'reminder:%'")
    )
    assert queued >= 1
    assert value("chatlend_job_messages_sent_total", job="reminder") - before == queued


async def test_decisions_backlog_and_commit_latency_move(bot: Harness) -> None:
    metrics.instrument_database(bot.db)
    commits = value("chatlend_unit_of_work_seconds_count")
    await metrics.refresh_from_database(bot.db)
    approved = value("chatlend_decisions", outcome="approved")
    await onboard(bot.person(4242), await bot.invite())
    assert value("chatlend_unit_of_work_seconds_count") - commits > 5  # one per step at least
    queued_at = bot.clock() - timedelta(minutes=10)
    waiting = [OutboxMessage(9, "telegram", Reply("hi"), f"k{n}") for n in range(3)]
    await bot.db.run(lambda tx: tx.execute("DELETE FROM outbox"))
    await bot.db.run(lambda tx: enqueue_new(tx, waiting, queued_at))
    assert await metrics.refresh_from_database(bot.db) == 3
    assert value("chatlend_decisions", outcome="approved") == approved + 1
    assert value("chatlend_outbox_backlog") == 3
    age = (datetime.now(UTC) - queued_at).total_seconds()
    assert age - 5 <= value("chatlend_outbox_oldest_seconds") <= age + 5


def test_errors_are_counted_by_kind() -> None:
    logger = logging.getLogger("chatlend.test_metrics")
    metrics.count_errors(logger)
    before = value("chatlend_errors_total", kind="ZeroDivisionError")
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.exception("sum failed")
    logger.warning("not an error")
    assert value("chatlend_errors_total", kind="ZeroDivisionError") - before == 1


@pytest.mark.parametrize(
    ("error", "result"),
    [
        (None, "ok"),
        (RetryLater(3), "429"),
        (DeliveryError("blocked or not allowed: Forbidden: bot was blocked by the user"), "403"),
        (DeliveryError("TelegramBadRequest: chat not found"), "400"),
        (EditRejected("message to edit not found"), "400"),
        (Unreachable("TelegramServerError: Bad Gateway"), "5xx"),
        (Unreachable("TelegramNetworkError: timeout"), "5xx"),
        (DeliveryError("TelegramNotFound: Not Found"), "other"),
    ],
)
def test_result_classes(error: Exception | None, result: str) -> None:
    assert delivery.send_result(error) == result


async def test_no_label_names_a_person(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a person was onboarded and messages went every way: every label value in the
    exposition is one of a few words or a status code, never an id, a name or an amount."""
    monkeypatch.setattr(delivery, "UNREACHABLE_BACKOFF_SECONDS", (0, 0, 0))
    bot.engine = metrics.InstrumentedConversation(bot.engine, "webhook")  # type: ignore[assignment]
    await onboard(bot.person(987654321), await bot.invite())
    for item in one_to_each_chat(with_outbox_ids=False):
        await delivery.deliver(Outbox([]), ScriptedTelegram(), item)  # type: ignore[arg-type]
    await metrics.refresh_from_database(bot.db)
    body = metrics.exposition()[0].decode()
    labels: list[tuple[str, str]] = re.findall(r'(\w+)="([^"]*)"', body)
    assert labels
    for name, label in labels:
        assert re.fullmatch(r"[a-z_]+|[0-9]xx|[0-9]{3}|[0-9.e+]+|\+Inf|[A-Z]\w*", label), (
            name,
            label,
        )
        if name != "le":
            assert not label.replace(".", "").isdigit() or name == "result", (name, label)
    for personal in ("987654321", "Li Wei", "13800138000", "19900307", "110105"):
        assert personal not in "\n".join(line.rsplit(" ", 1)[0] for line in body.splitlines())
