"""Builds the bot from its settings: database, PII vault, engine. The one place that knows
which concrete classes serve which ports."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.settings import Settings
from flows.config import FlowConfig
from flows.engine import Clock, Engine, utc_now
from flows.events import Conversation
from storage import Database, PiiVault, SqlStore
from storage.pii import verify_key
from storage.retention import RetentionSettings
from storage.schema import check_schema


def flow_config(settings: Settings) -> FlowConfig:
    return FlowConfig(
        admin_ids=frozenset(settings.admin_ids),
        operator_ids=frozenset(settings.operator_ids),
        bot_username=settings.bot_username,
        default_locale=settings.default_locale,
        default_timezone=settings.default_timezone,
        phone_regions=settings.accepted_phone_regions,
        aml_retention_years=settings.aml_retention_years,
        freeze_after_dpd=settings.freeze_after_days_past_due,
    )


def retention_settings(settings: Settings) -> RetentionSettings:
    """For the nightly job: `await run_retention(store, now, retention_settings(settings))`."""
    return RetentionSettings(
        applicant_days=settings.retention_applicant_days,
        replay_window_days=settings.replay_window_days,
        aml_retention_years=settings.aml_retention_years,
    )


async def open_store(settings: Settings) -> SqlStore:
    assert settings.pii_key is not None, "load_settings() always sets PII_KEY"
    db = Database(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    vault = PiiVault(settings.pii_key.get_secret_value())
    try:
        await db.run(check_schema)  # behind or ahead of this code: stop with what to do
        await db.run(lambda tx: verify_key(tx, vault))
    except BaseException:
        await db.close()
        raise
    return SqlStore(db, vault)


async def build_conversation(settings: Settings, clock: Clock = utc_now) -> Engine:
    return Engine(await open_store(settings), flow_config(settings), clock)


async def create_invite(settings: Settings, uses: int, days: int, inviter: str = "operator") -> str:
    store = await open_store(settings)
    try:
        return await store.create_invite(inviter, uses, days, datetime.now(UTC))
    finally:
        await store.db.close()


async def close(conversation: Conversation) -> None:
    if isinstance(conversation, Engine) and isinstance(conversation.store, SqlStore):
        await conversation.store.db.close()
