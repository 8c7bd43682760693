"""run_bot.py's commands with a stand-in for bot.wiring (the real engine is tested in flows)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

import run_bot
from bot import demo
from tests.transport.fakes import FakeConversation


@pytest.fixture
def wiring(monkeypatch, tmp_path):
    """A fake bot.wiring module; records what run_bot asked of it."""
    calls: dict[str, Any] = {"invites": [], "closed": 0, "settings": []}
    module = types.ModuleType("bot.wiring")

    async def build_conversation(settings):
        calls["settings"].append(settings)
        return FakeConversation()

    async def create_invite(settings, uses, days, inviter="operator"):
        calls["invites"].append((uses, days, inviter))
        return "INVITE-CODE_123"

    async def close(conversation):
        calls["closed"] += 1

    module.build_conversation = build_conversation  # type: ignore[attr-defined]
    module.create_invite = create_invite  # type: ignore[attr-defined]
    module.close = close  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.wiring", module)
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "PII_KEY", "BOT_USERNAME", "DEFAULT_LOCALE"):
        monkeypatch.delenv(name, raising=False)
    return calls


def test_invite_prints_code_and_deep_link(wiring, monkeypatch, capsys):
    monkeypatch.setenv("BOT_USERNAME", "ChatLendBot")
    assert run_bot.main(["invite", "--uses", "10", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "INVITE-CODE_123" in out
    assert "https://t.me/ChatLendBot?start=INVITE-CODE_123" in out
    assert wiring["invites"] == [(10, 7, "operator")]


def test_invite_without_username_says_how_to_set_it(wiring, capsys):
    assert run_bot.main(["invite", "--uses", "1", "--days", "1"]) == 0
    out = capsys.readouterr().out
    assert "https://t.me/<your_bot_username>?start=INVITE-CODE_123" in out
    assert "BOT_USERNAME" in out


def test_demo_plays_each_language_on_its_own_database(wiring, monkeypatch, capsys):
    monkeypatch.setattr(demo, "DEMO_SCRIPT", ["/start {invite}", "hello"])
    assert run_bot.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "demo (zh_CN)" in out and "demo (en)" in out
    assert out.count("you> /start INVITE-CODE_123") == 2
    urls = {settings.database_url for settings in wiring["settings"]}
    assert len(urls) == 2 and all("chatlend-demo-" in url for url in urls)
    assert [s.default_locale for s in wiring["settings"]] == ["zh_CN", "en"]
    assert wiring["closed"] == 2


def test_mode_selection():
    from bot.settings import load_settings

    console = load_settings(env_file=None)
    assert run_bot.pick_mode(console, None) == "console"
    telegram = load_settings(
        env_file=None,
        bot_token="123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678",
        pii_key="bXktdGVzdC1rZXktb2YtZXhhY3RseS0zMi1ieXRlcyE=",
    )
    assert run_bot.pick_mode(telegram, None) == "polling"
    assert run_bot.pick_mode(telegram, None, ptb=True) == "polling"
    hooked = load_settings(
        env_file=None,
        bot_token="123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678",
        pii_key="bXktdGVzdC1rZXktb2YtZXhhY3RseS0zMi1ieXRlcyE=",
        webhook_url="https://bot.example.com/hook",
        webhook_secret="s3cret",
    )
    assert run_bot.pick_mode(hooked, "webhook", ptb=True) == "webhook"
    assert run_bot.pick_mode(telegram, "console") == "console"


def test_a_rejected_token_is_one_line_not_a_traceback():
    from aiogram.exceptions import TelegramUnauthorizedError
    from aiogram.methods import GetMe
    from telegram.error import InvalidToken

    from bot.settings import load_settings

    settings = load_settings(env_file=None)
    for error in (TelegramUnauthorizedError(GetMe(), "Unauthorized"), InvalidToken()):
        problem = run_bot._startup_problem(error, settings)
        assert problem is not None and "BOT_TOKEN was rejected" in problem
    assert run_bot._startup_problem(RuntimeError("bug"), settings) is None
