"""What the feedback, skills, processes and benefits journeys hold about a person, on a real
SQLite store (and the local Graph-like server for the SharePoint backlog list): `my data`
shows it, erase removes it and keeps the counts, caches forget it, and retention, with a
settable clock, acts once on what is past its period."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journey import Actor, JourneyContext
from bot.journeys import benefits, feedback, processes, skills
from bot.journeys.benefits.personal_data import benefits_data
from bot.journeys.benefits.report import LINK_DAYS, BenefitsReporting
from bot.journeys.feedback import all_feedback
from bot.journeys.processes import latest_lines
from bot.journeys.processes.backlog import Backlog, published_rules
from bot.journeys.processes.personal_data import BACKLOG_LINE, ProcessMapData
from bot.journeys.processes.sharepoint import sync_backlog
from bot.journeys.skills.framework import seed_framework, to_data
from bot.journeys.skills.personal_data import skills_data
from bot.journeys.skills.reports import Filters, Reports
from bot.ports import Record
from bot.privacy import ERASED_NAME, ERASED_TEXT, Person, Retained, all_of, pseudonym
from bot.privacy_records import ERASURES
from bot.store.sqlite import SqliteStore
from graph_clients import schema
from graph_clients.wiring import GraphConnection
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import provisioned

NOW = dt.datetime(2031, 6, 17, 9, 30, tzinfo=dt.UTC)
ADMIN = "00000000-0000-0000-0000-0000000000a1"
ASHA_ID = "00000000-0000-0000-0000-00000000a5a1"
ASHA = Person(ASHA_ID, frozenset({ASHA_ID, "29:teams-asha"}), frozenset({"Asha Patel"}))
STAND_IN = pseudonym(ASHA_ID)
POLICY = RetentionPolicy()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
async def store(tmp_path: Path, clock: SettableClock) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "store.sqlite3", clock)
    await opened.open()
    yield opened
    await opened.close()


def context(store: SqliteStore, clock: SettableClock, graph: Any = None) -> JourneyContext:
    unused: Any = object()  # nothing here sends a message
    return JourneyContext(
        store=store,
        clock=clock,
        notifier=unused,
        admin_ids=frozenset({ADMIN, ASHA_ID}),
        graph=graph,
    )


async def keep(store: SqliteStore, *records: Record) -> None:
    for record in records:
        assert await store.add_record(record)


def held_by_what(items: list[Any]) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for item in items:
        found.setdefault(item.what, []).append(item.fields)
    return found


# ---- Feedback ---------------------------------------------------------------------------


def rated(key: str, owner: str, stars: int, comment: str, at: dt.datetime = NOW) -> Record:
    """As feedback/__init__.py keeps it."""
    return Record("feedback", key, owner, at, {"rating": stars, "comment": comment})


async def test_feedback_erase_keeps_the_rating_and_drops_the_comment(
    store: SqliteStore, clock: SettableClock
) -> None:
    await keep(
        store,
        rated("d1", ASHA_ID, 2, "The form lost my answers twice"),
        rated("d2", "aad-ben", 5, "Asha Patel showed me how, thanks"),
        rated("d3", "aad-ben", 4, "Quick"),
    )
    part = feedback.register(context(store, clock)).personal_data
    assert part is not None

    held = held_by_what(await part.held(ASHA))
    assert held["Feedback on the bot"] == [
        {
            "Kept under your id": ASHA_ID,
            "Rating (1 to 5)": "2",
            "Comment": "The form lost my answers twice",
        },
        {"Comment": "Asha Patel showed me how, thanks"},
    ]

    done = await part.erase(ASHA, STAND_IN, NOW)

    assert done.changed == {"Feedback on the bot": 2}
    kept = {r.key: (r.owner_id, r.data) for r in await store.records("feedback")}
    assert kept["d1"] == (STAND_IN, {"rating": 2, "comment": ERASED_TEXT})
    assert kept["d2"] == ("aad-ben", {"rating": 5, "comment": ERASED_TEXT})
    assert kept["d3"] == ("aad-ben", {"rating": 4, "comment": "Quick"})
    summary = await all_feedback(store)
    assert sorted(r.rating for r in summary) == [2, 4, 5]  # every rating still counts
    assert [r.comment for r in summary if r.comment] == ["Quick"]  # "[removed]" not shown
    assert await part.held(ASHA) == []
    assert (await part.erase(ASHA, STAND_IN, NOW)).changed == {}


async def test_feedback_past_two_years_loses_its_comment_and_its_person_once(
    store: SqliteStore, clock: SettableClock
) -> None:
    period = POLICY.period(RetentionKind.FEEDBACK)
    await keep(
        store,
        rated("old", "aad-ben", 3, "Slow on my phone", at=NOW - period - dt.timedelta(days=1)),
        rated("new", "aad-ben", 5, "Good", at=NOW - period + dt.timedelta(days=1)),
    )
    part = feedback.register(context(store, clock)).personal_data
    assert part is not None

    assert await part.retain(POLICY, NOW) == [Retained(RetentionKind.FEEDBACK, 0, 1)]
    assert await part.retain(POLICY, NOW) == [Retained(RetentionKind.FEEDBACK, 0, 0)]

    kept = {r.key: (r.owner_id, r.data) for r in await store.records("feedback")}
    assert kept["old"] == (pseudonym("aad-ben"), {"rating": 3, "comment": ERASED_TEXT})
    assert kept["new"] == ("aad-ben", {"rating": 5, "comment": "Good"})
    later = await part.retain(POLICY, NOW + dt.timedelta(days=2))
    assert later == [Retained(RetentionKind.FEEDBACK, 0, 1)]


# ---- Skills -----------------------------------------------------------------------------

SPRING, AUTUMN = "Spring 2031", "Autumn 2031"


def check(person: str, baseline: str, service_area: str, level: int, at: dt.datetime) -> Record:
    """As skills/check.py keeps a skills check."""
    data = {
        "baseline": baseline,
        "role_family": "front_line",
        "directorate": "Place",
        "service_area": service_area,
        "levels": {"cyber_security": level},
        "framework_version": 1,
    }
    return Record("skills_assessment", f"{baseline}:{person}", person, at, data)


def baseline(name: str, by: str, at: dt.datetime) -> Record:
    data = {"name": name, "opened_at": at.isoformat()}
    return Record("skills_baseline", name.casefold(), by, at, data)


async def seed_skills(store: SqliteStore) -> None:
    """Spring closed when Autumn opened: 6 in Parks (Asha among them, at target), 5 in Roads."""
    opened = NOW - dt.timedelta(days=200)
    sent = opened + dt.timedelta(days=10)
    await keep(store, baseline(SPRING, ADMIN, opened), baseline(AUTUMN, ASHA_ID, NOW))
    await keep(store, check(ASHA_ID, SPRING, "Parks", 4, sent))
    await keep(store, *(check(f"park-{n}", SPRING, "Parks", 1 + n % 4, sent) for n in range(5)))
    await keep(store, *(check(f"road-{n}", SPRING, "Roads", 4, sent) for n in range(5)))
    framework = {"version": 2, "framework": to_data(seed_framework())}
    await keep(store, Record("skills_framework", "v2", ASHA_ID, opened, framework))


async def figures(reports: Reports) -> list[Any]:
    shown = []
    for filters in (Filters(), Filters(directorate="Place"), Filters(service_area="Parks")):
        report, _ = await reports.figures(filters, "", False)
        shown.append((report.people, report.areas))
    return shown


async def test_skills_reports_show_the_same_figures_after_an_erase_and_past_the_period(
    store: SqliteStore, clock: SettableClock
) -> None:
    ctx = context(store, clock)
    await seed_skills(store)
    reports = Reports(ctx, "https://bot.example")
    before = await figures(reports)
    assert before[2][0] == (6,)  # Asha counts in Parks in the closed baseline
    made = await reports.make(
        Actor(ASHA_ID, "29:teams-asha", "Asha Patel", ASHA_ID), None, "", False
    )
    token = made.link.rsplit("/", 1)[-1]
    assert await reports.usable(token) is not None
    part = skills_data(store, reports.forget)

    held = held_by_what(await part.held(ASHA))
    assert held["Digital skills check"] == [
        {
            "Kept under your id": ASHA_ID,
            "Baseline": SPRING,
            "Role family": "front_line",
            "Directorate": "Place",
            "Service area": "Parks",
            "Your levels (1 to 4), by area": "cyber_security: 4",
            "Framework version": "1",
        }
    ]
    assert held["Skills baseline you opened"] == [{"Opened by (your id)": ASHA_ID}]
    assert held["Digital skills framework version you published"] == [
        {"Published by (your id)": ASHA_ID}
    ]
    assert held["Link to a skills report you made"][0]["Made by (your id)"] == ASHA_ID

    done = await part.erase(ASHA, STAND_IN, NOW)

    assert done.changed == {
        "Digital skills check": 1,
        "Skills baseline you opened": 1,
        "Digital skills framework version you published": 1,
        "Link to a skills report you made": 1,
    }
    assert await reports.usable(token) is None  # the link read before is forgotten
    assert await figures(reports) == before
    [mine] = [r for r in await store.records("skills_assessment") if r.owner_id == STAND_IN]
    assert mine.data["service_area"] == "Parks"  # 5 others gave it: it names a group
    assert await part.held(ASHA) == []
    assert await store.records("skills_report_link") == []

    clock.set(NOW + POLICY.period(RetentionKind.SKILLS))
    assert await part.retain(POLICY, clock.now()) == [Retained(RetentionKind.SKILLS, 0, 10)]
    assert await part.retain(POLICY, clock.now()) == [Retained(RetentionKind.SKILLS, 0, 0)]
    owners = {r.owner_id for r in await store.records("skills_assessment")}
    assert all(owner.startswith("erased-") for owner in owners) and len(owners) == 11
    assert await figures(reports) == before


async def test_a_service_area_only_the_erased_person_gave_goes_and_the_figures_stay(
    store: SqliteStore, clock: SettableClock
) -> None:
    ctx = context(store, clock)
    await seed_skills(store)
    sent = NOW - dt.timedelta(days=190)
    # Only Asha (in Spring) and 4 others (in either baseline) gave "Parks Nursery".
    nursery = "parks  NURSERY"
    await keep(store, check(ASHA_ID, AUTUMN, nursery, 2, NOW))
    await keep(store, *(check(f"nursery-{n}", SPRING, "Parks Nursery", 3, sent) for n in range(4)))
    await keep(store, check("erased-0123456789abcdef", SPRING, "Parks Nursery", 3, sent))
    await keep(store, check("aad-cal", SPRING, "Asha Patel's desk", 2, sent))
    reports = Reports(ctx, "https://bot.example")
    before = await figures(reports)
    part = skills_data(store, reports.forget, 5)

    done = await part.erase(ASHA, STAND_IN, NOW)

    assert done.changed["Digital skills check"] == 3  # her two, and Cal's naming her
    areas = {r.key: r.data["service_area"] for r in await store.records("skills_assessment")}
    assert areas[f"{AUTUMN}:{ASHA_ID}"] == ERASED_TEXT  # 4 others (not erased) gave it
    assert areas[f"{SPRING}:{ASHA_ID}"] == "Parks"  # 5 others gave it
    assert areas[f"{SPRING}:aad-cal"] == f"{ERASED_NAME}'s desk"
    assert areas[f"{SPRING}:nursery-0"] == "Parks Nursery"
    assert await figures(reports) == before
    assert await part.held(ASHA) == []
    assert (await part.erase(ASHA, STAND_IN, NOW)).changed == {}

    # With a smaller SKILLS_MIN_GROUP, 4 others are enough: the service area stays.
    await keep(store, check(ASHA_ID, "Winter 2031", nursery, 2, NOW))
    await skills_data(store, None, 4).erase(ASHA, STAND_IN, NOW)
    [winter] = [r for r in await store.records("skills_assessment") if "Winter" in r.key]
    assert winter.data["service_area"] == nursery


async def test_a_skills_report_link_goes_once_it_no_longer_works(
    store: SqliteStore, clock: SettableClock
) -> None:
    reports = Reports(context(store, clock), "https://bot.example")
    actor = Actor(ADMIN, "29:admin", "Sam Admin", ADMIN)
    await reports.make(actor, None, "", False)
    clock.advance(dt.timedelta(hours=23))
    await reports.make(actor, None, "", False)
    part = skills_data(store, reports.forget)

    clock.advance(dt.timedelta(hours=2))
    assert await part.retain(POLICY, clock.now()) == [Retained(RetentionKind.SKILLS, 1, 0)]
    assert await part.retain(POLICY, clock.now()) == [Retained(RetentionKind.SKILLS, 0, 0)]
    assert len(await store.records("skills_report_link")) == 1


async def test_the_skills_journey_declares_its_personal_data(
    store: SqliteStore, clock: SettableClock
) -> None:
    await seed_skills(store)
    part = skills.register(context(store, clock)).personal_data
    assert part is not None
    assert {item.what for item in await part.held(ASHA)} == {
        "Digital skills check",
        "Skills baseline you opened",
        "Digital skills framework version you published",
    }


# ---- Processes --------------------------------------------------------------------------


def step(who: str, what: str, system: str, minutes: float) -> dict[str, Any]:
    return {"who": who, "what": what, "system": system, "minutes": minutes, "share": 100}


def process_map(
    number: int, owner: str, name: str, steps: list[dict[str, Any]], pain_points: str
) -> Record:
    """As processes/flow.py keeps a sent map (mapping.record_data's layout)."""
    data = {
        "id": f"{number:032x}",
        "version": 1,
        "name": name,
        "directorate": "Place",
        "service_area": "Waste and Recycling",
        "users": ["residents", "staff"],
        "items_per_month": 250,
        "steps": steps,
        "pain_points": pain_points,
        "submitted_at": NOW.isoformat(),
    }
    return Record("process_map", f"{data['id']}:1", owner, NOW, data)


GARDEN = process_map(
    1,
    ASHA_ID,
    "Garden waste bookings",
    [
        step("Asha Patel (contact centre)", "Takes the call and writes it down", "Phone", 8),
        step("Waste officer", "Checks the round", "Bartec", 3),
    ],
    "Asha types every booking twice and hates it.",
)
BULKY = process_map(
    2,
    "aad-ben",
    "Bulky waste collections",
    [
        step("Adviser", "Takes the call and writes it down", "Phone", 8),
        step("Asha Patel", "Books the crew", "Bartec", 5),
    ],
    "Only Asha Patel knows the crews' rounds.",
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def graph(fake: FakeGraph) -> AsyncIterator[GraphConnection]:
    connection = await provisioned(fake)
    yield connection
    await connection.close()


async def test_an_erased_mapper_leaves_the_backlog_and_the_sharepoint_list(
    store: SqliteStore, clock: SettableClock, fake: FakeGraph, graph: GraphConnection
) -> None:
    ctx = context(store, clock, graph)
    await keep(store, GARDEN, BULKY)
    await sync_backlog(ctx, await latest_lines(ctx))
    owners = {i["ProcessId"]: i["OwnerId"] for i in fake.list_items(schema.BACKLOG.name)}
    assert owners == {f"{1:032x}": ASHA_ID, f"{2:032x}": "aad-ben"}
    backlog = Backlog(store, published_rules())
    assert (await backlog.latest(f"{1:032x}")) is not None  # read into memory
    part = ProcessMapData(ctx, backlog.forget)

    held = held_by_what(await part.held(ASHA))
    [garden] = held["Process map you sent"][:1]
    assert garden["Mapped by (your id)"] == ASHA_ID
    assert garden["Pain points"] == "Asha types every booking twice and hates it."
    assert garden["Who does each step"] == "Asha Patel (contact centre); Waste officer"
    assert held["Process map you sent"][1] == {
        "Who does each step": "Asha Patel",
        "Pain points": "Only Asha Patel knows the crews' rounds.",
    }
    assert held[BACKLOG_LINE] == [{"Owner (your id)": ASHA_ID, "Process": "Garden waste bookings"}]

    done = await part.erase(ASHA, STAND_IN, NOW)

    assert done.changed == {"Process map you sent": 2}
    maps = {r.data["id"]: r for r in await store.records("process_map")}
    mine, bens = maps[f"{1:032x}"], maps[f"{2:032x}"]
    assert mine.owner_id == STAND_IN
    assert mine.data["pain_points"] == ERASED_TEXT
    whose = [s["who"] for s in mine.data["steps"]]
    assert whose == [f"{ERASED_NAME} (contact centre)", "Waste officer"]  # the role stays
    assert mine.data["name"] == "Garden waste bookings"  # the process stays on the backlog
    assert bens.owner_id == "aad-ben"
    assert bens.data["pain_points"] == ERASED_TEXT  # Ben's words named her
    assert [s["who"] for s in bens.data["steps"]] == ["Adviser", ERASED_NAME]
    owners = {i["ProcessId"]: i["OwnerId"] for i in fake.list_items(schema.BACKLOG.name)}
    assert owners == {f"{1:032x}": STAND_IN, f"{2:032x}": "aad-ben"}
    latest = await backlog.latest(f"{1:032x}")
    assert latest is not None
    assert latest[0].pain_points == ERASED_TEXT  # the backlog in memory was read afresh
    assert await part.held(ASHA) == []
    assert (await part.erase(ASHA, STAND_IN, NOW)).changed == {}
    assert await part.retain(POLICY, NOW + dt.timedelta(days=36_500)) == []


async def test_contact_details_typed_into_a_process_map_go_from_it_and_the_backlog_list(
    store: SqliteStore, clock: SettableClock, fake: FakeGraph, graph: GraphConnection
) -> None:
    ctx = context(store, clock, graph)
    email = "asha.patel@example.gov.uk"
    typed = process_map(
        3,
        ASHA_ID,
        f"Pest control visits, ask {email} or 0161 496 0123",
        [
            step("Pest officer", f"Emails {email} the visit", "Outlook", 4),
            step("Asha (29:teams-asha)", "Books the visit", "Phone 07700 900123", 3),
        ],
        "Too many calls",
    )
    await keep(store, typed)
    await sync_backlog(ctx, await latest_lines(ctx))
    [title] = [i["Title"] for i in fake.list_items(schema.BACKLOG.name)]
    assert email in title  # the scan below can fail

    await ProcessMapData(ctx).erase(ASHA, STAND_IN, NOW)

    [kept] = await store.records("process_map")
    assert kept.data["name"] == f"Pest control visits, ask {ERASED_TEXT} or {ERASED_TEXT}"
    steps = [(s["who"], s["what"], s["system"]) for s in kept.data["steps"]]
    assert steps == [
        ("Pest officer", f"Emails {ERASED_TEXT} the visit", "Outlook"),
        (f"Asha ({ERASED_NAME})", "Books the visit", f"Phone {ERASED_TEXT}"),
    ]
    [item] = fake.list_items(schema.BACKLOG.name)
    assert item["Title"] == kept.data["name"]
    for trace in (email, "0161 496 0123", "07700 900123", "29:teams-asha", ASHA_ID):
        assert trace not in repr(item) and trace not in repr(kept)


async def test_the_processes_journey_declares_its_personal_data(
    store: SqliteStore, clock: SettableClock
) -> None:
    await keep(store, GARDEN)
    part = processes.register(context(store, clock)).personal_data
    assert part is not None
    assert [item.what for item in await part.held(ASHA)] == ["Process map you sent"]


# ---- Benefits ---------------------------------------------------------------------------

DELIVERED = NOW - dt.timedelta(days=400)


def benefits_records(requester: str, recorder: str, notes: str) -> list[Record]:
    """As benefits/records.py and recording.py keep them, for DR-2030-0007."""
    ref = "DR-2030-0007"
    recorded = {
        "reference": ref,
        "months": 6,
        "cash_saving_per_year": 12000,
        "hours_saved_per_year": 300,
        "residents_affected": 4000,
        "notes": notes,
        "by": recorder,
        "at": (DELIVERED + dt.timedelta(days=190)).isoformat(),
    }
    return [
        Record("benefits_due", ref, requester, DELIVERED, {"reference": ref, "delivered_at": ""}),
        Record("benefits_asked", f"{ref}:6", requester, DELIVERED, {"reference": ref, "months": 6}),
        Record("benefits_recorded", f"{ref}:6", recorder, DELIVERED, recorded),
    ]


def link(token: str, at: dt.datetime) -> Record:
    """As benefits/report.py keeps a report link."""
    data = {"board": "", "theme": "", "year": "", "by": "Asha Patel", "by_id": ASHA_ID}
    return Record("benefits_report_link", token, ASHA_ID, at, data)


async def test_benefits_erase_keeps_the_figures_and_drops_links_and_drawn_pages(
    store: SqliteStore, clock: SettableClock
) -> None:
    token = "a" * 32
    await keep(
        store,
        *benefits_records(ASHA_ID, ASHA_ID, "Asha's team stopped re-keying"),
        link(token, NOW - dt.timedelta(days=1)),
    )
    reporting = BenefitsReporting(context(store, clock))
    request = make_mocked_request("GET", f"/benefits/reports/{token}", match_info={"token": token})
    reporting._made[token] = b"<p>Made by Asha Patel</p>"  # a page drawn before the erase
    assert (await reporting.serve(request)).status == 200
    part = benefits_data(store, reporting.forget)

    held = held_by_what(await part.held(ASHA))
    assert held["Benefits you told us about"][0]["Notes"] == "Asha's team stopped re-keying"
    assert held["Benefits you told us about"][0]["Recorded by (your id)"] == ASHA_ID
    assert held["Link to a benefits report you made"][0]["Your name"] == "Asha Patel"
    assert len(held) == 4

    done = await part.erase(ASHA, STAND_IN, NOW)

    assert sum(done.changed.values()) == 4
    assert (await reporting.serve(request)).status == 404
    [recorded] = await store.records("benefits_recorded")
    assert recorded.owner_id == STAND_IN
    assert recorded.data["notes"] == ERASED_TEXT and recorded.data["by"] == STAND_IN
    assert recorded.data["cash_saving_per_year"] == 12000
    assert [r.owner_id for r in await store.records("benefits_due")] == [STAND_IN]
    assert [r.owner_id for r in await store.records("benefits_asked")] == [STAND_IN]
    assert await part.held(ASHA) == []


async def test_benefits_past_their_period_and_links_past_a_week_go_once(
    store: SqliteStore, clock: SettableClock
) -> None:
    await keep(
        store,
        *benefits_records("aad-ben", "aad-cal", "Cal's notes"),
        link("b" * 32, NOW - dt.timedelta(days=LINK_DAYS, seconds=1)),
        link("c" * 32, NOW - dt.timedelta(days=LINK_DAYS - 1)),
    )
    part = benefits.register(context(store, clock)).personal_data
    assert part is not None

    first = await part.retain(POLICY, NOW)
    assert first == [Retained(RetentionKind.CLOSED_REQUESTS, deleted=1, anonymised=0)]
    assert [r.key for r in await store.records("benefits_report_link")] == ["c" * 32]

    later = NOW + POLICY.period(RetentionKind.CLOSED_REQUESTS)
    done = await part.retain(POLICY, later)
    assert done == [Retained(RetentionKind.CLOSED_REQUESTS, deleted=1, anonymised=3)]
    assert await part.retain(POLICY, later) == [Retained(RetentionKind.CLOSED_REQUESTS, 0, 0)]
    [recorded] = await store.records("benefits_recorded")
    assert recorded.owner_id == pseudonym("aad-cal") and recorded.data["by"] == pseudonym("aad-cal")
    assert recorded.data["notes"] == ERASED_TEXT
    assert recorded.data["hours_saved_per_year"] == 300


# ---- Together ---------------------------------------------------------------------------


async def test_after_an_erase_the_file_holds_none_of_them_in_these_journeys_records(
    store: SqliteStore, clock: SettableClock, tmp_path: Path
) -> None:
    ctx = context(store, clock)
    await seed_skills(store)
    await keep(
        store,
        rated("d1", ASHA_ID, 2, "Asha here: too slow"),
        GARDEN,
        BULKY,
        *benefits_records(ASHA_ID, ASHA_ID, "Asha Patel's notes"),
        link("d" * 32, NOW),
    )
    journeys = [feedback.register(ctx), skills.register(ctx), processes.register(ctx)]
    journeys.append(benefits.register(ctx))
    everything = all_of(journey.personal_data for journey in journeys)
    assert everything is not None
    assert {item.journey for item in await everything.held(ASHA)} == {
        "feedback",
        "skills",
        "processes",
        "benefits",
    }

    done = await everything.erase(ASHA, STAND_IN, NOW)

    # Her process map stays (the council's), without her, and is listed as kept.
    assert [(k.journey, k.what) for k in done.kept] == [("processes", "Process map")]
    with sqlite3.connect(tmp_path / "store.sqlite3") as db:
        rows = repr(db.execute("SELECT owner_id, data FROM records").fetchall())
    for trace in (ASHA_ID, "Asha Patel", "Asha here", "Asha types", "29:teams-asha"):
        assert trace not in rows
    assert done.changed  # it did change things


# ---- Caches on another instance --------------------------------------------------------


async def erased_elsewhere(store: SqliteStore, part: Any) -> None:
    """Another instance erases Asha, and ends as the privacy journey does: an audit record."""
    await part.erase(ASHA, STAND_IN, NOW)
    await keep(store, Record(ERASURES, "e1", "", NOW, {"changed": 1}))


async def test_another_instance_drops_what_it_read_once_someone_is_erased(
    store: SqliteStore, clock: SettableClock
) -> None:
    ctx = context(store, clock)
    await seed_skills(store)
    await keep(store, GARDEN)
    skills_there, skills_here = Reports(ctx, ""), Reports(ctx, "")
    asha = Actor(ASHA_ID, "29:asha", "Asha Patel", ASHA_ID)
    made = await skills_there.make(asha, None, "", False)
    skills_token = made.link.rsplit("/", 1)[-1]
    benefits_token = "e" * 32
    await keep(store, link(benefits_token, NOW))
    benefits_here = BenefitsReporting(ctx)
    request = make_mocked_request("GET", "/", match_info={"token": benefits_token})
    benefits_here._made[benefits_token] = b"<p>Made by Asha Patel</p>"
    backlog_here = Backlog(store, published_rules())
    assert await skills_here.usable(skills_token) is not None  # read here, kept in memory
    assert (await benefits_here.serve(request)).status == 200
    assert (await backlog_here.latest(f"{1:032x}")) is not None

    everything = all_of(
        [skills_data(store), benefits_data(store), ProcessMapData(ctx)]
    )  # the other instance's parts: they cannot reach this instance's caches
    assert everything is not None
    await erased_elsewhere(store, everything)

    assert await skills_here.usable(skills_token) is None
    assert (await benefits_here.serve(request)).status == 404
    latest = await backlog_here.latest(f"{1:032x}")
    assert latest is not None and latest[0].pain_points == ERASED_TEXT
