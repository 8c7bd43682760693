"""Telegram through python-telegram-bot 22: the same conversation, rendered the same way.

Reading updates, planning replies and delivery are shared with the aiogram transport
(bot/rendering.py, bot/delivery.py), and so are long polling and the webhook server
(bot/polling.py, bot/webhook.py): the Application is built without PTB's Updater (its custom-
server pattern) and each update goes through `Application.process_update`, so PTB's handlers
run as usual but an update is acknowledged only once it is committed.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
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
from telegram.warnings import PTBUserWarning

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
from bot.ptb_aiohttp import AiohttpRequest
from bot.rendering import (
    Markup,
    event_from_callback,
    event_from_message,
    inline_rows,
    markup_json,
)
from flows.events import Conversation, Document

log = logging.getLogger(__name__)

# PTB suggests send_message whenever do_api_request names a method it has; PTBSender.send
# calls it that way on purpose (see there).
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.send_message'", category=PTBUserWarning
)

PLATFORM = "telegram"


def inline_markup(markup: Markup) -> InlineKeyboardMarkup | None:
    """Inline buttons as PTB objects, for an edit (an edit shows no other keyboard; a send
    takes the markup as JSON, rendering.markup_json)."""
    if markup.kind != "inline":
        return None
    return InlineKeyboardMarkup(
        inline_rows(
            markup.buttons,
            lambda button: InlineKeyboardButton(button.label, callback_data=button.token),
        )
    )


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
        # Through do_api_request, with the markup as plain JSON: the answer stays JSON
        # (`send_message` would build a Message of it, a third of a step's CPU here, for the
        # one field delivery needs), and no markup object is built to be turned back into JSON.
        with neutral_errors(ERRORS):
            sent = await self.application.bot.do_api_request(
                "send_message",
                api_kwargs={"chat_id": chat_id, "text": text, "reply_markup": markup_json(markup)},
            )
        return int(sent["message_id"])

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
        with neutral_errors(ERRORS, editing=True):
            await self.application.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=inline_markup(markup)
            )


def broadcast_api(application: Application) -> LibraryBroadcastApi:
    bot = application.bot

    async def send(chat_id: int, text: str) -> int:
        return (await bot.send_message(chat_id, text, parse_mode=None)).message_id

    async def edit(chat_id: int, message_id: int, text: str) -> None:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode=None)

    return LibraryBroadcastApi(send, edit, ERRORS)


class PtbMenuApi:
    """Chat-scoped staff menus through PTB (bot.staff_menus.MenuApi)."""

    def __init__(self, application: Application) -> None:
        self.bot = application.bot

    async def set_chat_menu(
        self, chat_id: int, commands: list[tuple[str, str]], language_code: str | None
    ) -> None:
        await self.bot.set_my_commands(
            [BotCommand(name, text) for name, text in commands],
            scope=BotCommandScopeChat(chat_id),
            language_code=language_code,
        )

    async def delete_chat_menu(self, chat_id: int, language_code: str | None) -> None:
        await self.bot.delete_my_commands(
            scope=BotCommandScopeChat(chat_id), language_code=language_code
        )


class PTBTransport:
    def __init__(self, conversation: Conversation, application: Application) -> None:
        self.conversation = conversation
        self.application = application
        self.sender = PTBSender(application)
        self._background = BackgroundWork()
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
        shown = getattr(query.message, "reply_markup", None) is not None
        await handle_and_deliver(
            self.conversation, self.sender, event, answer, keyboard_shown=shown
        )

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
        self._background.start(
            self.conversation,
            self.sender,
            PLATFORM,
            broadcast_api(self.application),
            PtbMenuApi(self.application),
            admin_ids,
        )

    async def stop_background(self) -> None:
        await self._background.stop()


def build_application(
    token: str,
    api_base: str | None = None,
    request: BaseRequest | None = None,
) -> Application:
    """`request` replaces our HTTP client (bot/ptb_aiohttp.py; tests pass a recording one).
    No Updater: polling and the webhook are ours (see the module docstring)."""
    builder = ApplicationBuilder().token(token).updater(None)
    if api_base:
        builder = builder.base_url(f"{api_base}/bot").base_file_url(f"{api_base}/file/bot")
    if request is not None:
        return builder.request(request).get_updates_request(request).build()
    return builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(1)).build()


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
        await polling.serve(
            fetch,
            lambda update: update.update_id,
            application.process_update,
            acknowledger,
            transport,
            admin_ids,
        )


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

    async with application:
        await webhook.serve(
            application.bot, transport, process, url=url, secret=secret, host=host, port=port,
            path=path, admin_ids=admin_ids, acknowledger=acknowledger, add_routes=add_routes,
        )  # fmt: skip
