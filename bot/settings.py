"""Settings from the environment or a `.env` file.

A bad setting must stop the start with one line an operator can act on, so validators say
what is wrong and how to fix it, and never echo the value (it may be a secret).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger(__name__)

# Public on purpose: it only protects throw-away console data. Never used with a bot token.
DEV_PII_KEY = "Y2hhdGxlbmQtZGV2LWtleS1ub3QtYS1zZWNyZXQhISE="

_GENERATE_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(Exception):
    """One line naming the setting and what is wrong with it."""


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _check_url(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"must be an http(s) URL such as {name}")
    return value.rstrip("/")


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    database_url: str = "sqlite:///./chatlend.db"
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    operator_ids: Annotated[tuple[int, ...], NoDecode] = ()
    broadcast_rate: float = Field(default=25.0, gt=0, le=30)  # messages/s left to broadcasts
    pii_key: SecretStr | None = None
    telegram_api_base: str | None = None
    bot_username: str | None = None
    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    default_timezone: str = "Asia/Shanghai"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"
    # FULL: a commit survives a power cut (one fsync per group-commit batch). NORMAL survives a
    # crash of the process only, and is faster; choose it knowingly.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"

    # True when PII_KEY was absent and the public development key stands in (console only).
    pii_key_is_development: bool = Field(default=False, exclude=True)

    @field_validator(
        "bot_token",
        "pii_key",
        "telegram_api_base",
        "bot_username",
        "webhook_url",
        "webhook_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("database_url")
    @classmethod
    def _database_kind(cls, value: str) -> str:
        from storage.database import database_kind

        database_kind(value)  # raises ValueError with the accepted forms
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN.match(value.get_secret_value()):
            raise ValueError(
                "does not look like a bot token (expected 123456:ABC..., from @BotFather)"
            )
        return value

    @field_validator("admin_ids", "operator_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        parts = [part for part in re.split(r"[\s,;]+", value.strip().strip("[]")) if part]
        ids = []
        for part in parts:
            if not re.fullmatch(r"-?\d+", part):
                raise ValueError(
                    "must be Telegram user ids (integers) separated by commas, e.g. 12345,67890"
                )
            ids.append(int(part))
        return tuple(ids)

    @field_validator("pii_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _is_fernet_key(value.get_secret_value()):
            raise ValueError(
                "must be a urlsafe-base64 32-byte key (a Fernet key); "
                f"generate one with {_GENERATE_KEY}"
            )
        return value

    @field_validator("telegram_api_base")
    @classmethod
    def _api_base(cls, value: str | None) -> str | None:
        return _check_url(value, "http://localhost:8081")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        return _check_url(value, "https://bot.example.com/webhook")

    @field_validator("bot_username", mode="after")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.removeprefix("@")
        if not _USERNAME.match(value):
            raise ValueError("must be the bot's username, e.g. ChatLendBot (letters, digits, _)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_TOKEN.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("default_locale", mode="before")
    @classmethod
    def _locale(cls, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower().replace("-", "_")
            if lowered in ("zh", "zh_cn", "zh_hans"):
                return "zh_CN"
            if lowered.startswith("en"):
                return "en"
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper()
            if value not in _LOG_LEVELS:
                raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
        return value

    @model_validator(mode="after")
    def _pii_key_required_with_token(self) -> Settings:
        if self.pii_key is None:
            if self.bot_token is not None:
                raise ValueError(
                    f"PII_KEY is required when BOT_TOKEN is set; generate one with {_GENERATE_KEY}"
                )
            self.pii_key = SecretStr(DEV_PII_KEY)
            self.pii_key_is_development = True
        return self

    @property
    def pii_key_value(self) -> str:
        """The Fernet key as text (`Fernet(settings.pii_key_value)`)."""
        assert self.pii_key is not None  # set by the validator above
        return self.pii_key.get_secret_value()

    @property
    def bot_token_value(self) -> str:
        return self.bot_token.get_secret_value() if self.bot_token is not None else ""

    @property
    def webhook_path(self) -> str:
        return (urlparse(self.webhook_url).path or "/webhook") if self.webhook_url else "/webhook"


def describe_error(error: ValidationError) -> str:
    """One line for the operator: each failing setting by its environment name, and why."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        message = str(item.get("msg", "is invalid")).removeprefix("Value error, ")
        location = item.get("loc") or ()
        if location:
            name = str(location[0]).upper()
            problems.append(f"{name}: {message}")
        else:
            problems.append(message)
    return "invalid setting: " + "; ".join(problems)


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Read the settings or raise SettingsError with one clear line."""
    try:
        settings = Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as error:
        raise SettingsError(describe_error(error)) from None
    if settings.pii_key_is_development:
        log.warning(
            "PII_KEY is not set: using the public development key; console data is not protected"
        )
    return settings
