#!/usr/bin/env python3
"""ChatLend entry point: pick a transport, create invites, play the demo.

python run_bot.py                 console without BOT_TOKEN, aiogram long polling with it
python run_bot.py --console       console even when BOT_TOKEN is set
python run_bot.py --ptb           python-telegram-bot long polling
python run_bot.py --webhook       aiogram behind a webhook (WEBHOOK_URL, WEBHOOK_SECRET)
python run_bot.py --ptb --webhook python-telegram-bot behind the same webhook
python run_bot.py invite --uses 10 --days 7
python run_bot.py demo
python run_bot.py migrate         upgrade the database schema (the bot refuses to start until then)
python run_bot.py rotate-pii-key   re-encrypt personal data with the first key of PII_KEY
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from bot.logging_setup import configure_logging
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("chatlend")

LINK_PLACEHOLDER = "<your_bot_username>"
EXIT_SIGTERM = 128 + signal.SIGTERM  # what a shell reports for a process killed by SIGTERM


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _add_mode_flags(parser: argparse.ArgumentParser, default: Any) -> None:
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--console", dest="mode", action="store_const", const="console", default=default,
        help="chat in this terminal (the default without BOT_TOKEN)",
    )  # fmt: skip
    parser.add_argument(
        "--ptb", dest="ptb", action="store_true", default=False if default is None else default,
        help="run on python-telegram-bot instead of aiogram (long polling, or with --webhook)",
    )  # fmt: skip
    modes.add_argument(
        "--webhook", dest="mode", action="store_const", const="webhook", default=default,
        help="Telegram webhook (needs WEBHOOK_URL and WEBHOOK_SECRET)",
    )  # fmt: skip
    modes.add_argument(
        "--demo", dest="mode", action="store_const", const="demo", default=default,
        help="same as the demo command",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_bot.py", description="ChatLend: a lending service inside a chat."
    )
    _add_mode_flags(parser, default=None)
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run the bot (default)")
    # SUPPRESS: a flag given before "run" must survive the subparser's own defaults.
    _add_mode_flags(run, default=argparse.SUPPRESS)
    invite = commands.add_parser("invite", help="create an invite code and its deep link")
    invite.add_argument("--uses", type=_positive, default=1, help="how many people may use it")
    invite.add_argument("--days", type=_positive, default=7, help="days until it expires")
    invite.add_argument("--inviter", default="operator", help="recorded as the inviter")
    commands.add_parser("demo", help="play the scripted journey in zh_CN and en")
    rotate = commands.add_parser(
        "rotate-pii-key",
        help="re-encrypt every personal field with the first key of PII_KEY (resumable)",
    )
    rotate.add_argument("--batch", type=_positive, default=500, help="rows per transaction")
    migrate = commands.add_parser(
        "migrate", help="upgrade the database (DATABASE_URL) to the schema this code needs"
    )
    # `make run` migrates the newcomer's SQLite file by itself, never a shared PostgreSQL.
    migrate.add_argument("--only-sqlite", action="store_true", help=argparse.SUPPRESS)
    return parser


def pick_mode(settings: Settings, requested: str | None, ptb: bool = False) -> str:
    """The transport to run (console, polling or webhook), or SettingsError when the settings
    cannot support it. `ptb` picks python-telegram-bot for the Telegram modes."""
    mode = requested or ("polling" if settings.bot_token or ptb else "console")
    if ptb and mode == "console":
        raise SettingsError("--ptb runs on Telegram; it cannot be combined with --console")
    if mode in ("polling", "webhook") and not settings.bot_token:
        flag = "--ptb" if ptb and mode == "polling" else f"--{mode}"
        raise SettingsError(f"invalid setting: BOT_TOKEN is required for {flag}")
    if mode == "webhook":
        if not settings.webhook_url:
            raise SettingsError("invalid setting: WEBHOOK_URL is required for --webhook")
        if not settings.webhook_secret:
            raise SettingsError(
                "invalid setting: WEBHOOK_SECRET is required for --webhook "
                "(1-256 characters of A-Z, a-z, 0-9, _ and -)"
            )
    return mode


async def run(settings: Settings, mode: str, ptb: bool = False) -> None:
    from bot.scheduler import start_servicing, stop_servicing
    from bot.wiring import build_conversation, close

    engine = await build_conversation(settings)
    readiness, conversation = _monitored(settings, engine, mode)
    # Close of business and reminders run beside every transport, on the same event loop.
    scheduler = start_servicing(engine, settings)
    stopping = _stop_on_sigterm(readiness, settings.shutdown_deadline_seconds, scheduler)
    if readiness is not None and scheduler is not None:
        readiness.watch("scheduler", lambda: scheduler.scheduler.running)
    monitor = None
    if mode != "console":
        from bot import delivery
        from bot.broadcast_telegram import install_budget

        install_budget(settings)
        # At shutdown the outbox goes out last: after the updates in flight and the
        # scheduler's run in progress (its reminders), within OUTBOX_FLUSH_SECONDS.
        delivery.flush_at_stop(settings.outbox_flush_seconds, lambda: stop_servicing(scheduler))
    try:
        if readiness is not None and mode in ("polling", "ptb") and settings.monitoring_port:
            from bot.health import start_monitoring_server

            monitor = await start_monitoring_server(
                readiness, settings.monitoring_host, settings.monitoring_port
            )
        if mode == "console":
            from bot.console import interactive
            from bot.wiring import create_invite

            # The service is invite-only; someone trying it offline gets their own invite.
            code = await create_invite(settings, uses=1, days=1, inviter="console")
            print(f"Your invite for this session: /start {code}")
            await interactive(conversation, settings.default_locale)
        else:
            routes = None
            if mode == "webhook":
                from bot.health import add_monitoring_routes

                assert readiness is not None

                def routes(app: Any) -> None:
                    add_monitoring_routes(app, readiness)

            await run_telegram(settings, conversation, mode, ptb, routes)
    except asyncio.CancelledError:
        if not stopping.is_set():
            raise
        log.info("stopped taking updates; those in flight were finished")
    finally:
        await stop_servicing(scheduler)
        if monitor is not None:
            await monitor.cleanup()
        await close(engine)


def _monitored(settings: Settings, conversation: Any, mode: str) -> tuple[Any, Any]:
    """Metrics and readiness for the Telegram modes; the console gets neither."""
    if mode == "console" or not hasattr(conversation, "store"):
        return None, conversation
    from bot import metrics
    from bot.health import Readiness

    db = conversation.store.db
    metrics.instrument_database(db)
    metrics.count_errors()
    readiness = Readiness(db, backlog_limit=settings.outbox_backlog_limit)
    readiness.expect("outbox")
    return readiness, metrics.InstrumentedConversation(conversation, mode)


def _stop_on_sigterm(readiness: Any, deadline: float, scheduler: Any) -> asyncio.Event:
    """First SIGTERM: report unready, start no new scheduled run, stop taking updates, finish
    those in flight (the transport's own shutdown, which flushes the outbox last), close the
    database; a process still busy after `deadline` seconds exits anyway. A second SIGTERM
    exits at once."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    stopping = asyncio.Event()

    def on_sigterm() -> None:
        if stopping.is_set():
            log.warning("second SIGTERM: exiting now")
            os._exit(EXIT_SIGTERM)
        stopping.set()
        log.info("SIGTERM: shutting down within %.0fs", deadline)
        if readiness is not None:
            readiness.accepting = False
        if scheduler is not None:
            scheduler.stop()  # no new run from now on; the one in progress finishes
        loop.call_later(deadline, _deadline_passed)
        if main is not None:
            main.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    return stopping


def _deadline_passed() -> None:
    log.warning("shutdown deadline passed: exiting now")
    os._exit(EXIT_SIGTERM)


async def run_telegram(
    settings: Settings,
    conversation: Any,
    mode: str,
    ptb: bool,
    add_routes: Callable[[Any], None] | None = None,
) -> None:
    if ptb:
        from bot import ptb_transport as transport
    else:
        from bot import aiogram_transport as transport  # type: ignore[no-redef]
    token = settings.bot_token_value
    if mode == "webhook":
        assert settings.webhook_url and settings.webhook_secret  # checked by pick_mode
        await transport.run_webhook(
            conversation,
            token,
            url=settings.webhook_url,
            secret=settings.webhook_secret.get_secret_value(),
            host=settings.webhook_host,
            port=settings.webhook_port,
            path=settings.webhook_path,
            api_base=settings.telegram_api_base,
            admin_ids=settings.admin_ids,
            add_routes=add_routes,
        )
    else:
        await transport.run_polling(
            conversation, token, settings.telegram_api_base, settings.admin_ids
        )


async def bot_username(settings: Settings) -> str | None:
    """BOT_USERNAME, or ask Telegram when only the token is known."""
    if settings.bot_username or not settings.bot_token:
        return settings.bot_username
    from bot.aiogram_transport import build_bot

    bot = build_bot(settings.bot_token_value, settings.telegram_api_base)
    try:
        return (await asyncio.wait_for(bot.get_me(), timeout=10)).username
    except Exception as error:  # any failure just means the placeholder link
        log.warning("could not ask Telegram for the bot's username: %s", type(error).__name__)
        return None
    finally:
        await bot.session.close()


async def invite(settings: Settings, uses: int, days: int, inviter: str) -> None:
    from bot.wiring import create_invite

    code = await create_invite(settings, uses=uses, days=days, inviter=inviter)
    username = await bot_username(settings)
    quota = f"{uses} use{'s' if uses > 1 else ''}, valid {days} day{'s' if days > 1 else ''}"
    print(f"Invite code: {code}  ({quota})")
    print(f"Deep link:   https://t.me/{username or LINK_PLACEHOLDER}?start={code}")
    if not username:
        print(f"Set BOT_USERNAME in .env (or the environment) to replace {LINK_PLACEHOLDER}.")


async def rotate_pii_key(settings: Settings, batch: int) -> None:
    from bot.wiring import open_store
    from storage.rotation import rotate_all

    store = await open_store(settings)  # stops here unless a key of PII_KEY opens the data
    try:
        done = await rotate_all(store.db, store.vault, batch)
    finally:
        await store.db.close()
    print(
        f"Re-encrypted {done.fields} fields with the first key of PII_KEY"
        f" ({done.current} were already under it; {done.rows} rows read)."
    )
    if len(store.vault.keys) > 1:
        print("Every field is now under the first key: the others may be removed from PII_KEY.")


def migrate(settings: Settings, only_sqlite: bool) -> None:
    from storage.database import database_kind
    from storage.schema import head_revision, migrate

    if only_sqlite and database_kind(settings.database_url) != "sqlite":
        return
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # start-up chatter
    migrate(settings.database_url)
    print(f"The database schema is at {head_revision()}, the newest this code knows.")


async def demo(settings: Settings) -> None:
    from bot.demo import run_demo

    await run_demo(settings)


def _startup_problem(error: Exception, settings: Settings) -> str | None:
    """One line for the start-up failures an operator fixes in the settings; None otherwise.
    Matched by name so that neither Telegram library is imported when the other runs."""
    name = type(error).__name__
    if name == "PiiKeyError":
        return f"invalid setting: {error}"
    if name == "SchemaError":
        return str(error)
    if name in ("TelegramUnauthorizedError", "InvalidToken"):
        return "invalid setting: BOT_TOKEN was rejected by Telegram (revoked or mistyped?)"
    if name in ("TelegramNetworkError", "NetworkError", "TimedOut"):
        where = settings.telegram_api_base or "api.telegram.org"
        return f"cannot reach the Telegram Bot API at {where} ({name})"
    return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(logging.WARNING)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        command = "demo" if args.mode == "demo" else (args.command or "run")
        mode = pick_mode(settings, args.mode, args.ptb) if command == "run" else ""
    except SettingsError as error:
        print(f"chatlend: {error}", file=sys.stderr)
        return 2
    try:
        if command == "invite":
            asyncio.run(invite(settings, args.uses, args.days, args.inviter))
        elif command == "demo":
            asyncio.run(demo(settings))
        elif command == "rotate-pii-key":
            asyncio.run(rotate_pii_key(settings, args.batch))
        elif command == "migrate":
            migrate(settings, args.only_sqlite)
        else:
            asyncio.run(run(settings, mode, args.ptb))
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        problem = _startup_problem(error, settings)
        if problem is None:
            raise
        print(f"chatlend: {problem}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        if error.name != "bot.wiring":
            raise
        print("chatlend: bot/wiring.py is missing: the conversation engine is not wired yet",
              file=sys.stderr)  # fmt: skip
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
