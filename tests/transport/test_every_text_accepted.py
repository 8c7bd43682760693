"""Every text the bot can send, in both languages, goes through each library's sender to the
loopback Bot API server and is accepted: nothing over 4,096 characters, no parse error.

The catalog's messages are filled in with long values, and free text the bot repeats (an
answer, a reason, a broadcast's text) with 10,000 characters, the echo of a bad answer of that
size: delivery splits what Telegram would refuse. The screens built of several messages (the
longest schedule among them) are the journey's (test_journey_everywhere.py), which also
asserts that Telegram refused nothing.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import aiogram_transport, ptb_transport
from bot.delivery import render
from bot.rendering import MAX_MESSAGE_UTF16, utf16_len
from flows.events import Outgoing, Reply
from tests.botapi.client import TelegramUser
from tests.botapi.server import BotAPIServer

LOCALES = Path(__file__).resolve().parents[2] / "locales"
CHAT = 4242
ECHO = "x" * 10_000  # a bad answer of 10,000 characters, repeated back
FREE_TEXT = {"text", "answer", "reason", "reasons", "note", "question", "name", "user"}
LONG_VALUE = "CN¥40,000,000.00"


def _fill(field: str) -> str:
    return ECHO if field in FREE_TEXT else LONG_VALUE


def catalog_texts(locale: str) -> Iterator[str]:
    """Every message of the catalogs as that locale shows it, placeholders filled."""
    for domain in ("messages", "risk"):
        with open(LOCALES / locale / "LC_MESSAGES" / f"{domain}.po", "rb") as po:
            catalog = read_po(po)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            shown: list[str] = [str(s) for s in strings if s] or [str(i) for i in ids]
            for text in shown:
                fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
                yield text.format_map({field: _fill(field) for field in fields})


@pytest.mark.parametrize("library", ["aiogram", "ptb"])
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
async def test_every_catalog_text_is_accepted_by_telegram(library, locale):
    texts = list(catalog_texts(locale))
    assert len(texts) > 400  # the whole catalog, not a slice of it
    assert any(utf16_len(text) > MAX_MESSAGE_UTF16 for text in texts)  # splitting is tested
    async with BotAPIServer(chat_rate=10_000, chat_burst=10_000, bot_rate=10_000) as server:
        TelegramUser(server, CHAT)
        if library == "aiogram":
            bot = aiogram_transport.build_bot(server.token, server.base)
            sender = aiogram_transport.AiogramSender(bot)
            try:
                for text in texts:
                    await render(sender, Outgoing(CHAT, Reply(text)))
            finally:
                await bot.session.close()
        else:
            application = ptb_transport.build_application(server.token, server.base)
            async with application:
                ptb_sender = ptb_transport.PTBSender(application)
                for text in texts:
                    await render(ptb_sender, Outgoing(CHAT, Reply(text)))
        assert server.refused == []
        sent = [params["text"] for name, params in server.calls if name == "sendMessage"]
        # Each text arrived whole, in order (split where it had to be).
        assert "".join(sent).replace("\n", "") == "".join(texts).replace("\n", "")
