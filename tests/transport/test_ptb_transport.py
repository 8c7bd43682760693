"""The same checks over python-telegram-bot: a real Application, a recording BaseRequest."""

from __future__ import annotations

import json
from typing import Any

import pytest
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.ptb_transport import PTBTransport, build_application
from flows.events import Button, ButtonPress, Command, Outgoing, Reply, SharedContact, Unsupported
from tests.transport import fakes
from tests.transport.fakes import USER_ID, FakeConversation

TOKEN = "42:TEST-token-for-recording-request-only"


class RecordingRequest(BaseRequest):
    """Records (method, parameters) and answers with canned Bot API JSON."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._next_message_id = 500

    def fail_next(self, method: str, status: int, description: str, **params: Any) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if params:
            body["parameters"] = params
        self.errors.setdefault(method, []).append((status, body))

    def named(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kw: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        self.calls.append((name, params))
        if self.errors.get(name):
            status, body = self.errors[name].pop(0)
            return status, json.dumps(body).encode()
        result: Any = True
        if name == "getMe":
            result = fakes.BOT_USER
        elif name in ("sendMessage", "editMessageText"):
            self._next_message_id += 1
            chat_id = int(str(params.get("chat_id", USER_ID)))
            result = fakes.sent_message_json(chat_id, self._next_message_id, str(params["text"]))
        return 200, json.dumps({"ok": True, "result": result}).encode()


@pytest.fixture
def request_() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
def conversation() -> FakeConversation:
    return FakeConversation()


@pytest.fixture
async def app(request_: RecordingRequest, conversation: FakeConversation):
    application = build_application(TOKEN, request=request_)
    transport = PTBTransport(conversation, application)
    async with application:
        request_.calls.clear()  # getMe from initialize
        yield application, transport


async def feed(app: Any, data: dict[str, Any]) -> None:
    application, _ = app
    await application.process_update(Update.de_json(data, application.bot))


async def test_events_built_like_the_aiogram_transport(app, conversation):
    await feed(app, fakes.text_update("/start@ChatLendBot abc123", update_id=5))
    await feed(app, fakes.contact_update("+8613800138000", fakes.OTHER_USER_ID, update_id=6))
    await feed(app, fakes.sticker_update(update_id=7))
    assert [e.payload for e in conversation.events] == [
        Command("start", "abc123"),
        SharedContact("+8613800138000", fakes.OTHER_USER_ID),
        Unsupported("sticker"),
    ]
    assert [e.update_id for e in conversation.events] == [5, 6, 7]
    assert conversation.events[0].language_code == "zh-hans"


async def test_button_press_is_answered_and_edits_the_message(app, conversation, request_):
    conversation.respond = fakes.always(
        Outgoing(USER_ID, Reply("Step 2", buttons=((Button("Next", "n2"),),), edit=True))
    )
    await feed(app, fakes.callback_update("n1", message_id=99))
    assert conversation.events[0].payload == ButtonPress("n1", 99)
    assert request_.named("answerCallbackQuery")
    [edit] = request_.named("editMessageText")
    assert (edit["message_id"], edit["text"]) == (99, "Step 2")
    assert edit["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "n2"


async def test_a_pressed_keyboard_is_taken_off_its_message(app, conversation, request_):
    await feed(app, fakes.callback_update("n1", message_id=99, with_keyboard=True))
    [removal] = request_.named("editMessageReplyMarkup")
    assert removal["message_id"] == 99 and "inline_keyboard" not in str(
        removal.get("reply_markup", "")
    )
    assert conversation.events[0].payload == ButtonPress("n1", 99)


async def test_failed_edit_falls_back_to_new_message(app, conversation, request_):
    conversation.respond = fakes.always(Outgoing(USER_ID, Reply("Step 2", edit=True)))
    request_.fail_next("editMessageText", 400, "Bad Request: message is not modified")
    await feed(app, fakes.callback_update("n1", message_id=99))
    assert [p["text"] for p in request_.named("sendMessage")] == ["Step 2"]


async def test_keyboards(app, conversation, request_):
    replies = iter(
        [
            Reply("Choose", buttons=((Button("A", "a"), Button("B", "b")),)),
            Reply("Share your phone", contact_request="Share my number"),
            Reply("Thanks", remove_keyboard=True),
        ]
    )
    conversation.respond = lambda event: [Outgoing(USER_ID, next(replies))]
    for update_id in (1, 2, 3):
        await feed(app, fakes.text_update("x", update_id=update_id))
    inline, contact, remove = (p["reply_markup"] for p in request_.named("sendMessage"))
    assert [b["callback_data"] for b in inline["inline_keyboard"][0]] == ["a", "b"]
    assert contact["keyboard"] == [[{"text": "Share my number", "request_contact": True}]]
    assert contact["one_time_keyboard"] and contact["resize_keyboard"]
    assert remove == {"remove_keyboard": True}


async def test_long_text_is_split(app, conversation, request_):
    conversation.respond = fakes.always(Outgoing(USER_ID, Reply("x" * 5000)))
    await feed(app, fakes.text_update("x"))
    assert [len(p["text"]) for p in request_.named("sendMessage")] == [4096, 904]


async def test_outbox_acknowledgement(app, conversation, request_):
    conversation.respond = fakes.always(
        Outgoing(USER_ID, Reply("Loan disbursed"), outbox_id=1),
        Outgoing(USER_ID, Reply("Reminder"), outbox_id=2),
    )
    request_.fail_next(
        "sendMessage",
        403,
        "Forbidden: bot was blocked by the user",
    )
    await feed(app, fakes.text_update("x"))
    assert conversation.failed and conversation.failed[0][0] == 1
    assert "blocked" in conversation.failed[0][1]
    assert conversation.delivered == [2]


async def test_command_menus(app, request_):
    _, transport = app
    await transport.set_command_menus(admin_ids=[9001])
    calls = request_.named("setMyCommands")
    assert len(calls) == 4
    assert {c.get("language_code") for c in calls} == {None, "zh"}
    admin = [c for c in calls if c["scope"]["type"] == "chat"]
    assert {c["scope"]["chat_id"] for c in admin} == {9001}
    assert all(cmd["command"] != "stats" for c in calls if c not in admin for cmd in c["commands"])


async def test_a_toast_reply_answers_the_button_press_instead_of_a_message(
    app, conversation, request_
):
    conversation.respond = fakes.always(Outgoing(USER_ID, Reply("Already done", toast=True)))
    await feed(app, fakes.callback_update("n1", message_id=99))
    [answer] = request_.named("answerCallbackQuery")
    assert answer["text"] == "Already done"
    assert request_.named("sendMessage") == []


async def test_staff_menus_through_ptb_are_scoped_to_their_chat_and_language(app, request_):
    """The staff-menu loop's adapter on PTB: a role's menu reaches that chat only."""
    from bot.ptb_transport import PtbMenuApi

    application, _ = app
    api = PtbMenuApi(application)
    await api.set_chat_menu(9002, [("review", "Review queue")], "zh")
    await api.delete_chat_menu(9002, None)
    [published] = request_.named("setMyCommands")
    assert published["scope"] == {"type": "chat", "chat_id": 9002}
    assert published["language_code"] == "zh"
    assert [c["command"] for c in published["commands"]] == ["review"]
    [deleted] = request_.named("deleteMyCommands")
    assert deleted["scope"] == {"type": "chat", "chat_id": 9002}
    assert "language_code" not in deleted
