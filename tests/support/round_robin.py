"""A tiny round-robin reverse proxy on 127.0.0.1, as Azure puts in front of several instances.

Each request (any method and path: POST /api/messages, the API, health checks) goes to the
next backend in turn, with its body and headers. A backend that refuses the connection
(its process is down) is skipped for that request and the next one is tried, as Azure's
front door does once its health probe has seen an instance go. A backend that took the
request and then died answers 502: the request may have been handled, so it is not sent
again (Teams does not send it again either). Every request is bounded by `timeout`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

# Headers about one connection, not the request: never forwarded (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


@dataclass
class RoundRobin:
    backends: list[str]  # base URLs, http://127.0.0.1:port
    timeout: float = 30.0
    url: str = ""
    # How many requests each backend answered, and how many were refused or lost.
    answered: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _runner: web.AppRunner | None = None
    _http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # One connection per request: a pooled connection to a killed process would look
        # like a lost request rather than a refused one.
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            auto_decompress=False,
        )
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        first = next(self._turn)
        for step in range(len(self.backends)):  # bounded: each backend at most once
            backend = self.backends[(first + step) % len(self.backends)]
            target = f"{backend}{request.rel_url}"
            try:
                async with self._http.request(
                    request.method, target, data=body, headers=headers, allow_redirects=False
                ) as answer:
                    content = await answer.read()
                    self.answered[backend] += 1
                    kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
                    return web.Response(status=answer.status, body=content, headers=kept)
            except aiohttp.ClientConnectorError:
                self.refused[backend] += 1  # not listening: try the next one
            except (aiohttp.ClientError, TimeoutError):
                self.lost[backend] += 1  # it took the request and went: do not resend
                return web.json_response({"error": "bad gateway"}, status=502)
        return web.json_response({"error": "no instance is up"}, status=503)
