"""What an operator sees when a setting is wrong, and what the CLI prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import DEV_PII_KEY, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678"
KEY = "bXktdGVzdC1rZXktb2YtZXhhY3RseS0zMi1ieXRlcyE="  # 32 bytes


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.upper() in {
            "BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS", "PII_KEY", "TELEGRAM_API_BASE",
            "BOT_USERNAME", "DEFAULT_LOCALE", "DEFAULT_TIMEZONE", "WEBHOOK_URL",
            "WEBHOOK_SECRET", "WEBHOOK_HOST", "WEBHOOK_PORT", "LOG_LEVEL",
        }:  # fmt: skip
            monkeypatch.delenv(name)


def load(**env: str):
    return load_settings(env_file=None, **{k.lower(): v for k, v in env.items()})


def error_of(**env: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load(**env)
    return str(caught.value)


def test_defaults_run_the_console_with_a_development_key(caplog):
    settings = load()
    assert settings.bot_token is None
    assert settings.database_url == "sqlite:///./chatlend.db"
    assert settings.default_locale == "zh_CN" and settings.default_timezone == "Asia/Shanghai"
    assert settings.pii_key_value == DEV_PII_KEY and settings.pii_key_is_development
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "development key" in warnings[0].getMessage()


def test_missing_pii_key_with_a_token_is_one_clear_line():
    message = error_of(BOT_TOKEN=TOKEN)
    assert "PII_KEY is required when BOT_TOKEN is set" in message
    assert "\n" not in message
    assert TOKEN not in message


@pytest.mark.parametrize("value", ["1,x", "12; abc", "1.5"])
def test_malformed_admin_ids_is_one_clear_line(value):
    message = error_of(ADMIN_IDS=value)
    assert message.startswith("invalid setting: ADMIN_IDS")
    assert "(integers) separated by commas" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1,2", (1, 2)), (" 1 , 2 ,", (1, 2)), ("[5, 6]", (5, 6)), ("7 8", (7, 8)), ("", ())],
)
def test_admin_ids_parse_robustly(value, expected):
    assert load(ADMIN_IDS=value).admin_ids == expected


def test_a_real_configuration(monkeypatch):
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("PII_KEY", KEY)
    monkeypatch.setenv("ADMIN_IDS", "42")
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    monkeypatch.setenv("TELEGRAM_API_BASE", "http://localhost:8081/")
    monkeypatch.setenv("BOT_USERNAME", "@ChatLendBot")
    settings = load_settings(env_file=None)
    assert settings.bot_token_value == TOKEN and settings.pii_key_value == KEY
    assert not settings.pii_key_is_development
    assert settings.admin_ids == (42,)
    assert settings.telegram_api_base == "http://localhost:8081"
    assert settings.bot_username == "ChatLendBot"
    assert TOKEN not in repr(settings) and KEY not in repr(settings)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"PII_KEY": "short"}, "PII_KEY"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
        ({"BOT_TOKEN": "not-a-token", "PII_KEY": KEY}, "BOT_TOKEN"),
        ({"WEBHOOK_PORT": "http"}, "WEBHOOK_PORT"),
        ({"TELEGRAM_API_BASE": "botapi.internal:9999"}, "TELEGRAM_API_BASE"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "mysql://bot:hunter2@db/chatlend"}, "DATABASE_URL"),
    ],
)
def test_each_bad_setting_is_named(env, names):
    message = error_of(**env)
    assert names in message and "\n" not in message
    for value in env.values():
        if len(value) > 6:
            assert value not in message  # secrets are never echoed


def test_dotenv_file_is_read(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("ADMIN_IDS=3,4\nDEFAULT_LOCALE=en\n")
    settings = load_settings(env_file=env_file)
    assert settings.admin_ids == (3, 4) and settings.default_locale == "en"


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k.upper() not in {"BOT_TOKEN", "PII_KEY"}}
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        cwd=tmp_path,  # no .env of the developer's
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_with_a_bad_setting_exits_2_with_one_line(tmp_path):
    result = run_cli(tmp_path, ADMIN_IDS="1,two")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "ADMIN_IDS" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_cli_refuses_a_webhook_without_its_settings(tmp_path):
    result = run_cli(tmp_path, "--webhook", BOT_TOKEN=TOKEN, PII_KEY=KEY)
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "chatlend: invalid setting: WEBHOOK_URL is required for --webhook"
    )


def test_cli_rejects_a_nonsense_invite_quota(tmp_path):
    result = run_cli(tmp_path, "invite", "--uses", "0")
    assert result.returncode == 2 and "at least 1" in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"), [("CN", ("CN",)), ("cn, HK", ("CN", "HK")), ("", ("CN",))]
)
def test_accepted_phone_regions_reach_the_conversation(monkeypatch, value, expected):
    from bot.wiring import flow_config

    monkeypatch.setenv("ACCEPTED_PHONE_REGIONS", value)
    assert flow_config(load()).phone_regions == expected


@pytest.mark.parametrize("value", ["China", "CN,XX", "1"])
def test_an_unknown_phone_region_is_one_clear_line(value):
    message = error_of(ACCEPTED_PHONE_REGIONS=value)
    assert message.startswith("invalid setting: ACCEPTED_PHONE_REGIONS")
    assert "ISO 3166 region codes" in message and "\n" not in message
