"""A Bot API server on loopback that behaves like Telegram, for real aiogram and PTB bots.

The bot talks to it over HTTP through TELEGRAM_API_BASE. It keeps chats and their messages,
delivers updates by getUpdates (offset semantics, long polling) or by webhook (secret header,
redelivery on non-2xx, updates of one chat one at a time), and answers as Telegram does: the
text and callback_data limits, HTML parse errors, "message is not modified", 429 with
retry_after per chat and per bot, 403 for a user who blocked the bot, 404 for an unknown
method, and scripted faults (5xx, dropped connections before or after a message is accepted,
slow answers). The user side is tests/botapi/client.py; what each chat saw is `transcript`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from aiohttp import web

from tests.botapi import rules

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678"
BOT_ID = 123456
BOT_USERNAME = "ChatLendTestBot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

_JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "scope", "entities"}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections"}
_SENDS = {"sendMessage", "sendDocument", "sendPhoto", "sendSticker"}

FaultKind = Literal["5xx", "drop_before", "drop_after", "slow", "429"]


@dataclass
class Fault:
    """The next `times` calls of `method` ("*" for any) fail this way. drop_after: Telegram
    accepted (and the user sees) the message, but the answer never reaches the bot."""

    method: str
    kind: FaultKind
    times: int = 1
    seconds: float = 1.0  # slow: the delay; 429: retry_after


@dataclass
class Message:
    message_id: int
    from_bot: bool
    text: str
    markup: dict[str, Any] | None = None


@dataclass
class Chat:
    chat_id: int
    user: dict[str, Any]
    messages: dict[int, Message] = field(default_factory=dict)
    transcript: list[str] = field(default_factory=list)
    touched: list[int] = field(default_factory=list)  # bot messages sent or edited, in order
    next_message_id: int = 1
    blocked_bot: bool = False

    def new_message(self, from_bot: bool, text: str, markup: dict[str, Any] | None) -> Message:
        message = Message(self.next_message_id, from_bot, text, markup)
        self.next_message_id += 1
        self.messages[message.message_id] = message
        return message


class TelegramError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


class _Bucket:
    """Token bucket: `burst` calls at once, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.at = burst, clock()

    def take(self) -> int | None:
        """None when allowed, else the seconds to wait (as Telegram's retry_after)."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return max(1, math.ceil((1 - self.tokens) / self.rate))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotAPIServer:
    """Start with `async with BotAPIServer() as server:`; `server.base` is TELEGRAM_API_BASE."""

    def __init__(
        self,
        token: str = TOKEN,
        *,
        chat_rate: float = 1.0,
        chat_burst: float = 3.0,
        bot_rate: float = 30.0,
        redelivery_delay: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.base = ""
        self.chats: dict[int, Chat] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.faults: list[Fault] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.acknowledged: list[int] = []
        self.refused: list[tuple[str, str]] = []  # (method, Telegram's description)
        self.on_acknowledged: list[Callable[[list[int]], None]] = []
        self.on_fetched: list[Callable[[list[int]], None]] = []  # getUpdates handed these out
        self.webhook: dict[str, Any] | None = None
        self.redelivery_delay = redelivery_delay
        self.webhook_attempts: dict[int, int] = defaultdict(int)
        self._pending: list[dict[str, Any]] = []
        self._sent_updates: dict[int, dict[str, Any]] = {}
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._open_queries: dict[str, int] = {}  # callback query id -> chat id
        self._changed = asyncio.Event()
        self._clock = clock
        self._chat_rate, self._chat_burst = chat_rate, chat_burst
        self._chat_buckets: dict[int, _Bucket] = {}
        self._bot_bucket = _Bucket(bot_rate, bot_rate, clock)
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._delivery: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    # --- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> BotAPIServer:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base = f"http://127.0.0.1:{port}"
        self._http = aiohttp.ClientSession()
        self._delivery = asyncio.create_task(self._deliver_webhook_updates())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closing = True  # long polls answer now, not at their timeout
        self._changed.set()
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the user side (see client.py) -----------------------------------------------------

    def chat(self, user: dict[str, Any]) -> Chat:
        chat = self.chats.get(user["id"])
        if chat is None:
            chat = self.chats[user["id"]] = Chat(user["id"], user)
        return chat

    def enqueue(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._sent_updates[update_id] = {"update_id": update_id, **update}
        self._pending.append(self._sent_updates[update_id])
        self._changed.set()
        return update_id

    def new_callback_query_id(self, chat_id: int) -> str:
        query_id = f"q{next(self._query_ids)}"
        self._open_queries[query_id] = chat_id
        return query_id

    def redeliver(self, update_id: int) -> None:
        """Send an acknowledged update again, as Telegram does when the bot's answer to the
        webhook got lost (a timeout, a dropped connection)."""
        self._pending.append(self._sent_updates[update_id])
        self._changed.set()

    def pressed_message(self, update_id: int) -> int:
        """The message whose button the update `update_id` pressed."""
        return int(self._sent_updates[update_id]["callback_query"]["message"]["message_id"])

    @property
    def pending_ids(self) -> list[int]:
        return [update["update_id"] for update in self._pending]

    async def wait_acknowledged(self, update_id: int, timeout: float = 10.0) -> None:
        """Until Telegram may forget `update_id`: the bot's answer is then complete, since the
        transports acknowledge only after the commit and (unless slow) the delivery."""
        deadline = time.monotonic() + timeout
        while update_id in self.pending_ids:
            if time.monotonic() > deadline:
                raise TimeoutError(f"update {update_id} was not acknowledged in {timeout}s")
            await asyncio.sleep(0.01)

    async def wait_all_acknowledged(self, timeout: float = 20.0) -> None:
        for update_id in self.pending_ids:
            await self.wait_acknowledged(update_id, timeout)

    def _acknowledge(self, update_ids: list[int]) -> None:
        if not update_ids:
            return
        gone = set(update_ids)
        self._pending = [u for u in self._pending if u["update_id"] not in gone]
        self.acknowledged += update_ids
        for listener in list(self.on_acknowledged):
            listener(update_ids)

    # --- HTTP ----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(TelegramError(401, "Unauthorized"))
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        fault = self._take_fault(method)
        if fault is not None:
            if fault.kind == "slow":
                await asyncio.sleep(fault.seconds)
            elif fault.kind == "5xx":
                return _error(TelegramError(502, "Bad Gateway"))
            elif fault.kind == "429":
                wait = math.ceil(fault.seconds)
                return _error(TelegramError(429, f"Too Many Requests: retry after {wait}", wait))
            elif fault.kind == "drop_before":
                return _drop(request)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(TelegramError(404, "Not Found"))
        try:
            result = await handler(params)
        except TelegramError as error:
            self.refused.append((method, error.description))
            return _error(error)
        if fault is not None and fault.kind == "drop_after":
            return _drop(request)
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.method in (method, "*") and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    # --- getting updates -----------------------------------------------------------------

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "ChatLend",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if offset is not None and offset > 0:
            self._acknowledge([i for i in self.pending_ids if i < offset])
        limit = min(100, params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self._pending and time.monotonic() < deadline and not self._closing:
            self._changed.clear()
            await _wait(self._changed, deadline - time.monotonic())
        allowed = params.get("allowed_updates")
        batch = [u for u in self._pending[:limit] if _allowed(u, allowed)]
        for listener in list(self.on_fetched) if batch else []:
            listener([u["update_id"] for u in batch])
        return batch

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            self.webhook = None
            return True
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
            "max_connections": params.get("max_connections") or 40,
        }
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._acknowledge(self.pending_ids)
        self._changed.set()
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._acknowledge(self.pending_ids)
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        hook = self.webhook or {}
        return {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _deliver_webhook_updates(self) -> None:
        """Like Telegram: each chat's updates one at a time and in order, chats in parallel,
        an update retried until the bot answers 2xx."""
        busy: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()
        try:
            await self._deliver_forever(busy, tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _deliver_forever(self, busy: set[int], tasks: set[asyncio.Task[None]]) -> None:
        while True:
            self._changed.clear()
            hook = self.webhook
            if hook is not None:
                for update in list(self._pending):
                    chat = _chat_of(update)
                    if chat in busy or len(busy) >= hook["max_connections"]:
                        continue
                    busy.add(chat)
                    task = asyncio.create_task(self._post_update(hook, update, chat, busy))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
            await _wait(self._changed, 0.05)

    async def _post_update(
        self, hook: dict[str, Any], update: dict[str, Any], chat: int, busy: set[int]
    ) -> None:
        update_id = update["update_id"]
        try:
            if not _allowed(update, hook["allowed_updates"]):
                self._acknowledge([update_id])
                return
            self.webhook_attempts[update_id] += 1
            headers = {SECRET_HEADER: hook["secret_token"]} if hook["secret_token"] else {}
            assert self._http is not None
            try:
                async with self._http.post(
                    hook["url"], json=update, headers=headers, timeout=aiohttp.ClientTimeout(60)
                ) as response:
                    ok = 200 <= response.status < 300
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                self._acknowledge([update_id])
            else:
                await asyncio.sleep(self.redelivery_delay)
        finally:
            busy.discard(chat)
            self._changed.set()

    # --- sending -------------------------------------------------------------------------

    def _target(self, params: dict[str, Any]) -> Chat:
        chat = self.chats.get(params.get("chat_id") or 0)
        if chat is None:
            raise TelegramError(400, "Bad Request: chat not found")
        if chat.blocked_bot:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _rate_limit(self, chat: Chat) -> None:
        bucket = self._chat_buckets.get(chat.chat_id)
        if bucket is None:
            bucket = self._chat_buckets[chat.chat_id] = _Bucket(
                self._chat_rate, self._chat_burst, self._clock
            )
        for wait in (self._bot_bucket.take(), bucket.take()):
            if wait is not None:
                raise TelegramError(429, f"Too Many Requests: retry after {wait}", wait)

    def _message_json(self, chat: Chat, message: Message) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": chat.chat_id, "type": "private", "first_name": chat.user["first_name"]},
            "from": (
                {"id": BOT_ID, "is_bot": True, "first_name": "ChatLend", "username": BOT_USERNAME}
                if message.from_bot
                else chat.user
            ),
            "text": message.text,
        }
        if message.markup and "inline_keyboard" in message.markup:
            body["reply_markup"] = message.markup
        return body

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params)
        markup = params.get("reply_markup")
        problem = rules.check_text(params.get("text"), params.get("parse_mode"))
        problem = problem or rules.check_markup(markup)
        if problem:
            raise TelegramError(400, problem)
        self._rate_limit(chat)
        text, _ = rules.visible_text(params["text"], params.get("parse_mode"))
        message = chat.new_message(True, text, markup)
        chat.touched.append(message.message_id)
        chat.transcript += _render_message("<", text, markup)
        return self._message_json(chat, message)

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params)
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = params.get(document.removeprefix("attach://"))  # a part of the upload
        caption = params.get("caption") or ""
        if document is None:
            raise TelegramError(400, "Bad Request: there is no document in the request")
        if caption:
            problem = rules.check_text(caption, params.get("parse_mode"), rules.MAX_CAPTION_UTF16)
            if problem:
                raise TelegramError(400, problem.replace("message", "message caption"))
        self._rate_limit(chat)
        name, size = (
            (document.filename, len(document.file.read()))
            if isinstance(document, web.FileField)
            else (str(document), 0)
        )
        message = chat.new_message(True, caption, params.get("reply_markup"))
        chat.transcript.append(f"< (document {name}, {size} bytes) {caption}".rstrip())
        file_id = f"BQACAgIAAx{message.message_id}"
        return {
            **self._message_json(chat, message),
            "document": {
                "file_id": file_id,
                "file_unique_id": f"AgAD{message.message_id}",
                "file_name": name,
                "file_size": size,
            },
        }

    def _editable(self, params: dict[str, Any]) -> tuple[Chat, Message]:
        chat = self._target(params)
        message = chat.messages.get(params.get("message_id") or 0)
        if message is None:
            raise TelegramError(400, "Bad Request: message to edit not found")
        if not message.from_bot:
            raise TelegramError(400, "Bad Request: message can't be edited")
        return chat, message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._editable(params)
        markup = params.get("reply_markup")
        problem = rules.check_text(params.get("text"), params.get("parse_mode"))
        problem = problem or rules.check_markup(markup)
        if problem:
            raise TelegramError(400, problem)
        text, _ = rules.visible_text(params["text"], params.get("parse_mode"))
        if text == message.text and _same_inline(markup, message.markup):
            raise TelegramError(400, _NOT_MODIFIED)
        message.text, message.markup = text, markup
        chat.touched.append(message.message_id)
        chat.transcript += _render_message(f"<#{message.message_id} edited", text, markup)
        return self._message_json(chat, message)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._editable(params)
        markup = params.get("reply_markup")
        problem = rules.check_markup(markup)
        if problem:
            raise TelegramError(400, problem)
        if _same_inline(markup, message.markup):
            raise TelegramError(400, _NOT_MODIFIED)
        message.markup = markup
        chat.touched.append(message.message_id)
        if markup:
            chat.transcript += _render_message(f"<#{message.message_id} buttons", "", markup)
        else:
            chat.transcript.append(f"<#{message.message_id} buttons removed")
        return self._message_json(chat, message)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        chat_id = self._open_queries.pop(str(params.get("callback_query_id")), None)
        if chat_id is None:
            raise TelegramError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        problem = rules.check_toast(params.get("text"))
        if problem:
            raise TelegramError(400, problem)
        if params.get("text"):
            self.chats[chat_id].transcript.append(f"< (toast) {params['text']}")
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        problem = rules.check_commands(commands)
        if problem:
            raise TelegramError(400, problem)
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat" and scope.get("chat_id") not in self.chats:
            raise TelegramError(400, "Bad Request: chat not found")
        key = (json.dumps(scope, sort_keys=True), params.get("language_code") or "")
        self.commands[key] = list(commands or [])
        return True

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._target(params)
        return True

    def menu(self, language_code: str = "", chat_id: int | None = None) -> list[str]:
        """The command names a user would see in the menu."""
        scope = {"type": "chat", "chat_id": chat_id} if chat_id else {"type": "default"}
        commands = self.commands.get((json.dumps(scope, sort_keys=True), language_code))
        if commands is None and language_code:
            commands = self.commands.get((json.dumps(scope, sort_keys=True), ""))
        return [command["command"] for command in commands or []]


_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def _same_inline(new: Any, old: Any) -> bool:
    def rows(markup: Any) -> Any:
        return (markup or {}).get("inline_keyboard") or []

    return bool(rows(new) == rows(old))


def _render_message(head: str, text: str, markup: Any) -> list[str]:
    """Transcript lines: the text, then the keyboard as the user sees it (labels only: the
    callback data is opaque and invisible)."""
    lines = [f"{head} {text}".rstrip() if text else head]
    if not markup:
        return lines
    if "inline_keyboard" in markup:
        lines += [
            "   " + " ".join(f"[{button['text']}]" for button in row)
            for row in markup["inline_keyboard"]
        ]
    elif "keyboard" in markup:
        labels = [_keyboard_label(button) for row in markup["keyboard"] for button in row]
        lines.append("   (keyboard: " + ", ".join(labels) + ")")
    elif markup.get("remove_keyboard"):
        lines.append("   (keyboard removed)")
    return lines


async def _wait(event: asyncio.Event, timeout: float) -> None:
    """Until `event` is set or `timeout` passes. (Not wait_for: on Python 3.11 it can swallow a
    cancellation that arrives as the event is set.)"""
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=max(0.0, timeout))
    finally:
        waiter.cancel()


def _keyboard_label(button: Any) -> str:
    if not isinstance(button, dict):
        return str(button)
    shares = " (shares contact)" if button.get("request_contact") else ""
    return f"{button.get('text', '')}{shares}"


def _chat_of(update: dict[str, Any]) -> int:
    if "message" in update:
        return int(update["message"]["chat"]["id"])
    if "callback_query" in update:
        return int(update["callback_query"]["from"]["id"])
    return 0


def _allowed(update: dict[str, Any], allowed: Any) -> bool:
    if not allowed:
        return True
    return any(kind in update for kind in allowed)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        raw: dict[str, Any] = await request.json()
    elif request.can_read_body:
        raw = dict(await request.post())
    else:
        raw = dict(request.query)
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in _JSON_FIELDS:
            value = json.loads(value) if value else None
        elif isinstance(value, str) and key in _INT_FIELDS:
            value = int(value)
        params[key] = value
    return params


def _error(error: TelegramError) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.code,
        "description": error.description,
    }
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.json_response(body, status=error.code)


def _drop(request: web.Request) -> web.Response:
    """Close the connection without an answer, as a network failure would."""
    if request.transport is not None:
        request.transport.abort()
    raise ConnectionResetError("dropped on purpose")
