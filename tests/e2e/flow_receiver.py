"""A stand-in for Power Automate's side of a webhook trigger, on 127.0.0.1.

Each flow gets its own path (`url(name)`). Every call is recorded with whether its
signature checked out against the secret the subscription answer gave (`secrets`), by
our own reading of the Standard Webhooks convention, not by the bot's code. What each
flow answers is set per flow (`answer`), 200 unless a test says otherwise.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Call:
    flow: str
    event_id: str
    timestamp: int
    body: dict[str, Any]
    signed: bool  # the signature checked out with the flow's secret
    answered: int
    at: float  # time.time() when it arrived (for the benchmark's lag)


@dataclass
class Receiver:
    secrets: dict[str, str] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # A flow in here answers only once its event is set (at most 10 s): a slow flow.
    holds: dict[str, asyncio.Event] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    clock: Callable[[], dt.datetime] | None = None  # the bot's clock, to check timestamps
    base: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/flows/{flow}", self._call)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, flow: str) -> str:
        return f"{self.base}/flows/{flow}"

    async def _call(self, request: web.Request) -> web.Response:
        flow = request.match_info["flow"]
        raw = await request.read()
        event_id = request.headers.get("webhook-id", "")
        stamp = request.headers.get("webhook-timestamp", "")
        given = request.headers.get("webhook-signature", "")
        signed = checks(self.secrets.get(flow, ""), event_id, stamp, raw, given)
        if signed and self.clock is not None:
            signed = abs(int(stamp) - self.clock().timestamp()) < 300
        hold = self.holds.get(flow)
        if hold is not None:
            await asyncio.wait_for(hold.wait(), 10.0)
        status = self.answers.get(flow, 200)
        self.calls.append(
            Call(
                flow,
                event_id,
                int(stamp) if stamp.isdigit() else 0,
                json.loads(raw),
                signed,
                status,
                time.time(),
            )
        )
        return web.Response(status=status, headers=self.headers.get(flow, {}))

    def to(self, flow: str, delivered_only: bool = True) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.flow == flow and (not delivered_only or 200 <= c.answered < 300)
        ]

    async def wait_for(self, flow: str, count: int, timeout: float = 10.0) -> list[Call]:
        """At least `count` calls to `flow` answered 2xx; bounded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.to(flow)) >= count:
                return self.to(flow)
            await asyncio.sleep(0.02)
        raise AssertionError(f"{flow} got {len(self.to(flow))} call(s), not {count}")

    async def wait_for_any(self, flow: str, count: int, timeout: float = 10.0) -> list[Call]:
        """At least `count` calls to `flow`, whatever it answered; bounded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.to(flow, False)) >= count:
                return self.to(flow, False)
            await asyncio.sleep(0.02)
        raise AssertionError(f"{flow} got {len(self.to(flow, False))} call(s), not {count}")


def checks(secret: str, event_id: str, stamp: str, raw: bytes, given: str) -> bool:
    """Whether `given` (the webhook-signature header) signs this call with `secret`."""
    if not (secret.startswith("whsec_") and event_id and stamp.isdigit()):
        return False
    key = base64.b64decode(secret[len("whsec_") :])
    signed = event_id.encode() + b"." + stamp.encode() + b"." + raw
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        part.startswith("v1,") and hmac.compare_digest(part[3:], expected)
        for part in given.split(" ")
    )
