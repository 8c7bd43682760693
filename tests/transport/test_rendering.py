"""The neutral pieces both Telegram transports share."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.rendering import can_edit, markup_for, parse_text, plan_messages, split_text, utf16_len
from flows.events import Button, Command, Reply, Text


def test_command_parsing():
    assert parse_text("/start") == Command("start", "")
    assert parse_text("/START@ChatLendBot  abc ") == Command("start", "abc")
    assert parse_text("/repay 500 now") == Command("repay", "500 now")
    assert parse_text("/张三") == Text("/张三")
    assert parse_text("5000") == Text("5000")


def test_emoji_count_double_and_are_never_cut():
    text = "😀" * 3000  # 6,000 UTF-16 units
    pieces = split_text(text)
    assert [utf16_len(p) for p in pieces] == [4096, 1904]
    assert "".join(pieces) == text


def test_split_prefers_line_boundaries():
    lines = [f"第{i}期 还款 ¥1,234.56" for i in range(400)]
    pieces = split_text("\n".join(lines))
    assert len(pieces) > 1
    assert all(piece.split("\n")[-1] in lines for piece in pieces)


@given(st.text(min_size=0, max_size=12_000))
def test_split_never_exceeds_the_limit_or_loses_text(text):
    pieces = split_text(text)
    assert all(utf16_len(piece) <= 4096 for piece in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_markup_decisions():
    buttons = ((Button("A", "a"),),)
    assert markup_for(Reply("x", buttons=buttons)).kind == "inline"
    assert markup_for(Reply("x", contact_request="Share")).kind == "contact"
    assert markup_for(Reply("x", remove_keyboard=True)).kind == "remove"
    assert markup_for(Reply("x")).kind == "none"
    assert can_edit(Reply("x", buttons=buttons, edit=True))
    assert not can_edit(Reply("x", contact_request="Share", edit=True))
    assert not can_edit(Reply("x" * 5000, edit=True))
    assert [m.kind for _, m in plan_messages(Reply("y" * 5000, buttons=buttons))] == [
        "none",
        "inline",
    ]
