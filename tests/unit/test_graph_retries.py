"""The one retry policy for Graph: honours Retry-After, backs off with jitter, always stops."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
from kiota_abstractions.api_error import APIError

from graph_clients.client import (
    GraphUnavailable,
    RetryPolicy,
    ThrottleGate,
    is_transient,
    retry_after_seconds,
    waiting_at_most,
    with_retries,
)


def api_error(status: int, retry_after: str | None = None) -> APIError:
    error = APIError(f"HTTP {status}")
    error.response_status_code = status
    error.response_headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return error


class Clock:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def failing(*errors: BaseException, result: str = "done"):  # type: ignore[no-untyped-def]
    remaining = list(errors)
    calls = {"n": 0}

    async def call() -> str:
        calls["n"] += 1
        if remaining:
            raise remaining.pop(0)
        return result

    return call, calls


async def test_429_waits_exactly_what_retry_after_asks() -> None:
    clock = Clock()
    call, calls = failing(api_error(429, "3"), api_error(429, "1"))
    assert await with_retries(call, RetryPolicy(), sleep=clock.sleep) == "done"
    assert clock.waits == [3.0, 1.0]
    assert calls["n"] == 3


async def test_503_with_retry_after_is_honoured_too() -> None:
    clock = Clock()
    call, _ = failing(api_error(503, "2"))
    await with_retries(call, RetryPolicy(), sleep=clock.sleep)
    assert clock.waits == [2.0]


async def test_other_transient_failures_back_off_exponentially_with_jitter() -> None:
    clock = Clock()
    errors = [api_error(500), api_error(502), httpx.ConnectError("gone"), api_error(504)]
    call, _ = failing(*errors)
    policy = RetryPolicy(max_tries=5, base_delay=1.0, max_delay=100.0)
    await with_retries(call, policy, sleep=clock.sleep)
    ceilings = [1.0, 2.0, 4.0, 8.0]
    assert len(clock.waits) == 4
    for wait, ceiling in zip(clock.waits, ceilings, strict=True):
        assert 0 <= wait <= ceiling


async def test_tries_are_bounded() -> None:
    clock = Clock()
    call, calls = failing(*[api_error(503, "0")] * 10)
    with pytest.raises(GraphUnavailable):
        await with_retries(call, RetryPolicy(max_tries=3), sleep=clock.sleep)
    assert calls["n"] == 3


async def test_total_time_is_bounded_a_long_retry_after_gives_up_at_once() -> None:
    clock = Clock()
    call, calls = failing(api_error(429, "120"))
    with pytest.raises(GraphUnavailable):
        await with_retries(call, RetryPolicy(max_retry_after=30), sleep=clock.sleep)
    assert clock.waits == [] and calls["n"] == 1
    call, calls = failing(api_error(429, "6"), api_error(429, "6"))
    with pytest.raises(GraphUnavailable):
        await with_retries(call, RetryPolicy(max_total_seconds=10), sleep=clock.sleep)


async def test_errors_that_will_not_go_away_are_not_retried() -> None:
    for status in (400, 401, 403, 404, 409, 412):
        call, calls = failing(api_error(status))
        with pytest.raises(APIError):
            await with_retries(call, RetryPolicy(), sleep=Clock().sleep)
        assert calls["n"] == 1, status


class StandStill:
    """Monotonic time that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def test_a_retry_after_told_to_one_caller_makes_every_caller_wait() -> None:
    moment = StandStill()
    policy = RetryPolicy(gate=ThrottleGate(moment.time, moment.sleep))
    throttled, _ = failing(api_error(429, "120"))
    with pytest.raises(GraphUnavailable):  # too long to wait: it gives up, the gate stays shut
        await with_retries(throttled, policy, sleep=moment.sleep)
    moment.now += 100
    other, calls = failing()
    # 20 s of the pause left: a person's read cannot wait that long, and sends nothing.
    with pytest.raises(GraphUnavailable, match="not sent"), waiting_at_most(0.5):
        await with_retries(other, policy, sleep=moment.sleep)
    assert calls["n"] == 0
    assert await with_retries(other, policy, sleep=moment.sleep) == "done"
    assert moment.waits == [20.0] and calls["n"] == 1


async def test_with_a_gate_retry_after_is_waited_once_not_twice() -> None:
    moment = StandStill()
    policy = RetryPolicy(gate=ThrottleGate(moment.time, moment.sleep))
    call, calls = failing(api_error(503, "3"), api_error(429, "1"))
    assert await with_retries(call, policy, sleep=moment.sleep) == "done"
    assert moment.waits == [3.0, 1.0] and calls["n"] == 3


async def test_a_person_waiting_gives_up_rather_than_wait_out_a_long_retry_after() -> None:
    moment = StandStill()
    policy = RetryPolicy(gate=ThrottleGate(moment.time, moment.sleep))
    call, calls = failing(api_error(503, "5"))
    with pytest.raises(GraphUnavailable), waiting_at_most(0.5):
        await with_retries(call, policy, sleep=moment.sleep)
    assert calls["n"] == 1 and moment.waits == []
    assert policy.gate is not None and policy.gate.shut_for() == 5.0


async def test_the_gate_knows_whether_graph_answered_last() -> None:
    gate = ThrottleGate()
    policy = RetryPolicy(max_tries=1, gate=gate)
    call, _ = failing(api_error(500))
    with pytest.raises(GraphUnavailable):
        await with_retries(call, policy, sleep=Clock().sleep)
    assert not gate.reachable
    call, _ = failing(api_error(404))
    with pytest.raises(APIError):
        await with_retries(call, policy)
    assert gate.reachable


def test_retry_after_in_both_forms() -> None:
    assert retry_after_seconds({"retry-after": "7"}) == 7.0
    assert retry_after_seconds({"Retry-After": "0.5"}) == 0.5
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    value = retry_after_seconds({"Retry-After": later})
    assert value is not None and 27 <= value <= 31
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None
    assert retry_after_seconds(None) is None


def test_what_counts_as_transient() -> None:
    assert is_transient(api_error(429)) and is_transient(api_error(503))
    assert is_transient(httpx.ReadTimeout("slow"))
    assert not is_transient(api_error(404))
    assert not is_transient(ValueError("bug"))
