"""Telegram through python-telegram-bot 22: the same conversation, rendered the same way.

Reading updates, planning replies and delivery are shared with the aiogram transport
(bot/rendering.py, bot/delivery.py); this file only speaks PTB.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

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
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.commands_menu import plan_menus
from bot.delivery import (
    LiveKeyboards,
    PlatformErrors,
    handle_and_deliver,
    neutral_errors,
    start_outbox_loop,
    stop_task,
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
        self._outbox: asyncio.Task[None] | None = None
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
        event = event_from_callback(PLATFORM, update.update_id, query)
        if event is None:
            await _answer(query, None)
            return
        # Answered once the step has decided, so a spent button gets a toast, not a message.
        await handle_and_deliver(self.conversation, self.sender, event, partial(_answer, query))

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
        await stop_task(self._outbox)
        self._outbox = None


def build_application(
    token: str,
    api_base: str | None = None,
    request: BaseRequest | None = None,
) -> Application:
    """`request` replaces PTB's HTTP client (tests pass a recording one)."""
    builder = ApplicationBuilder().token(token).concurrent_updates(True)
    if api_base:
        builder = builder.base_url(f"{api_base}/bot").base_file_url(f"{api_base}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    return builder.build()


async def run_polling(
    conversation: Conversation,
    token: str,
    api_base: str | None = None,
    admin_ids: Iterable[int] = (),
) -> None:
    """Poll until cancelled. Run inside our own event loop (not Application.run_polling) so the
    conversation's database connections stay on the loop that created them."""
    # httpx logs each request URL at INFO, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = build_application(token, api_base)
    transport = PTBTransport(conversation, application)
    async with application:
        log.info("polling as @%s (python-telegram-bot)", application.bot.username)
        await transport.start_background(admin_ids)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=["message", "callback_query"])
        try:
            await asyncio.Event().wait()
        finally:
            await application.updater.stop()
            await application.stop()
            await transport.stop_background()
