"""Telegram's webhook on aiohttp, for either library: the secret checked in constant time, and
200 only once the update is committed (bot/acknowledgement.py).

aiogram's own handler answers 200 before processing (`handle_in_background`), and PTB's
documented custom-server pattern puts the update on a queue and answers at once; either way a
crash then loses acknowledged updates. Here a non-2xx answer (the update failed before its
commit) makes Telegram deliver it again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, Protocol

from aiohttp import web

from bot.acknowledgement import Acknowledger
from bot.polling import ALLOWED_UPDATES, Background

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Process = Callable[[dict[str, Any]], Awaitable[None]]


def secret_matches(given: str | None, secret: str) -> bool:
    # compare_digest: the time taken says nothing about how much of the secret was right.
    return hmac.compare_digest((given or "").encode(), secret.encode())


def webhook_handler(
    secret: str, process: Process, acknowledger: Acknowledger
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`process` takes the update as Telegram's JSON and runs it through the library."""

    async def handle(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return web.Response(status=401, text="unauthorized")
        try:
            update = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(status=400, text="not an update")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        if await acknowledger.run(lambda: process(update)):
            return web.Response(status=200)
        return web.Response(status=500, text="not committed; deliver again")

    return handle


@asynccontextmanager
async def listening(
    host: str,
    port: int,
    path: str,
    handler: Callable[[web.Request], Awaitable[web.Response]],
    add_routes: Callable[[web.Application], None] | None = None,
) -> AsyncIterator[None]:
    """Serve while inside; listening before setWebhook, so the first delivery finds us.
    `add_routes` puts more routes on the same server (health checks, metrics)."""
    app = web.Application()
    app.router.add_post(path, handler)
    if add_routes is not None:
        add_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("webhook listening on %s:%s%s", host, port, path)
        yield
    finally:
        await runner.cleanup()


class SetsWebhook(Protocol):
    """aiogram's Bot and PTB's Bot spell setWebhook the same way."""

    async def set_webhook(
        self, url: str, *, secret_token: str, allowed_updates: list[str]
    ) -> Any: ...


async def serve(
    bot: SetsWebhook,
    transport: Background,
    process: Process,
    *,
    url: str,
    secret: str,
    host: str,
    port: int,
    path: str,
    admin_ids: Iterable[int],
    acknowledger: Acknowledger,
    add_routes: Callable[[web.Application], None] | None,
) -> None:
    """Both libraries' webhook mode: the transport's background work, then listen and
    setWebhook; on cancellation finish the updates in flight before stopping the work.

    The background work comes first because it installs the send budget when no one else
    has: after a restart Telegram delivers to the webhook still set the moment we listen,
    and replies sent before the budget was in would not be paced."""
    handler = webhook_handler(secret, process, acknowledger)
    await transport.start_background(admin_ids)
    try:
        async with listening(host, port, path, handler, add_routes):
            # No deleteWebhook on restart: updates that arrived meanwhile are still delivered.
            await bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))
            try:
                await asyncio.Event().wait()
            finally:
                await acknowledger.drain()
    finally:
        await transport.stop_background()
