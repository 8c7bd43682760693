"""Telegram through aiogram 3: long polling or a webhook, one router, no aiogram FSM.

The engine owns conversation state, so the dispatcher runs with the FSM disabled and one
catch-all handler per update type: the path from update to `Conversation.handle` is as short
as aiogram allows. Polling and the webhook server are ours (bot/polling.py, bot/webhook.py),
shared with the PTB transport: aiogram's own acknowledge updates before they are committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot import polling, webhook
from bot.acknowledgement import Acknowledger
from bot.background import BackgroundWork
from bot.broadcast_telegram import LibraryBroadcastApi
from bot.commands_menu import plan_menus
from bot.delivery import (
    LiveKeyboards,
    PlatformErrors,
    handle_and_deliver,
    neutral_errors,
)
from bot.menus_telegram import AiogramMenuApi
from bot.rendering import Markup, event_from_callback, event_from_message, inline_rows
from flows.events import Conversation, Document

log = logging.getLogger(__name__)

PLATFORM = "telegram"

_MarkupObject = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


def build_bot(token: str, api_base: str | None = None) -> Bot:
    """`api_base` points at a local Bot API server (e.g. http://localhost:8081)."""
    if api_base:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
        return Bot(token, session=session)
    return Bot(token)


def to_markup(markup: Markup) -> _MarkupObject:
    if markup.kind == "inline":
        return InlineKeyboardMarkup(
            inline_keyboard=inline_rows(
                markup.buttons,
                lambda button: InlineKeyboardButton(text=button.label, callback_data=button.token),
            )
        )
    if markup.kind == "contact":
        return ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=markup.contact_label, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if markup.kind == "remove":
        return ReplyKeyboardRemove()
    return None


def _reason(error: TelegramAPIError) -> str:
    # Telegram's descriptions name the problem, never the message text.
    return f"{type(error).__name__}: {error.message}"


ERRORS = PlatformErrors(
    retry_after=TelegramRetryAfter,
    forbidden=TelegramForbiddenError,
    bad_request=TelegramBadRequest,
    transient=(TelegramServerError, TelegramNetworkError),
    any_error=TelegramAPIError,
    retry_seconds=lambda error: float(error.retry_after),
    message=lambda error: str(error.message),
)


class AiogramSender:
    """The `Sender` for delivery.py: aiogram calls in, neutral errors out."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.keyboards = LiveKeyboards()

    async def send(self, chat_id: int, text: str, markup: Markup) -> int | None:
        with neutral_errors(ERRORS):
            sent = await self.bot.send_message(chat_id, text, reply_markup=to_markup(markup))
        return sent.message_id

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        with neutral_errors(ERRORS, editing=True):
            await self.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=None
            )

    async def send_document(self, chat_id: int, document: Document) -> None:
        from aiogram.types import BufferedInputFile

        upload = BufferedInputFile(document.content, filename=document.filename)
        with neutral_errors(ERRORS):
            await self.bot.send_document(chat_id, upload, caption=document.caption or None)

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Markup) -> None:
        inline = to_markup(markup)
        with neutral_errors(ERRORS, editing=True):
            await self.bot.edit_message_text(
                text=text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=inline if isinstance(inline, InlineKeyboardMarkup) else None,
            )


def broadcast_api(bot: Bot) -> LibraryBroadcastApi:
    async def send(chat_id: int, text: str) -> int:
        return (await bot.send_message(chat_id, text, parse_mode=None)).message_id

    async def edit(chat_id: int, message_id: int, text: str) -> None:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode=None)

    return LibraryBroadcastApi(send, edit, ERRORS)


class AiogramTransport:
    """Binds one Conversation to one aiogram Bot; `router` is what the dispatcher runs."""

    def __init__(self, conversation: Conversation, bot: Bot) -> None:
        self.conversation = conversation
        self.bot = bot
        self.sender = AiogramSender(bot)
        self.router = Router(name="conversation")
        self.router.message.register(self.on_message)
        self.router.callback_query.register(self.on_callback)
        self._background = BackgroundWork()

    async def on_message(self, message: Message, event_update: Update) -> None:
        event = event_from_message(PLATFORM, event_update.update_id, message)
        if event is None:
            return
        await handle_and_deliver(self.conversation, self.sender, event)

    async def on_callback(self, query: CallbackQuery, event_update: Update) -> None:
        async def answer(text: str | None) -> bool:
            # Until answered, the client shows a spinner on the button.
            try:
                await query.answer(text=text)
                return True
            except TelegramAPIError as error:
                log.debug("callback answer failed: %s", _reason(error))
                return False

        event = event_from_callback(PLATFORM, event_update.update_id, query)
        if event is None:
            await answer(None)
            return
        shown = isinstance(query.message, Message) and query.message.reply_markup is not None
        await handle_and_deliver(
            self.conversation, self.sender, event, answer, keyboard_shown=shown
        )

    async def set_command_menus(self, admin_ids: Iterable[int] = ()) -> None:
        for entry in plan_menus(self.conversation, admin_ids):
            scope = (
                BotCommandScopeChat(chat_id=entry.admin_chat_id)
                if entry.admin_chat_id is not None
                else BotCommandScopeDefault()
            )
            try:
                await self.bot.set_my_commands(
                    [BotCommand(command=name, description=text) for name, text in entry.commands],
                    scope=scope,
                    language_code=entry.language_code,
                )
            except TelegramAPIError as error:
                # An admin who never opened the bot has no chat yet; the others still get menus.
                log.warning("setMyCommands failed (%s): %s", entry.language_code, _reason(error))

    async def start_background(self, admin_ids: Iterable[int] = ()) -> None:
        await self.set_command_menus(admin_ids)
        self._background.start(
            self.conversation,
            self.sender,
            PLATFORM,
            broadcast_api(self.bot),
            AiogramMenuApi(self.bot),
            admin_ids,
        )

    async def stop_background(self) -> None:
        await self._background.stop()


class ConversationDispatcher(Dispatcher):
    """Hands messages and button presses straight to the transport.

    The engine does all the routing, so aiogram's router chain (observers, filters, router
    middlewares, FSM, error handlers) would only add time to every update; other update types
    still go through it. Outer middlewares on `dispatcher.update` do run for every update: that
    is where cross-cutting behaviour (logging, metrics, tracing) goes, besides the engine.
    """

    def __init__(self, transport: AiogramTransport) -> None:
        super().__init__(disable_fsm=True)
        self.transport = transport
        self._own_outer = len(self.update.outer_middleware)  # aiogram's errors and user context
        self.include_router(transport.router)

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        if update.message is None and update.callback_query is None:
            return await super().feed_update(bot, update, **kwargs)
        if update.bot is not bot:
            # Shortcuts such as query.answer() need the bot mounted on every nested object, and
            # only a round trip through the model does that (polling and webhooks mount it).
            update = Update.model_validate(update.model_dump(), context={"bot": bot})
        if len(self.update.outer_middleware) > self._own_outer:
            # Someone added an outer middleware: run the chain of them all, as aiogram would.
            data = {"dispatcher": self, **self.workflow_data, **kwargs, "bot": bot}
            return await self.update.wrap_outer_middleware(self._to_transport, update, data)
        return await self._to_transport(update)

    async def _to_transport(self, update: Update, **_: Any) -> None:
        if update.message is not None:
            await self.transport.on_message(update.message, update)
        elif update.callback_query is not None:
            await self.transport.on_callback(update.callback_query, update)


def build_dispatcher(transport: AiogramTransport) -> Dispatcher:
    return ConversationDispatcher(transport)


async def run_polling(
    conversation: Conversation,
    token: str,
    api_base: str | None = None,
    admin_ids: Iterable[int] = (),
    acknowledger: Acknowledger | None = None,
) -> None:
    """Poll until cancelled; a batch is confirmed only once all its updates are committed."""
    bot = build_bot(token, api_base)
    transport = AiogramTransport(conversation, bot)
    dispatcher = build_dispatcher(transport)
    acknowledger = acknowledger or Acknowledger()
    get_updates_timeout = int(bot.session.timeout + polling.POLL_TIMEOUT_SECONDS)

    async def fetch(offset: int | None) -> list[Update]:
        method = GetUpdates(
            offset=offset,
            timeout=polling.POLL_TIMEOUT_SECONDS,
            allowed_updates=list(polling.ALLOWED_UPDATES),
        )
        return await bot(method, request_timeout=get_updates_timeout)

    async def process(update: Update) -> None:
        await dispatcher.feed_update(bot, update)

    try:
        me = await bot.get_me()
        log.info("polling as @%s", me.username)
        # getUpdates is refused while a webhook is set; pending updates are kept.
        await bot.delete_webhook(drop_pending_updates=False)
        await polling.serve(
            fetch, lambda update: update.update_id, process, acknowledger, transport, admin_ids
        )
    finally:
        await bot.session.close()


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
    """Serve Telegram's webhook with aiohttp until cancelled (bot/webhook.py); `add_routes`
    adds more routes to the same server (health checks and metrics, bot/health.py)."""
    bot = build_bot(token, api_base)
    transport = AiogramTransport(conversation, bot)
    dispatcher = build_dispatcher(transport)
    acknowledger = acknowledger or Acknowledger()

    async def process(update: dict[str, Any]) -> None:
        await dispatcher.feed_raw_update(bot, update)

    try:
        await webhook.serve(
            bot, transport, process, url=url, secret=secret, host=host, port=port, path=path,
            admin_ids=admin_ids, acknowledger=acknowledger, add_routes=add_routes,
        )  # fmt: skip
    finally:
        await bot.session.close()
