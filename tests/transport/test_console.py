"""Typing a short conversation into the console transport (scripted fake conversation)."""

from __future__ import annotations

from bot.console import CONSOLE_USER_ID, OTHER_USER_ID, interactive, play
from flows.events import (
    Button,
    ButtonPress,
    Command,
    Event,
    Outgoing,
    Reply,
    SharedContact,
    Text,
    Unsupported,
)
from tests.transport.fakes import FakeConversation

AGREE = ((Button("Agree", "consent:yes"), Button("Decline", "consent:no")),)


def script(event: Event) -> list[Outgoing]:
    payload = event.payload
    chat = event.chat_id
    if isinstance(payload, Command) and payload.name == "start":
        return [Outgoing(chat, Reply(f"Welcome ({payload.arg})\nDo you agree?", buttons=AGREE))]
    if isinstance(payload, ButtonPress):
        return [
            Outgoing(chat, Reply(f"You chose {payload.token}", edit=True)),
            Outgoing(chat, Reply("Share your phone", contact_request="Share my number")),
        ]
    if isinstance(payload, SharedContact):
        if payload.owner_user_id != event.user_id:
            return [Outgoing(chat, Reply("That is not your own number"))]
        return [Outgoing(chat, Reply("Thanks", remove_keyboard=True), outbox_id=7)]
    return [Outgoing(chat, Reply(f"echo {type(payload).__name__}"))]


async def test_typed_conversation_reads_like_a_chat():
    conversation = FakeConversation(respond=script)
    transcript = await play(
        conversation,
        [
            "/start INV1",
            "#2",
            "##",
            "#9",
            "/contact_other +8613900000000",
            "/contact",
            "5000",
            "/sticker",
        ],
        locale="en",
    )
    assert transcript.splitlines() == [
        "you> /start INV1",
        "bot> Welcome (INV1)",
        "     Do you agree?",
        "     [1] Agree   [2] Decline",
        "you> #2",
        "bot (updated)> You chose consent:no",
        "bot> Share your phone",
        "     (Share my number: /contact +8613800138000)",
        "you> ##",
        "bot (updated)> You chose consent:no",
        "bot> Share your phone",
        "     (Share my number: /contact +8613800138000)",
        "you> #9",
        "     (no button 9 on screen)",
        "you> /contact_other +8613900000000",
        "bot> That is not your own number",
        "you> /contact",
        "bot> Thanks",
        "you> 5000",
        "bot> echo Text",
        "you> /sticker",
        "bot> echo Unsupported",
    ]
    payloads = [event.payload for event in conversation.events]
    assert payloads[0] == Command("start", "INV1")
    assert payloads[1] == payloads[2] == ButtonPress("consent:no", 1)
    assert payloads[3] == SharedContact("+8613900000000", OTHER_USER_ID)
    assert payloads[4] == SharedContact("+8613800138000", CONSOLE_USER_ID)
    assert payloads[5:] == [Text("5000"), Unsupported("sticker")]
    # one update id per input that reached the bot; "#9" did not
    assert [event.update_id for event in conversation.events] == [1, 2, 3, 4, 5, 6, 7]
    assert {event.language_code for event in conversation.events} == {"en"}
    assert conversation.delivered == [7]


async def test_chinese_locale_reports_a_chinese_client():
    conversation = FakeConversation()
    await play(conversation, ["你好"], locale="zh_CN")
    assert conversation.events[0].language_code == "zh-hans"


async def test_outbox_rows_appear_in_the_transcript_and_are_acknowledged():
    conversation = FakeConversation()
    conversation.outbox = [Outgoing(CONSOLE_USER_ID, Reply("Repayment due tomorrow"), outbox_id=3)]
    transcript = await play(conversation, ["hi"])
    assert transcript.splitlines()[-1] == "bot> Repayment due tomorrow"
    assert conversation.delivered == [3]


async def test_interactive_loop_shows_banner_and_stops_on_quit():
    conversation = FakeConversation()
    printed: list[str] = []

    async def typed():
        for line in ["hello", "/quit", "never sent"]:
            yield line

    await interactive(conversation, "en", lines=typed(), write=printed.append)
    assert "#N" in printed[0] and "/contact" in printed[0]
    assert [event.payload for event in conversation.events] == [Text("hello")]


async def test_a_toast_for_typed_input_has_nowhere_to_go_but_the_chat():
    def answer(event: Event) -> list[Outgoing]:
        return [Outgoing(event.chat_id, Reply("Noted.", toast=True))]

    transcript = await play(FakeConversation(respond=answer), ["hello"], locale="en")
    assert transcript.splitlines() == ["you> hello", "bot> Noted."]
