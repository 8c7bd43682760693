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
    # Processes running this bot at once (webhook replicas): each sends its share of the rates.
    bot_processes: int = Field(default=1, ge=1, le=64)
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
    # Regions whose mobile numbers are accepted at KYC (ISO 3166 codes): mainland China only.
    accepted_phone_regions: Annotated[tuple[str, ...], NoDecode] = ("CN",)
    # Retention (storage/retention.py): declined or abandoned applicants' personal data is
    # erased after this many days; records kept by law after an erasure, this many years after
    # the last repayment; processed updates and delivered outbox rows, after the replay window.
    retention_applicant_days: int = Field(default=180, ge=1)
    aml_retention_years: int = Field(default=5, ge=1)
    replay_window_days: int = Field(default=7, ge=1)
    # Production (README "Running in production"): /healthz, /readyz and /metrics ride on the
    # webhook server; in polling mode they get a server of their own when a port is set.
    monitoring_host: str = "127.0.0.1"
    monitoring_port: int | None = Field(default=None, ge=1, le=65535)
    outbox_backlog_limit: int = Field(default=1000, ge=1)  # /readyz fails above it
    log_format: Literal["text", "json"] = "text"
    # On SIGTERM: updates in flight are finished, the scheduler's run in progress too, then
    # the outbox is flushed for at most OUTBOX_FLUSH_SECONDS (rows left wait for the next
    # process); a process still busy SHUTDOWN_DEADLINE_SECONDS after the signal exits anyway.
    outbox_flush_seconds: float = Field(default=5.0, ge=0, le=300)
    shutdown_deadline_seconds: float = Field(default=10.0, gt=0, le=300)
    # Servicing (bot/scheduler.py): the nightly close of business runs at this local time in
    # this zone for the day just ended; the reminder sweep every so many seconds.
    close_of_business_timezone: str = "Asia/Shanghai"
    close_of_business_hour: int = Field(default=0, ge=0, le=23)
    close_of_business_minute: int = Field(default=30, ge=0, le=59)
    close_of_business_batch: int = Field(default=500, ge=1, le=10_000)
    reminder_sweep_seconds: int = Field(default=60, ge=5, le=3600)
    freeze_after_days_past_due: int = Field(default=30, ge=1, le=365)
    reminder_days_before: Annotated[tuple[int, ...], NoDecode] = (3, 1)
    reminder_days_overdue: Annotated[tuple[int, ...], NoDecode] = (1, 3, 7, 15, 30)
    quiet_hours_start: int = Field(default=21, ge=0, le=23)  # local hour reminders stop
    quiet_hours_end: int = Field(default=8, ge=0, le=23)  # local hour they may start again

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
        from storage.urls import database_kind

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

    @field_validator("accepted_phone_regions", mode="before")
    @classmethod
    def _parse_phone_regions(cls, value: Any) -> Any:
        import phonenumbers

        if isinstance(value, str):
            value = [part for part in re.split(r"[\s,;]+", value.strip()) if part] or ["CN"]
        regions = tuple(str(part).upper() for part in value)
        unknown = [code for code in regions if code not in phonenumbers.SUPPORTED_REGIONS]
        if unknown or not regions:
            raise ValueError(
                "must be ISO 3166 region codes separated by commas, e.g. CN or CN,HK"
                + (f" (unknown: {', '.join(unknown)})" if unknown else "")
            )
        return regions

    @field_validator("reminder_days_before", "reminder_days_overdue", mode="before")
    @classmethod
    def _day_list(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        parts = [part for part in re.split(r"[\s,;]+", value.strip()) if part]
        if not all(re.fullmatch(r"\d{1,3}", part) and int(part) > 0 for part in parts):
            raise ValueError("must be whole numbers of days separated by commas, e.g. 3,1")
        return tuple(int(part) for part in parts)

    @field_validator("close_of_business_timezone")
    @classmethod
    def _job_timezone(cls, value: str) -> str:
        return cls._timezone(value)

    @field_validator("pii_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        # Several keys, comma-separated: the first encrypts, all decrypt (key rotation).
        keys = [] if value is None else value.get_secret_value().split(",")
        if value is not None and not all(_is_fernet_key(key.strip()) for key in keys):
            raise ValueError(
                "must be urlsafe-base64 32-byte keys (Fernet keys), separated by commas; "
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

    @model_validator(mode="after")
    def _flush_inside_the_deadline(self) -> Settings:
        if self.outbox_flush_seconds >= self.shutdown_deadline_seconds:
            raise ValueError(
                "OUTBOX_FLUSH_SECONDS must be shorter than SHUTDOWN_DEADLINE_SECONDS"
                " (the flush happens inside the shutdown deadline)"
            )
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
