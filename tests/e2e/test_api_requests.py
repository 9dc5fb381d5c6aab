"""Requests through the REST API, over real HTTP: list them with filters a page at a
time, raise one with the chat form's checks, scoring and routing, withdraw one."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from bot.api.paging import NOT_OURS, cursor
from bot.journeys.requests.api import WHEN_EXPECTED as WHEN
from tests.e2e.boards import (
    APPROVE_INPUTS,
    agenda_of,
    decide,
    decision_card,
    make_member,
    register_board_channel,
    to_board,
)
from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import GOOD_ANSWERS, NEEDED_BY, raise_request
from tests.support.api import ALEX, API_ENV, Answer, ApiClient
from tests.support.cards import all_text
from tests.support.teams import START, YEAR, BotServer, Connector, TeamsUser, card_of

MEGAN = "00000000-0000-0000-0000-0000000000021"
PAGE_TOP = "3"


def good_body(**changes: Any) -> dict[str, Any]:
    """GOOD_ANSWERS, the chat test's answers, as a maker sends them in JSON."""
    answers = {name: value for step in GOOD_ANSWERS.values() for name, value in step.items()}
    body: dict[str, Any] = {
        "title": answers["title"],
        "problem": answers["problem"],
        "affectedStaff": int(answers["affected_staff"]),
        "affectedResidents": int(answers["affected_residents"]),
        "directorate": answers["directorate"],
        "kind": answers["kind"],
        "involvesProcurement": False,
        "personalData": True,
        "existingSystems": answers["existing_systems"],
        "userResearch": answers["user_research"],
        "sponsor": answers["sponsor"],
        "budget": answers["budget"],
        "neededBy": NEEDED_BY,
        "cashSavingPerYear": int(answers["cash_saving_per_year"]),
        "hoursSavedPerYear": int(answers["hours_saved_per_year"]),
        "residentImpact": answers["resident_impact"],
        "drivers": answers["drivers"].split(","),
    }
    return {**body, **changes}


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", {**API_ENV})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def api(http: aiohttp.ClientSession, bot: BotServer) -> ApiClient:
    return ApiClient(http, bot)


async def create(api: ApiClient, **changes: Any) -> dict[str, Any]:
    answer = await api.post("requests", good_body(**changes))
    assert answer.status == 201, answer.body
    body: dict[str, Any] = answer.body
    return body


def fields_of(answer: Answer) -> dict[str, str]:
    assert answer.status == 422, (answer.status, answer.body)
    return {error["field"]: error["message"] for error in answer.problem["errors"]}


async def every_page(api: ApiClient, **params: str) -> list[list[dict[str, Any]]]:
    """Follow nextLink to the end (a bounded number of pages); each page's items."""
    pages: list[list[dict[str, Any]]] = []
    answer = await api.get("requests", **params)
    for _ in range(50):
        assert answer.status == 200, answer.body
        pages.append(answer.body["value"])
        link = answer.body["nextLink"]
        if link is None:
            return pages
        assert link.startswith(api.bot.url + "/api/v1/requests?")
        kept = parse_qs(urlsplit(link).query)
        for name, value in params.items():
            assert kept[name] == [value], (name, link)
        answer = await api.call("GET", link.removeprefix(api.bot.url))
    raise AssertionError("The pages did not end")


def references(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [item["reference"] for page in pages for item in page]


# ---- Raising a request -----------------------------------------------------------------


async def test_a_request_raised_through_the_api_is_scored_routed_and_sent_to_triage(
    api: ApiClient, alex: TeamsUser, megan: TeamsUser, connector: Connector, bot: BotServer
) -> None:
    await in_channel(alex).say("register triage")
    await raise_request(megan)  # the same answers, in chat
    await connector.wait_for(CHANNEL["id"], 1)

    answer = await api.post("requests", good_body())

    assert answer.status == 201, answer.body
    made = answer.body
    assert made["reference"] == f"DR-{YEAR}-0002"
    assert answer.headers["Location"] == f"{bot.url}/api/v1/requests/DR-{YEAR}-0002"
    assert (made["requesterId"], made["requesterName"]) == (ALEX, "Alex Wilber")
    assert made["status"] == "submitted" and made["submittedAt"].startswith(
        START.date().isoformat()
    )
    in_chat = (await api.get(f"requests/DR-{YEAR}-0001")).body
    assert in_chat["requesterId"] == MEGAN
    for same in ("score", "board", "boardName", "process", "matrixVersion", "scoreLines"):
        assert made[same] == in_chat[same], same
    assert made["board"] == "ddc" and made["score"] > 0
    posted = await connector.wait_for(CHANNEL["id"], 2)
    assert f"DR-{YEAR}-0002" in all_text(card_of(posted[-1]))
    assert (await api.get(f"requests/DR-{YEAR}-0002")).body == made


async def test_a_retried_create_with_the_same_key_raises_it_once(api: ApiClient) -> None:
    key = {"Idempotency-Key": "flow-run-7f3a"}
    first = await api.post("requests", good_body(), headers=key)
    again = await api.post("requests", good_body(), headers=key)

    assert first.status == again.status == 201
    assert again.body["reference"] == first.body["reference"]
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert [r["reference"] for r in (await api.get("requests")).body["value"]] == [
        first.body["reference"]
    ]
    other = await api.post("requests", good_body(), headers={"Idempotency-Key": "another"})
    assert other.body["reference"] != first.body["reference"]


async def test_a_body_with_nothing_in_it_lists_every_question_to_answer(api: ApiClient) -> None:
    errors = fields_of(await api.post("requests", {}))

    assert errors == {
        "title": "Enter a title.",
        "problem": "Describe the problem today.",
        "affectedStaff": "Enter how many staff, residents or businesses it affects. "
        "At least one must be more than 0.",
        "directorate": "Choose the directorate it is for.",
        "kind": "Choose the kind of request.",
        "involvesProcurement": "Choose yes if this involves buying or renewing software or "
        "a contract. Choose no if it does not.",
        "personalData": "Choose yes if it will use personal data. Choose no if it will not.",
        "budget": "Choose how much you expect it to cost.",
        "drivers": "Choose at least one strategic driver.",
    }


async def test_answers_of_the_wrong_type_are_named_with_the_rest(api: ApiClient) -> None:
    body = good_body(
        title=42,
        affectedStaff="twelve",
        affectedResidents=True,
        involvesProcurement="yes",
        neededBy="31 March 2027",
        drivers="efficiency",
        kind=["automation"],
        budget="a lot",
        problem="x" * 4001,
    )
    errors = fields_of(await api.post("requests", body))

    assert errors == {
        "title": "Enter title as text.",
        "problem": "The description of the problem must be 4,000 characters or fewer. "
        "You entered 4,001.",
        "affectedStaff": "Enter the number of staff as a whole number, like 25.",
        "affectedResidents": "Enter the number of residents as a whole number, like 25.",
        "kind": "Enter the kind of request as text.",
        "involvesProcurement": "Enter true or false to say whether this involves buying or "
        "renewing software or a contract.",
        "budget": "Choose one of: none, under_10k, 10k_to_50k, 50k_to_250k, over_250k, unknown.",
        "neededBy": "Enter the date you need it by as a date, like 2027-03-31.",
        "drivers": 'Enter the strategic drivers as a list, like ["collaboration"].',
    }


async def test_dates_numbers_and_choices_get_the_forms_own_checks(api: ApiClient) -> None:
    past = (START.date() - dt.timedelta(days=3)).isoformat()
    body = good_body(
        neededBy=past,
        contractEnd=past,
        affectedStaff=-4,
        cashSavingPerYear=2_000_000_000,
        directorate="Parks",
        drivers=["efficiency", "world_peace"],
        involvesProcurement=True,
        existingSystems=None,
    )
    errors = fields_of(await api.post("requests", body))

    assert errors == {
        "affectedStaff": "The number of staff must be 0 or more.",
        "directorate": 'Choose one of: "Children and Learning", "Communities, Culture and '
        'Homes", "Corporate Services", "Place", "Social Care and Health", "Strategy and '
        'Performance", "Several directorates".',
        "supplier": "Enter the supplier or product name. It is needed because you are buying "
        "or renewing.",
        "contractEnded": "Choose yes if the contract has already ended. Choose no if it has not.",
        "neededBy": "The date you need it by must be today or in the future.",
        "cashSavingPerYear": "The cash saving must be £1,000,000,000 or less.",
        "drivers": "Choose only from: collaboration, user_engagement, digital_innovation, "
        "efficiency, digital_governance, digital_skills, benefit_realisation, "
        "change_management, flexible_operations, service_delivery.",
    }
    assert (await api.get("requests")).body["value"] == []


async def test_an_unknown_field_is_refused_not_ignored(api: ApiClient) -> None:
    errors = fields_of(await api.post("requests", good_body(priority="high")))
    assert list(errors) == ["priority"]
    assert errors["priority"].startswith("We do not know this field.")


async def test_a_buying_request_starts_procurement_early_engagement(
    api: ApiClient, bot: BotServer
) -> None:
    contract_end = (START.date() + dt.timedelta(days=200)).isoformat()
    made = await create(
        api,
        kind="new_system",
        involvesProcurement=True,
        supplier="Civica",
        contractEnd=contract_end,
    )
    await bot.settled()

    assert made["board"] == "trb" and made["process"] == "project"
    with sqlite3.connect(bot.env["DATA_DIR"] + "/procurement.sqlite3") as db:
        rows = db.execute(
            "SELECT COUNT(*) FROM engagements WHERE reference = ?", (made["reference"],)
        ).fetchone()
    assert rows[0] == 1


async def test_a_past_contract_end_is_kept_once_they_say_it_ended(api: ApiClient) -> None:
    past = (START.date() - dt.timedelta(days=30)).isoformat()
    made = await create(
        api, involvesProcurement=True, supplier="Civica", contractEnd=past, contractEnded=True
    )
    assert made["reference"]
    said_no = good_body(involvesProcurement=True, supplier="Civica", contractEnd=past)
    said_no["contractEnded"] = False
    errors = fields_of(await api.post("requests", said_no))
    assert errors == {
        "contractEnd": "Correct the contract end date. You said the contract has not ended, "
        "so the date must be today or later."
    }


# ---- Listing requests ------------------------------------------------------------------


async def some_requests(api: ApiClient) -> list[dict[str, Any]]:
    """Seven requests across boards and directorates, oldest first."""
    return [
        await create(api, directorate="Place"),  # ddc
        await create(api, kind="new_system", directorate="Corporate Services"),  # trb
        await create(
            api,
            kind="change_existing",
            affectedResidents=0,
            existingSystems="Teams",
            directorate="Place",
        ),  # ictig
        await create(api, directorate="Social Care and Health"),  # ddc
        await create(api, kind="new_system", directorate="Place"),  # trb
        await create(api, directorate="Place"),  # ddc
        await create(api, kind="new_system", directorate="Corporate Services"),  # trb
    ]


async def test_pages_follow_each_other_to_the_end_with_no_gaps_or_repeats(
    api: ApiClient,
) -> None:
    made = await some_requests(api)

    pages = await every_page(api, top=PAGE_TOP)

    assert [len(page) for page in pages] == [3, 3, 1]
    assert references(pages) == [r["reference"] for r in made]
    assert pages[0][0] == {key: made[0][key] for key in pages[0][0]}
    assert "history" not in pages[0][0]
    default = await api.get("requests")
    assert len(default.body["value"]) == 7 and default.body["nextLink"] is None


async def test_each_filter_and_their_combinations_keep_to_their_requests(
    api: ApiClient, bot: BotServer
) -> None:
    made = await some_requests(api)
    refs = [r["reference"] for r in made]
    bot.clock.advance(dt.timedelta(days=2))
    later = bot.clock.now()
    await api.post(f"requests/{refs[1]}/withdraw", {"reason": "Bought through a framework."})
    await api.post(f"requests/{refs[5]}/withdraw", {})

    async def found(**params: str) -> list[str]:
        return references(await every_page(api, top="2", **params))

    assert await found(board="trb") == [refs[1], refs[4], refs[6]]
    assert await found(board="ictig") == [refs[2]]
    assert await found(directorate="Place") == [refs[0], refs[2], refs[4], refs[5]]
    assert await found(status="withdrawn") == [refs[1], refs[5]]
    assert await found(status="submitted,withdrawn") == refs
    assert await found(status="withdrawn", board="ddc") == [refs[5]]
    assert await found(status="submitted", board="trb", directorate="Corporate Services") == [
        refs[6]
    ]
    assert await found(updatedSince=later.isoformat()) == [refs[1], refs[5]]
    utc_now = later.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"  # Power Automate's utcNow()
    assert await found(updatedSince=utc_now) == [refs[1], refs[5]]
    assert await found(updatedSince=utc_now.replace("T", "t").replace("Z", "z")) == [
        refs[1],
        refs[5],
    ]
    assert await found(updatedSince=later.isoformat().replace("+00:00", "Z"), board="ddc") == [
        refs[5]
    ]
    in_london = later.astimezone(dt.timezone(dt.timedelta(hours=1))) + dt.timedelta(seconds=1)
    assert await found(updatedSince=in_london.isoformat()) == []
    assert await found(theme="design_plan_implement") == []
    assert await found(directorate="Strategy and Performance") == []


async def test_a_theme_set_by_a_board_can_be_filtered_on_and_then_not_withdrawn(
    api: ApiClient, bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    await create(api)
    reference = await to_board(alex, alex, board="trb")
    channel = await register_board_channel(alex, "trb")
    await make_member(bot, "trb", alex, only=True)
    card = await decision_card(channel, await agenda_of(channel), reference)
    await decide(channel, card, "approve_change", APPROVE_INPUTS)

    themed = await every_page(api, theme="design_plan_implement")

    assert references(themed) == [reference]
    assert themed[0][0]["theme"] == "design_plan_implement"
    refused = await api.post(f"requests/{reference}/withdraw", {"reason": "Changed my mind"})
    assert refused.status == 409, refused.body
    assert refused.problem["detail"] == (
        "The board has already made its decision, so you cannot withdraw it now. "
        "If it is no longer needed, tell the board's secretary."
    )
    assert (await api.get(f"requests/{reference}")).body["status"] != "withdrawn"
    await bot.settled()


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"status": "open"}, "status", "Choose one of: submitted, in_triage,"),
        ({"status": "submitted,nope"}, "status", "withdrawn."),
        ({"board": "finance"}, "board", "Choose one of: ddc, ictig, trb."),
        ({"directorate": "Parks"}, "directorate", 'Choose one of: "Children and Learning",'),
        ({"theme": "roads"}, "theme", "Choose one of: people_and_skills,"),
        ({"updatedSince": "yesterday"}, "updatedSince", WHEN),
        ({"updatedSince": "2026-11-25T09:00:00"}, "updatedSince", WHEN),
        ({"updatedSince": "2026-02-30T09:00:00Z"}, "updatedSince", WHEN),
        # Only what the document says (format date-time): not a date alone, a space for
        # the T, a count of seconds or ISO 8601's other forms.
        ({"updatedSince": "2026-11-25"}, "updatedSince", WHEN),
        ({"updatedSince": "2026-11-25 09:00:00Z"}, "updatedSince", WHEN),
        ({"updatedSince": "1700000000"}, "updatedSince", WHEN),
        ({"updatedSince": "20261125T090000Z"}, "updatedSince", WHEN),
        ({"updatedSince": "2026-W48-3T09:00:00Z"}, "updatedSince", WHEN),
        ({"top": "0"}, "top", "at least 1"),
        ({"top": "101"}, "top", "at most 100"),
        ({"top": "ten"}, "top", "whole number"),
        ({"after": "not-a-cursor"}, "after", NOT_OURS),
        ({"after": cursor("requests", "-5")}, "after", NOT_OURS),
        ({"after": cursor("requests", "0")}, "after", NOT_OURS),
        ({"after": cursor("requests", "7", "8")}, "after", NOT_OURS),
        ({"after": cursor("questions", "7")}, "after", NOT_OURS),  # another list's
        ({"after": "cjE6NQ"}, "after", NOT_OURS),  # r1:5, made by hand
        ({"after": "eDox"}, "after", NOT_OURS),  # x:1
        ({"after": "%%%"}, "after", NOT_OURS),
        ({"after": "x" * 401}, "after", "400 characters or fewer"),
    ],
)
async def test_a_filter_or_cursor_we_do_not_know_is_refused_by_name(
    api: ApiClient, params: dict[str, str], field: str, words: str
) -> None:
    errors = fields_of(await api.get("requests", **params))
    assert list(errors) == [field]
    assert words in errors[field], errors[field]


async def test_the_api_reads_requests_in_a_file_made_before_it(
    api: ApiClient, bot: BotServer
) -> None:
    made = [
        await create(api, directorate="Place"),
        await create(api, directorate="Corporate Services"),
    ]
    await bot.stop()
    with sqlite3.connect(bot.env["DATA_DIR"] + "/digital-front-door.sqlite3") as db:
        for name in ("directorate", "theme", "updated"):
            db.execute(f"DROP INDEX requests_by_{name}")
        for column in ("directorate", "theme", "updated_at"):
            db.execute(f"ALTER TABLE requests DROP COLUMN {column}")
    await bot.start()

    found = await every_page(api, directorate="Corporate Services")
    assert references(found) == [made[1]["reference"]]
    since = await every_page(api, updatedSince=START.isoformat())
    assert references(since) == [r["reference"] for r in made]


# ---- Withdrawing a request -------------------------------------------------------------


async def test_the_requester_withdraws_and_triage_hears_of_it(
    api: ApiClient, alex: TeamsUser, connector: Connector, bot: BotServer
) -> None:
    await in_channel(alex).say("register triage")
    made = await create(api)
    await connector.wait_for(CHANNEL["id"], 1)
    bot.clock.advance(dt.timedelta(hours=3))

    answer = await api.post(
        f"requests/{made['reference'].lower()}/withdraw", {"reason": "  We found a form.  "}
    )

    assert answer.status == 200, answer.body
    assert answer.body["status"] == "withdrawn"
    last = answer.body["history"][-1]
    assert (last["action"], last["byId"], last["detail"]) == ("withdraw", ALEX, "We found a form.")
    assert answer.body["updatedAt"] > made["updatedAt"]
    await bot.settled()
    assert connector.updates(CHANNEL["id"]), "the triage card was not redrawn"
    again = await api.post(f"requests/{made['reference']}/withdraw", {})
    assert again.status == 409
    assert again.problem["detail"].startswith("You have already withdrawn this request.")


async def test_a_request_shows_its_version_and_each_change_makes_a_new_one(
    api: ApiClient, bot: BotServer
) -> None:
    """`version` is what RecordDecision checks: a change since it was read is refused."""
    made = await create(api)
    reference = made["reference"]
    read = (await api.get(f"requests/{reference}")).body
    listed = (await api.get("requests")).body["value"][0]

    assert made["version"] and isinstance(made["version"], str)
    assert read["version"] == listed["version"] == made["version"]
    withdrawn = await api.post(f"requests/{reference}/withdraw", {})
    assert withdrawn.status == 200, withdrawn.body
    assert withdrawn.body["version"] != made["version"]
    assert (await api.get(f"requests/{reference}")).body["version"] == withdrawn.body["version"]
    assert (await api.get("requests")).body["value"][0]["version"] == withdrawn.body["version"]


async def test_only_the_requester_can_withdraw(
    api: ApiClient, megan: TeamsUser, bot: BotServer
) -> None:
    await raise_request(megan)
    reference = f"DR-{YEAR}-0001"

    answer = await api.post(f"requests/{reference}/withdraw", {"reason": "Not needed"})

    assert answer.status == 403
    assert answer.problem["detail"] == (
        f"Only the person who raised {reference} can withdraw it. Nothing has changed."
    )
    assert (await api.get(f"requests/{reference}")).body["status"] == "submitted"


async def test_a_key_acting_as_someone_else_cannot_withdraw_alexs_request(
    api: ApiClient, bot: BotServer
) -> None:
    made = await create(api)
    bot.env["API_KEY_USER"] = f"{MEGAN}:Megan Bowen"
    await bot.restart()

    answer = await api.post(f"requests/{made['reference']}/withdraw", {})

    assert answer.status == 403, answer.body
    assert (await api.get(f"requests/{made['reference']}")).body["status"] == "submitted"
    theirs = await create(api)
    assert (theirs["requesterId"], theirs["requesterName"]) == (MEGAN, "Megan Bowen")
    assert (await api.post(f"requests/{theirs['reference']}/withdraw", {})).status == 200


@pytest.mark.parametrize(
    ("reference", "body", "status"),
    [
        (f"DR-{YEAR}-0099", {}, 404),
        ("DR-12", {}, 404),
        ("'; DROP TABLE requests", {}, 404),
        (f"DR-{YEAR}-0001", {"reason": "x" * 1001}, 422),
        (f"DR-{YEAR}-0001", {"reason": 7}, 422),
        (f"DR-{YEAR}-0001", {"why": "no"}, 422),
    ],
)
async def test_withdrawing_something_that_is_not_there_or_with_a_bad_reason(
    api: ApiClient, reference: str, body: dict[str, Any], status: int
) -> None:
    await create(api)
    answer = await api.post(f"requests/{reference}/withdraw", body)
    assert answer.status == status, answer.body
    assert answer.problem["status"] == status
    assert (await api.get(f"requests/DR-{YEAR}-0001")).body["status"] == "submitted"


async def test_another_persons_request_is_readable_with_requests_read(
    api: ApiClient, megan: TeamsUser
) -> None:
    await raise_request(megan)
    answer = await api.get(f"requests/DR-{YEAR}-0001")
    assert answer.status == 200 and answer.body["requesterId"] == MEGAN
