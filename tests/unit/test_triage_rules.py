"""The triage life cycle: what each action does, what it refuses, and what it records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.domain.model import FieldChange, Status
from bot.domain.triage import (
    ALLOWED_FROM,
    BOARD_ACTIONS,
    REQUESTER_ACTIONS,
    Action,
    Change,
    TransitionRefused,
    TriageState,
    allowed_actions,
    apply,
    next_steps,
    requester_message,
)

AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
REF = "DR-2026-0007"
VALID: dict[Action, dict[str, Any]] = {
    Action.ASSIGN: {"assignee_id": "tess", "assignee_name": "Tess"},
    Action.CHANGE_ROUTE: {"board": "trb", "process": "project", "reason": "Needs a review."},
    Action.ASK_INFO: {"question": "How many users?"},
    Action.ANSWER_INFO: {"answer": "About 40."},
    Action.LINK_DUPLICATE: {"duplicate_of": "DR-2026-0001"},
    Action.ACCEPT: {},
    Action.REJECT: {"reason": "We already have a system for this."},
    Action.REOPEN: {},
    Action.DELIVER: {"reason": ""},  # the note is optional
    Action.WITHDRAW: {"reason": ""},  # the reason is optional
    Action.EDIT_DETAILS: {"changes": (FieldChange("budget", "Under £10,000", "Over £250,000"),)},
    Action.APPROVE: {
        "process": "project",
        "delivery_owner": "Priya Shah",
        "horizon": "now",
        "theme": "technology_and_architecture",
    },
    Action.DEFER: {"deferred_until": dt.date(2027, 1, 12), "reason": "Waiting for the budget."},
    Action.BOARD_REJECT: {"reason": "We already have a system for this."},
    Action.BOARD_ASK_INFO: {"question": "Who is the senior sponsor?"},
    Action.SEND_TO_BOARD: {"board": "trb", "reason": "It is new technology."},
}
EXPECTED_TO: dict[Action, Status | None] = {
    Action.ASSIGN: None,  # into triage from submitted, otherwise unchanged
    Action.CHANGE_ROUTE: None,
    Action.ASK_INFO: Status.AWAITING_INFORMATION,
    Action.ANSWER_INFO: Status.IN_TRIAGE,
    Action.LINK_DUPLICATE: Status.DUPLICATE,
    Action.ACCEPT: Status.WITH_BOARD,
    Action.REJECT: Status.REJECTED,
    Action.REOPEN: Status.IN_TRIAGE,
    Action.DELIVER: Status.DELIVERED,
    Action.WITHDRAW: Status.WITHDRAWN,
    Action.EDIT_DETAILS: None,  # an edit keeps the status (submitted stays submitted)
    Action.APPROVE: Status.IN_PROJECT,
    Action.DEFER: Status.WITH_BOARD,
    Action.BOARD_REJECT: Status.REJECTED,
    Action.BOARD_ASK_INFO: Status.AWAITING_INFORMATION,
    Action.SEND_TO_BOARD: Status.WITH_BOARD,
}


def state(status: Status, **kw: str) -> TriageState:
    return TriageState(status=status, board="ddc", process="change_request", **kw)


def change(action: Action, **kw: Any) -> Change:
    return Change(action, "tess", "Tess Triager", AT, **{**VALID[action], **kw})


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_every_action_in_every_status_is_allowed_or_refused_plainly(
    status: Status, action: Action
) -> None:
    before = state(status)
    if status in ALLOWED_FROM[action]:
        after = apply(before, change(action), REF)
        expected = EXPECTED_TO[action]
        if expected is None and action is Action.EDIT_DETAILS:
            expected = status
        elif expected is None:
            expected = Status.IN_TRIAGE if status is Status.SUBMITTED else status
        assert after.status is expected
        assert len(after.history) == 1
        entry = after.history[0]
        assert (entry.from_status, entry.to_status, entry.actor_name, entry.action) == (
            status,
            expected,
            "Tess Triager",
            action.value,
        )
    else:
        with pytest.raises(TransitionRefused) as refused:
            apply(before, change(action), REF)
        assert len(refused.value.message) > 20
        assert refused.value.message.endswith(".")


@pytest.mark.parametrize("status", list(Status))
def test_the_buttons_shown_are_exactly_the_actions_allowed(status: Status) -> None:
    shown = set(allowed_actions(state(status)))
    for action in Action:
        if action in REQUESTER_ACTIONS:
            assert action not in shown, "only the requester answers, withdraws or edits"
            continue
        if action in BOARD_ACTIONS:
            assert action not in shown, "only a board decides, from its agenda"
            continue
        assert (action in shown) == (status in ALLOWED_FROM[action]), action


@pytest.mark.parametrize(
    ("action", "payload", "words"),
    [
        (Action.REJECT, {"reason": "  "}, "Give a reason"),
        (Action.REJECT, {"reason": "x" * 1001}, "1,000 characters"),
        (Action.ASK_INFO, {"question": "\x00\x07"}, "Write the question"),
        (Action.CHANGE_ROUTE, {"board": "cabinet"}, "one of the three boards"),
        (Action.CHANGE_ROUTE, {"process": "whim"}, "change request or project"),
        (Action.CHANGE_ROUTE, {"reason": ""}, "Say why"),
        (Action.LINK_DUPLICATE, {"duplicate_of": REF.lower()}, "duplicate of itself"),
        (Action.LINK_DUPLICATE, {"duplicate_of": ""}, "Choose the request"),
        (Action.ASSIGN, {"assignee_id": ""}, "Choose who"),
    ],
)
def test_each_action_checks_what_it_is_given(
    action: Action, payload: dict[str, str], words: str
) -> None:
    with pytest.raises(TransitionRefused) as refused:
        apply(state(Status.IN_TRIAGE), change(action, **payload), REF)
    assert words in refused.value.message


def test_accepting_while_waiting_for_the_requester_says_why_not() -> None:
    with pytest.raises(TransitionRefused) as refused:
        apply(state(Status.AWAITING_INFORMATION), change(Action.ACCEPT), REF)
    assert "waiting for the requester's answer" in refused.value.message


def test_history_grows_by_one_entry_per_change_in_order() -> None:
    now = state(Status.SUBMITTED)
    for action in (Action.ASSIGN, Action.ASK_INFO, Action.ANSWER_INFO, Action.ACCEPT):
        now = apply(now, change(action), REF)
    assert [e.action for e in now.history] == ["assign", "ask_info", "answer_info", "accept"]
    assert [e.to_status for e in now.history] == [
        Status.IN_TRIAGE,
        Status.AWAITING_INFORMATION,
        Status.IN_TRIAGE,
        Status.WITH_BOARD,
    ]
    assert now.history[2].detail == "Answer: About 40."
    assert now.question == ""


def test_reopening_a_duplicate_clears_the_link() -> None:
    linked = apply(state(Status.IN_TRIAGE), change(Action.LINK_DUPLICATE), REF)
    assert linked.duplicate_of == "DR-2026-0001"
    reopened = apply(linked, change(Action.REOPEN), REF)
    assert reopened.status is Status.IN_TRIAGE and reopened.duplicate_of == ""


def test_what_the_requester_is_told() -> None:
    before = state(Status.IN_TRIAGE)
    rejected = apply(before, change(Action.REJECT), REF)
    told = requester_message(REF, before, rejected, "Digital, Data and Customer Board")
    assert REF in told and "not taken forward" in told
    assert "We already have a system for this." in told
    assert "IT business partner" in told
    asked = apply(before, change(Action.ASK_INFO), REF)
    assert "How many users?" in requester_message(REF, before, asked, "x")
    duplicate = apply(before, change(Action.LINK_DUPLICATE), REF)
    assert "DR-2026-0001" in requester_message(REF, before, duplicate, "x")
    accepted = apply(before, change(Action.ACCEPT), REF)
    assert "Technical Review Board's list" in requester_message(
        REF, before, accepted, "Technical Review Board"
    )
    routed = apply(before, change(Action.CHANGE_ROUTE), REF)
    assert "Needs a review." in requester_message(REF, before, routed, "Technical Review Board")


def test_next_steps_exist_for_every_status() -> None:
    for status in Status:
        assert next_steps(status, "the board").endswith(".")
