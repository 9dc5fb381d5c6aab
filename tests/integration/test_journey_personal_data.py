"""Personal data in the journeys' own stores (issue 18): communities, boards, procurement
and flows, each on its real SQLite file and on Azure Table storage (Azurite), with the
records they keep in the bot's own store (SQLite, or the Azure working state).

For each journey: `held` shows every field that holds the person's data; `erase` leaves
none of their ids or names behind (a trace stays under their stand-in), lists what it
may not erase, and does nothing the second time; `retain` acts only on what is past its
period by the settable clock, and finds nothing the second time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from bot.azure_state.working import AzureWorkingState
from bot.domain.boards import BoardSetup, Decision, DecisionKind, Deputy
from bot.domain.communities import (
    Answer,
    AnswerKind,
    Champion,
    ChampionStatus,
    Community,
    KnowledgeEntry,
    Nudge,
    NudgeStep,
    Question,
    QuestionStatus,
)
from bot.domain.model import Status
from bot.domain.procurement import CatalogueEntry, Engagement, Stage
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journey import JourneyContext
from bot.journeys import boards, communities, flows, procurement
from bot.journeys.boards.config import BoardsConfig
from bot.journeys.boards.personal_data import MATRIX_SPEC, BoardData
from bot.journeys.boards.roadmap import PACK_PATH, Roadmap
from bot.journeys.boards.shared import Shared as BoardsShared
from bot.journeys.communities.config import CommunityConfig
from bot.journeys.communities.personal_data import CommunityData
from bot.journeys.communities.shared import Shared as CommunityShared
from bot.journeys.flows.config import FlowsConfig
from bot.journeys.flows.personal_data import MESSAGE_SPEC, FlowData
from bot.journeys.flows.store import NewEvent, Subscription
from bot.journeys.flows.webhooks import Webhooks
from bot.journeys.procurement.config import ProcurementConfig
from bot.journeys.procurement.personal_data import IMPORT_SPEC, ProcurementData
from bot.journeys.procurement.shared import Shared as ProcurementShared
from bot.ports import Record
from bot.privacy import ERASED_NAME, ERASED_TEXT, Person, PersonalData, pseudonym
from bot.privacy_records import ERASURES, RecordKeeper
from bot.store.sqlite import SqliteStore
from tests.integration.test_store_contract import new_request
from tests.support.azurite import new_prefix
from tests.support.clock import SettableClock

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
LONG_AGO = NOW - dt.timedelta(days=7 * 365)  # past every default period
ANN = Person("aad-ann", frozenset({"aad-ann", "teams-ann"}), frozenset({"Ann Asker"}))
STAND_IN = pseudonym("aad-ann")
ANN_EMAIL = "ann.asker@council.gov.uk"
ANN_PHONE = "0114 273 4567"
# Her own words in an answer she gave: they go with her.
HER_WORDS = f"IT do. The purple spreadsheet has it; email {ANN_EMAIL} or ring {ANN_PHONE}."
POLICY = RetentionPolicy()


@dataclasses.dataclass
class Place:
    """Where one test keeps things: the journeys' stores (SQLite files in tmp_path, or one
    Azure prefix) and the bot's own records (the SQLite store, or the Azure working state)."""

    kind: str
    ctx: JourneyContext
    records: RecordKeeper
    core: SqliteStore

    async def add_record(self, record: Record) -> None:
        assert await self.records.add_record(record)  # type: ignore[attr-defined]

    async def record(self, kind: str, key: str) -> Record:
        found = [r for r in await self.records.records(kind) if r.key == key]
        assert len(found) == 1
        return found[0]


@pytest.fixture(params=["sqlite", "azure"])
async def place(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Place]:
    clock = SettableClock(NOW)
    core = SqliteStore(tmp_path / "digital-front-door.sqlite3", clock)
    await core.open()
    account: AzureState | None = None
    records: Any = core
    if request.param == "azure":
        azurite = request.getfixturevalue("azurite")
        account = AzureState(
            StateSettings(
                kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
            )
        )
        records = AzureWorkingState(account, clock)
        await records.open()
    unused: Any = object()
    ctx = JourneyContext(
        store=core,
        clock=clock,
        notifier=unused,
        admin_ids=frozenset(),
        data_dir=tmp_path,
        azure=account,
    )
    yield Place(request.param, ctx, records, core)
    if account is not None:
        await records.close()
        await account.close()
    await core.close()


def whats(held: list[Any]) -> set[str]:
    return {h.what for h in held}


def everything_in(held: list[Any]) -> str:
    return json.dumps([dataclasses.asdict(h) for h in held], default=str)


async def erase_twice(data: PersonalData) -> tuple[Any, Any]:
    first = await data.erase(ANN, STAND_IN, NOW)
    second = await data.erase(ANN, STAND_IN, NOW)
    assert second.changed == {}, "a second erase finds nothing left to do"
    assert [k.key for k in second.kept] == [k.key for k in first.kept]
    return first, second


def counts(retained: list[Any]) -> dict[RetentionKind, tuple[int, int]]:
    found: dict[RetentionKind, tuple[int, int]] = {}
    for r in retained:
        deleted, anonymised = found.get(r.kind, (0, 0))
        found[r.kind] = (deleted + r.deleted, anonymised + r.anonymised)
    return found


# -- Each journey declares its part -----------------------------------------------------


async def test_each_journey_declares_its_personal_data(place: Place) -> None:
    ctx = place.ctx
    assert isinstance(communities.register(ctx).personal_data, CommunityData)
    assert isinstance(boards.register(ctx).personal_data, BoardData)
    assert isinstance(procurement.register(ctx).personal_data, ProcurementData)
    assert isinstance(flows.register(ctx).personal_data, FlowData)


# -- Communities -------------------------------------------------------------------------


def _question(asker: str, name: str, text: str, at: dt.datetime) -> Question:
    return Question(
        reference="IGNORED",
        asker_id=asker,
        asker_name=name,
        text=text,
        community_id="power-platform",
        service_area="Housing",
        status=QuestionStatus.ANSWERED,
        asked_at=at,
    )


def _answer(id: str, ref: str, champion: str, name: str, text: str) -> Answer:
    return Answer(id, ref, champion, name, text, AnswerKind.WRITTEN, NOW)


def _champion(user_id: str, name: str, decided_by: str) -> Champion:
    return Champion(
        user_id=user_id,
        community_id="power-platform",
        name=name,
        service_area="Housing",
        can_help_with="Excel and flows",
        status=ChampionStatus.APPROVED,
        volunteered_at=NOW,
        decided_by=decided_by,
    )


async def _communities(place: Place) -> tuple[CommunityShared, CommunityData, list[str]]:
    shared = CommunityShared(place.ctx, CommunityConfig())
    store = await shared.store()
    await store.save_community(
        Community("power-platform", "Power Platform", "Apps.", ("flow",), "aad-ann", "Ann Asker")
    )
    mine = await store.add_question(
        _question("aad-ann", "Ann Asker", "How do I share my app?", NOW), "k1"
    )
    bobs = await store.add_question(
        _question("aad-bob", "Bob Brown", "Ann Asker said to ask: who owns Forms?", NOW), "k2"
    )
    await store.add_answer(_answer("a1", bobs.reference, "teams-ann", "Ann Asker", HER_WORDS))
    await store.add_answer(
        _answer("a2", mine.reference, "aad-cara", "Cara Champion", "Ann Asker, use Share.")
    )
    await store.save_champion(_champion("aad-ann", "Ann Asker", "aad-lee"))
    await store.save_champion(_champion("aad-cara", "Cara Champion", "aad-ann"))
    await store.add_helped("a2", "aad-ann")
    await store.schedule(
        [
            Nudge(
                f"{bobs.reference}:champions:aad-ann",
                bobs.reference,
                NudgeStep.CHAMPIONS,
                "aad-ann",
                NOW,
            )
        ]
    )
    await store.save_entry(
        KnowledgeEntry(
            id="e-ann",
            question="How do I share my app?",
            answer=f"Use Share. Stuck? Ask Ann Asker on {ANN_EMAIL}.",
            community_id="power-platform",
            tags=("apps",),
            answered_by="Ann Asker",
            added_at=NOW,
            review_on=NOW.date(),
            source_question=mine.reference,
        )
    )
    return shared, CommunityData(shared), [mine.reference, bobs.reference]


async def _community_dump(shared: CommunityShared) -> str:
    store = await shared.store()
    everything: list[Any] = []
    for q in await store.questions(limit=1000):
        everything.append(q)
        everything.extend(await store.answers(q.reference))
        everything.extend(await store.nudges(question_ref=q.reference))
    everything.extend(await store.champions())
    everything.extend(await store.entries(include_retired=True))
    for user_id in ANN.ids:
        everything.extend(await store.helped_by(user_id))
    return json.dumps([repr(thing) for thing in everything])


async def test_communities_shows_erases_and_keeps_a_lead(place: Place) -> None:
    shared, data, (mine, _bobs) = await _communities(place)
    try:
        held = await data.held(ANN)
        assert whats(held) >= {
            "Question you asked",
            "Answer you gave",
            "Digital champion sign-up",
            "Champion sign-up you decided on",
            '"Helped me too" on an answer',
            "Question sent to you to answer",
            "Community you lead",
            "Knowledge base entry",
            "Question that names you",
            "Answer that names you",
        }
        shown = everything_in(held)
        for value in (
            "How do I share my app?",
            HER_WORDS,
            "Excel and flows",
            "Ann Asker",
            "Ann Asker said to ask: who owns Forms?",
            "Ann Asker, use Share.",
            ANN_EMAIL,
        ):
            assert value in shown

        first, _ = await erase_twice(data)
        assert [(k.key, k.reason.split(":")[0]) for k in first.kept] == [
            ("power-platform", "Name a new lead first")
        ]
        assert first.changed["questions"] == 2  # hers, and Bob's that named her
        dump = await _community_dump(shared)
        assert "aad-ann" not in dump and "teams-ann" not in dump
        assert "Ann Asker" not in dump
        assert ANN_EMAIL not in dump and ANN_PHONE not in dump
        assert "purple spreadsheet" not in dump, "the words of her answer go"
        assert STAND_IN in dump, "traces stay, under her stand-in"
        store = await shared.store()
        asked = await store.question(mine)
        assert asked is not None
        assert (asked.asker_id, asked.asker_name, asked.text) == (
            STAND_IN,
            ERASED_NAME,
            ERASED_TEXT,
        )
        answer = await store.answer("a1")
        assert answer is not None
        assert (answer.champion_id, answer.champion_name, answer.text) == (
            STAND_IN,
            ERASED_NAME,
            ERASED_TEXT,
        ), "her answer keeps its place, not her words"
        cara = await store.answer("a2")
        assert cara is not None and cara.text == f"{ERASED_NAME}, use Share."
        bobs_question = await store.question(_bobs)
        assert bobs_question is not None
        assert bobs_question.text == f"{ERASED_NAME} said to ask: who owns Forms?"
        entry = await store.entry("e-ann")
        assert entry is not None
        assert entry.question == "How do I share my app?", "reviewed advice stays"
        assert entry.answer == f"Use Share. Stuck? Ask {ERASED_NAME} on {ERASED_TEXT}."
        assert entry.answered_by == ERASED_NAME
        left = await data.held(ANN)
        assert whats(left) == {"Community you lead"}
    finally:
        await shared.close()


async def test_communities_retention_anonymises_old_questions_once(place: Place) -> None:
    shared = CommunityShared(place.ctx, CommunityConfig())
    data = CommunityData(shared)
    try:
        store = await shared.store()
        old = await store.add_question(
            _question("aad-bob", "Bob Brown", "Old words", LONG_AGO), "old"
        )
        new = await store.add_question(_question("aad-bob", "Bob Brown", "New words", NOW), "new")
        await store.add_answer(
            _answer(
                "a-old",
                old.reference,
                "aad-cara",
                "Cara C",
                "Do X, Bob Brown. Cara C, 07700 900123.",
            )
        )
        await store.add_answer(
            _answer("a-new", new.reference, "aad-cara", "Cara C", "Cara C: do Y.")
        )
        await store.save_entry(
            KnowledgeEntry(
                id="e-old",
                question="Old words",
                answer="Do X. Ask Cara C on cara.c@council.gov.uk.",
                community_id="power-platform",
                tags=(),
                answered_by="Cara C",
                added_at=LONG_AGO,
                review_on=NOW.date(),
                source_question=old.reference,
            )
        )
        await store.add_helped("a-old", "aad-dan")
        first = counts(await data.retain(POLICY, NOW))
        assert first[RetentionKind.QUESTIONS] == (0, 1)
        assert counts(await data.retain(POLICY, NOW))[RetentionKind.QUESTIONS] == (0, 0)
        kept_old = await store.question(old.reference)
        kept_new = await store.question(new.reference)
        assert kept_old is not None and kept_new is not None
        assert (kept_old.asker_id, kept_old.asker_name, kept_old.text) == (
            pseudonym("aad-bob"),
            ERASED_NAME,
            ERASED_TEXT,
        )
        assert kept_new.text == "New words" and kept_new.asker_id == "aad-bob"
        answer = await store.answer("a-old")
        assert answer is not None
        assert (answer.champion_id, answer.champion_name) == (pseudonym("aad-cara"), ERASED_NAME)
        assert answer.text == ERASED_TEXT  # an answer past its period loses its words
        newer = await store.answer("a-new")
        assert newer is not None and newer.text == "Cara C: do Y.", "not past its period"
        entry = await store.entry("e-old")
        assert entry is not None
        assert (entry.answer, entry.answered_by) == (
            f"Do X. Ask {ERASED_NAME} on {ERASED_TEXT}.",
            ERASED_NAME,
        )
        assert answer.helped_count == 1
        assert await store.helped_by("aad-dan") == []
        assert len(await store.helped_by(pseudonym("aad-dan"))) == 1
    finally:
        await shared.close()


# -- Boards ----------------------------------------------------------------------------


def _decision(n: int, by: str, name: str) -> Decision:
    return Decision(
        id=f"d{n}",
        reference=f"DR-2026-000{n}",
        board="trb",
        kind=DecisionKind.APPROVE,
        decided_by_id=by,
        decided_by_name=name,
        at=NOW,
        rationale="Fits.",
    )


def _deputy(member: str, member_name: str, deputy: str, deputy_name: str, ends: dt.date) -> Deputy:
    return Deputy(
        "trb", member, member_name, deputy, deputy_name, ends - dt.timedelta(days=5), ends, NOW
    )


def _pack(by: str, made_at: dt.datetime) -> str:
    return json.dumps(
        {
            "quarter": "2026-q3",
            "as_at": made_at.isoformat(),
            "made_at": made_at.isoformat(),
            "by": by,
        }
    )


async def test_boards_shows_erases_and_keeps_memberships_and_decisions(place: Place) -> None:
    shared = BoardsShared(place.ctx, BoardsConfig())
    data = BoardData(shared, records=place.records)
    try:
        store = await shared.store()
        await store.save_setup(
            BoardSetup("trb", frozenset({"aad-ann"}), {"aad-ann": "Ann Asker"}, chair_id="aad-ann")
        )
        await store.save_setup(BoardSetup("ddc", frozenset({"aad-bob"}), {"aad-ann": "Ann Asker"}))
        await store.add_deputy(_deputy("aad-bob", "Bob Brown", "aad-ann", "Ann Asker", NOW.date()))
        await store.add_decision(_decision(1, "aad-ann", "Ann Asker"))
        await store.add_decision(_decision(2, "aad-bob", "Bob Brown"))
        await store.set_value("roadmap_pack:tok1", _pack("Ann Asker", NOW))
        await place.add_record(
            Record(
                MATRIX_SPEC.kind,
                "2026.2",
                "aad-ann",
                NOW,
                {"version": "2026.2", "by_name": "Ann Asker", "reason": "Housing first"},
            )
        )
        held = await data.held(ANN)
        assert whats(held) == {
            "Board membership",
            "Deputy for a board member",
            "Board decision",
            "Roadmap review pack you made",
            MATRIX_SPEC.what,
        }
        assert "Housing first" in everything_in(held)

        first, _ = await erase_twice(data)
        kept = {(k.key, k.reason) for k in first.kept}
        assert ("trb", kept_reason(first, "trb")) in kept
        assert any(k.key == "DR-2026-0001" and "public record" in k.reason for k in first.kept)
        assert not any(k.key == "DR-2026-0002" for k in first.kept)
        assert first.changed["deputies"] == 1
        ddc = await store.setup("ddc")
        assert ddc.names == {}, "named but not a member: her name goes"
        (deputy,) = await store.all_deputies()
        assert (deputy.deputy_id, deputy.deputy_name) == (STAND_IN, ERASED_NAME)
        assert deputy.member_id == "aad-bob"
        pack = json.loads(await store.get_value("roadmap_pack:tok1"))
        assert pack["by"] == ERASED_NAME
        record = await place.record(MATRIX_SPEC.kind, "2026.2")
        assert record.owner_id == STAND_IN
        assert "Ann Asker" not in json.dumps(record.data)
        assert "Housing first" not in json.dumps(record.data)
        (decision, _) = await store.decisions()
        assert decision.decided_by_name == "Ann Asker", "a decision is kept as decided"
    finally:
        await shared.close()


def kept_reason(erased: Any, key: str) -> str:
    return next(k.reason for k in erased.kept if k.key == key)


async def test_a_roadmap_pack_drawn_before_an_erase_is_drawn_again_without_her(
    place: Place,
) -> None:
    shared = BoardsShared(place.ctx, BoardsConfig())
    data = BoardData(shared, records=place.records)
    roadmap = Roadmap(place.ctx, shared)
    app = web.Application()
    app.router.add_get(PACK_PATH, roadmap.serve)
    token = "A" * 32
    try:
        store = await shared.store()
        await store.set_value(f"roadmap_pack:{token}", _pack("Ann Asker", NOW))
        async with TestClient(TestServer(app)) as client:

            async def page() -> str:
                response = await client.get(PACK_PATH.format(name=token))
                assert response.status == 200
                return await response.text()

            assert "Ann Asker" in await page()
            await data.erase(ANN, STAND_IN, NOW)
            # The same instance, before the privacy journey's audit record: from memory.
            assert "Ann Asker" in await page(), "the pack is kept in memory until an erase"
            await place.core.add_record(Record(ERASURES, "e1", "", NOW, {"kinds": 1}))
            drawn = await page()
            assert "Ann Asker" not in drawn and ERASED_NAME in drawn
    finally:
        await shared.close()


async def test_boards_retention_is_past_audit_only_and_once(place: Place) -> None:
    shared = BoardsShared(place.ctx, BoardsConfig())
    data = BoardData(shared, records=place.records)
    try:
        store = await shared.store()
        await store.add_deputy(_deputy("aad-bob", "Bob Brown", "aad-cy", "Cy Dee", LONG_AGO.date()))
        await store.add_deputy(_deputy("aad-eve", "Eve F", "aad-cy", "Cy Dee", NOW.date()))
        await store.set_value("roadmap_pack:old", _pack("Bob Brown", NOW - dt.timedelta(days=91)))
        await store.set_value("roadmap_pack:new", _pack("Bob Brown", NOW - dt.timedelta(days=89)))
        await place.add_record(
            Record(
                MATRIX_SPEC.kind,
                "2019.1",
                "aad-bob",
                LONG_AGO,
                {"version": "2019.1", "by_name": "Bob Brown", "reason": "Why"},
            )
        )
        first = counts(await data.retain(POLICY, NOW))
        assert first[RetentionKind.AUDIT] == (1, 2)  # the old pack; a deputy and a record
        assert counts(await data.retain(POLICY, NOW))[RetentionKind.AUDIT] == (0, 0)
        members = sorted(d.member_id for d in await store.all_deputies())
        assert members == sorted(["aad-eve", pseudonym("aad-bob")])
        assert list(await store.values_starting("roadmap_pack:")) == ["roadmap_pack:new"]
        record = await place.record(MATRIX_SPEC.kind, "2019.1")
        assert record.owner_id == pseudonym("aad-bob")
        assert record.data["by_name"] == ERASED_NAME and record.data["reason"] == ERASED_TEXT
    finally:
        await shared.close()


# -- Procurement ----------------------------------------------------------------------


def _engagement(n: int, owner: str, name: str, at: dt.datetime) -> Engagement:
    return Engagement(
        id=f"PE-{n:012x}",
        owner_id=owner,
        owner_name=name,
        need="Ann Asker's team books rooms on paper",
        renewal=False,
        system_name="RoomBook",
        stage=Stage.READY,
        created_at=at,
        updated_at=at,
        none_fit_reason="Too dear",
        checklist={"data_owner": "Ann Asker", "users": "40"},
    )


def _system(owner_id: str, owner_name: str) -> CatalogueEntry:
    return CatalogueEntry(
        id="sys-rooms",
        name="Rooms",
        supplier="Acme",
        owner_name=owner_name,
        owner_id=owner_id,
        capabilities=("room booking",),
        description="Books rooms.",
    )


async def test_procurement_shows_erases_and_keeps_system_owners(place: Place) -> None:
    shared = ProcurementShared(place.ctx, ProcurementConfig())
    data = ProcurementData(shared, records=place.records)
    try:
        engagements = await shared.engagements()
        await engagements.add(_engagement(1, "aad-ann", "Ann Asker", NOW))
        await engagements.add(_engagement(2, "aad-bob", "Bob Brown", NOW))
        await (await shared.catalogue()).import_entries([_system("aad-ann", "Ann Asker")])
        await place.add_record(
            Record(IMPORT_SPEC.kind, "imp-1", "aad-ann", NOW, {"systems": 1, "problems": 0})
        )
        held = await data.held(ANN)
        assert whats(held) == {
            "Procurement early engagement",
            "System you own in the application catalogue",
            IMPORT_SPEC.what,
        }
        shown = everything_in(held)
        for value in ("books rooms on paper", "Too dear", "Rooms", "aad-ann"):
            assert value in shown

        first, _ = await erase_twice(data)
        assert [(k.key, k.reason) for k in first.kept] == [
            ("sys-rooms", "Name a new system owner in the catalogue first. Then ask again.")
        ]
        mine = await engagements.get(_engagement(1, "", "", NOW).id)
        assert mine is not None
        assert (mine.owner_id, mine.owner_name, mine.need, mine.none_fit_reason) == (
            STAND_IN,
            ERASED_NAME,
            ERASED_TEXT,
            ERASED_TEXT,
        )
        assert set(mine.checklist.values()) == {ERASED_TEXT}
        bobs = await engagements.get(_engagement(2, "", "", NOW).id)
        assert bobs is not None and bobs.owner_id == "aad-bob"
        record = await place.record(IMPORT_SPEC.kind, "imp-1")
        assert record.owner_id == STAND_IN
        assert whats(await data.held(ANN)) == {"System you own in the application catalogue"}
    finally:
        await shared.close()


async def test_procurement_retention_anonymises_engagements_past_their_period(
    place: Place,
) -> None:
    shared = ProcurementShared(place.ctx, ProcurementConfig())
    data = ProcurementData(shared, records=place.records)
    try:
        engagements = await shared.engagements()
        await engagements.add(_engagement(1, "aad-bob", "Bob Brown", LONG_AGO))
        await engagements.add(
            _engagement(2, "aad-bob", "Bob Brown", NOW - dt.timedelta(days=5 * 365))
        )
        first = counts(await data.retain(POLICY, NOW))
        assert first[RetentionKind.CLOSED_REQUESTS] == (0, 1)
        again = counts(await data.retain(POLICY, NOW))
        assert again[RetentionKind.CLOSED_REQUESTS] == (0, 0)
        old = await engagements.get(_engagement(1, "", "", NOW).id)
        young = await engagements.get(_engagement(2, "", "", NOW).id)
        assert old is not None and young is not None
        assert (old.owner_id, old.owner_name, old.need) == (
            pseudonym("aad-bob"),
            ERASED_NAME,
            ERASED_TEXT,
        )
        assert young.owner_id == "aad-bob" and young.need != ERASED_TEXT
        # A year (and the leap days a period of years allows) on, the younger one is past
        # its period too.
        later = counts(await data.retain(POLICY, NOW + dt.timedelta(days=368)))
        assert later[RetentionKind.CLOSED_REQUESTS] == (0, 1)
    finally:
        await shared.close()


async def test_an_engagement_whose_request_was_rejected_goes_after_the_shorter_period(
    place: Place,
) -> None:
    request = await place.core.add(new_request("aad-bob", when=NOW - dt.timedelta(days=3 * 365)))
    await place.core.update(dataclasses.replace(request, status=Status.REJECTED))
    shared = ProcurementShared(place.ctx, ProcurementConfig())
    data = ProcurementData(shared, records=place.records)
    try:
        engagements = await shared.engagements()
        three_years = NOW - dt.timedelta(days=3 * 365)
        rejected = dataclasses.replace(
            _engagement(1, "aad-bob", "Bob Brown", three_years), reference=request.reference
        )
        await engagements.add(rejected)
        await engagements.add(_engagement(2, "aad-bob", "Bob Brown", three_years))
        done = counts(await data.retain(POLICY, NOW))
        assert done[RetentionKind.REJECTED_REQUESTS] == (0, 1)
        assert done[RetentionKind.CLOSED_REQUESTS] == (0, 0)
        kept = await engagements.get(rejected.id)
        assert kept is not None and kept.owner_name == ERASED_NAME
    finally:
        await shared.close()


# -- Flows ---------------------------------------------------------------------------


def _subscription(sid: str, owner: str, name: str) -> Subscription:
    return Subscription(
        id=sid,
        event="request.created",
        notification_url=f"http://127.0.0.1:9/{sid}",
        secret="whsec_c2VjcmV0",
        owner_id=owner,
        owner_is_app=False,
        owner_name=name,
        created_at=NOW,
        api_base="http://127.0.0.1:3978",
    )


def _event(eid: str, body: str) -> NewEvent:
    return NewEvent(
        id=eid,
        kind="request.created",
        occurred_at=NOW,
        wants=lambda s: True,
        render=lambda s: body,
    )


async def test_flows_shows_erases_and_retains(place: Place) -> None:
    hooks = Webhooks(place.ctx, FlowsConfig())
    data = FlowData(hooks, records=place.records)
    try:
        store = await hooks.store()
        await store.add_subscription(_subscription("s-ann", "aad-ann", "Ann Asker"))
        await store.add_subscription(_subscription("s-bob", "aad-bob", "Bob Brown"))
        await store.add_event(_event("e1", '{"requesterName": "Ann Asker"}'))
        await store.add_event(_event("e2", '{"requesterName": "Bob Brown"}'))
        for row in await store.pending("s-bob", 10):
            await store.delivered(row.seq, 200, NOW)
        await place.add_record(
            Record(MESSAGE_SPEC.kind, "m1", "aad-ann", NOW, {"title": "Your laptop is ready"})
        )
        await place.add_record(
            Record(MESSAGE_SPEC.kind, "m0", "aad-bob", LONG_AGO, {"title": "Old title"})
        )
        held = await data.held(ANN)
        assert whats(held) == {
            "Power Automate trigger you made",
            "What a flow was sent that names you",
            MESSAGE_SPEC.what,
        }
        assert "Your laptop is ready" in everything_in(held)

        first, _ = await erase_twice(data)
        assert first.kept == []
        assert await store.subscription("s-ann") is None
        log = await store.deliveries("s-bob", 0, 10)
        assert [d.event_id for d in log] == ["e2"]
        record = await place.record(MESSAGE_SPEC.kind, "m1")
        assert (record.owner_id, record.data["title"]) == (STAND_IN, ERASED_TEXT)
        assert await data.held(ANN) == []

        first_pass = counts(await data.retain(POLICY, NOW))
        assert first_pass[RetentionKind.AUDIT] == (0, 1)
        assert counts(await data.retain(POLICY, NOW))[RetentionKind.AUDIT] == (0, 0)
        old = await place.record(MESSAGE_SPEC.kind, "m0")
        assert (old.owner_id, old.data["title"]) == (pseudonym("aad-bob"), ERASED_TEXT)
    finally:
        await hooks.close()
