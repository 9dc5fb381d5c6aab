"""Traces and metrics from the real bot, as a process, to a local OpenTelemetry collector.

The bot runs in SharePoint mode against the local Graph-like server, exporting over OTLP/HTTP
to tests/support/otlp_collector.py. A person's turn is one "turn" span; the Graph calls it
makes are "graph <METHOD>" spans with the same correlation id, and Graph receives that id as
`client-request-id`. With telemetry off nothing is sent; with the collector down, or the
address wrong, people are answered as ever.

The turn is a SERVER span and each Graph call or send to Teams a CLIENT span, with
OpenTelemetry's HTTP attributes, so Application Insights shows requests and dependencies.
In this process (spans and measurements kept in memory): made-up Activity types and names
never make a metric series of their own, and a refused request's body is not read.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bot.agent import build_agent, build_connections
from bot.channel_posts import ChannelPoster
from bot.reply_hosts import ReplyHosts
from bot.settings import load_settings
from bot.telemetry.metrics import METER, use_meter
from bot.telemetry.tracing import TRACER, use_tracer
from tests.support.bot_process import BotProcess
from tests.support.fake_graph import FakeGraph
from tests.support.otlp_collector import Collector
from tests.support.ports import free_port
from tests.support.teams import TENANT, BotServer, Connector, TeamsUser


class Address:
    """What a TeamsUser needs of a bot in another process: its address (no test clock)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.clock = None


@pytest.fixture
async def collector() -> AsyncIterator[Collector]:
    server = Collector()
    await server.start()
    yield server
    await server.stop()


def graph_env(fake: FakeGraph, **extra: str) -> dict[str, str]:
    return {
        "BOT_STORE": "sharepoint",
        "FAKE_GRAPH_URL": fake.url,
        "FAKE_GRAPH_TENANT": fake.tenant_id,
        "FAKE_GRAPH_SITE_ID": fake.site_id,
        # Export spans and measurements often, so the test need not wait long.
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_METRIC_EXPORT_INTERVAL": "300",
        **extra,
    }


async def running(env: dict[str, str], data_dir: Path) -> BotProcess:
    process = BotProcess(env, data_dir)
    await process.start()
    return process


async def test_a_turn_and_its_graph_calls_share_one_correlation_id_that_graph_receives(
    tmp_path: Path,
    fake: FakeGraph,
    collector: Collector,
    connector: Connector,
    http: aiohttp.ClientSession,
) -> None:
    bot = await running(graph_env(fake, OTEL_EXPORTER_OTLP_ENDPOINT=collector.url), tmp_path)
    try:
        alex = TeamsUser(http, Address(bot.url), connector)  # type: ignore[arg-type]
        since = len(fake.requests)
        replies = await alex.say("my requests")
        assert replies, "the person was answered"
        graph_ids = {r.headers.get("client-request-id") for r in fake.requests[since:]}
        await collector.wait_for(
            lambda: any(
                s.attributes.get("dfd.correlation_id") in graph_ids for s in collector.named("turn")
            )
        )
        turn = next(
            s for s in collector.named("turn") if s.attributes["dfd.correlation_id"] in graph_ids
        )
        await collector.wait_for(lambda: "dfd.turns" in collector.metrics)
    finally:
        await bot.stop()
    correlation = turn.attributes["dfd.correlation_id"]
    assert turn.service == "digital-front-door"
    # A request to Application Insights: a SERVER span with the HTTP attributes it reads.
    assert turn.kind == "SERVER"
    assert turn.attributes["http.request.method"] == "POST"
    assert turn.attributes["http.route"] == turn.attributes["url.path"] == "/api/messages"
    assert turn.attributes["http.response.status_code"] == turn.attributes["dfd.status_code"]
    assert turn.attributes["dfd.activity_type"] == "message"
    assert turn.attributes["dfd.conversation_type"] == "personal"
    assert turn.attributes["dfd.channel"] == "msteams"
    assert turn.attributes["dfd.status_code"] in (200, 202)
    assert turn.attributes["dfd.outcome"] == "ok"
    graph_spans = [
        s
        for s in collector.spans
        if s.name.startswith("graph ") and s.attributes["dfd.correlation_id"] == correlation
    ]
    assert graph_spans, "the turn's Graph calls are spans with its correlation id"
    assert all(s.trace_id == turn.trace_id for s in graph_spans), "one trace for the turn"
    for span in graph_spans:
        # An HTTP dependency to Application Insights: a CLIENT span, its address a template.
        assert span.kind == "CLIENT"
        assert span.attributes["http.request.method"] == span.name.removeprefix("graph ")
        assert span.attributes["server.address"] == "127.0.0.1"
        assert span.attributes["url.template"] == span.attributes["dfd.graph.path"]
        assert span.attributes["url.full"] == (
            f"{fake.url.rstrip('/')}{span.attributes['url.template']}"
        )
        assert "?" not in span.attributes["url.full"]
        assert span.attributes["http.response.status_code"] == span.attributes["dfd.status_code"]
        assert span.attributes["dfd.graph.path"].startswith("/v1.0/")
        assert (
            "{id}" in span.attributes["dfd.graph.path"]
            or "$batch" in span.attributes["dfd.graph.path"]
        )
        assert "?" not in span.attributes["dfd.graph.path"]
        assert isinstance(span.attributes["dfd.status_code"], int)
    turns = collector.metrics["dfd.turns"]
    assert {"dfd.activity_type": "message"}.items() <= turns[0].items() or any(
        point.get("dfd.activity_type") == "message" for point in turns
    )
    assert "dfd.graph.calls" in collector.metrics
    assert all("dfd.correlation_id" not in point for point in turns), "ids stay out of metrics"


async def test_with_telemetry_off_nothing_is_sent(
    tmp_path: Path,
    fake: FakeGraph,
    collector: Collector,
    connector: Connector,
    http: aiohttp.ClientSession,
) -> None:
    # The collector listens, but the bot is not told where it is.
    bot = await running(graph_env(fake), tmp_path)
    try:
        alex = TeamsUser(http, Address(bot.url), connector)  # type: ignore[arg-type]
        assert await alex.say("my requests")
        assert await alex.say("help")
    finally:
        await bot.stop()
    assert fake.requests, "the turns did call Graph"
    assert collector.exports == 0 and not collector.spans


@pytest.mark.parametrize("where", ["down", "not a collector"])
async def test_a_collector_that_is_down_or_wrong_never_breaks_a_turn(
    where: str,
    tmp_path: Path,
    fake: FakeGraph,
    connector: Connector,
    http: aiohttp.ClientSession,
) -> None:
    # Nothing listens on a free port; the Graph-like server answers 404 to /v1/traces.
    endpoint = f"http://127.0.0.1:{free_port()}" if where == "down" else fake.url
    bot = await running(graph_env(fake, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint), tmp_path)
    try:
        alex = TeamsUser(http, Address(bot.url), connector)  # type: ignore[arg-type]
        for _ in range(3):
            replies = await alex.say("my requests")
            assert replies and replies[0].get("type") == "message"
        assert "new request" in json.dumps(await alex.say("help"))
    finally:
        await bot.stop()
    assert bot.process is not None and bot.process.returncode == 0, bot.log_tail()


@dataclass
class Recorded:
    """Every span and measurement of the bot running in this process."""

    spans: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)
    reader: InMemoryMetricReader = field(default_factory=InMemoryMetricReader)

    def series(self, name: str) -> dict[frozenset[tuple[str, Any]], int]:
        """Each series of the counter `name` (its labels) and its count."""
        found: dict[frozenset[tuple[str, Any]], int] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        for point in metric.data.data_points:
                            labels = frozenset(dict(point.attributes or {}).items())
                            found[labels] = int(getattr(point, "value", 0))
        return found


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    """Spans and measurements as configure_telemetry would export them (our own providers,
    never the global ones)."""
    capture = Recorded()
    tracing = TracerProvider()
    tracing.add_span_processor(SimpleSpanProcessor(capture.spans))
    meters = MeterProvider(metric_readers=[capture.reader])
    use_tracer(tracing.get_tracer(TRACER))
    use_meter(meters.get_meter(METER))
    try:
        yield capture
    finally:
        use_tracer(trace.NoOpTracer())
        use_meter(metrics.NoOpMeter(METER))
        tracing.shutdown()
        meters.shutdown()


JUNK = ["Zzaaa", "Zzaab", "Zzaac", "zz-with-dashes", "M" * 300]


async def test_made_up_activity_kinds_are_one_other_series_and_refusals_are_not_read(
    recorded: Recorded, bot: BotServer, alex: TeamsUser, http: aiohttp.ClientSession
) -> None:
    # Made-up types, invoke names, conversation types and channels: each must not become a
    # series of its own (a dashboard would grow without end), nor reach a span.
    for junk in JUNK:
        conversation = {**alex.conversation, "conversationType": junk}
        status, _ = await alex.post(
            alex.activity(type=junk, conversation=conversation, channelId=junk.lower()[:20])
        )
        assert status < 500
        status, _ = await alex.post(alex.activity(type="invoke", name=f"{junk}/x", value={}))
        assert status == 200
    assert await alex.say("help")
    # Refused at the door (a web page's request), with made-up values in the body.
    for junk in JUNK:
        async with http.post(
            f"{bot.url}/api/messages",
            json=alex.activity(type=junk, channelId=junk),
            headers={"Origin": "https://elsewhere.example"},
        ) as response:
            assert response.status == 403
    turns = recorded.series("dfd.turns")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for labels in turns:
        by_type.setdefault(dict(labels)["dfd.activity_type"], []).append(dict(labels))
    assert set(by_type) == {"other", "invoke", "message", "refused"}
    assert by_type["other"] == [
        {
            "dfd.activity_type": "other",
            "dfd.conversation_type": "other",
            "dfd.channel": "other",
            "dfd.status_code": by_type["other"][0]["dfd.status_code"],
            "dfd.outcome": "ok",
        }
    ], "every made-up type, conversation type and channel is one series"
    assert turns[frozenset(by_type["other"][0].items())] == len(JUNK)
    assert [labels["dfd.invoke"] for labels in by_type["invoke"]] == ["other"]
    assert by_type["refused"] == [
        {"dfd.activity_type": "refused", "dfd.status_code": 403, "dfd.outcome": "ok"}
    ], "nothing in a refused request's body is read for it"
    assert by_type["message"][0]["dfd.conversation_type"] == "personal"
    assert by_type["message"][0]["dfd.channel"] == "msteams"
    for span in recorded.spans.get_finished_spans():
        for value in (span.attributes or {}).values():
            assert not any(junk.lower()[:5] in str(value).lower() for junk in JUNK), span.name


async def test_a_card_sent_outside_a_turn_is_a_client_span_to_the_teams_service(
    recorded: Recorded, tmp_path: Path, connector: Connector
) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path), "HOST": "127.0.0.1"})
    _, adapter = build_agent(settings, build_connections(settings))
    poster = ChannelPoster(adapter, "", ReplyHosts(frozenset(), loopback_only=True))
    reference = {
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "conversation": {"id": "a:ann", "conversationType": "personal", "tenantId": TENANT},
        "bot": {"id": "28:digital-front-door"},
    }
    card = {"type": "AdaptiveCard", "version": "1.5", "body": []}
    await poster.send_card(reference, card)
    assert connector.in_conversation("a:ann"), "the card was sent"
    [sent] = [s for s in recorded.spans.get_finished_spans() if s.name == "send"]
    assert sent.kind is trace.SpanKind.CLIENT
    assert (sent.attributes or {})["server.address"] == "127.0.0.1"
    assert (sent.attributes or {})["dfd.send"] == "message"
