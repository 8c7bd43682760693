"""The real bot as a separate process (python run_bot.py), pointed at the loopback Bot API
server, so a test can kill -9 it as a crash would."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.botapi.server import BotAPIServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PII_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE="
WEBHOOK_SECRET = "hook-secret_1"


def bot_environment(server: BotAPIServer, database_url: str, webhook_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": server.token,
        "PII_KEY": PII_KEY,
        "DATABASE_URL": database_url,
        "TELEGRAM_API_BASE": server.base,
        "WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/hook",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(webhook_port),
        "LOG_LEVEL": "WARNING",
    }


class BotProcess:
    def __init__(
        self, server: BotAPIServer, database_url: str, workdir: Path, *, ptb: bool, webhook: bool
    ) -> None:
        self.server = server
        self.flags = [*(["--ptb"] if ptb else []), *(["--webhook"] if webhook else [])]
        self.webhook = webhook
        self.env = bot_environment(server, database_url, free_port())
        self.workdir = workdir
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 90.0) -> None:
        """Start and wait until it takes updates (polling, or its webhook is set)."""
        self.server.webhook = None if not self.webhook else self.server.webhook
        calls_before = len(self.server.calls)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "run_bot.py"), *self.flags,
            cwd=self.workdir, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stderr=open(self.workdir / "bot.log", "ab"),  # noqa: SIM115 (kept by the child)
        )  # fmt: skip
        ready = "setWebhook" if self.webhook else "getUpdates"
        deadline = time.monotonic() + timeout
        while not any(name == ready for name, _ in self.server.calls[calls_before:]):
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start: {self.log()[-2000:]}")
            await asyncio.sleep(0.05)

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def exited(self) -> int:
        assert self.process is not None
        return await self.process.wait()

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.kill9()
            await self.process.wait()

    def log(self) -> str:
        path = self.workdir / "bot.log"
        return path.read_text(errors="replace") if path.exists() else ""
