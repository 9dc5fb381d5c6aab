"""Questions waiting for an answer, and the communities, through the REST API over real
HTTP. Questions are asked and answered through the chat, as staff and champions would."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.communities import (
    CLAIM,
    NONE_HELPED,
    SEND_ANSWER,
    action_with_verb,
    ask,
    name_lead,
    question_reference,
    register_community,
    send_to_community,
    volunteer_and_approve,
    wait_for_card,
)
from tests.support.api import API_ENV, Answer, ApiClient
from tests.support.teams import START, BotServer, Connector, TeamsUser, invoke_card

POWER = "power-platform"
SHAREPOINT = "sharepoint"
QUESTIONS = [
    "How do I stop a Power Automate flow emailing the whole team for every inspection form?",
    "Can a Power App read a list of tenancy visits and show them on a map?",
    "Why does my approval flow fail when the approver is on leave?",
    "How do I give a contractor access to one Power App without a licence?",
    "Can a flow post a reminder in Teams on the first Monday of each month?",
]
SEEDED = [
    "accessibility",
    "agile-delivery",
    "cyber-security",
    "data-reporting",
    "m365-teams",
    "power-platform",
    "service-design",
    "sharepoint",
]


@pytest.fixture
async def bot(tmp_path: Path, connector: Connector) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", env={**API_ENV})
    await server.start()
    yield server
    await server.settled()
    await server.stop()


@pytest.fixture
def api(http: aiohttp.ClientSession, bot: BotServer) -> ApiClient:
    return ApiClient(http, bot)


async def asked(user: TeamsUser, text: str, community: str = POWER) -> str:
    """`ask <text>` in the chat, then sent to the community: waiting for an answer."""
    card = await ask(user, text)
    reference = question_reference(card)
    sent = invoke_card(await send_to_community(user, card, community))
    assert f"Your question {reference} has been sent" in json.dumps(sent)
    return reference


def person(
    http: aiohttp.ClientSession, bot: BotServer, connector: Connector, n: int, name: str
) -> TeamsUser:
    return TeamsUser(
        http, bot, connector, f"user-id-{n}", name, f"00000000-0000-0000-0000-0000000001{n:02d}"
    )


def fields(answer: Answer) -> dict[str, str]:
    assert answer.status == 422, (answer.status, answer.body)
    return {e["field"]: e["message"] for e in answer.problem["errors"]}


async def every_page(api: ApiClient, first: str, most: int = 10) -> list[list[dict[str, Any]]]:
    """Follow nextLink from `first` to the last page (at most `most` pages)."""
    pages: list[list[dict[str, Any]]] = []
    link: str | None = api.bot.url + first
    for _ in range(most):
        if link is None:
            return pages
        assert link.startswith(api.bot.url + "/api/v1/"), link
        page = await api.get(link.removeprefix(api.bot.url))
        assert page.status == 200, page.body
        pages.append(page.body["value"])
        link = page.body["nextLink"]
    raise AssertionError("The pages did not end")


def cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


# ---- Waiting questions -------------------------------------------------------------------


async def test_a_question_sent_to_a_community_is_listed_without_who_asked(
    bot: BotServer, api: ApiClient, megan: TeamsUser
) -> None:
    reference = await asked(megan, QUESTIONS[0])
    bot.clock.set(START + dt.timedelta(hours=2, minutes=30))

    answer = await api.get("questions")

    assert answer.status == 200
    [item] = answer.body["value"]
    assert item == {
        "reference": reference,
        "community": POWER,
        "communityName": "Power Platform",
        "text": QUESTIONS[0],
        "serviceArea": "Housing",
        "askedAt": item["askedAt"],
        "sentAt": item["sentAt"],
        "workingHoursWaiting": 2.5,
        "answers": 0,
        "claimedBy": "",
    }
    assert dt.datetime.fromisoformat(item["sentAt"]) == START
    assert answer.body["nextLink"] is None
    assert "Megan" not in json.dumps(answer.body) and megan.aad_object_id not in json.dumps(
        answer.body
    )


async def test_waiting_time_counts_working_hours_only(
    bot: BotServer, api: ApiClient, megan: TeamsUser
) -> None:
    await asked(megan, QUESTIONS[0])  # Wednesday 25 November, 10am
    bot.clock.set(dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC))  # the Monday after

    [item] = (await api.get("questions")).body["value"]

    # Wednesday 10am-5pm, Thursday and Friday in full, Monday 9am-10am: no weekend.
    assert item["workingHoursWaiting"] == 7 + 8 + 8 + 1


async def test_a_question_not_sent_to_a_community_is_not_waiting(
    api: ApiClient, megan: TeamsUser
) -> None:
    await ask(megan, QUESTIONS[1])  # shown matches; not sent to anyone yet

    answer = await api.get("questions")

    assert answer.status == 200 and answer.body["value"] == []


async def test_an_answered_question_leaves_the_list_and_comes_back_when_reopened(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    api: ApiClient,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    sam = person(http, bot, connector, 1, "Sam Champion")
    await register_community(alex, "Power Platform")
    await volunteer_and_approve(sam, alex, "Power Platform")
    reference = await asked(megan, QUESTIONS[0])
    card = await wait_for_card(sam, sam.conversation_id, CLAIM, "reference", reference)
    await sam.press(CLAIM, action_with_verb(card, CLAIM)["data"])

    claimed = await api.get("questions")
    told = await wait_for_card(megan, megan.conversation_id, NONE_HELPED)
    await megan.press(NONE_HELPED, action_with_verb(told, NONE_HELPED)["data"])
    reopened = await api.get("questions")

    assert claimed.body["value"] == []  # a champion will call: not waiting now
    [item] = reopened.body["value"]
    assert item["reference"] == reference
    assert (item["answers"], item["claimedBy"]) == (1, "Sam Champion")
    await wait_for_card(sam, sam.conversation_id, SEND_ANSWER, "reference", reference)


async def test_questions_filtered_by_community(
    bot: BotServer, api: ApiClient, megan: TeamsUser
) -> None:
    power = await asked(megan, QUESTIONS[0], POWER)
    shared = await asked(megan, QUESTIONS[1], SHAREPOINT)

    only_power = await api.get("questions", community=POWER)
    only_sharepoint = await api.get("questions", community=SHAREPOINT)
    nobody = await api.get("questions", community="accessibility")
    both = await api.get("questions")

    assert [q["reference"] for q in only_power.body["value"]] == [power]
    assert [q["reference"] for q in only_sharepoint.body["value"]] == [shared]
    assert nobody.body["value"] == []
    assert [q["reference"] for q in both.body["value"]] == [power, shared]


async def test_questions_a_page_at_a_time_keep_the_filter(
    bot: BotServer, api: ApiClient, megan: TeamsUser
) -> None:
    references = [await asked(megan, text) for text in QUESTIONS]
    await asked(megan, "Which SharePoint site should our team's policies live on?", SHAREPOINT)

    pages = await every_page(api, f"/api/v1/questions?community={POWER}&top=2")

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [q["reference"] for page in pages for q in page] == references
    assert all(q["community"] == POWER for page in pages for q in page)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"community": "power"}, "community"),
        ({"community": "x" * 101}, "community"),
        ({"top": "0"}, "top"),
        ({"top": "101"}, "top"),
        ({"top": "2.5"}, "top"),
        ({"after": "not-a-cursor"}, "after"),
        ({"after": "x" * 401}, "after"),
        ({"after": cursor("questions", "DROP TABLE questions")}, "after"),
        ({"after": cursor("communities", "Power Platform", POWER)}, "after"),
        ({"after": cursor("questions", "Q-2026-0001", "more")}, "after"),
    ],
)
async def test_bad_filters_name_the_field(
    api: ApiClient, params: dict[str, str], field: str
) -> None:
    answer = await api.get("questions", **params)

    assert field in fields(answer)


async def test_an_unknown_community_lists_the_ids_to_use(api: ApiClient) -> None:
    answer = await api.get("questions", community="power")

    message = fields(answer)["community"]
    assert message.startswith("There is no community 'power'. Use one of these ids:")
    assert all(community in message for community in SEEDED)


# ---- Communities ---------------------------------------------------------------------------


async def test_communities_are_listed_with_lead_and_channel(
    bot: BotServer, api: ApiClient, alex: TeamsUser, megan: TeamsUser
) -> None:
    before = await api.get("communities", top="100")
    await register_community(alex, "Power Platform")
    said = await name_lead(alex, "Power Platform", megan)
    after = await api.get("communities", top="100")

    assert sorted(c["id"] for c in before.body["value"]) == SEEDED
    power = {c["id"]: c for c in before.body["value"]}[POWER]
    assert power == {
        "id": POWER,
        "name": "Power Platform",
        "description": power["description"],
        "leadName": "",
        "channelRegistered": False,
    }
    assert power["description"]
    now = {c["id"]: c for c in after.body["value"]}
    assert now[POWER]["channelRegistered"] is True, said
    assert now[POWER]["leadName"] == "Megan Bowen", said
    assert now[SHAREPOINT]["channelRegistered"] is False


async def test_communities_a_page_at_a_time(api: ApiClient) -> None:
    pages = await every_page(api, "/api/v1/communities?top=3")

    assert [len(page) for page in pages] == [3, 3, 2]
    names = [c["name"] for page in pages for c in page]
    assert names == sorted(names) and len(set(names)) == len(SEEDED)


@pytest.mark.parametrize(
    "params",
    [
        {"top": "0"},
        {"top": "many"},
        {"after": "bm9wZQ"},
        {"after": cursor("questions", "Q-2026-0001")},
        {"after": cursor("communities", "Power Platform")},
    ],
)
async def test_communities_refuse_a_bad_page(api: ApiClient, params: dict[str, str]) -> None:
    answer = await api.get("communities", **params)

    assert set(fields(answer)) == set(params)
