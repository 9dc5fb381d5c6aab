"""The throttle keeps Teams' windows exactly; the retry policy does what each answer asks.

The throttle runs on a fake monotonic clock (sleeping moves it), so the windows are
checked to the hundredth of a second without waiting. The retry policy is checked with
real failures: the Agents SDK's own connector client sending to a local connector that
answers 429, 503, 403 as told.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.agent import build_agent, build_connections
from bot.channel_posts import ChannelPoster
from bot.delivery import (
    MAX_CARD_BYTES,
    PER_CONVERSATION,
    BotLimit,
    CardTooLarge,
    NotInstalled,
    RetryPolicy,
    Throttle,
    Unreachable,
    Window,
    check_card_size,
    fan_out,
    per_bot,
    reply_within_limits,
    send_with_retries,
)
from bot.reply_hosts import ReplyHosts
from bot.settings import SettingsError, load_settings
from graph_clients.installer import AppInstaller
from tests.support.fake_graph import FakeTeamsGraph
from tests.support.graph import TEST_POLICY, connect
from tests.support.teams import TENANT, Connector

UNLIMITED = BotLimit(float("inf"), (Window(10**6, 1.0),))
TEAMS_LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))


class FakeTime:
    """Monotonic time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t = max(self.t, self.t + seconds)
        await asyncio.sleep(0)


def throttle(time: FakeTime, bot: BotLimit = UNLIMITED) -> Throttle:
    return Throttle(bot_limit=bot, now=time.now, sleep=time.sleep)


def most_in_any_window(times: list[float], seconds: float) -> int:
    return max(sum(1 for u in times if t - seconds < u <= t) for t in times)


async def test_one_conversation_gets_seven_at_once_then_waits_for_the_windows() -> None:
    time = FakeTime()
    gate = throttle(time)
    times = [await gate.acquire("a:ann") for _ in range(16)]
    assert times[:7] == [0.0] * 7
    assert times[7] == pytest.approx(1.05)  # 7 a second (plus the guard)
    assert times[8] == pytest.approx(2.05)  # 8 in 2 seconds
    assert times[13] == pytest.approx(2.05)  # six more fit 7 a second at 2.05
    assert times[14] == pytest.approx(2.10)  # the 1.05 send must leave the 1 s window
    for limit, seconds in TEAMS_LIMITS:
        assert most_in_any_window(times, seconds) <= limit


async def test_sixty_in_thirty_seconds_and_1800_an_hour_hold_exactly() -> None:
    time = FakeTime()
    gate = throttle(time)
    times = [await gate.acquire("a:ann") for _ in range(1801)]
    assert times[60] >= times[0] + 30.05 - 1e-9
    assert times[60] == pytest.approx(30.05)
    assert times[1800] == pytest.approx(3600.05)
    assert most_in_any_window(times[:200], 30.0) == 60
    assert sum(1 for t in times if t < 3600.0) == 1800
    assert len(time.sleeps) <= 1801, "no busy waiting: at most one sleep per send"


async def test_the_bot_across_the_tenant_is_paced_evenly_under_fifty_a_second() -> None:
    time = FakeTime()
    gate = throttle(time, per_bot(50, margin=1))
    times = [await gate.acquire(f"a:person-{i}") for i in range(500)]
    assert most_in_any_window(times, 1.0) <= 50
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 48 <= rate <= 50
    gaps = [b - a for a, b in itertools.pairwise(times)]  # no burst, even at the start
    assert min(gaps) == pytest.approx(1 / 49) and max(gaps) == pytest.approx(1 / 49)


async def test_a_send_that_woke_late_does_not_slow_the_pace() -> None:
    time = FakeTime()
    gate = throttle(time, per_bot(50, margin=1))

    async def late_sleep(seconds: float) -> None:
        await time.sleep(seconds + 0.004)  # a busy event loop wakes everyone a little late

    gate.sleep = late_sleep
    times = [await gate.acquire(f"a:person-{i}") for i in range(491)]
    assert times[-1] <= 10.0 + 0.01, "490 sends at 49 a second take 10 s, lateness or not"
    assert most_in_any_window(times, 1.0) <= 50


async def test_the_ceiling_is_a_parameter() -> None:
    time = FakeTime()
    gate = throttle(time, per_bot(10, margin=1))
    times = [await gate.acquire(f"a:p{i}") for i in range(100)]
    assert most_in_any_window(times, 1.0) <= 10
    assert (len(times) - 1) / (times[-1] - times[0]) == pytest.approx(9, rel=0.01)


async def test_first_come_first_served_across_conversations() -> None:
    time = FakeTime()
    gate = throttle(time, per_bot(5, margin=0))
    order: list[str] = []

    async def send(name: str) -> None:
        await gate.acquire(name)
        order.append(name)

    names = [f"a:p{i}" for i in range(12)]
    await asyncio.gather(*(send(n) for n in names))
    assert order == names


async def test_messages_to_one_person_keep_their_order_while_waiting() -> None:
    time = FakeTime()
    gate = throttle(time)
    order: list[int] = []

    async def send(i: int) -> None:
        async with gate.in_order("a:ann"):
            await gate.acquire("a:ann")
            await asyncio.sleep(0)  # the request itself
            order.append(i)

    await asyncio.gather(*(send(i) for i in range(20)))
    assert order == list(range(20))


async def test_a_slow_answer_pushes_the_next_send_back_so_it_cannot_arrive_too_soon() -> None:
    """Windows count from each send's answer: a request that took long to reach Teams
    cannot be overtaken in Teams' count by the next one."""
    time = FakeTime()
    gate = throttle(time)
    released: list[float] = []

    async def send() -> None:
        released.append(time.now())
        await time.sleep(0.1)  # the round trip

    for _ in range(9):
        await send_with_retries(send, "a:ann", gate, sleep=time.sleep)
    assert released[:7] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert released[7] == pytest.approx(0.1 + 1.05), "7 a second, from the 1st answer"
    assert released[8] == pytest.approx(0.1 + 2.05), "8 in 2 seconds, from the 1st answer"


async def test_forgotten_conversations_free_their_memory() -> None:
    time = FakeTime()
    gate = throttle(time)
    for i in range(50):
        await gate.acquire(f"a:p{i}")
    assert gate.tracked() == 50
    time.t += 3700
    for i in range(1000):
        await gate.acquire(f"a:q{i}")
    assert gate.tracked() <= 1000


def test_the_default_windows_are_teams_limits_with_a_small_guard() -> None:
    assert [(w.limit, round(w.seconds)) for w in PER_CONVERSATION] == list(TEAMS_LIMITS)
    pairs = zip(PER_CONVERSATION, TEAMS_LIMITS, strict=True)
    assert all(0 < w.seconds - s <= 0.1 for w, (_, s) in pairs)


# ---- the retry policy, with failures made by the SDK's connector client


class Scripted(Connector):
    """Answers each send with the next status in `script` (then 200)."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        super().__init__()
        self.script = list(script)
        self.tries = 0

    async def _post(self, request: web.Request) -> web.Response:
        self.tries += 1
        if self.script:
            status, headers = self.script.pop(0)
            return web.json_response({"error": {"code": "x"}}, status=status, headers=headers)
        return await super()._post(request)


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    connector = Scripted([])
    await connector.start()
    yield connector
    await connector.stop()


def reference(connector: Connector, cid: str = "a:ann") -> dict[str, Any]:
    return {
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "conversation": {"id": cid, "conversationType": "personal", "tenantId": TENANT},
        "bot": {"id": "28:digital-front-door"},
    }


def poster(slept: list[float], policy: RetryPolicy | None = None) -> ChannelPoster:
    """The real adapter and poster, sending without a token as in local mode; the
    retry policy's waits are recorded, not slept."""
    settings = load_settings({"DATA_DIR": "/tmp/dfd-unused", "HOST": "127.0.0.1"})
    _, adapter = build_agent(settings, build_connections(settings))

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    time = FakeTime()
    return ChannelPoster(
        adapter,
        "",
        ReplyHosts(frozenset(), loopback_only=True),
        throttle=Throttle(now=time.now, sleep=time.sleep),
        policy=policy or RetryPolicy(),
        sleep=sleep,
    )


CARD = {"type": "AdaptiveCard", "version": "1.5", "body": []}


async def test_429_waits_for_retry_after_in_seconds_then_sends(scripted: Scripted) -> None:
    scripted.script = [(429, {"Retry-After": "7"}), (429, {"Retry-After": "2"})]
    slept: list[float] = []
    message_id = await poster(slept).send_card(reference(scripted), CARD)
    assert slept == [7.0, 2.0]
    assert message_id.startswith("msg-") and scripted.tries == 3
    assert len(scripted.in_conversation("a:ann")) == 1


async def test_429_with_an_http_date_and_without_retry_after() -> None:
    wall = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
    date = email.utils.format_datetime(wall + dt.timedelta(seconds=12), usegmt=True)
    policy = RetryPolicy(retry_after_default=1.5, max_retry_after=60)
    slept: list[float] = []
    script = [429, 429, 429]
    headers = [{"Retry-After": date}, {}, {"Retry-After": "3600"}]

    async def send() -> str:
        status = script.pop(0) if script else 200
        if status != 200:
            raise aiohttp.ClientResponseError(
                None,  # type: ignore[arg-type]
                (),
                status=status,
                headers=headers.pop(0),  # type: ignore[arg-type]
            )
        return "sent"

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    result = await send_with_retries(send, "a:ann", None, policy, sleep=sleep, wall=lambda: wall)
    assert result == "sent"
    assert slept == [12.0, 1.5, 60.0], "a date, the default, then bounded"


async def test_503_backs_off_exponentially_with_jitter_within_bounds(scripted: Scripted) -> None:
    scripted.script = [(503, {}), (502, {}), (504, {}), (412, {})]
    slept: list[float] = []
    await poster(slept, RetryPolicy(attempts=5, base_delay=0.25, max_delay=1.0)).send_card(
        reference(scripted), CARD
    )
    assert len(slept) == 4 and scripted.tries == 5
    ceilings = [0.25, 0.5, 1.0, 1.0]
    for waited, ceiling in zip(slept, ceilings, strict=True):
        assert ceiling / 2 <= waited <= ceiling


async def test_retries_are_bounded_then_the_failure_is_raised(scripted: Scripted) -> None:
    scripted.script = [(503, {})] * 10
    slept: list[float] = []
    with pytest.raises(aiohttp.ClientResponseError) as raised:
        await poster(slept, RetryPolicy(attempts=3)).send_card(reference(scripted), CARD)
    assert raised.value.status == 503
    assert scripted.tries == 3 and len(slept) == 2
    assert scripted.in_conversation("a:ann") == []


async def test_403_is_unreachable_at_once(scripted: Scripted) -> None:
    scripted.script = [(403, {}), (403, {})]
    slept: list[float] = []
    with pytest.raises(Unreachable):
        await poster(slept).send_card(reference(scripted), CARD)
    assert scripted.tries == 1 and slept == []


async def test_other_failures_are_raised_without_retrying(scripted: Scripted) -> None:
    scripted.script = [(400, {})]
    slept: list[float] = []
    with pytest.raises(aiohttp.ClientResponseError) as raised:
        await poster(slept).send_card(reference(scripted), CARD)
    assert raised.value.status == 400 and scripted.tries == 1 and slept == []


async def test_a_card_over_80_kb_is_never_sent_so_413_never_happens(scripted: Scripted) -> None:
    big = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "x" * MAX_CARD_BYTES}]}
    slept: list[float] = []
    with pytest.raises(CardTooLarge):
        await poster(slept).send_card(reference(scripted), big)
    with pytest.raises(CardTooLarge):
        await poster(slept).replace_card(reference(scripted), "msg-1", big)
    assert scripted.tries == 0
    just_under = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "x" * 80_000}]}
    assert check_card_size(just_under) <= MAX_CARD_BYTES
    await poster(slept).send_card(reference(scripted), just_under)
    assert scripted.tries == 1


async def test_a_failed_send_posts_no_error_message_into_the_chat(scripted: Scripted) -> None:
    """The adapter's own turn-error handler would post "Exception caught" to the person."""
    scripted.script = [(400, {})]
    with pytest.raises(aiohttp.ClientResponseError):
        await poster([]).send_card(reference(scripted), CARD)
    assert scripted.tries == 1 and scripted.sent == []


async def test_a_chat_is_created_for_someone_who_never_spoke_to_the_bot(
    scripted: Scripted,
) -> None:
    post = poster([])
    chat = await post.create_personal_chat("29:new-person", TENANT, reference(scripted, "19:ch"))
    assert chat["conversation"]["id"] == "a:created-29:new-person"
    assert chat["serviceUrl"] == scripted.url and chat["bot"]["id"] == "28:digital-front-door"
    asked = scripted.created["a:created-29:new-person"]
    assert asked["members"] == [{"id": "29:new-person"}] and asked["tenantId"] == TENANT
    await post.send_card(chat, CARD)
    assert len(scripted.in_conversation("a:created-29:new-person")) == 1


async def test_fan_out_keeps_a_bound_on_sends_in_flight() -> None:
    in_flight = 0
    most = 0

    async def send(i: int) -> int:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        if i == 3:
            raise ValueError("boom")
        return i * 2

    results = {item: result async for item, result in fan_out(iter(range(200)), send, 16)}
    assert most == 16 and len(results) == 200
    assert isinstance(results[3], ValueError) and results[10] == 20


# ---- installing the app for a person, through the real msgraph-sdk

APP = "1c2d3e4f-0000-4000-8000-00000000a9b1"


@pytest.fixture
async def teams_graph() -> AsyncIterator[FakeTeamsGraph]:
    server = FakeTeamsGraph(catalog=frozenset({APP}))
    await server.start()
    yield server
    await server.stop()


def installs(fake: FakeTeamsGraph) -> list[Any]:
    return [r for r in fake.graph_requests() if r.path.endswith("/teamwork/installedApps")]


async def test_the_app_is_installed_for_a_person_once(teams_graph: FakeTeamsGraph) -> None:
    graph = connect(teams_graph)
    try:
        installer = AppInstaller(graph.client, APP, graph.base_url, TEST_POLICY)
        await installer.install_for("aad-ann")
        await installer.install_for("aad-ann")
        assert teams_graph.installed == {"aad-ann": {APP}}
        (sent,) = installs(teams_graph)
        assert sent.method == "POST" and sent.path == "/v1.0/users/aad-ann/teamwork/installedApps"
        assert sent.body["teamsApp@odata.bind"] == f"{graph.base_url}/appCatalogs/teamsApps/{APP}"
        assert sent.headers.get("Authorization", "").startswith("Bearer ")
    finally:
        await graph.close()


async def test_already_installed_409_is_fine(teams_graph: FakeTeamsGraph) -> None:
    teams_graph.installed["aad-ann"] = {APP}
    graph = connect(teams_graph)
    try:
        await AppInstaller(graph.client, APP, graph.base_url, TEST_POLICY).install_for("aad-ann")
        assert [r.status for r in installs(teams_graph)] == [409]
    finally:
        await graph.close()


async def test_an_unknown_person_or_app_is_an_error(teams_graph: FakeTeamsGraph) -> None:
    teams_graph.people = {"aad-ann"}
    graph = connect(teams_graph)
    try:
        with pytest.raises(NotInstalled, match="404"):
            await AppInstaller(graph.client, APP, graph.base_url, TEST_POLICY).install_for("nobody")
        other = AppInstaller(graph.client, "not-in-catalog", graph.base_url, TEST_POLICY)
        with pytest.raises(NotInstalled):
            await other.install_for("aad-ann")
        assert teams_graph.installed == {}
    finally:
        await graph.close()


def test_teams_app_id_is_checked_at_start() -> None:
    base = {"DATA_DIR": "/tmp/dfd-unused", "HOST": "127.0.0.1"}
    with pytest.raises(SettingsError) as bad:
        load_settings({**base, "BOT_STORE": "sharepoint", "TEAMS_APP_ID": "my-bot"})
    assert any("TEAMS_APP_ID must be the app's id" in p for p in bad.value.problems)
    with pytest.raises(SettingsError) as no_graph:
        load_settings({**base, "BOT_STORE": "sqlite", "TEAMS_APP_ID": APP})
    assert any("TEAMS_APP_ID needs Microsoft Graph" in p for p in no_graph.value.problems)
    settings = load_settings({**base, "BOT_STORE": "sharepoint", "TEAMS_APP_ID": f" {APP} "})
    assert settings.teams_app_id == APP
    assert load_settings(base).teams_app_id == ""


async def test_a_reply_answered_429_is_sent_again_after_retry_after() -> None:
    time = FakeTime()
    answers = iter([429, 429, 200])
    tries: list[int] = []

    async def send() -> str:
        status = next(answers)
        tries.append(status)
        if status == 429:
            raise aiohttp.ClientResponseError(
                None,  # type: ignore[arg-type]
                (),
                status=429,
                headers={"Retry-After": "2"},  # type: ignore[arg-type]
            )
        return "ok"

    assert await reply_within_limits(send, "a:ann", sleep=time.sleep) == "ok"
    assert tries == [429, 429, 200]
    assert time.sleeps == [2.0, 2.0]


async def test_a_reply_waits_for_teams_no_longer_than_the_person_would() -> None:
    time = FakeTime()
    tries: list[int] = []

    async def send() -> str:
        tries.append(429)
        raise aiohttp.ClientResponseError(
            None,  # type: ignore[arg-type]
            (),
            status=429,
            headers={"Retry-After": "120"},  # type: ignore[arg-type]
        )

    with pytest.raises(aiohttp.ClientResponseError):
        await reply_within_limits(send, "19:team@thread.tacv2;messageid=7", sleep=time.sleep)
    assert len(tries) == 3  # three tries in all
    assert time.sleeps == [5.0, 5.0]  # Retry-After is capped for a reply: a person is waiting
