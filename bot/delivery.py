"""Proactive sends inside Teams' limits: a throttle, a retry policy, a size check, a fan-out.

Teams allows a bot, per conversation, 7 messages a second, 8 in 2 seconds, 60 in 30
seconds and 1,800 an hour, and 50 requests a second across the tenant. The throttle keeps
every send (and every retry) inside those sliding windows, waiting its turn in the order
it asked. Time and sleep are injected so tests can check the windows exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import json
import logging
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
MAX_CARD_BYTES = 80 * 1024  # Teams refuses a message over 100 KB with 413; stay well under
RETRY_STATUSES = frozenset({412, 502, 503, 504})


class CardTooLarge(Exception):
    """The card is over 80 KB as JSON, so it is not sent."""


class Unreachable(Exception):
    """Teams answered 403: the person blocked or removed the bot, or it may not post there."""


class NotInstalled(Exception):
    """The bot could not be installed for a person (m365 mode), so no chat can be made."""


@dataclass(frozen=True)
class Window:
    """At most `limit` sends in any `seconds` long stretch."""

    limit: int
    seconds: float


# A small guard on each window absorbs the time a request takes to reach Teams.
GUARD = 0.05
PER_CONVERSATION = (
    Window(7, 1 + GUARD),
    Window(8, 2 + GUARD),
    Window(60, 30 + GUARD),
    Window(1800, 3600 + GUARD),
)


@dataclass(frozen=True)
class BotLimit:
    """The tenant-wide limit: sends paced evenly at `rate` a second (a late send may be
    caught up at once, so the pace does not slip), and never more than each window allows."""

    rate: float
    windows: tuple[Window, ...]
    # How far behind the pace (in sends) may be caught up at once, after a late wake-up.
    catch_up: float = 1.0


def per_bot(ceiling: float = 50, margin: float = 1) -> BotLimit:
    """Aim at `ceiling - margin` a second; a hard cap of `ceiling` in any second (and a
    little more, for the time a request takes to arrive)."""
    return BotLimit(ceiling - margin, (Window(int(ceiling), 1.02),))


def check_card_size(card: dict[str, Any]) -> int:
    size = len(json.dumps(card, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_CARD_BYTES:
        raise CardTooLarge(f"The card is {size} bytes as JSON; the most is {MAX_CARD_BYTES}")
    return size


class _Windows:
    """Send times within the longest window, and how long until one more fits."""

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self.windows = windows
        self.lock = asyncio.Lock()  # FIFO: whoever asked first goes first
        self.order = asyncio.Lock()  # held for a whole send, retries included
        self._longest = max(w.seconds for w in windows)
        self._size = max(w.limit for w in windows)
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        while self.times and self.times[0] <= now - self._longest:
            self.times.popleft()
        wait = 0.0
        for window in self.windows:
            if len(self.times) >= window.limit:
                # The send `limit` back from the newest must leave the window first.
                oldest = self.times[-window.limit]
                wait = max(wait, oldest + window.seconds - now)
        return wait

    def record(self, now: float) -> None:
        self.times.append(now)
        if len(self.times) > self._size:
            self.times.popleft()


@dataclass
class Throttle:
    """Waits until a send to `conversation_id` fits every window, then lets it go."""

    conversation_windows: tuple[Window, ...] = PER_CONVERSATION
    bot_limit: BotLimit = field(default_factory=per_bot)
    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _bot: _Windows | None = None
    _due: float | None = None  # when the next send is due on the even pace
    _conversations: dict[str, _Windows] = field(default_factory=dict)
    _users: dict[str, int] = field(default_factory=dict)
    _since_sweep: int = 0

    def _conversation(self, conversation_id: str) -> _Windows:
        conversation = self._conversations.get(conversation_id)
        if conversation is None:
            conversation = self._conversations[conversation_id] = _Windows(
                self.conversation_windows
            )
        return conversation

    @contextlib.asynccontextmanager
    async def in_order(self, conversation_id: str) -> AsyncIterator[None]:
        """One send at a time to a conversation, in the order they asked, so messages
        arrive in order even when one of them is being retried."""
        conversation = self._conversation(conversation_id)
        self._users[conversation_id] = self._users.get(conversation_id, 0) + 1
        try:
            async with conversation.order:
                yield
        finally:
            self._forget_if_idle(conversation_id, conversation)

    async def acquire(self, conversation_id: str) -> float:
        """Waits until one more send fits; returns the moment it was let go."""
        if self._bot is None:
            self._bot = _Windows(self.bot_limit.windows)
        conversation = self._conversation(conversation_id)
        self._users[conversation_id] = self._users.get(conversation_id, 0) + 1
        self._sweep_now_and_then()
        try:
            async with conversation.lock:
                await self._until_fits(conversation)
                async with self._bot.lock:
                    await self._until_paced()
                    await self._until_fits(self._bot)
                    at = self.now()
                    self._bot.record(at)
                    self._paced(at)
                    conversation.record(at)
                    return at
        finally:
            self._forget_if_idle(conversation_id, conversation)

    def settled(self, conversation_id: str) -> None:
        """The send let go last for this conversation has been answered. From now its
        windows count from the answer, not the start: it reached Teams somewhere in
        between, so however long the trip took, the next send cannot arrive too soon.
        (Sends to one conversation go one at a time, see `in_order`.)"""
        conversation = self._conversations.get(conversation_id)
        if conversation is not None and conversation.times:
            conversation.times[-1] = max(conversation.times[-1], self.now())

    async def _until_paced(self) -> None:
        # Some slack: a send that woke late does not push back every later one.
        slack = self.bot_limit.catch_up / self.bot_limit.rate
        while self._due is not None and (wait := self._due - slack - self.now()) > 0:
            await self.sleep(wait)

    def _paced(self, at: float) -> None:
        interval = 1 / self.bot_limit.rate
        if self._due is not None and at <= self._due:
            self._due += interval  # on the pace, or a little late: keep the pace
        else:
            # First, or after a pause (or too late to catch up): the pace starts again
            # from now, with no burst.
            self._due = at + interval + self.bot_limit.catch_up * interval

    async def _until_fits(self, windows: _Windows) -> None:
        while (wait := windows.wait(self.now())) > 0:
            await self.sleep(wait)

    def _forget_if_idle(self, conversation_id: str, conversation: _Windows) -> None:
        """Bounded memory: a conversation nobody is waiting on, with nothing in its
        longest window, is forgotten."""
        self._users[conversation_id] -= 1
        if self._users[conversation_id] == 0:
            del self._users[conversation_id]
            if conversation.wait(self.now()) == 0 and not conversation.times:
                self._conversations.pop(conversation_id, None)

    def _sweep_now_and_then(self) -> None:
        """Bounded memory: conversations with nothing in their longest window go."""
        self._since_sweep += 1
        if self._since_sweep < 1000:
            return
        self._since_sweep = 0
        now = self.now()
        for cid, windows in list(self._conversations.items()):
            if cid not in self._users and windows.wait(now) == 0 and not windows.times:
                del self._conversations[cid]

    def tracked(self) -> int:
        return len(self._conversations)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 4.0
    retry_after_default: float = 1.0  # a 429 without Retry-After
    max_retry_after: float = 60.0


def retry_after(
    headers: Any, default: float, most: float, wall: Callable[[], dt.datetime]
) -> float:
    """Retry-After as seconds (a number or an HTTP date), within [0, most]."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (email.utils.parsedate_to_datetime(value) - wall()).total_seconds()
        except (TypeError, ValueError):
            return default
    return min(max(0.0, seconds), most)


def _wall() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def send_with_retries(
    send: Callable[[], Awaitable[T]],
    conversation_id: str,
    throttle: Throttle | None,
    policy: RetryPolicy = RetryPolicy(),
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    jitter: Callable[[float, float], float] = random.uniform,
    wall: Callable[[], dt.datetime] = _wall,
) -> T:
    """Send through the throttle; retry what Teams says may be retried.

    429 waits for Retry-After; 412, 502, 503 and 504 back off exponentially with jitter;
    403 raises Unreachable at once; anything else is raised as it is.
    """
    if throttle is None:
        return await _with_retries(send, conversation_id, None, policy, sleep, jitter, wall)
    async with throttle.in_order(conversation_id):
        return await _with_retries(send, conversation_id, throttle, policy, sleep, jitter, wall)


async def _with_retries(
    send: Callable[[], Awaitable[T]],
    conversation_id: str,
    throttle: Throttle | None,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]],
    jitter: Callable[[float, float], float],
    wall: Callable[[], dt.datetime],
) -> T:
    for attempt in range(1, policy.attempts + 1):
        if throttle is not None:
            await throttle.acquire(conversation_id)
        try:
            try:
                return await send()
            finally:
                if throttle is not None:
                    throttle.settled(conversation_id)
        except aiohttp.ClientResponseError as error:
            if error.status == 403:
                raise Unreachable(conversation_id) from error
            if attempt == policy.attempts:
                raise
            if error.status == 429:
                delay = retry_after(
                    error.headers,
                    policy.retry_after_default,
                    policy.max_retry_after,
                    wall,
                )
            elif error.status in RETRY_STATUSES:
                ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
                delay = jitter(ceiling / 2, ceiling)
            else:
                raise
            logger.warning(
                "Teams answered %s for %s; try %d again in %.2f s",
                error.status,
                conversation_id[:60],
                attempt + 1,
                delay,
            )
            await sleep(delay)
    raise AssertionError("unreachable")


# A reply inside a turn waits for Teams at most this long: the person is watching, and
# Teams gives up on a turn after 15 seconds.
REPLY_POLICY = RetryPolicy(attempts=3, max_retry_after=5.0)


def root_conversation(conversation_id: str) -> str:
    """A channel thread counts toward its channel's limits."""
    return conversation_id.split(";messageid=")[0]


async def reply_within_limits(
    send: Callable[[], Awaitable[T]],
    conversation_id: str,
    policy: RetryPolicy = REPLY_POLICY,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    jitter: Callable[[float, float], float] = random.uniform,
    wall: Callable[[], dt.datetime] = _wall,
) -> T:
    """A reply to the person in the turn: sent at once, and tried again when Teams answers
    429 (a proactive card to the same chat may have used the room) or 5xx, as a proactive
    send is. Replies do not queue in the throttle: a person typing cannot send faster than
    Teams allows, and a reply that waited behind a fan-out would keep them waiting."""
    return await _with_retries(
        send, root_conversation(conversation_id), None, policy, sleep, jitter, wall
    )


async def fan_out(
    items: Iterable[T], send: Callable[[T], Awaitable[R]], concurrency: int = 64
) -> AsyncIterator[tuple[T, R | BaseException]]:
    """Send to each item with at most `concurrency` in flight, yielding (item, result or
    error) as each finishes. Items are drawn lazily, so memory stays bounded."""
    iterator = iter(items)
    running: dict[asyncio.Task[R], T] = {}

    def start_next() -> bool:
        try:
            item = next(iterator)
        except StopIteration:
            return False
        running[asyncio.ensure_future(send(item))] = item
        return True

    while len(running) < concurrency and start_next():
        pass
    try:
        while running:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                item = running.pop(task)
                error = task.exception()
                yield item, (error if error is not None else task.result())
                start_next()
    finally:
        for task in running:
            task.cancel()
