"""The requests' personal-data part: what `my data` shows of a person's requests, what
`erase` changes, and what retention anonymises, over a real SQLite store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain import codec
from bot.domain.model import (
    ALSO_AFFECTED,
    AuditEntry,
    DigitalRequest,
    FieldChange,
    Requester,
    Status,
)
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journeys.requests import personal_data
from bot.journeys.requests.personal_data import ANSWER_LABELS, RequestData, last_change
from bot.privacy import ERASED_NAME, ERASED_TEXT, Person, Retained, pseudonym
from bot.store.sqlite import SqliteStore
from tests.integration.test_store_contract import NOW, new_request
from tests.support.clock import SettableClock

MEGAN = Person("aad-megan", frozenset({"aad-megan", "teams-megan"}), frozenset({"Megan Bowen"}))
DAY = dt.timedelta(days=1)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "store.sqlite3", SettableClock(NOW))
    await opened.open()
    yield opened
    await opened.close()


def entry(
    actor_id: str,
    name: str,
    action: str = "assign",
    detail: str = "",
    at: dt.datetime = NOW,
    changes: tuple[FieldChange, ...] = (),
) -> AuditEntry:
    return AuditEntry(
        at, actor_id, name, action, Status.SUBMITTED, Status.IN_TRIAGE, detail, changes
    )


async def raised(
    store: SqliteStore, user: str, name: str = "Someone", when: dt.datetime = NOW, **changes: object
) -> DigitalRequest:
    new = dataclasses.replace(
        new_request(user, when=when), requester=Requester(user, name, user), submitted_at=when
    )
    stored = await store.add(new)
    if not changes:
        return stored
    return await store.update(dataclasses.replace(stored, **changes))  # type: ignore[arg-type]


async def test_my_data_shows_every_answer_of_their_requests_and_their_part_in_others(
    store: SqliteStore,
) -> None:
    mine = await raised(
        store,
        "aad-megan",
        "Megan Bowen",
        question="Which system?",
        history=(entry("aad-jo", "Jo", "ask_info", "Which system?"),),
    )
    joined = await raised(
        store,
        "aad-alex",
        history=(
            entry("teams-megan", "Megan Bowen", ALSO_AFFECTED),
            entry("aad-sam", "Sam", ALSO_AFFECTED),
        ),
    )
    named = await raised(store, "aad-jo", question="Ask Megan Bowen", delivery_owner="megan bowen")
    assigned = await raised(store, "aad-jo", assignee_id="aad-megan", assignee_name="Megan Bowen")
    await raised(store, "aad-sam", history=(entry("aad-sam", "Sam", "withdraw", "No longer"),))

    held = {h.key: h for h in await RequestData(store).held(MEGAN)}

    assert list(held) == [mine.reference, joined.reference, named.reference, assigned.reference]
    own = held[mine.reference]
    assert own.journey == "requests" and own.what == "A digital request you raised"
    assert own.at == last_change(await _get(store, mine.reference))
    answers = codec.details_to_dict(mine.details)
    for name in answers:  # every answer, under the words the form uses
        assert ANSWER_LABELS[name] in own.fields, name
    assert own.fields["The problem"] == mine.details.problem
    assert own.fields["Involves personal data"] == "Yes"
    assert own.fields["Strategic drivers"] == "efficiency, service_delivery"
    assert own.fields["Requester"] == "Megan Bowen"
    assert own.fields["Requester id"] == "aad-megan"
    assert own.fields["Question asked"] == "Which system?"
    assert own.fields["History 1"] == "17 June 2031 09:30 UTC, Jo: ask_info. Which system?"
    other = held[joined.reference]
    assert other.what == "A digital request that names you or that you worked on"
    assert "History 1" in other.fields and "History 2" not in other.fields
    assert "Requester" not in other.fields and "The problem" not in other.fields
    assert held[named.reference].fields["Question asked"] == "Ask Megan Bowen"
    assert held[named.reference].fields["Delivery owner"] == "megan bowen"
    assert held[assigned.reference].fields["Assigned to"] == "Megan Bowen"
    assert "Question asked" not in held[assigned.reference].fields


async def test_my_data_names_the_answers_in_others_requests_that_name_them(
    store: SqliteStore,
) -> None:
    details = dataclasses.replace(new_request("x").details, sponsor="Megan Bowen")
    other = await raised(store, "aad-jo", details=details)
    changed = (FieldChange("Sponsor", "Megan Bowen", "Jo"),)
    edited = await raised(
        store, "aad-jo", history=(entry("aad-jo", "Jo", "edit", "", NOW, changed),)
    )
    held = {h.key: h for h in await RequestData(store).held(MEGAN)}
    assert held[other.reference].fields["Sponsor"] == "Megan Bowen"
    assert held[other.reference].fields["Title"] == details.title
    assert "Supplier" not in held[other.reference].fields
    assert (
        held[edited.reference]
        .fields["History 1"]
        .endswith("Jo: edit. Sponsor was 'Megan Bowen', now 'Jo'")
    )


async def test_erase_changes_only_requests_that_involve_them_and_twice_is_once(
    store: SqliteStore,
) -> None:
    mine = await raised(store, "aad-megan", "Megan Bowen")
    joined = await raised(store, "aad-alex", history=(entry("teams-megan", "M", ALSO_AFFECTED),))
    untouched = await raised(store, "aad-jo")
    stand_in = pseudonym("aad-megan")

    done = await RequestData(store).erase(MEGAN, stand_in, NOW)

    assert done.changed == {"Digital requests": 2} and done.kept == []
    gone = await _get(store, mine.reference)
    assert gone.requester == Requester(stand_in, ERASED_NAME, stand_in)
    assert gone.details.problem == ERASED_TEXT
    assert (await _get(store, joined.reference)).history[0].actor_id == stand_in
    assert await _get(store, untouched.reference) == untouched
    assert (await RequestData(store).erase(MEGAN, stand_in, NOW)).changed == {}
    assert await RequestData(store).held(MEGAN) == []


async def test_retention_anonymises_what_is_past_its_period_and_nothing_else(
    store: SqliteStore,
) -> None:
    policy = RetentionPolicy()
    now = NOW + dt.timedelta(days=7 * 365)
    closed_cut = policy.cutoff(RetentionKind.CLOSED_REQUESTS, now)
    rejected_cut = policy.cutoff(RetentionKind.REJECTED_REQUESTS, now)
    audit_cut = policy.cutoff(RetentionKind.AUDIT, now)

    def ended(status: Status, at: dt.datetime) -> dict[str, object]:
        return {"status": status, "history": (entry("aad-jo", "Jo", "close", "Done.", at),)}

    delivered = await raised(store, "u1", **ended(Status.DELIVERED, closed_cut - DAY))
    reviewed = await raised(store, "u2", **ended(Status.BENEFITS_REVIEWED, closed_cut - DAY))
    duplicate = await raised(store, "u3", **ended(Status.DUPLICATE, closed_cut - DAY))
    closed_on_the_day = await raised(store, "u4", **ended(Status.DELIVERED, closed_cut))
    rejected = await raised(store, "u5", **ended(Status.REJECTED, rejected_cut - DAY))
    withdrawn = await raised(store, "u6", **ended(Status.WITHDRAWN, rejected_cut - DAY))
    rejected_recently = await raised(store, "u7", **ended(Status.REJECTED, rejected_cut + DAY))
    # Decided long ago, still in a project: only its old history entries lose names.
    ongoing = await raised(
        store,
        "u8",
        status=Status.IN_PROJECT,
        history=(
            entry("aad-jo", "Jo", "approve", "Owner: Jo.", audit_cut - DAY),
            entry("aad-al", "Al", "note", "Still going.", audit_cut),
        ),
    )
    # Sent long ago, never changed: its last change is when it was sent.
    sent_only = await raised(store, "u9", when=closed_cut - DAY)
    await store.update(dataclasses.replace(sent_only, status=Status.DELIVERED, history=()))

    done = await RequestData(store).retain(policy, now)

    assert done == [
        Retained(RetentionKind.CLOSED_REQUESTS, anonymised=4),
        Retained(RetentionKind.REJECTED_REQUESTS, anonymised=2),
        Retained(RetentionKind.AUDIT, anonymised=1),
    ]
    for past in (delivered, reviewed, duplicate, rejected, withdrawn, sent_only):
        now_held = await _get(store, past.reference)
        assert now_held.requester.name == ERASED_NAME, past.reference
        assert now_held.details.title == f"Request {past.reference}"
        assert now_held.history[0].actor_name == ERASED_NAME if now_held.history else True
    for kept in (closed_on_the_day, rejected_recently):
        assert (await _get(store, kept.reference)).requester.name == "Someone", kept.reference
    old, recent = (await _get(store, ongoing.reference)).history
    assert (old.actor_id, old.actor_name, old.detail) == (
        pseudonym("aad-jo"),
        ERASED_NAME,
        ERASED_TEXT,
    )
    assert recent == ongoing.history[1]
    assert (await _get(store, ongoing.reference)).requester.name == "Someone"
    again = await RequestData(store).retain(policy, now)
    assert [r.anonymised for r in again] == [0, 0, 0]
    assert [r.deleted for r in again] == [0, 0, 0]


async def test_every_page_of_requests_is_looked_at(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(personal_data, "PAGE", 2)
    made = [
        await raised(store, "aad-megan", "Megan Bowen") if n % 2 == 0 else await raised(store, "x")
        for n in range(5)
    ]
    held = await RequestData(store).held(MEGAN)
    assert [h.key for h in held] == [made[n].reference for n in (0, 2, 4)]


async def _get(store: SqliteStore, reference: str) -> DigitalRequest:
    found = await store.get(reference)
    assert found is not None
    return found
