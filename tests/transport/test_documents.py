"""A reply with a document (the data export) is rendered by every transport: text, then file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from telegram import Update as PTBUpdate

from bot.aiogram_transport import AiogramTransport, build_dispatcher
from bot.console import play
from bot.ptb_transport import PTBTransport, build_application
from flows.events import Document, Outgoing, Reply
from tests.transport import fakes
from tests.transport.fakes import USER_ID, FakeConversation
from tests.transport.test_aiogram_transport import TOKEN, RecordingSession
from tests.transport.test_ptb_transport import RecordingRequest

EXPORT = Reply("Your data", document=Document("my-data.json", b'{"summary": []}'))


class DocumentSession(RecordingSession):
    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if method.__api_method__ != "sendDocument":
            return await super().make_request(bot, method, timeout)
        self.calls.append(method)
        message = fakes.sent_message_json(USER_ID, 900)
        return self.check_response(
            bot, method, 200, json.dumps({"ok": True, "result": message})
        ).result


async def test_aiogram_sends_the_text_then_the_document() -> None:
    session = DocumentSession()
    bot = Bot(TOKEN, session=session)
    conversation = FakeConversation(respond=fakes.always(Outgoing(USER_ID, EXPORT)))
    dispatcher = build_dispatcher(AiogramTransport(conversation, bot))
    update = fakes.text_update("/privacy")
    await dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
    assert [c.__api_method__ for c in session.calls] == ["sendMessage", "sendDocument"]
    sent: Any = session.calls[1]
    assert sent.document.filename == "my-data.json" and sent.document.data == b'{"summary": []}'


class DocumentRequest(RecordingRequest):
    async def do_request(self, url: str, method: str, request_data: Any = None, *a: Any, **k: Any):
        if not url.endswith("/sendDocument"):
            return await super().do_request(url, method, request_data, *a, **k)
        self.calls.append(("sendDocument", request_data.multipart_data if request_data else {}))
        message = fakes.sent_message_json(USER_ID, 900)
        return 200, json.dumps({"ok": True, "result": message}).encode()


async def test_ptb_sends_the_text_then_the_document() -> None:
    request = DocumentRequest()
    application = build_application(TOKEN, request=request)
    conversation = FakeConversation(respond=fakes.always(Outgoing(USER_ID, EXPORT)))
    PTBTransport(conversation, application)
    async with application:
        request.calls.clear()
        update = PTBUpdate.de_json(fakes.text_update("/privacy"), application.bot)
        await application.process_update(update)
    assert [name for name, _ in request.calls] == ["sendMessage", "sendDocument"]
    _, parts = request.calls[1]
    assert any(b'{"summary": []}' in bytes(part[1]) for part in parts.values())


async def test_console_writes_the_document_to_a_file_and_prints_where() -> None:
    conversation = FakeConversation(respond=fakes.always(Outgoing(1001, EXPORT)))
    transcript = await play(conversation, ["/privacy"], locale="en")
    [path] = re.findall(r"bot> \[file\] (\S+)", transcript)
    assert Path(path).name == "my-data.json"
    assert Path(path).read_bytes() == b'{"summary": []}'
