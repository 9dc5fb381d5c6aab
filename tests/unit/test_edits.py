"""What a person changed in the shared list, in words, and which changes were made here."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.domain.edits import described_changes, entries_not_in
from bot.domain.model import AuditEntry, DigitalRequest, Requester, Route, Score, Status
from tests.unit.test_scoring import MINIMAL

AT = dt.datetime(2031, 6, 17, 9, 30, tzinfo=dt.UTC)
NAMES = {"ddc": "Digital, Data and Customer Board", "trb": "Technical Review Board"}


def make_request() -> DigitalRequest:
    return DigitalRequest(
        reference="DR-2031-0001",
        details=MINIMAL,
        requester=Requester("u1", "Megan Bowen", "u1"),
        score=Score(50, "2026.1", ()),
        route=Route("ddc", "change_request", "Routed by the rules.", "default"),
        status=Status.IN_TRIAGE,
        submitted_at=AT,
    )


def entry(actor: str, minute: int) -> AuditEntry:
    return AuditEntry(
        AT.replace(minute=minute),
        actor,
        actor.title(),
        "assign",
        Status.SUBMITTED,
        Status.IN_TRIAGE,
    )


def test_each_field_people_edit_is_described_in_plain_words() -> None:
    before = make_request()
    after = dataclasses.replace(
        before,
        status=Status.WITH_BOARD,
        route=Route("trb", "project", before.route.reason, before.route.rule),
        assignee_name="Jo Bloggs",
        duplicate_of="DR-2031-0007",
    )
    assert described_changes(before, after, NAMES) == [
        "status: with the board",
        "board: Technical Review Board",
        "then: project",
        "assigned to: Jo Bloggs",
        "duplicate of: DR-2031-0007",
    ]


def test_nothing_changed_means_nothing_to_say() -> None:
    same = make_request()
    assert described_changes(same, dataclasses.replace(same, etag="other"), NAMES) == []


def test_a_board_nobody_named_is_shown_by_its_key_and_cleared_fields_say_so() -> None:
    before = dataclasses.replace(make_request(), assignee_name="Jo", duplicate_of="DR-2031-0001")
    after = dataclasses.replace(
        before,
        route=Route("new-board", "", before.route.reason, before.route.rule),
        assignee_name="",
        duplicate_of="",
    )
    assert described_changes(before, after, NAMES) == [
        "board: new-board",
        "then: none",
        "assigned to: nobody",
        "duplicate of: none",
    ]


def test_changes_made_here_are_those_the_list_does_not_have() -> None:
    shared = (entry("alex", 1),)
    theirs = dataclasses.replace(make_request(), history=shared)
    mine = dataclasses.replace(theirs, history=(*shared, entry("adele", 2), entry("alex", 3)))
    assert [(e.actor_id, e.at.minute) for e in entries_not_in(mine, theirs)] == [
        ("adele", 2),
        ("alex", 3),
    ]
    assert entries_not_in(theirs, theirs) == []
