"""The scripted demo, read the way a careful person reads it: every amount in the one money
format of their language, and English screens in English."""

from __future__ import annotations

import asyncio
import re
import tempfile
from functools import cache
from pathlib import Path

import pytest

from bot.console import play
from bot.demo import DEMO_SCRIPT
from flows.config import FlowConfig
from flows.i18n import FEN_PER_YUAN, texts
from tests.flows.harness import Harness

# What Texts.money produces, per locale; anything else that looks like money is a stray format.
MONEY = {
    "en": re.compile(r"CN¥(\d{1,3}(?:,\d{3})*\.\d{2})"),
    "zh_CN": re.compile(r"¥(\d{1,3}(?:,\d{3})*\.\d{2})"),
}
STRAY_MONEY = re.compile(r"[¥￥$]|CNY|RMB|\d\s*(?:元|yuan)", re.IGNORECASE)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
# Chinese an English reader may still see: the language's own name on the language switch,
# and the name the demo person typed, shown back on the review screen.
CHINESE_ALLOWED_IN_ENGLISH = {"中文", "张三"}


async def _play_demo(locale: str) -> str:
    with tempfile.TemporaryDirectory(prefix="chatlend-demo-test-") as directory:
        bot = Harness(Path(directory) / "demo.db", config=FlowConfig(default_locale=locale))
        try:
            invite = await bot.invite(uses=1, inviter="demo")
            lines = [line.format(invite=invite) for line in DEMO_SCRIPT]
            return await play(bot.engine, lines, locale)
        finally:
            await bot.close()


@cache
def bot_text(locale: str) -> str:
    """What the bot wrote in the demo (the person's own lines left out)."""
    transcript = asyncio.run(_play_demo(locale))
    return "\n".join(line for line in transcript.splitlines() if not line.startswith("you>"))


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_amount_on_every_screen_is_formatted_by_the_one_money_function(locale: str) -> None:
    text = bot_text(locale)
    amounts = MONEY[locale].findall(text)
    assert len(amounts) > 50  # the demo shows limits, options, a schedule, receipts
    for amount in amounts:
        fen = round(float(amount.replace(",", "")) * FEN_PER_YUAN)
        assert MONEY[locale].fullmatch(texts(locale).money(fen))
    leftover = MONEY[locale].sub("", text)
    assert STRAY_MONEY.findall(leftover) == []


def test_english_screens_carry_no_chinese() -> None:
    found = set(CJK.findall(bot_text("en"))) - CHINESE_ALLOWED_IN_ENGLISH
    assert found == set()
