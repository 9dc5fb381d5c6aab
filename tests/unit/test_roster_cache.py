"""The roster cache: asks Graph rarely, survives an outage, and fails closed."""

from __future__ import annotations

import asyncio
import logging

import pytest

from graph_clients.roster import CachedSet, StaticRoster

TTL = 300.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Fetch:
    """Hands out the given answers in turn: a set, or an exception to raise."""

    def __init__(self, *answers: frozenset[str] | Exception) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.release: asyncio.Event | None = None  # set to hold every fetch until released

    async def __call__(self) -> frozenset[str]:
        self.calls += 1
        if self.release is not None:
            await self.release.wait()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_the_set_is_fetched_once_and_reused_within_the_ttl(clock: Clock) -> None:
    fetch = Fetch(frozenset({"a", "b"}))
    cache = CachedSet(fetch, TTL, clock)
    assert await cache.get() == {"a", "b"}
    clock.now += TTL - 1
    assert await cache.get() == {"a", "b"}
    assert fetch.calls == 1


async def test_after_the_ttl_the_set_is_fetched_again(clock: Clock) -> None:
    fetch = Fetch(frozenset({"a"}), frozenset({"b"}))
    cache = CachedSet(fetch, TTL, clock)
    assert await cache.get() == {"a"}
    clock.now += TTL
    assert await cache.get() == {"b"}
    assert fetch.calls == 2


async def test_a_failed_refresh_keeps_the_last_set_and_warns(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fetch = Fetch(frozenset({"a"}), RuntimeError("Graph is down"))
    cache = CachedSet(fetch, TTL, clock, what="roster")
    await cache.get()
    clock.now += TTL
    with caplog.at_level(logging.WARNING, logger="graph_clients.roster"):
        assert await cache.get() == {"a"}
    assert fetch.calls == 2
    assert any(
        r.levelno == logging.WARNING and "Graph is down" in r.getMessage() for r in caplog.records
    )


async def test_if_it_never_fetched_the_set_is_empty_and_it_is_logged(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    cache = CachedSet(Fetch(RuntimeError("Graph is down")), TTL, clock, what="roster")
    with caplog.at_level(logging.WARNING, logger="graph_clients.roster"):
        assert await cache.get() == frozenset()
    assert any(r.levelno >= logging.WARNING and "roster" in r.getMessage() for r in caplog.records)


async def test_after_a_failure_it_waits_before_trying_again_then_recovers(clock: Clock) -> None:
    fetch = Fetch(RuntimeError("Graph is down"), frozenset({"a"}))
    cache = CachedSet(fetch, TTL, clock, retry_after_failure=30.0)
    assert await cache.get() == frozenset()
    clock.now += 29
    assert await cache.get() == frozenset(), "not every caller waits out another outage"
    assert fetch.calls == 1
    clock.now += 1
    assert await cache.get() == {"a"}
    assert fetch.calls == 2


async def test_a_cancelled_fetch_is_not_taken_for_an_answer(clock: Clock) -> None:
    fetch = Fetch(frozenset({"a"}))
    fetch.release = asyncio.Event()
    cache = CachedSet(fetch, TTL, clock)
    waiting = asyncio.create_task(cache.get())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    fetch.release.set()
    assert await cache.get() == {"a"}
    assert fetch.calls == 2


async def test_concurrent_callers_share_one_fetch(clock: Clock) -> None:
    fetch = Fetch(frozenset({"a"}), frozenset({"never"}))
    fetch.release = asyncio.Event()
    cache = CachedSet(fetch, TTL, clock)
    callers = [asyncio.create_task(cache.get()) for _ in range(10)]
    await asyncio.sleep(0)
    fetch.release.set()
    assert await asyncio.gather(*callers) == [{"a"}] * 10
    assert fetch.calls == 1


async def test_concurrent_callers_after_expiry_share_one_refresh(clock: Clock) -> None:
    fetch = Fetch(frozenset({"a"}), frozenset({"b"}), frozenset({"never"}))
    cache = CachedSet(fetch, TTL, clock)
    await cache.get()
    clock.now += TTL
    fetch.release = asyncio.Event()
    callers = [asyncio.create_task(cache.get()) for _ in range(10)]
    await asyncio.sleep(0)
    fetch.release.set()
    assert await asyncio.gather(*callers) == [{"b"}] * 10
    assert fetch.calls == 2


async def test_the_static_roster_holds_exactly_its_ids() -> None:
    roster = StaticRoster(frozenset({"a", "b"}))
    assert await roster.members() == {"a", "b"}
    assert await roster.contains("a")
    assert not await roster.contains("c")
