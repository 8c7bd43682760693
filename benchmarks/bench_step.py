"""One conversation step through the whole stack, against the same step in plain aiogram.

Run: `python -m benchmarks.bench_step`.

Both sides get the same real aiogram Updates through a real Dispatcher, with a Bot whose session
answers in memory (no network), from the same number of concurrent users:
- peer: a plain aiogram bot whose handlers keep state in aiogram's in-memory FSM;
- ours: aiogram transport -> engine -> flows -> one SQLite transaction per update (WAL,
  synchronous=NORMAL: durable once committed) -> replies rendered back through aiogram.
The step is the name question of KYC and `/back` to it again, so the state really changes each
time and both sides validate, store and answer.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Message, Update

from benchmarks.memory_session import TOKEN, MemorySession
from bot.aiogram_transport import AiogramTransport, build_dispatcher
from flows.engine import Engine
from flows.events import ButtonPress, Event
from flows.events import Command as CommandPayload
from storage import Database, PiiVault, SqlStore

USERS = 50
ROUNDS = 40  # steps per user, alternating a name and /back
REPEATS = 5
BOT_ID = 42
PII_KEY = "YmVuY2htYXJrLWtleS1iZW5jaG1hcmsta2V5LTEyMzQ="  # a throw-away key for throw-away data


_UPDATE_IDS = itertools.count(1_000_000)


def raw_name_or_back(user: int, step: int, update_id: int) -> dict[str, Any]:
    """The raw Bot API update of a user's `step`: their name on even steps, /back on odd ones."""
    text = "Li Wei" if step % 2 == 0 else "/back"
    message: dict[str, Any] = {
        "message_id": step + 10,
        "date": 1_700_000_000,
        "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "Li", "language_code": "en"},
        "text": text,
    }
    if text == "/back":
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": 5}]
    return {"update_id": update_id, "message": message}


def updates(bot: Bot, user_ids: list[int]) -> dict[int, list[Update]]:
    """Each user's name answer and /back, alternately, mounted on `bot` as polling does."""
    return {
        user: [
            Update.model_validate(
                raw_name_or_back(user, step, next(_UPDATE_IDS)), context={"bot": bot}
            )
            for step in range(ROUNDS)
        ]
        for user in user_ids
    }


async def drive(dispatcher: Dispatcher, bot: Bot, per_user: dict[int, list[Update]]) -> float:
    """Feeds every user's updates in order, users concurrently; returns steps per second."""

    async def one_user(sequence: list[Update]) -> None:
        for update in sequence:
            await dispatcher.feed_update(bot, update)

    started = time.perf_counter()
    await asyncio.gather(*(one_user(sequence) for sequence in per_user.values()))
    elapsed = time.perf_counter() - started
    return sum(len(s) for s in per_user.values()) / elapsed


async def answered_every_update(bot: Bot, run: Awaitable[float], users: int) -> float:
    """The measured run, checked: every update got its answer, so nothing was skipped."""
    session = bot.session
    assert isinstance(session, MemorySession)
    before = session.calls
    rate = await run
    assert session.calls - before == users * ROUNDS, "an update went unanswered"
    return rate


# --- the peer: plain aiogram, memory FSM ----------------------------------------------------


class Kyc(StatesGroup):
    name = State()
    id_number = State()


def peer_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(Kyc.name, F.text)
    async def got_name(message: Message, state: FSMContext) -> None:
        name = " ".join((message.text or "").split())
        if not 2 <= len(name) <= 40 or any(ch.isdigit() for ch in name):
            await message.answer("Please type your full legal name.")
            return
        await state.update_data(name=name)
        await state.set_state(Kyc.id_number)
        await message.answer("Please type your 18-character resident ID number.")

    @router.message(Kyc.id_number, Command("back"))
    async def back(message: Message, state: FSMContext) -> None:
        await state.set_state(Kyc.name)
        await message.answer("What is your full legal name?")

    dispatcher = Dispatcher(storage=MemoryStorage())
    dispatcher.include_router(router)
    return dispatcher


class Peer:
    def __init__(self, user_ids: list[int]) -> None:
        self.user_ids = user_ids
        self.bot = Bot(TOKEN, session=MemorySession())
        self.dispatcher = peer_dispatcher()

    async def round(self, users: list[int]) -> float:
        for user in users:
            key = StorageKey(bot_id=BOT_ID, chat_id=user, user_id=user)
            await self.dispatcher.storage.set_state(key, Kyc.name)
        return await answered_every_update(
            self.bot, drive(self.dispatcher, self.bot, updates(self.bot, users)), len(users)
        )

    async def close(self) -> None:
        return None


# --- ours: the whole stack --------------------------------------------------------------------


async def onboard_to_name_question(
    engine: Engine, user: int, invite: str, ids: Callable[[], int]
) -> None:
    def event(payload: Any) -> Event:
        return Event("telegram", user, user, ids(), datetime.now(UTC), "en", payload)

    async def send(payload: Any) -> list[Any]:
        return await engine.handle(event(payload))

    out = await send(CommandPayload("start", invite))
    for _ in range(5):  # continue, then four consents
        token = out[-1].reply.buttons[0][0].token
        out = await send(ButtonPress(token))
    assert "legal name" in out[-1].reply.text, out[-1].reply.text


class Ours:
    def __init__(self, folder: Path) -> None:
        self.db = Database(f"sqlite:///{folder / 'bench.db'}")
        self.db.create_schema()
        self.engine = Engine(SqlStore(self.db, PiiVault(PII_KEY)))
        self.bot = Bot(TOKEN, session=MemorySession())
        self.dispatcher = build_dispatcher(AiogramTransport(self.engine, self.bot))

    async def prepare(self, user_ids: list[int]) -> None:
        store = self.engine.store
        assert isinstance(store, SqlStore)
        invite = await store.create_invite("benchmark", len(user_ids), 1, datetime.now(UTC))
        for user in user_ids:
            await onboard_to_name_question(self.engine, user, invite, lambda: next(_UPDATE_IDS))

    async def round(self, users: list[int]) -> float:
        # Every round ends on /back, so each user is at the name question again.
        committed = await self.committed_updates()
        rate = await answered_every_update(
            self.bot, drive(self.dispatcher, self.bot, updates(self.bot, users)), len(users)
        )
        assert await self.committed_updates() - committed == len(users) * ROUNDS, (
            "an update was not committed"
        )
        return rate

    async def committed_updates(self) -> int:
        return int(
            await self.db.run(lambda tx: tx.scalar("SELECT COUNT(*) FROM processed_updates"))
        )

    async def close(self) -> None:
        await self.db.close()


def table(rows: list[tuple[str, float]]) -> str:
    peer = rows[0][1]
    lines = [f"{'stack':<58} {'steps/s':>9} {'µs/step':>9} {'vs peer':>8}"]
    for name, rate in rows:
        lines.append(f"{name:<58} {rate:>9,.0f} {1e6 / rate:>9,.0f} {rate / peer:>7.2f}x")
    return "\n".join(lines)


async def main() -> None:
    peer_users = list(range(10_001, 10_001 + USERS))
    our_users = [user + 100_000 for user in peer_users]
    with tempfile.TemporaryDirectory() as folder:
        peer, ours = Peer(peer_users), Ours(Path(folder))
        await ours.prepare(our_users)
        await peer.round(peer_users[:5])  # warm-up: imports, caches, first connections
        await ours.round(our_users[:5])
        peer_rates, our_rates = [], []
        for _ in range(REPEATS):  # alternate, so a noisy moment hurts both alike
            peer_rates.append(await peer.round(peer_users))
            our_rates.append(await ours.round(our_users))
        await peer.close()
        await ours.close()
    peer_rate, our_rate = statistics.median(peer_rates), statistics.median(our_rates)
    print(
        f"Conversation step: {USERS} concurrent users x {ROUNDS} steps, median of {REPEATS} alternating runs"
    )
    print(
        table(
            [
                ("plain aiogram, in-memory FSM (peer)", peer_rate),
                ("ChatLend: aiogram -> engine -> SQLite, 1 tx/update", our_rate),
            ]
        )
    )
    verdict = "met" if our_rate >= peer_rate else "NOT met"
    print(f"target: ours >= peer steps/s ... {verdict} ({our_rate / peer_rate:.2f}x)")


def run() -> None:
    asyncio.run(main())


if __name__ == "__main__":
    run()
