"""No personal data in logs or telemetry.

The end-to-end journeys run with people whose names, email addresses, Entra ids and typed
words are made up to be unmistakable: a request raised, triaged and decided by a board, a
question asked and answered in a community, feedback, a procurement engagement, and some
bad input that the bot warns about. Every log line is captured at DEBUG in the product's
JSON format, and every span the bot records is captured too. Not one of those values may
appear in any of it, in SQLite mode or in SharePoint mode (the real msgraph-sdk against the
local Graph-like server, where Graph's errors might otherwise be logged with their bodies).

The capture must hold lines with correlation ids, so the scan cannot pass by seeing nothing.

Activities the bot does nothing with (an edit, a deletion, a reaction, typing, an install)
carry the person's words too, and aiohttp's access lines would carry a pack's token (its
only key): those are scanned as well, the access lines from `python -m bot` itself.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bot.telemetry.logs import NO_ROUTE, SDK_ROUTES_LOGGER, configure_logging, stop_logging
from bot.telemetry.metrics import METER, use_meter
from bot.telemetry.tracing import TRACER, use_tracer
from tests.e2e.boards import (
    agenda_of,
    decide,
    decision_card,
    make_member,
    register_board_channel,
    to_board,
)
from tests.e2e.communities import (
    SEND_ANSWER,
    action_with_verb,
    ask,
    question_reference,
    register_community,
    send_to_community,
    volunteer_and_approve,
    wait_for_card,
)
from tests.e2e.journey import GOOD_ANSWERS
from tests.e2e.procurement import check, none_fit
from tests.e2e.test_message_action import SAVED, dialog, fetch, inputs, message, said, submit
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.ports import free_port
from tests.support.teams import BotServer, Connector, TeamsUser, card_of, find_action

ROOT = Path(__file__).resolve().parents[2]
MARK = "PII-MARKER-7f3a"  # in every piece of free text, so any leak of typed words shows


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    aad_object_id: str
    user_id: str


# The admin keeps local mode's admin id (it is what makes them an admin); the others'
# ids are as unmistakable as their names.
ADMIN = Person(
    "Zebedee Quillfeather",
    "zebedee.quillfeather@example.gov.uk",
    "00000000-0000-0000-0000-0000000000020",
    "user-id-0",
)
REQUESTER = Person(
    "Ottoline Marchbank-Vey",
    "ottoline.marchbank-vey@example.gov.uk",
    "7f3a0001-b0b1-4c4c-9e9e-0123456789ab",
    "29:7f3a-requester-zz",
)
CHAMPION = Person(
    "Barnaby Wexcombe-Thrale",
    "barnaby.wexcombe-thrale@example.gov.uk",
    "7f3a0002-b0b1-4c4c-9e9e-0123456789ab",
    "29:7f3a-champion-zz",
)
ASKER = Person(
    "Philippa Drumgoole",
    "philippa.drumgoole@example.gov.uk",
    "7f3a0003-b0b1-4c4c-9e9e-0123456789ab",
    "29:7f3a-asker-zz",
)
PEOPLE = (ADMIN, REQUESTER, CHAMPION, ASKER)

ANSWERS: dict[int, dict[str, Any]] = {
    1: {
        **GOOD_ANSWERS[1],
        "title": f"Quillfeather garden waste bookings {MARK}-title",
        "problem": f"Residents phone {REQUESTER.name} ({REQUESTER.email}) to book garden "
        f"waste collections, and staff type each booking twice. {MARK}-problem",
    },
    2: {
        **GOOD_ANSWERS[2],
        "existing_systems": f"Power Automate, SharePoint {MARK}-systems",
        "user_research": f"Calls logged by {ASKER.name}. {MARK}-research",
    },
    3: {**GOOD_ANSWERS[3], "sponsor": f"{ADMIN.name}, {ADMIN.email} {MARK}-sponsor"},
    4: {**GOOD_ANSWERS[4], "resident_impact": f"Residents book any time. {MARK}-impact"},
}
QUESTION = f"How do I stop a Power Automate flow emailing {ASKER.email} every time? {MARK}-ask"
ANSWER = f"Add a condition before the Send an email step, {ASKER.name}. {MARK}-answer"
DECISION = {
    "changeOwner": f"{CHAMPION.name}, Waste Services {MARK}-owner",
    "changeHorizon": "now",
    "changeTheme": "design_plan_implement",
}
NEED = f"We want to take card payments online for pest control. {MARK}-need"


def forbidden() -> list[str]:
    """Everything that names or identifies a test person, or that they typed."""
    words = [MARK]
    for person in PEOPLE:
        words += [person.name, person.email, person.aad_object_id]
        words += person.name.split()  # a first or last name alone is still a leak
    return [w for w in words if len(w) > 3]


@dataclass
class Captured:
    """Log lines in the product's JSON format, finished spans and measurements, from the bot."""

    stream: io.StringIO = field(default_factory=io.StringIO)
    exporter: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)
    reader: InMemoryMetricReader = field(default_factory=InMemoryMetricReader)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def measurements(self) -> list[str]:
        """Each metric's name with the attributes of each of its data points."""
        data = self.reader.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    for point in metric.data.data_points:
                        found.append(json.dumps([metric.name, dict(point.attributes or {})]))
        return found


def span_text(span: ReadableSpan) -> str:
    """A span's name, attributes, status and events, as one string."""
    parts: list[Any] = [span.name, dict(span.attributes or {})]
    parts += [(event.name, dict(event.attributes or {})) for event in span.events]
    parts += [span.status.description or ""]
    return json.dumps(parts, default=str)


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Every log line from DEBUG up, as `python -m bot` logs them with LOG_FORMAT=json and
    LOG_LEVEL=DEBUG (but into a buffer, not stderr), and every span
    and measurement, as configure_telemetry would export them (to its own providers,
    never the global ones)."""
    capture = Captured()
    level = logging.getLogger().level
    handler = configure_logging("DEBUG", "json", capture.stream)
    tracing = TracerProvider()
    tracing.add_span_processor(SimpleSpanProcessor(capture.exporter))
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
        stop_logging(handler)
        logging.getLogger().setLevel(level)


@pytest.fixture(params=["sqlite", "sharepoint"])
async def server(
    request: pytest.FixtureRequest, tmp_path: Path, fake: FakeGraph, captured: Captured
) -> AsyncIterator[BotServer]:
    """The bot, started after the capture so that its start-up is scanned too."""
    if request.param == "sharepoint":
        bot = BotServer(tmp_path / "data", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    else:
        bot = BotServer(tmp_path / "data")
    await bot.start()
    yield bot
    await bot.stop()


def teams_user(
    http: aiohttp.ClientSession, bot: BotServer, connector: Connector, p: Person
) -> TeamsUser:
    conversation = {
        "id": f"a:personal-chat-{PEOPLE.index(p)}",
        "conversationType": "personal",
        "tenantId": "00000000-0000-0000-0000-0000000000aa",
    }
    return TeamsUser(http, bot, connector, p.user_id, p.name, p.aad_object_id, conversation)


async def raise_triage_and_decide(admin: TeamsUser, requester: TeamsUser, bot: BotServer) -> str:
    """A request raised, accepted to the Technical Review Board, and approved by it."""
    reference = await to_board(admin, requester, board="trb", answers=ANSWERS)
    channel = await register_board_channel(admin, "trb")
    await make_member(bot, "trb", admin, only=True)
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "approve_change", DECISION)
    await requester.say(f"status {reference}")
    return reference


async def ask_and_answer(admin: TeamsUser, asker: TeamsUser, champion: TeamsUser) -> None:
    await register_community(admin, "Power Platform")
    await volunteer_and_approve(champion, admin, "Power Platform")
    card = await ask(asker, QUESTION)
    reference = question_reference(card)
    await send_to_community(asker, card, "power-platform")
    offer = await wait_for_card(
        champion, champion.conversation_id, SEND_ANSWER, "reference", reference
    )
    data = action_with_verb(offer, SEND_ANSWER)["data"]
    champion.connector.fail_next = 2  # the asker's news of the answer is sent again
    await champion.press(SEND_ANSWER, data, {"answer_text": ANSWER})


async def feedback_with_bad_input(user: TeamsUser) -> None:
    """A bad rating first (a warning on the card), then a good one; the comment each time."""
    card = card_of((await user.say("feedback"))[-1])
    button = find_action(card, "Send feedback")
    comment = f"Slow to find my requests, says {user.name}. {MARK}-feedback"
    bad = await user.press(button["verb"], button["data"], {"rating": "five", "comment": comment})
    assert "Choose one of the options" in all_text(bad["value"]), bad
    button = find_action(bad["value"], "Send feedback")
    thanks = await user.press(button["verb"], button["data"], {"rating": "4", "comment": comment})
    assert "Thank you for your feedback" in all_text(thanks["value"]), thanks


async def raise_from_a_message(user: TeamsUser) -> None:
    """The message action on a colleague's message that names people; saved as a draft."""
    words = (
        f"<p>{ASKER.name} ({ASKER.email}) says the printer jams. "
        f'<at id="0">{CHAMPION.name}</at> knows. {MARK}-message</p>'
    )
    payload = message(
        words,
        **{"from": {"user": {"id": ASKER.aad_object_id, "displayName": ASKER.name}}},
        mentions=[
            {
                "id": 0,
                "mentionText": CHAMPION.name,
                "mentioned": {"user": {"id": CHAMPION.aad_object_id, "displayName": CHAMPION.name}},
            }
        ],
    )
    answers = inputs(dialog(await fetch(user, payload)))
    assert MARK in answers["problem"], answers
    assert said(await submit(user, answers, payload)) == SAVED


async def test_no_name_email_id_or_typed_words_reach_a_log_line_or_span(
    server: BotServer,
    captured: Captured,
    connector: Connector,
    fake: FakeGraph,
    http: aiohttp.ClientSession,
) -> None:
    admin, requester, champion, asker = (teams_user(http, server, connector, p) for p in PEOPLE)
    await raise_triage_and_decide(admin, requester, server)
    # Things going wrong, which is when code logs most: Graph failing and throttling (in
    # SharePoint mode) and Teams failing a send, while a question is asked and answered.
    fake.faults.fail_every, fake.faults.throttle_every, fake.faults.retry_after = 4, 7, "0"
    await ask_and_answer(admin, asker, champion)
    await requester.say("my requests")
    await server.settled()
    fake.faults.fail_every = fake.faults.throttle_every = 0
    await feedback_with_bad_input(requester)
    await raise_from_a_message(requester)
    await none_fit(requester, await check(requester, NEED), f"None take bookings. {MARK}-why")
    # Bad input: an unknown command with personal words in it, a form with a wrong date.
    await requester.say(f"please ring {REQUESTER.name} on 023 8000 0000 {MARK}-unknown")
    await requester.say(f"status DR-1999-9999 {REQUESTER.email}")
    await server.settled()

    lines, spans, measured = captured.lines(), captured.spans(), captured.measurements()
    assert lines, "nothing was logged: the scan would prove nothing"
    correlated = {line["correlation_id"] for line in lines} - {"-"}
    assert correlated, "no log line carried a turn's correlation id"
    assert any(line["logger"].startswith("bot.") for line in lines), "none of ours was logged"
    assert spans, "no span was recorded: the scan would prove nothing"
    assert any(s.attributes and s.attributes.get("dfd.correlation_id") for s in spans)
    assert measured, "nothing was measured: the scan would prove nothing"
    leaks = [
        (word, text)
        for text in [json.dumps(line) for line in lines] + [span_text(s) for s in spans] + measured
        for word in forbidden()
        if re.search(re.escape(word), text, re.IGNORECASE)
    ]
    assert not leaks, "\n".join(f"{word!r} in {text[:400]}" for word, text in leaks[:20])


def scanned(captured: Captured) -> list[tuple[str, str]]:
    """Each forbidden word found in a captured log line or span, with where it was."""
    texts = [json.dumps(line) for line in captured.lines()]
    texts += [span_text(s) for s in captured.spans()]
    return [
        (word, text)
        for text in texts
        for word in forbidden()
        if re.search(re.escape(word), text, re.IGNORECASE)
    ]


def others(user: TeamsUser) -> list[dict[str, Any]]:
    """Activities Teams sends that no journey answers, each with the person's words in it."""
    said = f"Ring {REQUESTER.name} on {REQUESTER.email} {MARK}"
    return [
        user.activity(
            type="messageUpdate",
            text=f"{said}-edited",
            channelData={"eventType": "editMessage", "tenant": {"id": "t"}},
        ),
        user.activity(
            type="messageDelete",
            text=f"{said}-deleted",
            channelData={"eventType": "softDeleteMessage", "tenant": {"id": "t"}},
        ),
        user.activity(
            type="messageReaction", text=f"{said}-reacted", reactionsAdded=[{"type": "like"}]
        ),
        user.activity(type="typing", text=f"{said}-typing"),
        user.activity(type="installationUpdate", action="add", text=f"{said}-installed"),
    ]


async def test_activities_no_journey_answers_are_taken_quietly_and_not_logged(
    server: BotServer,
    captured: Captured,
    connector: Connector,
    http: aiohttp.ClientSession,
) -> None:
    requester = teams_user(http, server, connector, REQUESTER)
    for activity in others(requester):
        status, _ = await requester.post(activity)
        assert status in (200, 202), (activity["type"], status)
    await server.settled()
    assert connector.in_conversation(requester.conversation_id) == [], "the bot said something"
    lines = captured.lines()
    handled = [line for line in lines if line["message"] == "Running activity handlers"]
    assert len(handled) == len(others(requester)), "not every Activity reached the routes"
    unrouted = [line for line in lines if line["message"].startswith("No route found")]
    assert not unrouted, f"an Activity found no route: {unrouted}"
    assert not [
        line for line in lines if line["logger"] == SDK_ROUTES_LOGGER and line["level"] != "DEBUG"
    ]
    leaks = scanned(captured)
    assert not leaks, "\n".join(f"{word!r} in {text[:400]}" for word, text in leaks[:20])


async def test_a_pack_token_never_reaches_the_access_log(tmp_path: Path) -> None:
    """`python -m bot` with LOG_FORMAT=json and LOG_LEVEL=INFO: a board's pack, a
    procurement pack and a path no route takes, each asked for with the marker in the path
    and in the query string. Every access line gives the route's template instead."""
    port = free_port()
    dropped = ("LOG_", "BOT_", "OTEL_", "APPLICATIONINSIGHTS_", "CLIENT_", "TENANT_", "STATE_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env = {
        **base,
        "BOT_MODE": "local",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    url = f"http://127.0.0.1:{port}"
    paths = {
        f"/boards/packs/{MARK}-pack.pdf?who={MARK}": "/boards/packs/{name}",
        f"/procurement/packs/{MARK}-token?who={REQUESTER.email}": "/procurement/packs/{token}",
        f"/{MARK}/nowhere?q={MARK}": NO_ROUTE,
    }
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot"], env=env, cwd=ROOT, stdout=stderr, stderr=stderr
        )
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 90
            while True:
                assert bot.poll() is None, f"python -m bot stopped: {log.read_text()}"
                assert time.monotonic() < deadline, (
                    f"python -m bot did not start: {log.read_text()}"
                )
                try:
                    async with session.get(f"{url}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            for path in paths:
                async with session.get(url + path) as response:
                    await response.read()
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=30)
    text = log.read_text()
    for word in forbidden():
        assert word.lower() not in text.lower(), f"{word!r} in the log of python -m bot"
    lines = [json.loads(line) for line in text.splitlines()]
    access = [line for line in lines if line["logger"] == "aiohttp.access"]
    routes = [line.get("http_route") for line in access if line.get("http_route") != "/healthz"]
    assert routes == list(paths.values()), access
