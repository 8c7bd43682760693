"""Telegram through python-telegram-bot 22: the same conversation, rendered the same way.

Reading updates, planning replies and delivery are shared with the aiogram transport
(bot/rendering.py, bot/delivery.py), and so are long polling and the webhook server
(bot/polling.py, bot/webhook.py): the Application is built without PTB's Updater (its custom-
server pattern) and each update goes through `Application.process_update`, so PTB's handlers
run as usual but an update is acknowledged only once it is committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import polling, webhook
from bot.acknowledgement import Acknowledger
from bot.commands_menu import plan_menus
from bot.delivery import (
    LiveKeyboards,
    OutboxLoop,
    PlatformErrors,
    handle_and_deliver,
    neutral_errors,
    start_outbox_loop,
    stop_outbox,
)
from bot.rendering import Markup, event_from_callback, event_from_message, inline_rows
from flows.events import Conversation, Document

log = logging.getLogger(__name__)

PLATFORM = "telegram"

_MarkupObject = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


def to_markup(markup: Markup) -> _MarkupObject:
    if markup.kind == "inline":
        return InlineKeyboardMarkup(
            inline_rows(
                markup.buttons,
                lambda button: InlineKeyboardButton(button.label, callback_data=button.token),
            )
        )
    if markup.kind == "contact":
        return ReplyKeyboardMarkup(
            [[KeyboardButton(markup.contact_label, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if markup.kind == "remove":
        return ReplyKeyboardRemove()
    return None


def _seconds(retry_after: int | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


def _reason(error: TelegramError) -> str:
    return f"{type(error).__name__}: {error.message}"


ERRORS = PlatformErrors(
    retry_after=RetryAfter,
    forbidden=Forbidden,
    bad_request=BadRequest,
    transient=(NetworkError,),
    any_error=TelegramError,
    retry_seconds=lambda error: _seconds(error.retry_after),
    message=lambda error: str(error.message),
)


class PTBSender:
    """The `Sender` for delivery.py over a PTB Bot."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.keyboards = LiveKeyboards()

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        with neutral_errors(ERRORS):
            sent = await self.application.bot.send_message(
                chat_id, text, reply_markup=to_markup(markup)
            )
        return sent.message_id

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        with neutral_errors(ERRORS, editing=True):
            await self.application.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=None
            )

    async def send_document(self, chat_id: int, document: Document) -> None:
        from telegram import InputFile

        upload = InputFile(document.content, filename=document.filename)
        with neutral_errors(ERRORS):
            await self.application.bot.send_document(
                chat_id, upload, caption=document.caption or None
            )

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        inline = to_markup(markup)
        with neutral_errors(ERRORS, editing=True):
            await self.application.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=inline if isinstance(inline, InlineKeyboardMarkup) else None,
            )


async def _answer(query: CallbackQuery, toast: str | None) -> None:
    try:
        await query.answer(toast)
    except TelegramError as error:
        log.debug("callback answer failed: %s", _reason(error))


class PTBTransport:
    def __init__(self, conversation: Conversation, application: Application) -> None:
        self.conversation = conversation
        self.application = application
        self.sender = PTBSender(application)
        self._outbox: OutboxLoop | None = None
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        application.add_handler(CallbackQueryHandler(self.on_callback))

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        event = event_from_message(PLATFORM, update.update_id, update.message)
        if event is not None:
            await handle_and_deliver(self.conversation, self.sender, event)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        # A pressed keyboard is spent: take it off the message so it cannot be tapped again.
        message = query.message
        if message is not None and getattr(message, "reply_markup", None) is not None:
            try:
                await query.edit_message_reply_markup(reply_markup=None)
                self.sender.keyboards.gone(message.chat.id, message.message_id)
            except TelegramError as error:
                log.debug("keyboard removal failed: %s", _reason(error))

        async def answer(text: str | None) -> bool:
            # Until answered, the client shows a spinner on the button.
            try:
                await query.answer(text=text)
                return True
            except TelegramError as error:
                log.debug("callback answer failed: %s", _reason(error))
                return False

        event = event_from_callback(PLATFORM, update.update_id, query)
        if event is None:
            await answer(None)
            return
        await handle_and_deliver(self.conversation, self.sender, event, answer)

    async def set_command_menus(self, admin_ids: Iterable[int] = ()) -> None:
        for entry in plan_menus(self.conversation, admin_ids):
            scope = (
                BotCommandScopeChat(entry.admin_chat_id)
                if entry.admin_chat_id is not None
                else BotCommandScopeDefault()
            )
            try:
                await self.application.bot.set_my_commands(
                    [BotCommand(name, text) for name, text in entry.commands],
                    scope=scope,
                    language_code=entry.language_code,
                )
            except TelegramError as error:
                log.warning("setMyCommands failed (%s): %s", entry.language_code, _reason(error))

    async def start_background(self, admin_ids: Iterable[int] = ()) -> None:
        await self.set_command_menus(admin_ids)
        self._outbox = start_outbox_loop(self.conversation, self.sender, platform=PLATFORM)

    async def stop_background(self) -> None:
        await stop_outbox(self._outbox)
        self._outbox = None


def build_application(
    token: str,
    api_base: str | None = None,
    request: BaseRequest | None = None,
) -> Application:
    """`request` replaces PTB's HTTP client (tests pass a recording one). No Updater: polling
    and the webhook are ours (see the module docstring)."""
    builder = ApplicationBuilder().token(token).updater(None)
    if api_base:
        builder = builder.base_url(f"{api_base}/bot").base_file_url(f"{api_base}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    return builder.build()


def _quiet_httpx() -> None:
    # httpx logs each request URL at INFO, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def run_polling(
    conversation: Conversation,
    token: str,
    api_base: str | None = None,
    admin_ids: Iterable[int] = (),
    acknowledger: Acknowledger | None = None,
    add_routes: Callable[[Any], None] | None = None,
) -> None:
    """Poll until cancelled; a batch is confirmed only once all its updates are committed.
    Runs inside our own event loop (not Application.run_polling) so the conversation's
    database connections stay on the loop that created them."""
    _quiet_httpx()
    application = build_application(token, api_base)
    transport = PTBTransport(conversation, application)
    acknowledger = acknowledger or Acknowledger()

    async def fetch(offset: int | None) -> tuple[Update, ...]:
        return await application.bot.get_updates(
            offset=offset,
            timeout=polling.POLL_TIMEOUT_SECONDS,
            allowed_updates=list(polling.ALLOWED_UPDATES),
        )

    async with application:
        log.info("polling as @%s (python-telegram-bot)", application.bot.username)
        # getUpdates is refused while a webhook is set; pending updates are kept.
        await application.bot.delete_webhook(drop_pending_updates=False)
        await transport.start_background(admin_ids)
        try:
            await polling.poll(
                fetch, lambda update: update.update_id, application.process_update, acknowledger
            )
        finally:
            await acknowledger.drain()
            await transport.stop_background()


async def run_webhook(
    conversation: Conversation,
    token: str,
    *,
    url: str,
    secret: str,
    host: str,
    port: int,
    path: str,
    api_base: str | None = None,
    admin_ids: Iterable[int] = (),
    acknowledger: Acknowledger | None = None,
    add_routes: Callable[[Any], None] | None = None,
) -> None:
    """Serve Telegram's webhook on aiohttp until cancelled (bot/webhook.py), PTB's custom-server
    pattern with the update handed to `process_update` rather than to the update queue, so the
    200 waits for the commit."""
    _quiet_httpx()
    application = build_application(token, api_base)
    transport = PTBTransport(conversation, application)
    acknowledger = acknowledger or Acknowledger()

    async def process(data: dict[str, Any]) -> None:
        await application.process_update(Update.de_json(data, application.bot))

    handler = webhook.webhook_handler(secret, process, acknowledger)
    async with application, webhook.listening(host, port, path, handler, add_routes):
        # No deleteWebhook on restart: updates that arrived meanwhile are still delivered.
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=list(polling.ALLOWED_UPDATES)
        )
        await transport.start_background(admin_ids)
        try:
            await asyncio.Event().wait()
        finally:
            await acknowledger.drain()
            await transport.stop_background()
