"""A board's decision through the REST API, over real HTTP: the chat's own rules, the
same record, the same effects (the requester told, IT triage's card redrawn, the
decision kept, BOARD_DECIDED), and who decides comes from the key, never from the body.

The API key acts as API_KEY_USER: Alex (the Playground's user) unless a test says
otherwise. Requests reach a board's list through IT triage's own buttons."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import sys
from collections.abc import AsyncIterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.api.paging import NOT_OURS, cursor
from bot.app import CONTEXT
from bot.domain.boards import Decision, DecisionKind
from bot.domain.model import DigitalRequest, Horizon, Status, Theme
from bot.domain.triage import BOARDS, PROCESSES
from bot.journey import BOARD_DECIDED
from bot.journeys.boards import api as boards_api
from tests.e2e.boards import add_deputy, board_state, make_member, to_board
from tests.e2e.conftest import CHANNEL
from tests.e2e.journey import raise_request
from tests.support.api import API_ENV, Answer, ApiClient
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import START, BotServer, Connector, TeamsUser, card_of

TRB = "Technical Review Board"
APPROVE = {
    "decision": "approve",
    "process": "change_request",
    "deliveryOwner": "Jo Smith, Waste Services",
    "horizon": "now",
    "theme": "design_plan_implement",
}


@pytest.fixture
async def bot(tmp_path: Path, connector: Connector) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", env={**API_ENV})
    await server.start()
    yield server
    await server.settled()  # the requester told, the triage card redrawn: done before stopping
    await server.stop()


@pytest.fixture
def api(http: aiohttp.ClientSession, bot: BotServer) -> ApiClient:
    return ApiClient(http, bot)


@pytest.fixture
def adele(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    return TeamsUser(
        http,
        bot,
        connector,
        user_id="user-id-2",
        name="Adele Vance",
        aad_object_id="00000000-0000-0000-0000-0000000000022",
    )


async def on_trb_list(bot: BotServer, alex: TeamsUser, megan: TeamsUser) -> str:
    """Megan's request on the Technical Review Board's list; Alex its only member."""
    reference = await to_board(alex, megan, board="trb")
    await make_member(bot, "trb", alex, only=True)
    return reference


async def stored(bot: BotServer, reference: str) -> DigitalRequest:
    assert bot.app is not None
    found = await bot.app[CONTEXT].store.get(reference)
    assert found is not None
    return found


async def kept(bot: BotServer, reference: str) -> list[Decision]:
    async with board_state(bot) as shared:
        return await (await shared.store()).decisions_for(reference)


def mine(megan: TeamsUser) -> int:
    return len(megan.connector.in_conversation(megan.conversation_id))


async def told(bot: BotServer, megan: TeamsUser, before: int) -> list[dict[str, Any]]:
    await bot.settled()
    return [card_of(a) for a in megan.connector.in_conversation(megan.conversation_id)[before:]]


async def record(api: ApiClient, reference: str, body: dict[str, Any]) -> Answer:
    return await api.post(f"requests/{reference}/decisions", body)


def fields(answer: Answer) -> dict[str, str]:
    assert answer.status == 422, (answer.status, answer.body)
    return {e["field"]: e["message"] for e in answer.problem["errors"]}


# ---- Each decision, end to end ------------------------------------------------------------

DECISIONS = [
    (APPROVE, Status.IN_CHANGE, DecisionKind.APPROVE, "has approved your request"),
    (
        {
            "decision": "approve",
            "process": "project",
            "deliveryOwner": "Sam Lee, PMO",
            "horizon": "later",
            "theme": "technology_and_architecture",
            "reason": "It needs a new platform.",
        },
        Status.IN_PROJECT,
        DecisionKind.APPROVE,
        "It goes to the project process now.",
    ),
    (
        {"decision": "defer", "deferUntil": "2027-01-12", "reason": "wait for the contract"},
        Status.WITH_BOARD,
        DecisionKind.DEFER,
        "It will look at it again from 12 January 2027.",
    ),
    (
        {"decision": "reject", "reason": "The new waste system already does this."},
        Status.REJECTED,
        DecisionKind.REJECT,
        "has decided not to take your request",
    ),
    (
        {"decision": "ask_info", "question": "How many bookings a week?"},
        Status.AWAITING_INFORMATION,
        DecisionKind.ASK_INFO,
        "The board asks: How many bookings a week?",
    ),
    (
        {"decision": "send_to_board", "toBoard": "ddc", "reason": "It changes the roadmap."},
        Status.WITH_BOARD,
        DecisionKind.SEND_TO_BOARD,
        "has sent your request",
    ),
]


@pytest.mark.parametrize(("body", "status", "kind", "message"), DECISIONS)
async def test_each_decision_is_recorded_kept_and_told(
    bot: BotServer,
    api: ApiClient,
    alex: TeamsUser,
    megan: TeamsUser,
    body: dict[str, Any],
    status: Status,
    kind: DecisionKind,
    message: str,
) -> None:
    reference = await on_trb_list(bot, alex, megan)
    assert bot.app is not None
    published: list[Decision] = []

    async def heard(decision: Decision) -> None:
        published.append(decision)

    bot.app[CONTEXT].events.subscribe(BOARD_DECIDED, heard)
    before = mine(megan)

    answer = await record(api, reference, body)

    assert answer.status == 201, answer.body
    request = await stored(bot, reference)
    assert request.status is status
    out = answer.body
    assert out["decision"] == body["decision"] and out["board"] == "trb"
    assert (out["status"], out["boardName"]) == (status.value, TRB)
    assert out["version"] == request.etag
    assert out["decidedByName"] == "Alex Wilber" and out["onBehalfOfName"] == ""
    assert out["link"] == f"{bot.url}/api/v1/requests/{reference}"
    last = request.history[-1]
    assert (last.actor_id, last.actor_name) == (alex.aad_object_id, "Alex Wilber")
    [decision] = await kept(bot, reference)
    assert decision.kind is kind and decision.board == "trb" and decision.id == out["id"]
    news = await told(bot, megan, before)
    assert len(news) == 1 and message in all_text(news[0])
    assert [d.id for d in published] == [decision.id]


async def test_an_approval_keeps_owner_roadmap_and_theme(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await on_trb_list(bot, alex, megan)

    answer = await record(api, reference, APPROVE)

    request = await stored(bot, reference)
    assert (request.delivery_owner, request.horizon, request.theme) == (
        "Jo Smith, Waste Services",
        "now",
        "design_plan_implement",
    )
    assert answer.body["process"] == "change_request"
    assert answer.body["summary"].startswith(f"{reference} approved as a change request.")


async def test_an_approval_without_process_or_theme_uses_triages_process_and_the_suggestion(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await to_board(alex, megan, board="trb", process="project")
    await make_member(bot, "trb", alex, only=True)

    answer = await record(
        api, reference, {"decision": "approve", "deliveryOwner": "Sam Lee", "horizon": "next"}
    )

    assert answer.status == 201, answer.body
    request = await stored(bot, reference)
    assert request.status is Status.IN_PROJECT and request.theme  # the suggested theme
    assert answer.body["theme"] == request.theme


async def test_the_triage_card_is_redrawn_after_a_decision(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    reference = await on_trb_list(bot, alex, megan)
    before = len(connector.updates(CHANNEL["id"]))

    await record(api, reference, {"decision": "reject", "reason": "Not needed now."})
    await bot.settled()

    updates = connector.updates(CHANNEL["id"])[before:]
    assert updates, "the triage channel's card was updated in place"
    assert "Not taken forward" in all_text(updates[-1].activity["attachments"][0]["content"])


async def test_the_board_defaults_to_the_one_whose_list_it_is_on(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await on_trb_list(bot, alex, megan)

    answer = await record(api, reference, {"decision": "reject", "reason": "No.", "board": "trb"})

    assert answer.status == 201 and answer.body["board"] == "trb"


# ---- Who may decide ----------------------------------------------------------------------


async def test_someone_not_on_the_board_is_refused(
    bot: BotServer,
    api: ApiClient,
    alex: TeamsUser,
    megan: TeamsUser,
    adele: TeamsUser,
) -> None:
    reference = await to_board(alex, megan, board="trb")
    await make_member(bot, "trb", adele, only=True)  # Alex (the key's person) is not on it

    answer = await record(api, reference, {"decision": "reject", "reason": "No."})

    assert answer.status == 403
    assert f"Only members of the {TRB}, or their deputies, can decide." in answer.problem["detail"]
    assert (await stored(bot, reference)).status is Status.WITH_BOARD
    assert await kept(bot, reference) == []


async def test_who_decides_comes_from_the_key_never_from_the_body(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await on_trb_list(bot, alex, megan)

    forged = await record(
        api, reference, {"decision": "reject", "reason": "No.", "decidedById": "someone"}
    )

    assert list(fields(forged)) == ["decidedById"]
    assert await kept(bot, reference) == []


async def test_a_deputy_in_their_period_decides_for_the_member(
    tmp_path: Path,
    http: aiohttp.ClientSession,
    connector: Connector,
    bot: BotServer,
    alex: TeamsUser,
    megan: TeamsUser,
    adele: TeamsUser,
) -> None:
    reference = await on_trb_list(bot, alex, megan)
    await add_deputy(bot, "trb", alex, adele, START.date(), START.date() + dt.timedelta(days=7))
    bot.env["API_KEY_USER"] = adele.aad_object_id  # the key now acts as Adele
    await bot.restart()

    answer = await record(ApiClient(http, bot), reference, {"decision": "reject", "reason": "No."})

    assert answer.status == 201, answer.body
    assert (answer.body["decidedByName"], answer.body["onBehalfOfName"]) == (
        "Adele Vance",
        "Alex Wilber",
    )
    assert "You decided for Alex Wilber (deputy)." in answer.body["summary"]
    [decision] = await kept(bot, reference)
    assert decision.decided_by_id == adele.aad_object_id
    assert decision.on_behalf_of_id == alex.aad_object_id


# ---- Not this board's, not now, changed since -----------------------------------------------


async def test_a_request_on_another_boards_list_is_not_found_for_this_board(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await to_board(alex, megan)  # the Digital, Data and Customer Board's
    await make_member(bot, "trb", alex, only=True)

    answer = await record(api, reference, {"decision": "reject", "reason": "No.", "board": "trb"})

    assert answer.status == 404
    assert (
        answer.problem["detail"] == f"{reference} is not on the {TRB}'s list. Nothing has changed."
    )
    assert (await stored(bot, reference)).status is Status.WITH_BOARD


async def test_a_request_still_in_triage_cannot_be_decided_yet(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    await make_member(bot, "ddc", alex, only=True)
    await raise_request(megan)
    reference = f"DR-{START.year}-0001"

    answer = await record(api, reference, {"decision": "reject", "reason": "No."})

    assert answer.status == 409
    assert "waiting for IT triage, so the board cannot decide it yet" in answer.problem["detail"]
    assert (await stored(bot, reference)).status is Status.SUBMITTED


async def test_a_decided_request_cannot_be_decided_again(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await on_trb_list(bot, alex, megan)
    first = await record(api, reference, APPROVE)

    again = await record(api, reference, {"decision": "reject", "reason": "No."})

    assert first.status == 201
    assert again.status == 409 and "already decided" in again.problem["detail"]
    assert (await stored(bot, reference)).status is Status.IN_CHANGE
    assert len(await kept(bot, reference)) == 1


async def test_a_decision_against_an_old_version_records_nothing(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await on_trb_list(bot, alex, megan)
    read = (await stored(bot, reference)).etag
    deferred = await record(
        api,
        reference,
        {"decision": "defer", "deferUntil": "2027-01-12", "reason": "Wait.", "version": read},
    )

    stale = await record(api, reference, {"decision": "reject", "reason": "No.", "version": read})

    assert deferred.status == 201
    assert stale.status == 409
    assert stale.problem["detail"].startswith(f"Alex Wilber changed {reference} first")
    assert stale.problem["detail"].endswith("Nothing you chose was recorded.")
    assert len(await kept(bot, reference)) == 1
    again = await record(
        api,
        reference,
        {"decision": "defer", "deferUntil": "2027-01-12", "reason": "Wait.", "version": read},
    )
    assert again.status == 409
    assert again.problem["detail"].startswith(f"Your decision on {reference} is already recorded")
    fresh = await record(
        api, reference, {"decision": "reject", "reason": "No.", "version": deferred.body["version"]}
    )
    assert fresh.status == 201 and (await stored(bot, reference)).status is Status.REJECTED


async def test_a_request_on_no_boards_list_says_so(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    """A request whose board was cleared (say, by hand in the SharePoint list)."""
    await make_member(bot, "ddc", alex, only=True)
    await raise_request(megan)
    reference = f"DR-{START.year}-0001"
    request = await stored(bot, reference)
    assert bot.app is not None
    await bot.app[CONTEXT].store.update(
        dataclasses.replace(request, route=dataclasses.replace(request.route, board=""))
    )

    answer = await record(api, reference, {"decision": "reject", "reason": "No."})

    assert answer.status == 409
    assert (
        answer.problem["detail"] == f"{reference} is not on any board's list. Nothing has changed."
    )


@pytest.mark.parametrize("said", ["DR-2026-9999", "not-a-reference", "DR-2026-0001x"])
async def test_an_unknown_reference_is_not_found(
    bot: BotServer, api: ApiClient, alex: TeamsUser, said: str
) -> None:
    await make_member(bot, "ddc", alex, only=True)

    answer = await record(api, said, {"decision": "reject", "reason": "No."})

    assert answer.status == 404
    assert answer.problem["type"].endswith(":not-found")


# ---- What was sent is checked, field by field --------------------------------------------

BAD_BODIES = [
    ({"decision": "approved"}, "decision"),
    ({"decision": 1}, "decision"),
    ({}, "decision"),
    ({"decision": "reject", "reason": 42}, "reason"),
    ({"decision": "reject", "reason": "x" * 1001}, "reason"),
    ({"decision": "reject", "reason": ""}, "reason"),
    ({"decision": "reject", "reason": "No.", "board": "tech"}, "board"),
    ({"decision": "reject", "reason": "No.", "board": ["trb"]}, "board"),
    ({"decision": "reject", "reason": "No.", "version": "v" * 101}, "version"),
    ({"decision": "reject", "reason": "No.", "colour": "red"}, "colour"),
    ({**APPROVE, "process": "changeRequest"}, "process"),
    ({**APPROVE, "deliveryOwner": ""}, "deliveryOwner"),
    ({**APPROVE, "deliveryOwner": "x" * 201}, "deliveryOwner"),
    ({**APPROVE, "deliveryOwner": True}, "deliveryOwner"),
    ({**APPROVE, "horizon": "soon"}, "horizon"),
    ({k: v for k, v in APPROVE.items() if k != "horizon"}, "horizon"),
    ({**APPROVE, "theme": "roads"}, "theme"),
    ({**APPROVE, "reason": "x" * 1001}, "reason"),
    ({**APPROVE, "deferUntil": "2027-01-12"}, "deferUntil"),
    ({"decision": "defer", "reason": "Wait."}, "deferUntil"),
    ({"decision": "defer", "deferUntil": "2026-11-24", "reason": "Wait."}, "deferUntil"),
    ({"decision": "defer", "deferUntil": "2026-11-25", "reason": "Wait."}, "deferUntil"),
    ({"decision": "defer", "deferUntil": "2029-01-01", "reason": "Wait."}, "deferUntil"),
    ({"decision": "defer", "deferUntil": "12/01/2027", "reason": "Wait."}, "deferUntil"),
    ({"decision": "defer", "deferUntil": "2027-02-30", "reason": "Wait."}, "deferUntil"),
    ({"decision": "defer", "deferUntil": 20270112, "reason": "Wait."}, "deferUntil"),
    ({"decision": "defer", "deferUntil": "2027-01-12"}, "reason"),
    ({"decision": "ask_info"}, "question"),
    ({"decision": "ask_info", "question": "x" * 1001}, "question"),
    ({"decision": "ask_info", "question": "Why?", "reason": "Because"}, "reason"),
    ({"decision": "send_to_board", "reason": "It fits there."}, "toBoard"),
    ({"decision": "send_to_board", "toBoard": "trb", "reason": "It fits there."}, "toBoard"),
    ({"decision": "send_to_board", "toBoard": "moon", "reason": "It fits there."}, "toBoard"),
    ({"decision": "send_to_board", "toBoard": "ddc"}, "reason"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
async def test_a_bad_body_names_the_field_and_changes_nothing(
    bot: BotServer,
    api: ApiClient,
    alex: TeamsUser,
    megan: TeamsUser,
    body: dict[str, Any],
    field: str,
) -> None:
    reference = await on_trb_list(bot, alex, megan)
    before = (await stored(bot, reference)).etag

    answer = await record(api, reference, body)

    found = fields(answer)
    assert field in found, found
    assert all(message.endswith(".") for message in found.values()), found
    assert answer.problem["type"].endswith(":validation")
    assert (await stored(bot, reference)).etag == before
    assert await kept(bot, reference) == []


async def test_the_rules_own_words_come_back(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await on_trb_list(bot, alex, megan)

    past = await record(
        api, reference, {"decision": "defer", "deferUntil": "2026-11-24", "reason": "Wait."}
    )
    same = await record(
        api, reference, {"decision": "send_to_board", "toBoard": "trb", "reason": "It fits."}
    )

    assert fields(past) == {"deferUntil": "Choose a date after today."}
    assert fields(same) == {
        "toBoard": "It is already on the Technical Review Board's list. Choose another board."
    }


async def test_a_body_that_is_not_json_is_refused(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    reference = await on_trb_list(bot, alex, megan)

    as_list = await record(api, reference, [{"decision": "reject"}])

    assert as_list.status == 400
    assert await kept(bot, reference) == []


# ---- SharePoint mode ------------------------------------------------------------------------


async def test_a_decision_in_sharepoint_mode_reaches_the_list_and_checks_the_version(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector, fake: FakeGraph
) -> None:
    env = {**API_ENV, "BOT_STORE": "sharepoint"}
    server = BotServer(tmp_path / "sp", env, graph=lambda: connect(fake))
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        megan = TeamsUser(
            http,
            server,
            connector,
            "user-id-1",
            "Megan Bowen",
            "00000000-0000-0000-0000-0000000000021",
        )
        reference = await on_trb_list(server, alex, megan)
        read = (await stored(server, reference)).etag
        api = ApiClient(http, server)

        answer = await record(api, reference, {**APPROVE, "version": read})
        stale = await record(
            api, reference, {"decision": "reject", "reason": "No.", "version": read}
        )
        await server.settled()

        assert answer.status == 201, answer.body
        assert answer.body["version"] != read
        assert stale.status == 409
        assert (await stored(server, reference)).status is Status.IN_CHANGE
        [item] = [i for i in fake.list_items("DFD Requests") if i["Reference"] == reference]
        assert item["Status"] == Status.IN_CHANGE.value
        assert len(await kept(server, reference)) == 1
    finally:
        await server.stop()


# ---- The boards, for dropdowns --------------------------------------------------------------


async def test_list_boards_gives_key_name_and_purpose(api: ApiClient) -> None:
    answer = await api.get("boards")

    assert answer.status == 200
    assert [b["key"] for b in answer.body["value"]] == ["ddc", "trb", "ictig"]
    assert answer.body["value"][1]["name"] == TRB
    assert all(b["purpose"] for b in answer.body["value"])
    assert answer.body["nextLink"] is None


async def test_list_boards_a_page_at_a_time(api: ApiClient) -> None:
    seen: list[str] = []
    link: str | None = f"{api.bot.url}/api/v1/boards?top=2"
    for _ in range(5):
        if link is None:
            break
        assert link.startswith(api.bot.url + "/api/v1/boards?")
        page = await api.get(link.removeprefix(api.bot.url))
        assert page.status == 200 and len(page.body["value"]) <= 2
        seen += [b["key"] for b in page.body["value"]]
        link = page.body["nextLink"]

    assert seen == ["ddc", "trb", "ictig"] and link is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"top": "0"}, "top"),
        ({"top": "101"}, "top"),
        ({"top": "ten"}, "top"),
        ({"after": "nonsense"}, "after"),
        ({"after": "Ym9hcmQ6bW9vbg"}, "after"),  # the old form of cursor, not ours now
        ({"after": cursor("boards", "moon")}, "after"),  # a board that is not there
        ({"after": cursor("communities", "trb")}, "after"),  # another list's cursor
        ({"after": cursor("boards", "trb", "ictig")}, "after"),  # one key too many
    ],
)
async def test_list_boards_refuses_a_bad_page(
    api: ApiClient, params: dict[str, str], field: str
) -> None:
    answer = await api.get("boards", **params)

    assert field in fields(answer)


async def test_list_boards_cursor_is_the_shared_one(api: ApiClient) -> None:
    first = await api.get("boards", top="1")
    link = first.body["nextLink"]

    assert link == f"{api.bot.url}/api/v1/boards?top=1&after={cursor('boards', 'ddc')}"
    moon = await api.get("boards", after=cursor("boards", "moon"))
    assert fields(moon) == {"after": NOT_OURS}


# ---- Every list of choices is the domain's own -------------------------------------------


def enums(model: type[Any]) -> dict[str, list[str]]:
    """Each body field's choices, as the OpenAPI document and the connector show them."""
    found = {}
    for name, prop in model.model_json_schema(by_alias=True)["properties"].items():
        for option in [prop, *prop.get("anyOf", [])]:
            if "enum" in option:
                found[name] = option["enum"]
    return found


def test_the_choices_are_the_domains() -> None:
    assert enums(boards_api.DecisionIn) == {
        "decision": [kind.value for kind in DecisionKind],
        "board": list(BOARDS),
        "process": list(PROCESSES),
        "horizon": [horizon.value for horizon in Horizon],
        "theme": [theme.value for theme in Theme],
        "toBoard": list(BOARDS),
    }
    assert set(boards_api.USES) == set(DecisionKind)


async def test_the_openapi_document_lists_the_domains_choices(api: ApiClient) -> None:
    document = await api.get("openapi.json")
    body = document.body["components"]["schemas"]["DecisionIn"]["properties"]

    assert body["decision"]["enum"] == [kind.value for kind in DecisionKind]
    assert [kind.value for kind in Theme] in [o.get("enum") for o in body["theme"]["anyOf"]]


def test_a_change_in_the_domain_follows(monkeypatch: pytest.MonkeyPatch) -> None:
    """No list is typed again here: a copy of the module loaded after the domain gains a
    board, a process, a horizon, a theme and a decision offers each of them."""
    kind = StrEnum("DecisionKind", {**{k.name: k.value for k in DecisionKind}, "PAUSE": "pause"})
    theme = StrEnum("Theme", {**{t.name: t.value for t in Theme}, "DATA": "data"})
    horizon = StrEnum("Horizon", {**{h.name: h.value for h in Horizon}, "NEVER": "never"})
    monkeypatch.setattr("bot.domain.boards.DecisionKind", kind)
    monkeypatch.setattr("bot.domain.model.Theme", theme)
    monkeypatch.setattr("bot.domain.model.Horizon", horizon)
    monkeypatch.setattr("bot.domain.triage.BOARDS", (*BOARDS, "dpb"))
    monkeypatch.setattr("bot.domain.triage.PROCESSES", (*PROCESSES, "pilot"))
    spec = importlib.util.spec_from_file_location("boards_api_copy", boards_api.__file__)
    assert spec is not None and spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, copy)
    spec.loader.exec_module(copy)

    assert enums(copy.DecisionIn) == {
        "decision": ["approve", "defer", "reject", "ask_info", "send_to_board", "pause"],
        "board": ["ddc", "trb", "ictig", "dpb"],
        "process": ["change_request", "project", "pilot"],
        "horizon": ["now", "next", "later", "never"],
        "theme": [*(t.value for t in Theme), "data"],
        "toBoard": ["ddc", "trb", "ictig", "dpb"],
    }
    assert enums(boards_api.DecisionIn)["board"] == ["ddc", "trb", "ictig"]  # untouched
