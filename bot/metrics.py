"""Prometheus metrics: what the service does, never who it does it for.

No label holds a user, chat, message or amount: labels are transports, outcomes, result classes
and exception type names, a handful of values each. The registry is this module's own, served
at /metrics on the webhook server or on the monitoring server in polling mode (bot/health.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.logging_setup import correlated
from flows.events import Event, Outgoing
from storage.database import Database
from storage.outbox import backlog
from storage.sql import Tx

T = TypeVar("T")

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "chatlend_updates", "Updates handled, by transport and outcome", ["transport", "outcome"],
    registry=REGISTRY,
)  # fmt: skip
STEP_SECONDS = Histogram(
    "chatlend_step_seconds", "Time to handle one update (unit of work included)", ["transport"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), registry=REGISTRY,
)  # fmt: skip
COMMIT_SECONDS = Histogram(
    "chatlend_unit_of_work_seconds", "Time of one database transaction, commit included",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1), registry=REGISTRY,
)  # fmt: skip
ERRORS = Counter("chatlend_errors", "Errors logged, by exception type", ["kind"], registry=REGISTRY)
SENDS = Counter(
    "chatlend_sends", "Calls to the platform that send or edit a message, by path (reply, "
    "outbox, broadcast) and result (ok, 429, 403, 400, 5xx, other)", ["path", "result"],
    registry=REGISTRY,
)  # fmt: skip
JOB_MESSAGES = Counter(
    "chatlend_job_messages_sent", "Reminders the sweep put in the outbox (job=reminder) and "
    "broadcast messages the platform accepted (job=broadcast)", ["job"], registry=REGISTRY,
)  # fmt: skip
OUTBOX_BACKLOG = Gauge(
    "chatlend_outbox_backlog", "Outbox rows waiting to be sent", registry=REGISTRY
)
OUTBOX_OLDEST = Gauge(
    "chatlend_outbox_oldest_seconds", "Age of the oldest outbox row waiting", registry=REGISTRY
)
DECISIONS = Gauge(
    "chatlend_decisions", "Risk decisions recorded in the database, by outcome (the same on "
    "every replica: aggregate with max, not sum)", ["outcome"], registry=REGISTRY,
)  # fmt: skip


def count_job_message(job: str, count: int = 1) -> None:
    """Reminders queued by a sweep, broadcast messages sent."""
    if count:
        JOB_MESSAGES.labels(job=job).inc(count)


# Each (path, result) pair's child of SENDS, looked up once: `labels()` validates and locks on
# every call, four times the cost of the increment, and every message sent counts one. Both
# labels come from short fixed lists (never a user, chat or text), so this stays a few entries.
_SEND_COUNTERS: dict[tuple[str, str], Counter] = {}


def count_send(path: str, result: str) -> None:
    """Every platform call that sends or edits a message, wherever it comes from."""
    counter = _SEND_COUNTERS.get((path, result))
    if counter is None:
        counter = _SEND_COUNTERS[path, result] = SENDS.labels(path=path, result=result)
    counter.inc()


class InstrumentedConversation:
    """The conversation as a transport sees it, timed and counted. Delegates everything."""

    def __init__(self, conversation: Any, transport: str) -> None:
        self._conversation = conversation
        self._transport = transport

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conversation, name)

    async def handle(self, event: Event) -> list[Outgoing]:
        started = time.perf_counter()
        # The update id: unique per bot, names no person, and matches Telegram's redeliveries.
        update = event.update_id if event.update_id is not None else f"n{time.monotonic_ns()}"
        try:
            with correlated(f"{event.platform}-{update}"):
                outgoing: list[Outgoing] = await self._conversation.handle(event)
        except BaseException:
            UPDATES.labels(transport=self._transport, outcome="error").inc()
            raise
        finally:
            STEP_SECONDS.labels(transport=self._transport).observe(time.perf_counter() - started)
        UPDATES.labels(
            transport=self._transport, outcome="answered" if outgoing else "silent"
        ).inc()
        return outgoing


def instrument_database(db: Database) -> None:
    """Time every unit of work this database runs."""
    run = db.run

    async def timed(work: Callable[[Tx], T]) -> T:
        started = time.perf_counter()
        try:
            return await run(work)
        finally:
            COMMIT_SECONDS.observe(time.perf_counter() - started)

    db.run = timed  # type: ignore[method-assign]


class ErrorCounter(logging.Handler):
    """Counts error records by exception type (or logger name), so errors the engine catches
    and answers politely still show up."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else None
        ERRORS.labels(kind=kind or record.name).inc()


def count_errors(logger: logging.Logger | None = None) -> None:
    target = logger or logging.getLogger()
    if not any(isinstance(handler, ErrorCounter) for handler in target.handlers):
        target.addHandler(ErrorCounter())


def _database_figures(tx: Tx) -> tuple[int, datetime | None, Sequence[tuple[str, int]]]:
    count, oldest = backlog(tx)
    rows = tx.all("SELECT outcome, COUNT(*) AS n FROM applications GROUP BY outcome")
    return count, oldest, [(row.outcome, int(row.n)) for row in rows]


async def refresh_from_database(db: Database) -> int:
    """Read the gauges that live in the database; returns the outbox backlog."""
    count, oldest, decisions = await db.run(_database_figures)
    OUTBOX_BACKLOG.set(count)
    OUTBOX_OLDEST.set(0 if oldest is None else (datetime.now(UTC) - oldest).total_seconds())
    DECISIONS.clear()  # an outcome no longer in the database must not keep its old figure
    for outcome, n in decisions:
        DECISIONS.labels(outcome=outcome).set(n)
    return count


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
