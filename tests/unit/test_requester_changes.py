"""A requester withdraws a request or changes its answers: the rules, the words, what is kept."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from bot.domain import codec
from bot.domain.edits import ANSWER_LABELS, changed_fields
from bot.domain.model import (
    AuditEntry,
    Budget,
    DigitalRequest,
    Driver,
    FieldChange,
    RequestDetails,
    Requester,
    RequestKind,
    Route,
    Score,
    Status,
)
from bot.domain.triage import (
    Action,
    Change,
    TransitionRefused,
    TriageState,
    allowed_actions,
    apply,
    refusal,
)
from bot.journeys.changes.form import CHANGE_FORM, answers_of
from bot.journeys.changes.usecases import route_set_by_hand

AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
REF = "DR-2026-0007"
DETAILS = RequestDetails(
    title="Book garden waste collections online",
    problem="Residents phone to book.",
    affected_staff=12,
    affected_residents=18000,
    affected_businesses=None,
    directorate="Place",
    kind=RequestKind.AUTOMATION,
    involves_procurement=False,
    supplier="",
    contract_end=None,
    personal_data=True,
    existing_systems="SharePoint",
    user_research="",
    sponsor="Jo Bloggs",
    budget=Budget.UNDER_10K,
    needed_by=dt.date(2027, 3, 31),
    statutory_deadline=None,
    cash_saving_per_year=45000,
    hours_saved_per_year=2600,
    resident_impact="",
    drivers=(Driver.EFFICIENCY,),
)
TITLE = FieldChange("title", "Old", "New")


def withdraw(status: Status, reason: str = "", question: str = "") -> TriageState:
    change = Change(Action.WITHDRAW, "megan", "Megan Bowen", AT, reason=reason)
    return apply(TriageState(status, question=question), change, REF)


@pytest.mark.parametrize(
    "status",
    [Status.SUBMITTED, Status.IN_TRIAGE, Status.AWAITING_INFORMATION, Status.WITH_BOARD],
)
def test_a_request_no_board_has_decided_can_be_withdrawn(status: Status) -> None:
    after = withdraw(status, " We found a form. ", question="Which days?")
    assert after.status is Status.WITHDRAWN
    assert after.question == "", "nobody waits for the requester's answer any more"
    entry = after.history[-1]
    assert (entry.action, entry.from_status, entry.detail) == (
        "withdraw",
        status,
        "We found a form.",
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Status.DECIDED, "The board has already made its decision"),
        (Status.IN_PROJECT, "The board has already made its decision"),
        (Status.REJECTED, "This request is closed (not taken forward)"),
        (Status.DUPLICATE, "This request is closed (joined to another request)"),
        (Status.WITHDRAWN, "You have already withdrawn this request."),
    ],
)
def test_withdrawing_too_late_tells_the_requester_why(status: Status, words: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        withdraw(status)
    assert refused.value.message.startswith(words)
    assert refusal(status, Action.WITHDRAW) == refused.value.message


def test_a_withdrawn_request_is_final_for_it_triage() -> None:
    withdrawn = withdraw(Status.IN_TRIAGE)
    assert allowed_actions(withdrawn) == ()
    with pytest.raises(TransitionRefused) as refused:
        apply(withdrawn, Change(Action.REOPEN, "tess", "Tess", AT), REF)
    assert "withdrawn by the person who raised it" in refused.value.message


def test_a_withdrawal_reason_is_optional_but_not_endless() -> None:
    assert withdraw(Status.SUBMITTED).history[-1].detail == ""
    with pytest.raises(TransitionRefused, match="1,000 characters"):
        withdraw(Status.SUBMITTED, "x" * 1001)


def edit(status: Status, *changes: FieldChange) -> TriageState:
    change = Change(Action.EDIT_DETAILS, "megan", "Megan Bowen", AT, changes=changes)
    return apply(TriageState(status), change, REF)


def test_an_edit_names_the_answers_changed_and_keeps_the_old_and_new_values() -> None:
    budget = FieldChange("budget", "Under £10,000", "Over £250,000")
    after = edit(Status.AWAITING_INFORMATION, TITLE, budget)
    assert after.status is Status.AWAITING_INFORMATION, "the open question stays open"
    entry = after.history[-1]
    assert entry.detail == "Changed: title, budget."
    assert entry.changes == (TITLE, budget)


def test_an_edit_that_changes_nothing_is_refused() -> None:
    with pytest.raises(TransitionRefused, match="not changed any answers"):
        edit(Status.SUBMITTED)


@pytest.mark.parametrize("status", [Status.WITH_BOARD, Status.DECIDED, Status.REJECTED])
def test_answers_cannot_change_once_triage_has_finished(status: Status) -> None:
    with pytest.raises(TransitionRefused) as refused:
        edit(status, TITLE)
    assert "cannot change" in refused.value.message


def test_changed_fields_say_old_and_new_in_words_in_the_forms_order() -> None:
    after = dataclasses.replace(
        DETAILS,
        title="Book collections online",
        budget=Budget.OVER_250K,
        needed_by=dt.date(2027, 6, 1),
        personal_data=False,
        drivers=(Driver.EFFICIENCY, Driver.SERVICE_DELIVERY),
        cash_saving_per_year=None,
        problem="x" * 400,
    )
    found = changed_fields(DETAILS, after)
    assert [c.label for c in found] == [
        "title",
        "the problem today",
        "personal data",
        "budget",
        "needed by date",
        "cash saving a year",
        "strategic drivers",
    ]
    by = {c.label: c for c in found}
    assert (by["budget"].old, by["budget"].new) == ("Under £10,000", "Over £250,000")
    assert (by["needed by date"].old, by["needed by date"].new) == ("31 March 2027", "1 June 2027")
    assert (by["personal data"].old, by["personal data"].new) == ("Yes", "No")
    assert (by["cash saving a year"].old, by["cash saving a year"].new) == ("£45,000", "not given")
    assert by["strategic drivers"].new == "Efficiency, Service delivery"
    assert len(by["the problem today"].new) == 301 and by["the problem today"].new.endswith("…")
    assert changed_fields(DETAILS, DETAILS) == []


def test_every_answer_has_a_label() -> None:
    assert list(ANSWER_LABELS) == [f.name for f in dataclasses.fields(RequestDetails)]


def test_the_change_form_opens_with_the_answers_as_sent() -> None:
    values = answers_of(DETAILS)
    assert values["needed_by"] == "2027-03-31" and values["personal_data"] == "true"
    assert values["affected_businesses"] == "" and values["drivers"] == "efficiency"
    assert CHANGE_FORM.build(values, AT.date()) == DETAILS
    assert CHANGE_FORM.key == "request_change" and CHANGE_FORM.submit_label == "Send changes"


def request_with(*history: AuditEntry) -> DigitalRequest:
    return DigitalRequest(
        reference=REF,
        details=DETAILS,
        requester=Requester("megan", "Megan Bowen", ""),
        score=Score(50, "2026.1", ()),
        route=Route("ddc", "project", "Many residents.", "many_residents"),
        status=Status.IN_TRIAGE,
        submitted_at=AT,
        history=history,
    )


def entry(action: str, detail: str = "", changes: tuple[FieldChange, ...] = ()) -> AuditEntry:
    return AuditEntry(
        AT, "tess", "Tess", action, Status.IN_TRIAGE, Status.IN_TRIAGE, detail, changes
    )


def test_the_changes_survive_the_store_and_older_entries_stay_as_they_were() -> None:
    request = request_with(
        entry("assign", "Assigned to Tess."), entry("edit_details", "Changed: title.", (TITLE,))
    )
    stored = json.loads(json.dumps(codec.triage_to_dict(request)))
    assert "changes" not in stored["history"][0]
    assert stored["history"][1]["changes"] == [{"label": "title", "old": "Old", "new": "New"}]
    assert codec.triage_fields(stored)["history"] == request.history


def test_a_route_it_triage_chose_is_kept_when_answers_change() -> None:
    assert not route_set_by_hand(request_with(entry("assign", "Assigned to Tess.")))
    assert route_set_by_hand(request_with(entry("change_route", "Changed where it goes")))
    sharepoint = entry(
        "edited_in_sharepoint", "Changed in SharePoint: board: ICT Improvement Group."
    )
    assert route_set_by_hand(request_with(sharepoint))
    assigned = entry("edited_in_sharepoint", "Changed in SharePoint: assigned to: Tess.")
    assert not route_set_by_hand(request_with(assigned))
