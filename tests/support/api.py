"""Calling the REST API over real HTTP, as a flow or a script would.

`API_ENV` switches the API on in local mode with a test key; the key acts as
`API_KEY_USER` (the Playground's default user, an admin, unless a test says otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

TEST_KEY = "test-api-key-0123456789abcdef"
ALEX = "00000000-0000-0000-0000-0000000000020"  # the Playground's default user
API_ENV = {"API_KEY": TEST_KEY, "API_KEY_USER": ALEX}


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def problem(self) -> dict[str, Any]:
        assert self.headers.get("Content-Type", "").startswith("application/problem+json"), (
            self.status,
            self.headers,
            self.body,
        )
        assert isinstance(self.body, dict)
        return self.body


class Served(Protocol):
    """Where the API answers: a BotServer, or a test's own app around ApiServer."""

    url: str


@dataclass
class ApiClient:
    http: aiohttp.ClientSession
    bot: Served
    key: str = TEST_KEY
    token: str = ""  # an Entra bearer token instead of the key (m365 mode)

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.key:
            headers["X-API-Key"] = self.key
        return {**headers, **(extra or {})}

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Any = None,  # a dict, or (name, value) pairs to repeat a name
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
    ) -> Answer:
        """`body` is sent as JSON; `data` as it is (give its Content-Type in `headers`)."""
        url = self.bot.url + (path if path.startswith("/") else "/api/v1/" + path)
        sent: dict[str, Any] = {"data": data} if data is not None else {"json": body}
        async with self.http.request(
            method, url, params=params, headers=self._headers(headers), **sent
        ) as response:
            text = await response.text()
            try:
                found: Any = await response.json(content_type=None) if text else None
            except ValueError:
                found = text
            return Answer(response.status, found, dict(response.headers))

    async def get(self, path: str, **params: str) -> Answer:
        return await self.call("GET", path, params=params or None)

    async def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Answer:
        return await self.call("POST", path, body=body, headers=headers)

    async def delete(self, path: str) -> Answer:
        return await self.call("DELETE", path)
