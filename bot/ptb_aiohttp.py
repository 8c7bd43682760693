"""python-telegram-bot's HTTP client on aiohttp instead of httpx.

PTB lets an application bring its own `BaseRequest`. The bot already runs aiohttp (the webhook
server, aiogram's session), and httpx's connection pool made each Bot API call several times
dearer under concurrent updates: PTB webhook throughput was a quarter of aiogram's on the same
machine (README, Performance). Errors are PTB's own (TimedOut, NetworkError), so callers see no
difference.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

CONNECT_SECONDS = 5.0
READ_SECONDS = 5.0  # PTB adds getUpdates' long-poll timeout to this for that call
CONNECTIONS = 256  # PTB's own default pool size


def _or(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    def __init__(self, connections: int = CONNECTIONS, read_seconds: float = READ_SECONDS) -> None:
        self._connections = connections
        self._read_seconds = read_seconds
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_seconds

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout = aiohttp.ClientTimeout(
            sock_connect=_or(connect_timeout, CONNECT_SECONDS),
            sock_read=_or(read_timeout, self._read_seconds),
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp: {type(error).__name__}") from error


def _body(request_data: RequestData | None) -> Any:
    """A form, as PTB's httpx client sends it: each parameter JSON-encoded; with files, a
    multipart form whose file parts carry their name and type."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
