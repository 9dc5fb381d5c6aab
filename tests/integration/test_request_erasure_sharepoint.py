"""Erasing a person from the requests in SharePoint mode: once the writer has run, the
list's items hold none of their name, ids or words, an edit made in the list meanwhile
cannot bring them back, and what the boards count is unchanged.

The journal is SQLite or Azure Tables (Azurite); SharePoint is the fake Graph server,
driven through the real msgraph-sdk. The fake keeps no item versions; real SharePoint
does, and Graph cannot delete them (graph_clients/requests_list.py `replace_columns`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from bot.backends import open_sharepoint_on_azure
from bot.domain import governance, scoring
from bot.domain.model import ALSO_AFFECTED, AuditEntry, Requester, Status
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journeys.requests.personal_data import RequestData
from bot.privacy import ERASED_NAME, ERASED_TEXT, Person, pseudonym
from graph_clients.store import SharePointStore
from tests.integration.test_store_contract import NOW, new_request
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import open_store, provisioned

MEGAN = Person(
    "aad-megan",
    frozenset({"aad-megan", "teams-megan"}),
    frozenset({"Megan Bowen"}),
)
SECRET_WORDS = "xyzzy-megans-own-words"
EMAIL = "megan.bowen@council.example.gov.uk"


@pytest.fixture(params=["sqlite", "azure"])
async def both(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[SharePointStore, FakeGraph]]:
    fake = FakeGraph()
    await fake.start()
    graph = await provisioned(fake)
    clock = SettableClock(NOW)
    if request.param == "sqlite":
        store = await open_store(fake, tmp_path, clock, graph)
    else:
        azurite: Azurite = request.getfixturevalue("azurite")
        account = AzureState(
            StateSettings(
                kind="azure", connection_string=azurite.connection_string, prefix=new_prefix()
            )
        )
        store = await open_sharepoint_on_azure(account, clock, graph)
    yield store, fake
    await store.close()
    await fake.stop()


def entry(actor_id: str, name: str, action: str, detail: str = "") -> AuditEntry:
    return AuditEntry(NOW, actor_id, name, action, Status.SUBMITTED, Status.IN_TRIAGE, detail)


async def megans_world(store: SharePointStore) -> tuple[str, str, str]:
    """Megan raised one request, joined another, was asked about in it, and was given a
    third to triage."""
    mine = await store.add(
        dataclasses.replace(
            new_request("aad-megan"),
            requester=Requester("aad-megan", "Megan Bowen", "aad-megan"),
        )
    )
    mine_now = await store.get(mine.reference)
    assert mine_now is not None
    # Her answers, and the score's reasons that quote them, name her and say her words.
    details = dataclasses.replace(
        mine_now.details,
        title=f"Megan Bowen's garden waste bookings ({EMAIL})",
        problem=f"Slow. {SECRET_WORDS}",
        sponsor=f"Megan Bowen, {EMAIL}",
        resident_impact=f"Residents wait. {SECRET_WORDS}",
    )
    await store.update(
        dataclasses.replace(
            mine_now,
            details=details,
            score=scoring.score(details, governance.DEFAULT_MATRIX, NOW.date()),
            history=(entry("aad-megan", "Megan Bowen", "answer_info", f"Answer: {SECRET_WORDS}"),),
        )
    )
    joined = await store.add(new_request("aad-alex"))
    joined_now = await store.get(joined.reference)
    assert joined_now is not None
    # Alex's request names her as sponsor: his words, and his score's reasons, quote her.
    alexs = dataclasses.replace(joined_now.details, sponsor=f"Megan Bowen ({EMAIL})")
    await store.update(
        dataclasses.replace(
            joined_now,
            details=alexs,
            score=scoring.score(alexs, governance.DEFAULT_MATRIX, NOW.date()),
            question="Can Megan Bowen say how many are affected?",
            history=(
                entry("aad-megan", "Megan Bowen", ALSO_AFFECTED),
                entry("aad-sam", "Sam Other", ALSO_AFFECTED),
            ),
        )
    )
    assigned = await store.add(new_request("aad-jo"))
    assigned_now = await store.get(assigned.reference)
    assert assigned_now is not None
    await store.update(
        dataclasses.replace(
            assigned_now,
            status=Status.IN_TRIAGE,
            assignee_id="teams-megan",
            assignee_name="Megan Bowen",
            history=(entry("aad-jo", "Jo", "assign", "Assigned to Megan Bowen."),),
        )
    )
    return mine.reference, joined.reference, assigned.reference


def items_text(fake: FakeGraph) -> str:
    return json.dumps(fake.list_items("DFD Requests")).casefold()


def assert_nothing_of_megan(text: str) -> None:
    for trace in ("aad-megan", "teams-megan", "megan bowen", EMAIL, SECRET_WORDS):
        assert trace not in text, trace


async def test_after_erasure_the_list_holds_nothing_of_the_person(
    both: tuple[SharePointStore, FakeGraph],
) -> None:
    store, fake = both
    mine, joined, assigned = await megans_world(store)
    await store.write_pending()
    assert "megan bowen" in items_text(fake) and SECRET_WORDS in items_text(fake)
    before = {item["Reference"]: item for item in fake.list_items("DFD Requests")}
    for column in ("Title", "DetailsJson", "ScoreJson"):
        assert "megan.bowen@" in before[mine][column], column
    # The reasons quote her email as a card shows it (a zero-width space after the "@").
    assert "megan.bowen@" in before[joined]["ScoreJson"]
    stand_in = pseudonym("aad-megan")

    done = await RequestData(store).erase(MEGAN, stand_in, NOW)

    assert done.changed == {"Digital requests": 3}
    await store.write_pending()
    assert await store.pending_writes() == 0
    assert_nothing_of_megan(items_text(fake))
    by_reference = {item["Reference"]: item for item in fake.list_items("DFD Requests")}
    assert by_reference[mine]["RequesterId"] == stand_in
    assert by_reference[mine]["RequesterName"] == ERASED_NAME
    assert by_reference[mine]["RequesterAadId"] == stand_in
    assert by_reference[joined]["AlsoAffected"] == 2  # the count boards see stays
    assert by_reference[joined]["RequesterId"] == "aad-alex"
    assert by_reference[assigned]["AssigneeId"] == stand_in
    # Her name, email and words are in none of the columns that hold the answers and the
    # score's reasons; the title stays, scrubbed; the points stay.
    for reference in (mine, joined, assigned):
        item = by_reference[reference]
        for column in ("Title", "DetailsJson", "ScoreJson", "Sponsor", "Problem"):
            value = str(item[column]).casefold()
            for trace in ("megan", "@", SECRET_WORDS):
                assert trace not in value, (reference, column, trace)
        assert item["Score"] == before[reference]["Score"]
    assert by_reference[mine]["Title"] == f"Request {mine}"
    reasons = [line["reason"] for line in json.loads(by_reference[mine]["ScoreJson"])["lines"]]
    assert set(reasons) == {ERASED_TEXT}
    assert f"{ERASED_NAME} ({ERASED_TEXT})" in by_reference[joined]["ScoreJson"]
    # The bot reads the same back, from SharePoint, and finds nothing more to erase.
    for reference in (mine, joined, assigned):
        found = await store.get(reference)
        assert found is not None and "megan" not in repr(found).casefold()
    assert (await RequestData(store).erase(MEGAN, stand_in, NOW)).changed == {}
    assert await RequestData(store).held(MEGAN) == []


async def test_an_edit_in_the_list_meanwhile_cannot_bring_the_person_back(
    both: tuple[SharePointStore, FakeGraph],
) -> None:
    """The erasure is owed when someone edits the item in the list (its ETag moves on), and
    an update made in Teams before the erasure is still owed too: the replace wins, and
    SharePoint's old copy is never taken back into the journal."""
    store, fake = both
    mine, _, _ = await megans_world(store)
    await store.write_pending()
    before = await store.get(mine)
    assert before is not None
    await store.update(dataclasses.replace(before, status=Status.IN_TRIAGE))  # owed, unwritten
    await RequestData(store).erase(MEGAN, pseudonym("aad-megan"), NOW)
    item = await store.requests.find(mine)
    assert item is not None
    await store.requests.update_fields(
        item.item_id, {"Problem": "Edited by Megan Bowen"}, item.etag
    )
    # While the erasure is owed, the bot answers from the journal, not the list's old copy.
    read = await store.get(mine)
    assert read is not None and read.requester.name == ERASED_NAME
    assert "megan" not in repr(read).casefold()

    await store.write_pending()

    assert await store.pending_writes() == 0
    assert_nothing_of_megan(items_text(fake))
    after = await store.get(mine)
    assert after is not None and after.status is Status.IN_TRIAGE
    assert "megan" not in repr(after).casefold()
    assert after.history == read.history  # nothing taken in as an edit made in the list


async def test_retention_anonymises_a_closed_request_in_the_list(
    both: tuple[SharePointStore, FakeGraph],
) -> None:
    store, fake = both
    mine, _, _ = await megans_world(store)
    read = await store.get(mine)
    assert read is not None
    await store.update(dataclasses.replace(read, status=Status.WITHDRAWN))
    await store.write_pending()
    later = NOW.replace(year=NOW.year + 3)
    done = await RequestData(store).retain(RetentionPolicy(), later)
    assert {r.kind: r.anonymised for r in done}[RetentionKind.REJECTED_REQUESTS] == 1
    await store.write_pending()
    item = next(i for i in fake.list_items("DFD Requests") if i["Reference"] == mine)
    assert SECRET_WORDS not in json.dumps(item) and "Megan" not in json.dumps(item)
    reasons = [line["reason"] for line in json.loads(item["ScoreJson"])["lines"]]
    assert reasons and set(reasons) == {ERASED_TEXT}
    assert item["Title"] == f"Request {mine}"
    again = await RequestData(store).retain(RetentionPolicy(), later)
    assert [r.anonymised for r in again] == [0, 0, 0]
