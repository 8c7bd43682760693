"""Telegram's rules for what a bot may send, as the Bot API answers them (pure functions).

Each check returns None when Telegram would accept, else the description Telegram gives with
its 400 answer, so the server can answer exactly as Telegram does.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_TOAST_CHARS = 200
MAX_BUTTON_TEXT = 64  # not documented as a hard limit; clients cut longer labels
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")

# Tags the Bot API's HTML parse mode understands.
_HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _EntityParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.error is None and tag not in _HTML_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.error is not None:
            return
        if not self.open or self.open[-1] != tag:
            self.error = f'Unmatched end tag "{tag}"'
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(text: str, parse_mode: str | None) -> tuple[str, str | None]:
    """The text a user sees after entity parsing, and the parse error if any."""
    if parse_mode is None or parse_mode == "":
        return text, None
    if parse_mode.upper() != "HTML":
        return text, None  # Markdown modes are not used by this bot; accept them as text
    if re.search(r"<(?![a-zA-Z/])", text):
        return text, "Can't parse entities: unexpected character '<'"
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    if parser.error is None and parser.open:
        parser.error = f'Can\'t find end tag corresponding to start tag "{parser.open[-1]}"'
    if parser.error is not None:
        return text, f"Can't parse entities: {parser.error}"
    return html.unescape("".join(parser.text)), None


def check_text(text: Any, parse_mode: str | None, limit: int = MAX_TEXT_UTF16) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return "Bad Request: message text is empty"
    visible, error = visible_text(text, parse_mode)
    if error is not None:
        return f"Bad Request: {error}"
    if not visible.strip():
        return "Bad Request: message text is empty"
    if utf16_len(visible) > limit:
        return "Bad Request: message is too long"
    return None


def check_markup(markup: Any) -> str | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        return "Bad Request: can't parse reply keyboard markup JSON object"
    if "inline_keyboard" in markup:
        for row in markup["inline_keyboard"]:
            for button in row:
                if not str(button.get("text", "")).strip():
                    return "Bad Request: text buttons are unallowed in the inline keyboard"
                data = button.get("callback_data")
                if data is not None and len(str(data).encode()) > MAX_CALLBACK_DATA_BYTES:
                    return "Bad Request: BUTTON_DATA_INVALID"
                if data is None and "url" not in button:
                    return "Bad Request: can't parse inline keyboard button"
    elif "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                label = button.get("text") if isinstance(button, dict) else button
                if not str(label or "").strip():
                    return "Bad Request: keyboard button text is empty"
    return None


def check_toast(text: Any) -> str | None:
    if text is not None and len(str(text)) > MAX_TOAST_CHARS:
        return "Bad Request: MESSAGE_TOO_LONG"
    return None


def check_commands(commands: Any) -> str | None:
    if not isinstance(commands, list) or len(commands) > 100:
        return "Bad Request: too many commands"
    for command in commands:
        if not _COMMAND_NAME.match(str(command.get("command", ""))):
            return "Bad Request: BOT_COMMAND_INVALID"
        description = str(command.get("description", ""))
        if not 1 <= len(description) <= 256:
            return "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
    return None
