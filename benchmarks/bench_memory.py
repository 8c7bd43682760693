"""Resident memory of an idle bot, against an idle plain aiogram bot.

Run: `python -m benchmarks.bench_memory`.

Each is measured in a fresh Python process (memory is a property of a whole process): the bot is
built as `make run` builds it for Telegram (settings, database, engine, risk scorecard, aiogram
dispatcher and bot), handles one update so every lazy import has happened, then idles.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Relative, not absolute: the project tracks aiogram's releases, and each release's own idle
# footprint moves (3.21+ model many more Bot API types). Ours may add at most this much.
TARGET_RATIO = 1.2

PRELUDE = """
import asyncio
from aiogram import Bot
from aiogram.types import Update
from benchmarks.memory_session import MemorySession, TOKEN

UPDATE = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"},
          "from": {"id": 7, "is_bot": False, "first_name": "A"}, "text": "/start"}}

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

async def idle_after_one_update(dispatcher, bot):
    await dispatcher.feed_update(bot, Update.model_validate(UPDATE, context={"bot": bot}))
    await asyncio.sleep(0.2)
    print(rss_mb())
"""

OURS = """
import tempfile
from bot.settings import load_settings
from bot.wiring import build_conversation
from storage.schema import migrate_in_child
from bot.aiogram_transport import AiogramTransport, build_dispatcher

async def main():
    folder = tempfile.mkdtemp()
    settings = load_settings(env_file=None, database_url=f"sqlite:///{folder}/idle.db")
    await migrate_in_child(settings.database_url)
    engine = await build_conversation(settings)
    bot = Bot(TOKEN, session=MemorySession())
    await idle_after_one_update(build_dispatcher(AiogramTransport(engine, bot)), bot)

asyncio.run(main())
"""

PEER = """
from aiogram import Dispatcher, Router
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Message

async def main():
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer("ok")

    dispatcher = Dispatcher(storage=MemoryStorage())
    dispatcher.include_router(router)
    await idle_after_one_update(dispatcher, Bot(TOKEN, session=MemorySession()))

asyncio.run(main())
"""


def measure(program: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PRELUDE) + textwrap.dedent(program)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def run() -> None:
    peer, ours = measure(PEER), measure(OURS)
    print("Idle bot, resident memory (VmRSS), each in a fresh process")
    print(f"{'process':<58} {'MB':>8} {'vs peer':>8}")
    print(f"{'plain aiogram bot, in-memory FSM (peer)':<58} {peer:>8.1f} {1.0:>7.2f}x")
    print(
        f"{'ChatLend bot: settings, SQLite, engine, scorecard, aiogram':<58} {ours:>8.1f} {ours / peer:>7.2f}x"
    )
    import aiogram

    verdict = "met" if ours <= TARGET_RATIO * peer else "NOT met"
    print(
        f"target: at most {TARGET_RATIO:.1f}x a plain bot on the same aiogram "
        f"({aiogram.__version__}) ... {verdict} ({ours / peer:.2f}x)"
    )


if __name__ == "__main__":
    run()
