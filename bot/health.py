"""Health checks and the monitoring endpoints, as aiohttp routes any server can carry.

/healthz: the process is alive (it answers). /readyz: it should get traffic: the database
answers, its schema is the one this code was written for, the background loops (outbox,
scheduler) are running, and the outbox is not falling behind. /metrics: Prometheus.

`add_monitoring_routes(app, probe)` is the one hook for the webhook server; in polling mode,
`start_monitoring_server` serves the same routes on a port of their own (MONITORING_PORT).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot import metrics
from storage.database import Database
from storage.schema import is_current

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.Response]]
PROBE_TIMEOUT_SECONDS = 2.0
DEFAULT_BACKLOG_LIMIT = 1000


@dataclass
class Readiness:
    """What /readyz checks. Background loops are found by their task names (the outbox loop
    is the task named "outbox"); what is not a task of its own (the scheduler) says whether it
    runs through `watch`."""

    db: Database
    backlog_limit: int = DEFAULT_BACKLOG_LIMIT
    loops: set[str] = field(default_factory=set)
    watched: dict[str, Callable[[], bool]] = field(default_factory=dict)
    accepting: bool = True  # False once shutdown began: the balancer stops sending updates

    def expect(self, *names: str) -> None:
        self.loops.update(names)

    def watch(self, name: str, running: Callable[[], bool]) -> None:
        self.watched[name] = running

    async def check(self) -> dict[str, str]:
        """Each check's result: "ok", or what is wrong (no personal data, no URLs)."""
        checks: dict[str, str] = {}
        checks["accepting"] = "ok" if self.accepting else "shutting down"
        try:
            current = await asyncio.wait_for(self.db.run(is_current), PROBE_TIMEOUT_SECONDS)
            checks["database"] = "ok"
            checks["schema"] = "ok" if current else "not current: run migrate"
            waiting = await asyncio.wait_for(
                metrics.refresh_from_database(self.db), PROBE_TIMEOUT_SECONDS
            )
            checks["outbox"] = "ok" if waiting < self.backlog_limit else f"{waiting} rows waiting"
        except Exception as error:  # unreachable, timed out, refused...
            checks["database"] = f"unreachable ({type(error).__name__})"
        running = {task.get_name() for task in asyncio.all_tasks() if not task.done()}
        for name in sorted(self.loops):
            checks[f"loop:{name}"] = "ok" if name in running else "stopped"
        for name, is_running in sorted(self.watched.items()):
            checks[f"loop:{name}"] = "ok" if is_running() else "stopped"
        return checks


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"alive": True})


def _readyz(readiness: Readiness) -> Handler:
    async def readyz(request: web.Request) -> web.Response:
        checks = await readiness.check()
        ready = all(result == "ok" for result in checks.values())
        return web.json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)

    return readyz


def _metrics(readiness: Readiness) -> Handler:
    async def serve_metrics(request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(
                metrics.refresh_from_database(readiness.db), PROBE_TIMEOUT_SECONDS
            )
        except Exception as error:  # the other figures are still worth having
            log.warning("metrics: database figures unavailable (%s)", type(error).__name__)
        body, content_type = metrics.exposition()
        response = web.Response(body=body)
        response.content_type = content_type.split(";")[0]
        response.charset = "utf-8"
        return response

    return serve_metrics


def add_monitoring_routes(app: web.Application, readiness: Readiness) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", _readyz(readiness))
    app.router.add_get("/metrics", _metrics(readiness))


async def start_monitoring_server(readiness: Readiness, host: str, port: int) -> web.AppRunner:
    """The monitoring routes on their own port (polling mode has no web server otherwise)."""
    app = web.Application()
    add_monitoring_routes(app, readiness)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
