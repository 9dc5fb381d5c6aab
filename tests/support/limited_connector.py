"""A local Bot Connector that holds the bot to Teams' limits, and counts everything.

Per bot per conversation: 7 messages a second, 8 in 2 seconds, 60 in 30 seconds, 1,800 an
hour; 50 requests a second for the bot across the tenant. Over a limit it answers 429 with
Retry-After, as Teams does. It answers 403 for blocked people or conversations, and can
answer a share of requests with 429 or 403 at random (a fixed seed, so runs repeat).

Every request counts toward the limits, even one answered 429, as with Teams. Each
message accepted is counted per conversation; a message carrying a `marker` already
accepted in that conversation is counted as a duplicate. A card's marker is the text of
its element with id "marker", or failing that the activity's own `text`.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.teams import Connector

PER_CONVERSATION = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PER_BOT = ((50, 1.0),)


def marker_of(activity: dict[str, Any]) -> str:
    """What makes a message unique, to spot one sent twice."""

    def find(node: Any) -> str | None:
        if isinstance(node, dict):
            if node.get("id") == "marker" and isinstance(node.get("text"), str):
                return str(node["text"])
            for value in node.values():
                if (found := find(value)) is not None:
                    return found
        elif isinstance(node, list):
            for item in node:
                if (found := find(item)) is not None:
                    return found
        return None

    return find(activity.get("attachments")) or str(activity.get("text") or "")


class SlidingLimit:
    """Request times within the longest window; over any window means refuse."""

    def __init__(self, windows: Iterable[tuple[int, float]]) -> None:
        self.windows = tuple(windows)
        self._longest = max(seconds for _, seconds in self.windows)
        self._times: deque[float] = deque()

    def over(self, now: float) -> float | None:
        """Seconds until the request would fit, or None if it fits now."""
        while self._times and self._times[0] <= now - self._longest:
            self._times.popleft()
        wait = 0.0
        for limit, seconds in self.windows:
            inside = len(self._times) - bisect.bisect_right(self._times, now - seconds)
            if inside >= limit:
                oldest = self._times[-limit]
                wait = max(wait, oldest + seconds - now)
        return wait if wait > 0 else None

    def record(self, now: float) -> None:
        self._times.append(now)


@dataclass
class Counts:
    accepted: int = 0
    throttled: int = 0  # 429 because a limit was exceeded
    injected_429: int = 0
    injected_403: int = 0
    blocked: int = 0  # 403 for a blocked person or conversation
    duplicates: int = 0
    per_conversation: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class LimitedConnector(Connector):
    blocked: set[str] = field(default_factory=set)  # conversation ids or member ids
    share_429: float = 0.0
    share_403: float = 0.0
    seed: int = 11
    retry_after: float = 1.0  # what an injected 429 asks for
    now: Callable[[], float] = time.monotonic
    counts: Counts = field(default_factory=Counts)
    keep_activities: bool = True  # off for big benchmarks: count, do not keep
    _random: random.Random = field(default_factory=random.Random)
    _bot: SlidingLimit = field(default_factory=lambda: SlidingLimit(PER_BOT))
    _conversations: dict[str, SlidingLimit] = field(default_factory=dict)
    _markers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _unlucky: set[str] = field(default_factory=set)  # conversations that drew a 403

    def __post_init__(self) -> None:
        self._random.seed(self.seed)

    async def _create(self, request: web.Request) -> web.Response:
        if (refused := self._refuse_bot()) is not None:
            return refused
        body = await request.json()
        member = str(((body.get("members") or [{}])[0]).get("id", ""))
        if member in self.blocked:
            self.counts.blocked += 1
            return _forbidden()
        return await super()._create(_Replayed(request, body))  # type: ignore[arg-type]

    async def _post(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        root = cid.split(";messageid=")[0]
        if (refused := self._refuse_bot()) is not None:
            return refused
        limit = self._conversations.setdefault(root, SlidingLimit(PER_CONVERSATION))
        now = self.now()
        wait = limit.over(now)
        limit.record(now)
        if wait is not None:
            self.counts.throttled += 1
            return _too_many(wait)
        if cid in self.blocked or root in self.blocked or root in self._unlucky:
            self.counts.blocked += 1
            return _forbidden()
        draw = self._random.random()
        if draw < self.share_403:
            self.counts.injected_403 += 1
            self._unlucky.add(root)  # a person who blocked the bot stays blocked
            return _forbidden()
        if draw < self.share_403 + self.share_429:
            self.counts.injected_429 += 1
            return _too_many(self.retry_after)
        body = await request.json()
        if request.method == "POST":
            marker = marker_of(body)
            if marker and marker in self._markers[root]:
                self.counts.duplicates += 1
            elif marker:
                self._markers[root].add(marker)
            self.counts.accepted += 1
            self.counts.per_conversation[root] += 1
        if self.keep_activities:
            return await super()._post(_Replayed(request, body))  # type: ignore[arg-type]
        return web.json_response({"id": f"msg-{next(self._ids)}"})

    def _refuse_bot(self) -> web.Response | None:
        now = self.now()
        wait = self._bot.over(now)
        self._bot.record(now)
        if wait is None:
            return None
        self.counts.throttled += 1
        return _too_many(wait)


class _Replayed:
    """The request with its body already read, for the plain Connector's handlers."""

    def __init__(self, request: web.Request, body: Any) -> None:
        self._request = request
        self._body = body
        self.match_info = request.match_info
        self.method = request.method

    async def json(self) -> Any:
        return self._body


def _too_many(wait: float) -> web.Response:
    return web.json_response(
        {"error": {"code": "ThrottledTooManyRequests"}},
        status=429,
        headers={"Retry-After": str(max(1, math.ceil(wait)))},
    )


def _forbidden() -> web.Response:
    return web.json_response({"error": {"code": "BotDisabledByAdmin"}}, status=403)
