"""One conversation step through the PTB transport, against the same step in plain
python-telegram-bot with its in-memory ConversationHandler.

Run: `python -m benchmarks.bench_ptb_step`.

Both sides get the same PTB Updates through `Application.process_update`, with a Bot whose
requests are answered in memory (no network), from the same number of concurrent users:
- peer: a plain PTB bot whose ConversationHandler keeps the state in memory;
- ours: PTB transport -> engine -> flows -> one SQLite transaction per update -> replies
  rendered back through PTB.
The step is bench_step.py's: the name question of KYC and `/back` to it, alternately.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData

from benchmarks.bench_step import (
    PII_KEY,
    ROUNDS,
    USERS,
    in_pairs,
    onboard_to_name_question,
    paired_ratio,
    raw_name_or_back,
    spread,
    table,
)
from bot.ptb_transport import PTBTransport
from flows.engine import Engine
from storage import Database, PiiVault, SqlStore

TOKEN = "42:BENCHMARK-token-no-network-is-used"
_BOT = {"id": 42, "is_bot": True, "first_name": "Bench", "username": "BenchBot"}
_SENT = json.dumps(
    {
        "ok": True,
        "result": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": "ok",
        },
    }
).encode()


class MemoryRequest(BaseRequest):
    """Answers every Bot API call at once; counts the messages sent."""

    def __init__(self) -> None:
        self.sent = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if url.endswith("/getMe"):
            return 200, json.dumps({"ok": True, "result": _BOT}).encode()
        self.sent += 1
        return 200, _SENT


def build(request: MemoryRequest) -> Application:
    return ApplicationBuilder().token(TOKEN).request(request).updater(None).build()


_update_ids = iter(range(2_000_000, 10**9))


def updates(application: Application, users: list[int]) -> dict[int, list[Update]]:
    return {
        user: [
            Update.de_json(raw_name_or_back(user, step, next(_update_ids)), application.bot)
            for step in range(ROUNDS)
        ]
        for user in users
    }


async def drive(application: Application, per_user: dict[int, list[Update]]) -> float:
    async def one_user(sequence: list[Update]) -> None:
        for update in sequence:
            await application.process_update(update)

    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(one_user(sequence) for sequence in per_user.values()))
    return sum(len(s) for s in per_user.values()) / (loop.time() - started)


async def answered(request: MemoryRequest, run: Any, users: int) -> float:
    before = request.sent
    rate = float(await run)
    assert request.sent - before == users * ROUNDS, "an update went unanswered"
    return rate


# --- the peer: plain PTB, ConversationHandler in memory ----------------------------------------

NAME, ID_NUMBER = range(2)


def peer_application(request: MemoryRequest) -> Application:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None
        await update.message.reply_text("What is your full legal name?")
        return NAME

    async def got_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None and context.user_data is not None
        name = " ".join((update.message.text or "").split())
        if not 2 <= len(name) <= 40 or any(ch.isdigit() for ch in name):
            await update.message.reply_text("Please type your full legal name.")
            return NAME
        context.user_data["name"] = name
        await update.message.reply_text("Please type your 18-character resident ID number.")
        return ID_NUMBER

    async def back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.message is not None
        await update.message.reply_text("What is your full legal name?")
        return NAME

    application = build(request)
    application.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_name)],
                ID_NUMBER: [CommandHandler("back", back)],
            },
            fallbacks=[],
        )
    )
    return application


class Peer:
    def __init__(self) -> None:
        self.request = MemoryRequest()
        self.application = peer_application(self.request)

    async def prepare(self, users: list[int]) -> None:
        await self.application.initialize()
        starts: dict[int, list[Update]] = {}
        for user in users:
            raw = {
                "update_id": next(_update_ids),
                "message": {
                    "message_id": 1,
                    "date": 1_700_000_000,
                    "chat": {"id": user, "type": "private"},
                    "from": {"id": user, "is_bot": False, "first_name": "Li"},
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            starts[user] = [Update.de_json(raw, self.application.bot)]
        await drive(self.application, starts)

    async def round(self, users: list[int]) -> float:
        return await answered(
            self.request, drive(self.application, updates(self.application, users)), len(users)
        )

    async def close(self) -> None:
        await self.application.shutdown()


class Ours:
    def __init__(self, folder: Path) -> None:
        self.db = Database(f"sqlite:///{folder / 'bench.db'}")
        self.db.create_schema()
        self.engine = Engine(SqlStore(self.db, PiiVault(PII_KEY)))
        self.request = MemoryRequest()
        self.application = build(self.request)
        PTBTransport(self.engine, self.application)

    async def prepare(self, users: list[int]) -> None:
        await self.application.initialize()
        store = self.engine.store
        assert isinstance(store, SqlStore)
        invite = await store.create_invite("benchmark", len(users), 1, datetime.now(UTC))
        for user in users:
            await onboard_to_name_question(self.engine, user, invite, lambda: next(_update_ids))

    async def round(self, users: list[int]) -> float:
        return await answered(
            self.request, drive(self.application, updates(self.application, users)), len(users)
        )

    async def close(self) -> None:
        await self.application.shutdown()
        await self.db.close()


TARGET_RATIO = 0.5
# More runs than bench_step's five: a run of ours is short (~0.3 s), so one that meets a WAL
# checkpoint or a full collection moves a five-run median by a tenth.
REPEATS = 9


async def main() -> None:
    peer_users = list(range(20_001, 20_001 + USERS))
    our_users = [user + 100_000 for user in peer_users]
    with tempfile.TemporaryDirectory() as folder:
        peer, ours = Peer(), Ours(Path(folder))
        await peer.prepare(peer_users)
        await ours.prepare(our_users)
        await peer.round(peer_users[:5])  # warm-up
        await ours.round(our_users[:5])
        pairs = await in_pairs(
            lambda: peer.round(peer_users), lambda: ours.round(our_users), REPEATS
        )
        await peer.close()
        await ours.close()
    peer_rate = statistics.median(p for p, _ in pairs)
    our_rate = statistics.median(o for _, o in pairs)
    ratio = paired_ratio(pairs)
    slowest, fastest = spread([p for p, _ in pairs])
    print(
        f"PTB conversation step: {USERS} concurrent users x {ROUNDS} steps, "
        f"medians of {REPEATS} pairs of adjacent runs"
    )
    print(
        table(
            [
                ("plain python-telegram-bot, in-memory ConversationHandler", peer_rate),
                ("ChatLend: PTB -> engine -> SQLite, 1 tx/update", our_rate),
            ]
        )
    )
    print(
        f"ours / peer within each pair of runs, median: {ratio:.2f}x"
        f" (the peer's runs: {slowest:,.0f} to {fastest:,.0f} steps/s)"
    )
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"target: ours >= {TARGET_RATIO}x peer steps/s ... {verdict} ({ratio:.2f}x)")


def run() -> None:
    asyncio.run(main())


if __name__ == "__main__":
    run()
