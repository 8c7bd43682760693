"""Sending what the conversation returns, the same way on every transport.

A transport supplies a `Sender` (send / edit through its library, turning the library's errors
into `RetryLater`, `EditRejected` or `DeliveryError`). This module decides edits, splits long
texts, retries once after a flood wait, and acknowledges outbox rows so a committed fact is
delivered once and retried when the platform refused it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from bot import metrics
from bot.acknowledgement import note_committed, note_failed
from bot.rendering import Markup, can_edit, fits_toast, markup_for, plan_messages
from bot.send_budget import Priority, SendBudget
from flows.events import ButtonPress, Conversation, Document, Event, Outgoing, Replay
from flows.global_buttons import is_global

log = logging.getLogger(__name__)
T = TypeVar("T")

# A flood wait longer than this is not waited out inside an update: the row fails and the
# outbox retries it later, so one chat cannot hold a worker for minutes.
MAX_RETRY_WAIT_SECONDS = 60.0
OUTBOX_INTERVAL_SECONDS = 1.0
OUTBOX_BATCH = 50
FINAL_BATCH = 10  # at shutdown: fewer rows leased at once, fewer left leased if time runs out
MAX_TOAST_CHARS = 200  # Bot API limit for answerCallbackQuery text


class DeliveryError(Exception):
    """The platform refused the message or could not be reached. `reason` is safe to log:
    it never holds message text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:200]


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class Unreachable(Exception):
    """A server error (5xx) or a broken connection: worth a few quick retries. If the
    connection broke after Telegram accepted the message, a retry shows it twice; that is the
    price of not losing it."""


class EditRejected(Exception):
    """The message could not be edited (too old, not modified, deleted); send a new one."""


@dataclass(frozen=True, slots=True)
class PlatformErrors:
    """How one Telegram library spells the errors delivery cares about."""

    retry_after: type[Exception]
    forbidden: type[Exception]
    bad_request: type[Exception]
    any_error: type[Exception]
    transient: tuple[type[Exception], ...]  # 5xx and network errors (not a bad request)
    retry_seconds: Callable[[Any], float]
    message: Callable[[Any], str]  # Telegram's description: names the problem, never our text


@contextmanager
def neutral_errors(errors: PlatformErrors, *, editing: bool = False) -> Iterator[None]:
    """Turns a library's exceptions into RetryLater, Unreachable, EditRejected or DeliveryError."""
    try:
        yield
    except errors.retry_after as error:
        raise RetryLater(errors.retry_seconds(error)) from None
    except errors.bad_request as error:
        if editing:
            raise EditRejected(errors.message(error)) from None
        raise DeliveryError(f"{type(error).__name__}: {errors.message(error)}") from None
    except errors.forbidden as error:
        raise DeliveryError(f"blocked or not allowed: {errors.message(error)}") from None
    except errors.transient as error:
        raise Unreachable(f"{type(error).__name__}: {errors.message(error)}") from None
    except errors.any_error as error:
        raise DeliveryError(f"{type(error).__name__}: {errors.message(error)}") from None


class LiveKeyboards:
    """The messages of each chat that still show inline buttons, as this process sent them:
    when a new screen is sent they are taken off, so a button on screen is a button that works.
    (After a restart older ones may stay; a tap on one is still refused, with a toast.)"""

    def __init__(self) -> None:
        self._by_chat: dict[int, set[int]] = {}

    def shown(self, chat_id: int, message_id: int) -> None:
        self._by_chat.setdefault(chat_id, set()).add(message_id)

    def gone(self, chat_id: int, message_id: int) -> None:
        self._by_chat.get(chat_id, set()).discard(message_id)

    def take(self, chat_id: int) -> list[int]:
        return sorted(self._by_chat.pop(chat_id, set()))


# Answers a button press (stops the client's spinner), with a toast text or none; False when
# Telegram refused (e.g. the press is too old to answer).
AnswerPress = Callable[[str | None], Awaitable[bool]]


class Sender(Protocol):
    keyboards: LiveKeyboards

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        """Returns the new message's id, when the platform has one."""
        ...

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        """`markup` is always "none" or "inline" here."""
        ...

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        """Take the inline buttons off a message, leaving its text."""
        ...


# The bot-wide send budget (bot/send_budget.py): every send and edit asks it for a slot. None
# until run_bot installs one for Telegram, or a transport's background work one at the default
# limits (the console needs no pacing). Outbox rows go out as reminders, after any interactive
# reply that is waiting.
_budget: SendBudget | None = None
_priority: contextvars.ContextVar[Priority] = contextvars.ContextVar(
    "send_priority", default=Priority.INTERACTIVE
)


def use_budget(budget: SendBudget | None) -> None:
    global _budget
    _budget = budget


async def uninstall_budget(budget: SendBudget) -> None:
    """Take `budget` out of use and stop its dispatcher."""
    use_budget(None)
    await budget.close()


@contextlib.asynccontextmanager
async def budget_in_use(budget: SendBudget) -> AsyncIterator[SendBudget]:
    """`budget` is the process's for the block (tests and benchmarks pace by it)."""
    use_budget(budget)
    try:
        yield budget
    finally:
        await uninstall_budget(budget)


def budget_unless_installed() -> SendBudget | None:
    """For a transport run without run_bot's budget (a bot embedded in another program): one
    at Telegram's limits for a single process, installed, so the bot never sends faster than
    Telegram takes. None when one is installed already; the caller uninstalls the one it got."""
    if _budget is not None:
        return None
    budget = SendBudget()
    use_budget(budget)
    return budget


_PATHS = {
    Priority.INTERACTIVE: "reply",
    Priority.REMINDER: "outbox",
    Priority.BROADCAST: "broadcast",
}


def send_result(error: BaseException | None) -> str:
    """The result class of one platform call, as the sends metric counts it."""
    if error is None:
        return "ok"
    if isinstance(error, RetryLater):
        return "429"
    if isinstance(error, Unreachable):
        return "5xx"
    if isinstance(error, EditRejected):
        return "400"
    reason = error.reason if isinstance(error, DeliveryError) else ""
    if reason.startswith("blocked or not allowed"):
        return "403"
    if "BadRequest" in reason:
        return "400"
    return "other"


def _paced(chat_id: int, call: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """Through the budget (when installed), and counted: every send and edit of a reply or an
    outbox row passes here."""

    async def paced() -> T:
        priority = _priority.get()
        if _budget is not None:
            await _budget.acquire(chat_id, priority)
        try:
            result = await call()
        except Exception as error:
            metrics.count_send(_PATHS[priority], send_result(error))
            if _budget is not None and isinstance(error, RetryLater):
                _budget.retry_after(error.seconds)  # Telegram throttles the bot: everyone waits
            raise
        metrics.count_send(_PATHS[priority], "ok")
        return result

    return paced


# Pauses before the retries of a send that met a 5xx or a broken connection.
UNREACHABLE_BACKOFF_SECONDS = (0.2, 0.5, 1.0)


async def _with_retries(call: Callable[[], Awaitable[T]]) -> T:
    """One retry after a flood wait (if short enough), a few after a 5xx or a broken
    connection; then DeliveryError."""
    flood_waited = False
    pauses = iter(UNREACHABLE_BACKOFF_SECONDS)
    while True:
        try:
            return await call()
        except RetryLater as wait:
            if flood_waited:
                raise DeliveryError(f"flood wait again ({wait.seconds:.0f}s)") from None
            if wait.seconds > MAX_RETRY_WAIT_SECONDS:
                raise DeliveryError(f"flood wait of {wait.seconds:.0f}s") from None
            flood_waited = True
            await asyncio.sleep(wait.seconds)
        except Unreachable as error:
            pause = next(pauses, None)
            if pause is None:
                raise DeliveryError(str(error)) from None
            await asyncio.sleep(pause)


async def render(sender: Sender, outgoing: Outgoing, edit_message_id: int | None = None) -> None:
    """Put one reply on screen: edit the pressed message when asked and possible, else send."""
    reply, chat_id = outgoing.reply, outgoing.chat_id
    if edit_message_id is not None and can_edit(reply):
        markup = markup_for(reply)
        try:
            await _with_retries(
                _paced(chat_id, partial(sender.edit, chat_id, edit_message_id, reply.text, markup))
            )
            _note_keyboard(sender.keyboards, chat_id, edit_message_id, markup)
            return
        except EditRejected:
            log.debug("edit of message %s rejected; sending a new one", edit_message_id)
    for text, markup in plan_messages(reply):
        message_id = await _with_retries(
            _paced(chat_id, partial(sender.send, chat_id, text, markup))
        )
        if message_id is not None:
            _note_keyboard(sender.keyboards, chat_id, message_id, markup)
    if reply.document is not None:
        await _send_document(sender, chat_id, reply.document)


async def _send_document(sender: Sender, chat_id: int, document: Document) -> None:
    """After the text: a file (the person's data export). A sender without documents says so
    in the log instead of failing the whole reply."""
    send_document = getattr(sender, "send_document", None)
    if send_document is None:
        log.warning("this transport cannot send documents; one was dropped")
        return
    await _with_retries(_paced(chat_id, partial(send_document, chat_id, document)))


def _note_keyboard(keyboards: LiveKeyboards, chat_id: int, message_id: int, markup: Markup) -> None:
    # Buttons that work from any screen (a reminder's Repay) are not retired with a screen.
    lasting = all(is_global(b.token) for row in markup.buttons for b in row)
    if markup.kind == "inline" and not lasting:
        keyboards.shown(chat_id, message_id)
    else:
        keyboards.gone(chat_id, message_id)


async def retire_keyboards(sender: Sender, chat_id: int) -> None:
    """Take the buttons off every message of the chat that still shows some. Best effort: a
    message too old to edit keeps its buttons, and a tap on one is refused by the engine."""
    for message_id in sender.keyboards.take(chat_id):
        try:
            await _paced(chat_id, partial(sender.remove_keyboard, chat_id, message_id))()
        except RetryLater:
            # Not worth holding the reply for: try again when the next screen is sent.
            sender.keyboards.shown(chat_id, message_id)
        except (DeliveryError, EditRejected) as error:
            log.debug("keyboard of message %s left in place: %s", message_id, error)


async def deliver(
    conversation: Conversation,
    sender: Sender,
    outgoing: Outgoing,
    edit_message_id: int | None = None,
) -> bool:
    """Render and acknowledge one Outgoing; False when the platform refused it."""
    try:
        await render(sender, outgoing, edit_message_id)
    except DeliveryError as error:
        log.warning(
            "delivery to chat %s failed (outbox %s): %s",
            outgoing.chat_id,
            outgoing.outbox_id,
            error.reason,
        )
        if outgoing.outbox_id is not None:
            await conversation.mark_failed(outgoing.outbox_id, error.reason)
        return False
    if outgoing.outbox_id is not None:
        await conversation.mark_delivered(outgoing.outbox_id)
    return True


async def deliver_replies(
    conversation: Conversation,
    sender: Sender,
    event: Event,
    outgoing: Sequence[Outgoing],
    answer_press: AnswerPress | None = None,
) -> None:
    """Deliver the answer to one event. Only the first `edit` reply replaces the pressed
    message; a second edit would overwrite the first on screen. A `toast` reply to a button
    press answers the press instead of becoming a chat message (when Telegram takes it)."""
    toast = _toast_for(event, outgoing) if answer_press is not None else None
    if answer_press is not None and await answer_press(toast.reply.text if toast else None):
        if toast is not None and toast.outbox_id is not None:
            await conversation.mark_delivered(toast.outbox_id)
    elif not isinstance(outgoing, Replay):
        toast = None  # not shown: it goes to the chat like any other reply
    # A replayed toast that Telegram no longer takes (the press was answered the first time)
    # stays a toast: the chat does not get a message the first delivery never showed.
    edit_target = event.payload.message_id if isinstance(event.payload, ButtonPress) else None
    if any(item.reply.new_screen for item in outgoing):
        await retire_keyboards(sender, event.chat_id)
    for item in outgoing:
        if item is toast:
            continue
        target = None
        if edit_target is not None and item.reply.edit and item.chat_id == event.chat_id:
            target, edit_target = edit_target, None
        await deliver(conversation, sender, item, target)


def _toast_for(event: Event, outgoing: Sequence[Outgoing]) -> Outgoing | None:
    if not isinstance(event.payload, ButtonPress):
        return None
    for item in outgoing:
        if item.reply.toast and item.chat_id == event.chat_id and fits_toast(item.reply.text):
            return item
    return None


async def take_off_pressed_keyboard(sender: Sender, event: Event) -> None:
    """A pressed keyboard is spent: take it off its message so it cannot be tapped again.
    (A stale tap is refused by the engine anyway; this keeps the chat honest to look at.)"""
    if not isinstance(event.payload, ButtonPress) or event.payload.message_id is None:
        return
    message_id = event.payload.message_id
    try:
        await sender.remove_keyboard(event.chat_id, message_id)
        sender.keyboards.gone(event.chat_id, message_id)
    except (DeliveryError, EditRejected, RetryLater, Unreachable) as error:
        log.debug("keyboard removal failed: %s", error)


async def handle_and_deliver(
    conversation: Conversation,
    sender: Sender,
    event: Event,
    answer_press: AnswerPress | None = None,
    *,
    keyboard_shown: bool = False,
) -> None:
    """`keyboard_shown`: the pressed message still showed its buttons when pressed; they are
    taken off, unless the press is a redelivery (the first delivery took them off)."""
    try:
        outgoing = await conversation.handle(event)
    except BaseException as error:
        note_failed(error)
        if answer_press is not None:
            await answer_press(None)
        raise
    try:
        if keyboard_shown and not isinstance(outgoing, Replay):
            await take_off_pressed_keyboard(sender, event)
        await deliver_replies(conversation, sender, event, outgoing, answer_press)
    finally:
        # Acknowledged to Telegram only now: a crash before this point makes Telegram deliver
        # the update again, and the engine answers a committed one with its kept replies.
        note_committed()


async def flush_outbox(
    conversation: Conversation,
    sender: Sender,
    limit: int = OUTBOX_BATCH,
    platform: str | None = None,
) -> int:
    """Send the rows due now; returns how many were taken.

    With `platform`, a row meant for another platform is failed rather than sent: its chat id
    means nothing here (e.g. console rows left in a database later used with Telegram).
    """
    rows = await conversation.due_outbox(limit)
    as_reminders = _priority.set(Priority.REMINDER)
    try:
        await _deliver_rows(conversation, sender, rows, platform)
    finally:
        _priority.reset(as_reminders)
    return len(rows)


async def _deliver_rows(
    conversation: Conversation, sender: Sender, rows: list[Outgoing], platform: str | None
) -> None:
    for row in rows:
        if platform is not None and row.platform != platform:
            if row.outbox_id is not None:
                await conversation.mark_failed(
                    row.outbox_id, f"no {row.platform} transport in this process"
                )
            continue
        await deliver(conversation, sender, row)


@dataclass
class FinalFlush:
    """What an outbox loop does when it is stopped: wait for `before` (the scheduler's last
    run, whose reminders then go out too), then send what is due, for at most `seconds`.
    0 seconds: stop at once (tests, tools); rows left waiting are sent by the next process."""

    seconds: float = 0.0
    before: Callable[[], Awaitable[object]] | None = None


_final_flush = FinalFlush()


def flush_at_stop(seconds: float, before: Callable[[], Awaitable[object]] | None = None) -> None:
    """Set by run_bot from OUTBOX_FLUSH_SECONDS for every outbox loop of the process."""
    global _final_flush
    _final_flush = FinalFlush(seconds, before)


class OutboxLoop:
    """Sends due outbox rows every `interval` until stopped. A failing sweep is logged and
    retried on the next tick, so a database hiccup does not stop reminders for good."""

    def __init__(
        self,
        conversation: Conversation,
        sender: Sender,
        interval: float = OUTBOX_INTERVAL_SECONDS,
        platform: str | None = None,
    ) -> None:
        self._flush = partial(flush_outbox, conversation, sender, platform=platform)
        self._interval = interval
        self._stopping = asyncio.Event()
        # Named: /readyz looks for a live task called "outbox" (bot/health.py).
        self.task = asyncio.create_task(self._run(), name="outbox")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            await self._sweep(OUTBOX_BATCH)
            # asyncio.wait, not wait_for: on Python 3.11 wait_for swallows a cancellation that
            # arrives as the event is set, which is exactly what stop() does.
            stopped = asyncio.ensure_future(self._stopping.wait())
            try:
                await asyncio.wait({stopped}, timeout=self._interval)
            finally:
                stopped.cancel()
        # Stopping: the batch in hand was finished above (its rows are leased to us: dropped
        # now, they would wait out their lease); now the last reminders, then what is due.
        if _final_flush.before is not None:
            try:
                await _final_flush.before()
            except Exception:
                log.exception("waiting for the last scheduled run failed")
        await self._sweep(FINAL_BATCH)

    async def _sweep(self, batch: int) -> None:
        try:
            # A full batch means more may be waiting: go again without sleeping.
            while await self._flush(limit=batch) >= batch:
                pass
        except Exception:
            log.exception("outbox sweep failed")

    async def stop(self) -> None:
        """Flush within FinalFlush.seconds, then cancel whatever is still being sent."""
        self._stopping.set()
        if _final_flush.seconds > 0:
            done, _ = await asyncio.wait({self.task}, timeout=_final_flush.seconds)
            if not done:
                log.warning(
                    "outbox flush cut short by its deadline; the rest waits for the next run"
                )
        await stop_task(self.task)


def start_outbox_loop(
    conversation: Conversation,
    sender: Sender,
    interval: float = OUTBOX_INTERVAL_SECONDS,
    platform: str | None = None,
) -> OutboxLoop:
    return OutboxLoop(conversation, sender, interval, platform)


async def stop_outbox(loop: OutboxLoop | None) -> None:
    if loop is not None:
        await loop.stop()


async def stop_task(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
