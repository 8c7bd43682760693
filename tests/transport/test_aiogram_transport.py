"""The real aiogram Dispatcher on real Update objects; a recording session instead of HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import Update

from bot.aiogram_transport import AiogramTransport, build_bot, build_dispatcher
from flows.events import (
    Button,
    ButtonPress,
    Command,
    Outgoing,
    Reply,
    SharedContact,
    Text,
    Unsupported,
)
from tests.transport import fakes
from tests.transport.fakes import USER_ID, FakeConversation

TOKEN = "42:TEST-token-for-recording-session-only"


class RecordingSession(BaseSession):
    """Records each Bot API call; answers like Telegram would, or with a queued error."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self.errors: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
        self._next_message_id = 500

    def fail_next(self, api_method: str, status: int, description: str, **params: Any) -> None:
        self.errors.setdefault(api_method, []).append((status, description, params))

    def named(self, api_method: str) -> list[Any]:
        return [call for call in self.calls if call.__api_method__ == api_method]

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        self.calls.append(method)
        name = method.__api_method__
        if self.errors.get(name):
            status, description, params = self.errors[name].pop(0)
            body = {"ok": False, "error_code": status, "description": description}
            if params:
                body["parameters"] = params
            return self.check_response(bot, method, status, json.dumps(body)).result
        result: Any = True
        if name in ("sendMessage", "editMessageText"):
            self._next_message_id += 1
            chat_id = getattr(method, "chat_id", USER_ID)
            result = fakes.sent_message_json(
                chat_id, self._next_message_id, getattr(method, "text", "")
            )
        elif name == "getMe":
            result = fakes.BOT_USER
        return self.check_response(
            bot, method, 200, json.dumps({"ok": True, "result": result})
        ).result

    async def close(self) -> None:
        pass

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        yield b""


@pytest.fixture
def session() -> RecordingSession:
    return RecordingSession()


@pytest.fixture
def conversation() -> FakeConversation:
    return FakeConversation()


@pytest.fixture
def stack(session: RecordingSession, conversation: FakeConversation):
    bot = Bot(TOKEN, session=session)
    transport = AiogramTransport(conversation, bot)
    return bot, build_dispatcher(transport), transport


async def feed(stack: Any, data: dict[str, Any]) -> None:
    bot, dispatcher, _ = stack
    await dispatcher.feed_update(bot, Update.model_validate(data, context={"bot": bot}))


# --- what the conversation receives ------------------------------------------------------


async def test_text_becomes_text_event_with_update_id_and_language(stack, conversation):
    await feed(stack, fakes.text_update("张三", update_id=7))
    [event] = conversation.events
    assert event.payload == Text("张三")
    assert (event.platform, event.user_id, event.chat_id) == ("telegram", USER_ID, USER_ID)
    assert event.update_id == 7
    assert event.language_code == "zh-hans"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start abc123", Command("start", "abc123")),
        ("/start@ChatLendBot abc123", Command("start", "abc123")),
        ("/Help", Command("help", "")),
        ("/ 5000", Text("/ 5000")),
    ],
)
async def test_commands_carry_their_deep_link_payload(stack, conversation, text, expected):
    await feed(stack, fakes.text_update(text))
    assert conversation.events[0].payload == expected


async def test_contact_carries_whose_contact_it_is(stack, conversation):
    await feed(stack, fakes.contact_update("+8613800138000", USER_ID, update_id=1))
    await feed(stack, fakes.contact_update("8613900000000", fakes.OTHER_USER_ID, update_id=2))
    await feed(stack, fakes.contact_update("+8613700000000", None, update_id=3))
    assert [event.payload for event in conversation.events] == [
        SharedContact("+8613800138000", USER_ID),
        SharedContact("8613900000000", fakes.OTHER_USER_ID),
        SharedContact("+8613700000000", None),
    ]


async def test_an_outer_middleware_on_the_dispatcher_sees_messages_and_presses(stack, conversation):
    # Messages and presses skip aiogram's router chain; an outer middleware is how an operator
    # adds logging or metrics to every update, so it must still run, around the conversation.
    _, dispatcher, _ = stack
    seen: list[tuple[int, int]] = []

    async def count(handler: Any, update: Any, data: dict[str, Any]) -> Any:
        seen.append((update.update_id, len(conversation.events)))
        result = await handler(update, data)
        seen.append((update.update_id, len(conversation.events)))
        return result

    dispatcher.update.outer_middleware(count)
    await feed(stack, fakes.text_update("hello", update_id=11))
    await feed(stack, fakes.callback_update("1:ok", update_id=12))
    assert seen == [(11, 0), (11, 1), (12, 1), (12, 2)]


async def test_sticker_is_unsupported(stack, conversation):
    await feed(stack, fakes.sticker_update())
    assert conversation.events[0].payload == Unsupported("sticker")


async def test_button_press_is_answered_and_carries_token_and_message(stack, conversation, session):
    await feed(stack, fakes.callback_update("c:agree:1", message_id=99))
    assert conversation.events[0].payload == ButtonPress("c:agree:1", 99)
    [answer] = session.named("answerCallbackQuery")
    assert answer.callback_query_id == "cb1"


async def test_a_pressed_keyboard_is_taken_off_its_message(stack, conversation, session):
    await feed(stack, fakes.callback_update("c:agree:1", message_id=99, with_keyboard=True))
    [removal] = session.named("editMessageReplyMarkup")
    assert (removal.message_id, removal.reply_markup) == (99, None)
    assert conversation.events[0].payload == ButtonPress("c:agree:1", 99)


async def test_button_press_is_answered_even_when_the_conversation_fails(stack, session):
    *_, transport = stack

    async def broken(event):
        raise RuntimeError("database down")

    transport.conversation.handle = broken
    with pytest.raises(RuntimeError):
        await feed(stack, fakes.callback_update("x"))
    assert session.named("answerCallbackQuery")


async def test_group_messages_are_ignored(stack, conversation, session):
    data = fakes.text_update("hello")
    data["message"]["chat"] = {"id": -100, "type": "group", "title": "g"}
    await feed(stack, data)
    assert conversation.events == []
    assert session.calls == []


# --- what is sent back ---------------------------------------------------------------------


async def test_inline_buttons_are_rendered_as_inline_keyboard(stack, conversation, session):
    buttons = ((Button("同意", "c:1:yes"), Button("拒绝", "c:1:no")),)
    conversation.respond = fakes.always(Outgoing(USER_ID, Reply("同意吗？", buttons=buttons)))
    await feed(stack, fakes.text_update("/start"))
    [sent] = session.named("sendMessage")
    assert sent.chat_id == USER_ID and sent.text == "同意吗？"
    rows = sent.reply_markup.inline_keyboard
    assert [[(b.text, b.callback_data) for b in row] for row in rows] == [
        [("同意", "c:1:yes"), ("拒绝", "c:1:no")]
    ]


async def test_contact_request_is_a_one_button_reply_keyboard(stack, conversation, session):
    conversation.respond = fakes.always(
        Outgoing(USER_ID, Reply("Share your phone", contact_request="Share my number"))
    )
    await feed(stack, fakes.text_update("x"))
    markup = session.named("sendMessage")[0].reply_markup
    [[button]] = markup.keyboard
    assert button.text == "Share my number" and button.request_contact is True
    assert markup.resize_keyboard and markup.one_time_keyboard


async def test_remove_keyboard(stack, conversation, session):
    conversation.respond = fakes.always(Outgoing(USER_ID, Reply("Thanks", remove_keyboard=True)))
    await feed(stack, fakes.contact_update("+8613800138000", USER_ID))
    assert session.named("sendMessage")[0].reply_markup.remove_keyboard is True


async def test_edit_reply_edits_the_pressed_message(stack, conversation, session):
    buttons = ((Button("Next", "n"),),)
    conversation.respond = fakes.always(
        Outgoing(USER_ID, Reply("Step 2", buttons=buttons, edit=True))
    )
    await feed(stack, fakes.callback_update("n", message_id=99))
    [edit] = session.named("editMessageText")
    assert (edit.chat_id, edit.message_id, edit.text) == (USER_ID, 99, "Step 2")
    assert edit.reply_markup.inline_keyboard[0][0].callback_data == "n"
    assert session.named("sendMessage") == []


async def test_failed_edit_falls_back_to_a_new_message(stack, conversation, session):
    conversation.respond = fakes.always(Outgoing(USER_ID, Reply("Step 2", edit=True)))
    session.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
    await feed(stack, fakes.callback_update("n", message_id=99))
    assert [call.text for call in session.named("sendMessage")] == ["Step 2"]


async def test_edit_on_a_typed_message_sends_new(stack, conversation, session):
    conversation.respond = fakes.always(Outgoing(USER_ID, Reply("Step 2", edit=True)))
    await feed(stack, fakes.text_update("5000"))
    assert session.named("editMessageText") == []
    assert len(session.named("sendMessage")) == 1


async def test_long_text_is_split_and_buttons_ride_on_the_last_piece(stack, conversation, session):
    paragraph = "还款计划 " * 300  # 1,500 characters
    text = "\n\n".join([paragraph] * 4)
    conversation.respond = fakes.always(
        Outgoing(USER_ID, Reply(text, buttons=((Button("OK", "ok"),),)))
    )
    await feed(stack, fakes.text_update("x"))
    sent = session.named("sendMessage")
    assert len(sent) == 2
    assert all(len(call.text) <= 4096 for call in sent)
    assert "".join(call.text for call in sent).replace("\n", "") == text.replace("\n", "")
    assert sent[0].reply_markup is None and sent[1].reply_markup is not None


# --- acknowledgement of outbox rows ---------------------------------------------------------


async def test_outbox_row_is_marked_delivered_after_send(stack, conversation, session):
    conversation.respond = fakes.always(
        Outgoing(USER_ID, Reply("Loan disbursed"), outbox_id=31),
        Outgoing(USER_ID, Reply("plain")),
    )
    await feed(stack, fakes.text_update("/confirm"))
    assert conversation.delivered == [31]
    assert conversation.failed == []


async def test_blocked_bot_marks_the_row_failed_with_a_reason(stack, conversation, session):
    conversation.respond = fakes.always(Outgoing(USER_ID, Reply("Reminder"), outbox_id=32))
    session.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await feed(stack, fakes.text_update("x"))
    assert conversation.delivered == []
    [(outbox_id, reason)] = conversation.failed
    assert outbox_id == 32 and "blocked" in reason
    assert "Reminder" not in reason


async def test_flood_wait_is_waited_out_and_retried_once(stack, conversation, session, monkeypatch):
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("bot.delivery.asyncio.sleep", no_sleep)
    conversation.respond = fakes.always(Outgoing(USER_ID, Reply("Hi"), outbox_id=33))
    session.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    await feed(stack, fakes.text_update("x"))
    assert waits == [3]
    assert len(session.named("sendMessage")) == 2
    assert conversation.delivered == [33]


async def test_due_outbox_rows_are_sent_and_acknowledged(stack, conversation, session):
    from bot.delivery import flush_outbox

    _, _, transport = stack
    conversation.outbox = [
        Outgoing(USER_ID, Reply("Repayment due tomorrow"), outbox_id=1),
        Outgoing(555, Reply("Broadcast"), outbox_id=2),
    ]
    session.fail_next("sendMessage", 400, "Bad Request: chat not found")
    assert await flush_outbox(conversation, transport.sender) == 2
    assert [f[0] for f in conversation.failed] == [1]
    assert conversation.delivered == [2]


# --- command menus and bot construction -----------------------------------------------------


async def test_command_menus_per_language_and_for_admins(stack, session):
    _, _, transport = stack
    await transport.set_command_menus(admin_ids=[9001])
    calls = session.named("setMyCommands")
    seen = {
        (call.scope.type, getattr(call.scope, "chat_id", None), call.language_code): [
            c.command for c in call.commands
        ]
        for call in calls
    }
    assert seen[("default", None, None)] == ["start", "help"]
    assert seen[("default", None, "zh")] == ["start", "help"]
    assert seen[("chat", 9001, "zh")] == ["start", "help", "stats"]
    assert seen[("chat", 9001, None)] == ["start", "help", "stats"]
    zh = next(c for c in calls if c.language_code == "zh" and c.scope.type == "default")
    assert zh.commands[0].description == "start (zh_CN)"


def test_custom_bot_api_server_is_used_for_requests():
    bot = build_bot(TOKEN, "http://localhost:8081/")
    assert bot.session.api.api_url(TOKEN, "getMe") == f"http://localhost:8081/bot{TOKEN}/getMe"


async def test_outbox_rows_of_another_platform_are_not_sent_to_telegram(
    stack, conversation, session
):
    from bot.delivery import flush_outbox

    *_, transport = stack
    conversation.outbox = [
        Outgoing(1001, Reply("console row"), outbox_id=5, platform="console"),
        Outgoing(USER_ID, Reply("telegram row"), outbox_id=6),
    ]
    await flush_outbox(conversation, transport.sender, platform="telegram")
    assert [call.chat_id for call in session.named("sendMessage")] == [USER_ID]
    assert conversation.delivered == [6]
    assert conversation.failed == [(5, "no console transport in this process")]


async def test_a_toast_reply_answers_the_button_press_instead_of_a_message(
    stack, conversation, session
):
    conversation.respond = fakes.always(
        Outgoing(USER_ID, Reply("Already done", toast=True), outbox_id=3),
        Outgoing(USER_ID, Reply("Home")),
    )
    await feed(stack, fakes.callback_update("n1", message_id=99))
    [answer] = session.named("answerCallbackQuery")
    assert answer.text == "Already done"
    assert [m.text for m in session.named("sendMessage")] == ["Home"]
    assert conversation.delivered == [3]
    # The same reply to typed text is a chat message: there is no press to answer.
    await feed(stack, fakes.text_update("hello", update_id=2))
    assert [m.text for m in session.named("sendMessage")] == ["Home", "Already done", "Home"]
