"""SendMessage (POST /api/v1/messages): a flow sends a card to a requester or a channel.

Over real HTTP: the real app with the API switched on, a local Bot Connector that
catches what the bot sends to Teams, and the bot's own settable clock for the limits.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import CONTEXT
from bot.delivery import GUARD, PER_CONVERSATION, Window
from bot.journeys.flows import message_limits
from bot.journeys.flows.message_card import MOST_BYTES
from bot.journeys.flows.message_limits import FLOW_WINDOWS, MOST_TARGETS, TargetLimits
from bot.journeys.flows.messages import _said
from bot.notifier import Delivered
from bot.ports import Record
from tests.e2e.boards import board_channel_id, register_board_channel
from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import raise_request
from tests.support.api import API_ENV, ApiClient
from tests.support.cards import all_text, assert_cards_ok, elements
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.readability import MIN_WORDS, grade, plain, word_count
from tests.support.teams import BotServer, Connector, TeamsUser, card_of

TRIAGE = CHANNEL["id"]
WORDS = {"title": "Planner task made", "text": "We made a Planner task for your request."}


class BlockingConnector(Connector):
    """Teams as seen by a bot some people have blocked (403 for their chats), and with
    conversations it refuses outright (400, which is not retried)."""

    blocked: set[str]
    broken: set[str]

    async def _post(self, request: web.Request) -> web.Response:
        if request.match_info["cid"] in self.blocked:
            return web.json_response({"error": {"code": "Forbidden"}}, status=403)
        if request.match_info["cid"].split(";")[0] in self.broken:
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        return await super()._post(request)


@pytest.fixture
async def connector() -> AsyncIterator[Connector]:
    service = BlockingConnector()
    service.blocked = set()
    service.broken = set()
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", env={**API_ENV})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def api(http: aiohttp.ClientSession, bot: BotServer) -> ApiClient:
    return ApiClient(http, bot)


async def reference_of(user: TeamsUser) -> str:
    confirmation = await raise_request(user)
    found = [word for word in all_text(confirmation).split() if word.startswith("DR-")]
    assert found, all_text(confirmation)
    return found[0].strip(".,:;")


async def audit(bot: BotServer) -> list[Record]:
    assert bot.app is not None
    return await bot.app[CONTEXT].store.records("api.message")


def message(**changes: Any) -> dict[str, Any]:
    return {"to": {"channel": "triage"}, **WORDS, **changes}


# ---- Where a card can go ----------------------------------------------------------------


async def test_a_flow_sends_a_card_to_a_requester(
    api: ApiClient, alex: TeamsUser, connector: Connector, bot: BotServer
) -> None:
    reference = await reference_of(alex)
    before = len(connector.in_conversation(alex.conversation_id))

    answer = await api.post(
        "messages",
        {
            "to": {"requesterOf": reference.lower()},
            "title": "Your **task** is ready",
            "text": "See https://evil.example.com and [click](https://evil.example.com).\n"
            "Ask alex@example.com if stuck.",
            "facts": [{"name": "Due", "value": "31 March 2027"}],
            "link": {"title": "Open the plan", "url": "https://tasks.office.com/plan/1"},
        },
    )

    assert answer.status == 202, answer.body
    assert answer.body["to"] == {"requesterOf": reference, "channel": None}
    assert answer.body["status"] == "sent"
    assert answer.body["id"].startswith("msg-")
    sent = connector.in_conversation(alex.conversation_id)[before:]
    assert len(sent) == 1
    card = card_of(sent[0])
    assert_cards_ok([card])
    words = all_text(card)
    assert "A message from a Power Automate flow" in words
    assert "did not write it" in words
    # The caller's words are TextRuns only: never Markdown, never a link.
    assert "Your **task** is ready" in words
    assert "https://evil" not in words and "alex@example.com" not in words
    assert "https:\u200b//evil.example.com" in words
    typed = [e for e in elements(card) if e["type"] == "TextBlock"]
    assert all("evil" not in block["text"] and "task" not in block["text"] for block in typed)
    button = [e for e in elements(card) if e["type"] == "Action.OpenUrl"]
    assert button == [
        {
            "type": "Action.OpenUrl",
            "title": "Open the plan",
            "url": "https://tasks.office.com/plan/1",
        }
    ]
    assert "The button opens a page on " in words and "tasks.office.com" in words
    assert "Due: " in words and "31 March 2027" in words


async def test_a_flow_sends_a_card_to_the_triage_channel(
    api: ApiClient, alex: TeamsUser, connector: Connector
) -> None:
    await in_channel(alex).say("register triage")
    before = len(connector.in_conversation(TRIAGE))

    answer = await api.post("messages", message(to={"channel": "Triage "}))

    assert answer.status == 202, answer.body
    assert answer.body["status"] == "sent" and answer.body["to"]["channel"] == "triage"
    sent = connector.in_conversation(TRIAGE)[before:]
    assert len(sent) == 1 and "Planner task made" in all_text(card_of(sent[0]))


async def test_a_flow_sends_a_card_to_a_board_channel(
    api: ApiClient, alex: TeamsUser, connector: Connector
) -> None:
    await register_board_channel(alex, "trb")

    answer = await api.post("messages", message(to={"channel": "trb"}))

    assert answer.status == 202, answer.body
    sent = connector.in_conversation(board_channel_id("trb"))
    assert "Planner task made" in all_text(card_of(sent[-1]))


async def test_a_channel_not_registered_is_refused_and_the_registered_ones_listed(
    api: ApiClient, alex: TeamsUser, connector: Connector
) -> None:
    answer = await api.post("messages", message())
    problem = answer.problem
    assert answer.status == 422
    assert problem["errors"][0]["field"] == "to.channel"
    said = problem["errors"][0]["message"]
    assert "triage channel is not registered yet" in said and "No channels" in said

    await in_channel(alex).say("register triage")
    await register_board_channel(alex, "ddc")
    answer = await api.post("messages", message(to={"channel": "trb"}))
    assert answer.status == 422
    said = answer.problem["errors"][0]["message"]
    assert said.startswith("The trb channel is not registered yet.")
    assert said.endswith("Channels you can use: ddc, triage.")

    answer = await api.post("messages", message(to={"channel": "board:nowhere"}))
    said = answer.problem["errors"][0]["message"]
    assert said.startswith("There is no channel called board:nowhere.")
    assert connector.in_conversation(board_channel_id("trb")) == []


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("DR-2026-0099", "There is no request DR-2026-0099."),
        ("DR-XX-1", "Enter a request reference like DR-2026-0042."),
        ("'; DROP TABLE requests", "Enter a request reference like DR-2026-0042."),
    ],
)
async def test_an_unknown_or_forged_reference_is_refused(
    api: ApiClient, said: str, expected: str
) -> None:
    answer = await api.post("messages", message(to={"requesterOf": said}))
    assert answer.status == 422
    assert answer.problem["errors"] == [{"field": "to.requesterOf", "message": expected}]


@pytest.mark.parametrize(
    "to", [{}, {"requesterOf": "DR-2026-0001", "channel": "triage"}, {"channel": None}]
)
async def test_exactly_one_target(api: ApiClient, to: dict[str, Any]) -> None:
    answer = await api.post("messages", message(to=to))
    assert answer.status == 422
    assert answer.problem["errors"] == [
        {"field": "to", "message": "Give either requesterOf or channel, not both and not neither."}
    ]


# ---- Bad input, field by field -------------------------------------------------------------

# Messages the API core words (bot/api/server.py, plain_message) are checked for their
# field only; the ones this operation words are checked in full.
CORE = ""
HTTPS = "Use a web address that starts with https://."
BAD_FIELDS = [
    ({"title": ""}, "title", CORE),
    ({"title": "   "}, "title", CORE),
    ({"title": "\u200b\u200b"}, "title", "Enter a value."),
    ({"title": "\ud800"}, "title", CORE),
    ({"text": "a\udfff"}, "text", CORE),
    (
        {"facts": [{"name": "n", "value": "\ud800"}]},
        "facts.0.value",
        CORE,
    ),
    (
        {"link": {"title": "\ud800", "url": "https://a.gov.uk"}},
        "link.title",
        CORE,
    ),
    (
        {"link": {"title": "Go", "url": "https://a.gov.uk/\ud800"}},
        "link.url",
        CORE,
    ),
    ({"title": "x" * 121}, "title", CORE),
    ({"title": 5}, "title", CORE),
    ({"title": None}, "title", CORE),
    ({"text": "x" * 2001}, "text", CORE),
    ({"text": ["a"]}, "text", CORE),
    ({"facts": [{"name": "n", "value": "v"}] * 11}, "facts", "Give 10 facts or fewer."),
    ({"facts": [{"name": "x" * 61, "value": "v"}]}, "facts.0.name", CORE),
    (
        {"facts": [{"name": "n", "value": "v" * 301}]},
        "facts.0.value",
        CORE,
    ),
    ({"facts": [{"name": "n"}]}, "facts.0.value", CORE),
    ({"facts": "many"}, "facts", CORE),
    ({"link": {"title": "Go", "url": "http://example.gov.uk"}}, "link.url", HTTPS),
    ({"link": {"title": "Go", "url": "javascript:alert(1)"}}, "link.url", HTTPS),
    ({"link": {"title": "Go", "url": "JAVASCRIPT://x.com/%0aalert(1)"}}, "link.url", HTTPS),
    ({"link": {"title": "Go", "url": "data:text/html,hi"}}, "link.url", HTTPS),
    (
        {"link": {"title": "Go", "url": "https://council.gov.uk@evil.example.com/"}},
        "link.url",
        "Use a web address like https://www.example.gov.uk/page.",
    ),
    (
        {"link": {"title": "Go", "url": "https:///nohost"}},
        "link.url",
        "Use a web address like https://www.example.gov.uk/page.",
    ),
    (
        {"link": {"title": "Go", "url": "https://a.gov.uk/x y"}},
        "link.url",
        "Use a web address with no spaces in it.",
    ),
    (
        {"link": {"title": "x" * 41, "url": "https://a.gov.uk"}},
        "link.title",
        CORE,
    ),
    ({"link": {"url": "https://a.gov.uk"}}, "link.title", CORE),
    ({"colour": "red"}, "colour", CORE),
    ({"card": {"type": "AdaptiveCard"}}, "card", CORE),
    ({"to": {"channel": "triage", "cc": "x"}}, "to.cc", CORE),
    ({"to": {"channel": "x" * 81}}, "to.channel", CORE),
    ({"to": {"requesterOf": 42}}, "to.requesterOf", CORE),
    ({"to": "triage"}, "to", CORE),
]


@pytest.mark.parametrize(("changes", "field", "said"), BAD_FIELDS)
async def test_every_field_is_checked(
    api: ApiClient, connector: Connector, changes: dict[str, Any], field: str, said: str
) -> None:
    answer = await api.post("messages", message(**changes))
    assert answer.status == 422, answer.body
    errors = {error["field"]: error["message"] for error in answer.problem["errors"]}
    assert errors.get(field), answer.problem
    assert not said or errors[field] == said, answer.problem
    assert connector.sent == []


async def test_missing_fields_and_a_body_that_is_not_json(api: ApiClient) -> None:
    answer = await api.post("messages", {})
    fields = {error["field"] for error in answer.problem["errors"]}
    assert answer.status == 422 and fields == {"to", "title", "text"}

    async with api.http.post(
        api.bot.url + "/api/v1/messages",
        data="not json",
        headers={"X-API-Key": api.key, "Content-Type": "application/json"},
    ) as response:
        assert response.status == 400


async def test_without_the_key_nothing_is_sent(
    http: aiohttp.ClientSession, bot: BotServer, connector: Connector
) -> None:
    answer = await ApiClient(http, bot, key="").post("messages", message())
    assert answer.status == 401
    answer = await ApiClient(http, bot, key="wrong-key-0123456789").post("messages", message())
    assert answer.status == 401
    assert connector.sent == []


async def test_the_biggest_message_stays_a_small_card(
    api: ApiClient, alex: TeamsUser, connector: Connector
) -> None:
    await in_channel(alex).say("register triage")
    wide = "\U0001f600"  # four bytes in UTF-8
    answer = await api.post(
        "messages",
        message(
            title=wide * 120,
            text=wide * 2000,
            facts=[{"name": wide * 60, "value": wide * 300} for _ in range(10)],
            link={"title": wide * 40, "url": "https://a.gov.uk/" + "x" * 1983},
        ),
    )
    assert answer.status == 202, answer.body
    card = card_of(connector.in_conversation(TRIAGE)[-1])
    size = len(json.dumps(card, separators=(",", ":"), ensure_ascii=False).encode())
    assert 20_000 < size <= MOST_BYTES


# ---- Teams' limits, retries and the audit ---------------------------------------------------


async def test_each_channel_has_a_limit_under_teams(
    api: ApiClient, alex: TeamsUser, connector: Connector, bot: BotServer
) -> None:
    await in_channel(alex).say("register triage")
    await register_board_channel(alex, "ddc")
    per_second = FLOW_WINDOWS[0].limit
    assert per_second < PER_CONVERSATION[0].limit
    before = len(connector.in_conversation(TRIAGE))

    for _ in range(per_second):
        assert (await api.post("messages", message())).status == 202
    refused = await api.post("messages", message(title="One too many"))

    assert refused.status == 429
    assert refused.headers["Retry-After"] == "1"
    assert "Wait 1 second, then try again." in refused.problem["detail"]
    assert len(connector.in_conversation(TRIAGE)) - before == per_second
    # Another channel has its own limit.
    assert (await api.post("messages", message(to={"channel": "ddc"}))).status == 202

    bot.clock.advance(dt.timedelta(seconds=1))
    assert (await api.post("messages", message(title="Now it fits"))).status == 202
    assert len(connector.in_conversation(TRIAGE)) - before == per_second + 1
    kept = await audit(bot)
    assert [r.data["result"] for r in kept if r.data["title"] == "One too many"] == [
        "refused: too many"
    ]


async def test_the_two_second_window_counts_too(
    api: ApiClient, alex: TeamsUser, bot: BotServer
) -> None:
    await in_channel(alex).say("register triage")
    statuses = [(await api.post("messages", message())).status for _ in range(6)]
    assert statuses == [202] * 5 + [429]

    bot.clock.advance(dt.timedelta(seconds=1))
    assert (await api.post("messages", message())).status == 202
    refused = await api.post("messages", message())  # 6 in the last 2 seconds
    assert refused.status == 429 and refused.headers["Retry-After"] == "1"

    bot.clock.advance(dt.timedelta(seconds=1))
    assert (await api.post("messages", message())).status == 202


async def test_a_retry_with_the_same_key_sends_once(
    api: ApiClient, alex: TeamsUser, connector: Connector, bot: BotServer
) -> None:
    await in_channel(alex).say("register triage")
    before = len(connector.in_conversation(TRIAGE))
    key = {"Idempotency-Key": "flow-run-0001"}

    first = await api.post("messages", message(), headers=key)
    again = await api.post("messages", message(), headers=key)

    assert first.status == again.status == 202
    assert again.body == first.body
    assert len(connector.in_conversation(TRIAGE)) - before == 1

    # Even after a restart, when the API may have forgotten the key, it is sent once.
    await bot.restart()
    later = await api.post("messages", message(), headers=key)
    assert later.status == 202 and later.body["id"] == first.body["id"]
    assert later.body["status"] in ("sent", "already_sent")
    assert len(connector.in_conversation(TRIAGE)) - before == 1

    other = await api.post("messages", message(), headers={"Idempotency-Key": "flow-run-0002"})
    assert other.body["id"] != first.body["id"]
    assert len(connector.in_conversation(TRIAGE)) - before == 2


async def test_every_send_is_audited_without_its_text(
    api: ApiClient, alex: TeamsUser, bot: BotServer
) -> None:
    reference = await reference_of(alex)
    answer = await api.post(
        "messages", message(to={"requesterOf": reference}, text="A secret only for Alex.")
    )

    kept = await audit(bot)
    assert len(kept) == 1
    record = kept[0]
    assert record.key == answer.body["id"]
    assert record.owner_id == API_ENV["API_KEY_USER"]
    assert record.at == bot.clock.now()
    assert record.data == {
        "to": {"requesterOf": reference},
        "title": WORDS["title"],
        "callerKind": "key",
        "appId": "",
        "result": "sent",
    }
    assert "secret" not in json.dumps(record.data)


async def test_a_requester_who_blocked_the_bot_is_a_problem_not_a_success(
    api: ApiClient, alex: TeamsUser, connector: BlockingConnector, bot: BotServer
) -> None:
    """A flow run must not show green when nothing was sent: 409, not 202."""
    reference = await reference_of(alex)
    await bot.settled()
    connector.blocked.add(alex.conversation_id)
    before = len(connector.in_conversation(alex.conversation_id))
    key = {"Idempotency-Key": "flow-run-0004"}

    answer = await api.post("messages", message(to={"requesterOf": reference}), headers=key)

    assert answer.status == 409, answer.body
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert answer.problem["type"].endswith(":not-delivered")
    assert answer.problem["title"] == "Not delivered"
    assert "blocked or removed the bot. Nothing was sent." in answer.problem["detail"]
    assert "then try again" in answer.problem["detail"]
    assert len(connector.in_conversation(alex.conversation_id)) == before
    assert [r.data["result"] for r in await audit(bot)] == ["not_delivered"]

    # Once Alex can be reached again, a retry with the same key sends it, once.
    connector.blocked.clear()
    again = await api.post("messages", message(to={"requesterOf": reference}), headers=key)
    assert again.status == 202 and again.body["status"] == "sent", again.body
    assert len(connector.in_conversation(alex.conversation_id)) == before + 1
    assert [r.data["result"] for r in await audit(bot)] == ["not_delivered", "sent"]


# ---- Words ------------------------------------------------------------------------------------


async def test_our_words_are_plain(api: ApiClient, alex: TeamsUser, connector: Connector) -> None:
    await in_channel(alex).say("register triage")
    answer = await api.post(
        "messages", message(link={"title": "Open the plan", "url": "https://a.gov.uk/p"})
    )
    card = card_of(connector.in_conversation(TRIAGE)[-1])
    ours = [
        t
        for t in all_text(card).split("\n")
        if t not in (WORDS["title"], WORDS["text"], "Open the plan", "a.gov.uk")
    ]
    ours += [answer.body["detail"]]
    ours += [_said(Delivered.UNREACHABLE)[1], _said(Delivered.NO_CHAT)[1]]
    for refused in (
        await api.post("messages", message(to={"channel": "nowhere"})),
        await api.post("messages", message(to={"requesterOf": "DR-2026-0099"})),
    ):
        ours += [e["message"] for e in refused.problem["errors"]]
    sentences = " ".join(ours)
    text = plain(sentences, ["API key", "a.gov.uk"])
    assert word_count(text) >= MIN_WORDS
    assert grade(text) <= 8, (grade(text), text)


async def test_a_requester_with_no_chat_is_told_honestly(
    api: ApiClient, alex: TeamsUser, bot: BotServer, connector: Connector
) -> None:
    reference = await reference_of(alex)
    await bot.settled()
    await bot.stop()
    # The bot forgets its chat with Alex; with no channel registered it cannot make one.
    with sqlite3.connect(Path(bot.env["DATA_DIR"]) / "digital-front-door.sqlite3") as db:
        db.execute("DELETE FROM personal_chats")
    await bot.start()
    before = len(connector.sent)

    answer = await api.post("messages", message(to={"requesterOf": reference}))

    assert answer.status == 409, answer.body
    assert answer.problem["type"].endswith(":not-delivered")
    assert answer.problem["detail"].startswith("The bot has no chat with this person")
    assert len(connector.sent) == before
    assert [r.data["result"] for r in await audit(bot)] == ["not_delivered"]


async def test_when_teams_refuses_nothing_is_sent_and_a_retry_works(
    api: ApiClient, alex: TeamsUser, connector: BlockingConnector, bot: BotServer
) -> None:
    await in_channel(alex).say("register triage")
    before = len(connector.in_conversation(TRIAGE))
    connector.broken.add(TRIAGE)
    key = {"Idempotency-Key": "flow-run-0003"}

    failed = await api.post("messages", message(), headers=key)

    assert failed.status == 503
    assert "nothing was sent" in failed.problem["detail"]
    assert "Traceback" not in json.dumps(failed.body)
    connector.broken.clear()
    again = await api.post("messages", message(), headers=key)
    assert again.status == 202 and again.body["status"] == "sent"
    assert len(connector.in_conversation(TRIAGE)) - before == 1
    assert [r.data["result"] for r in await audit(bot)] == ["failed", "sent"]


async def test_in_sharepoint_mode_too(
    tmp_path: Path, fake: FakeGraph, http: aiohttp.ClientSession, connector: Connector
) -> None:
    """Requests read from SharePoint, channels and the audit in the bot's working state."""
    server = BotServer(
        tmp_path / "sp", {**API_ENV, "BOT_STORE": "sharepoint"}, graph=lambda: connect(fake)
    )
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        reference = await reference_of(alex)
        await in_channel(alex).say("register triage")
        api = ApiClient(http, server)

        to_alex = await api.post("messages", message(to={"requesterOf": reference}))
        to_triage = await api.post("messages", message())
        nowhere = await api.post("messages", message(to={"channel": "ddc"}))

        assert to_alex.status == 202 and to_alex.body["status"] == "sent", to_alex.body
        assert to_triage.status == 202 and to_triage.body["status"] == "sent"
        assert nowhere.problem["errors"][0]["message"].endswith("Channels you can use: triage.")
        assert [r.data["result"] for r in await audit(server)] == ["sent", "sent"]
    finally:
        await server.stop()


# ---- The limiter itself, on a clock the test holds -------------------------------------------


class Ticks:
    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


def test_the_limiter_keeps_every_window() -> None:
    ticks = Ticks()
    limits = TargetLimits(now=ticks)
    sent = 0
    refused_waits = []
    for _ in range(3600 * 2):  # one try every half second for an hour
        wait = limits.take("channel:triage")
        if wait is None:
            sent += 1
        else:
            refused_waits.append(wait)
        ticks.at += 0.5
    # 45 in 30 seconds is the tightest: 1.5 a second, 5,400 an hour, so the hour's 1,350 bind.
    assert sent == 1350
    assert all(wait > 0 for wait in refused_waits)


def test_the_limiter_says_how_long_to_wait_and_forgets_when_time_goes_back() -> None:
    ticks = Ticks()
    limits = TargetLimits(now=ticks)
    assert [limits.take("a") for _ in range(5)] == [None] * 5
    assert limits.take("a") == pytest.approx(1.0)
    assert limits.take("b") is None  # its own limit
    ticks.at += 0.25
    assert limits.take("a") == pytest.approx(0.75)
    ticks.at -= 100  # the clock was set back: start counting again
    assert limits.take("a") is None


def test_the_limiter_remembers_a_bounded_number_of_targets() -> None:
    ticks = Ticks()
    limits = TargetLimits(now=ticks)
    for number in range(MOST_TARGETS + 50):
        assert limits.take(f"person:{number}") is None
    assert len(limits._sent) == MOST_TARGETS


def test_flows_get_three_quarters_of_each_of_teams_limits() -> None:
    assert len(FLOW_WINDOWS) == len(PER_CONVERSATION)
    for flows, teams in zip(FLOW_WINDOWS, PER_CONVERSATION, strict=True):
        assert flows.limit == int(teams.limit * 0.75) and 0 < flows.limit < teams.limit
        assert flows.seconds == pytest.approx(teams.seconds - GUARD)
    assert [w.limit for w in FLOW_WINDOWS] == [5, 6, 45, 1350]  # Teams' 7, 8, 60 and 1,800


def test_a_change_to_teams_limits_follows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flows' limits are worked out from bot.delivery's, not typed again: a copy of
    message_limits loaded after Teams' limits change has the new ones."""
    changed = (Window(4, 1 + GUARD), Window(100, 60 + GUARD))
    monkeypatch.setattr("bot.delivery.PER_CONVERSATION", changed)
    spec = importlib.util.spec_from_file_location("message_limits_copy", message_limits.__file__)
    assert spec is not None and spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, copy)
    spec.loader.exec_module(copy)

    windows = copy.FLOW_WINDOWS
    assert windows == (Window(3, 1.0), Window(75, 60.0))
    assert TargetLimits(now=Ticks()).windows == FLOW_WINDOWS  # the module itself is untouched
