"""The triage life cycle as the triager and the requester see it: the words of every refusal,
what each change records, and what the requester is told.

tests/unit/test_triage_rules.py covers which action is allowed in which status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.domain.model import STATUS_LABELS, FieldChange, Status
from bot.domain.triage import (
    ALLOWED_FROM,
    BOARD_ACTIONS,
    NEXT_STEPS,
    REQUESTER_ACTIONS,
    Action,
    Change,
    TransitionRefused,
    TriageState,
    allowed_actions,
    apply,
    next_steps,
    requester_message,
    status_in_words,
)

AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
REF = "DR-2026-0007"
BOARD = "Digital, Data and Customer Board"
VALID: dict[Action, dict[str, Any]] = {
    Action.ASSIGN: {"assignee_id": "adele", "assignee_name": "Adele Vance"},
    Action.CHANGE_ROUTE: {"board": "trb", "process": "project", "reason": "It is new technology."},
    Action.ASK_INFO: {"question": "How many staff use the current system?"},
    Action.ANSWER_INFO: {"answer": "About 40."},
    Action.LINK_DUPLICATE: {"duplicate_of": "DR-2026-0001"},
    Action.ACCEPT: {},
    Action.REJECT: {"reason": "The council already has a system that does this."},
    Action.REOPEN: {},
    Action.DELIVER: {"reason": "Went live on 3 March."},
    Action.WITHDRAW: {"reason": "We found a form that does this."},
    Action.EDIT_DETAILS: {"changes": (FieldChange("title", "Old", "New"),)},
    Action.APPROVE: {
        "process": "change_request",
        "delivery_owner": "Priya Shah",
        "horizon": "next",
        "theme": "organisation_and_process",
    },
    Action.DEFER: {"deferred_until": dt.date(2027, 1, 12), "reason": "waiting for the budget"},
    Action.BOARD_REJECT: {"reason": "The council already has a system that does this."},
    Action.BOARD_ASK_INFO: {"question": "Who is the senior sponsor?"},
    Action.SEND_TO_BOARD: {"board": "ictig", "reason": "It is about user feedback."},
}
DETAIL: dict[Action, str] = {
    Action.ASSIGN: "Assigned to Adele Vance.",
    Action.CHANGE_ROUTE: "It was going to the Digital, Data and Customer Board, "
    "then a change request. "
    "It now goes to the Technical Review Board, then a project. Why: it is new technology.",
    Action.ASK_INFO: "How many staff use the current system?",
    Action.ANSWER_INFO: "Answer: About 40.",
    Action.LINK_DUPLICATE: "Duplicate of DR-2026-0001.",
    Action.ACCEPT: "To the Digital, Data and Customer Board, then a change request.",
    Action.REJECT: "The council already has a system that does this.",
    Action.REOPEN: "",
    Action.DELIVER: "Went live on 3 March.",
    Action.WITHDRAW: "We found a form that does this.",
    Action.EDIT_DETAILS: "Changed: title.",
    Action.APPROVE: "Approved as a change request. Delivery owner: Priya Shah. Roadmap: next. "
    "Theme: Organisation and process.",
    Action.DEFER: "Deferred until 12 January 2027. The reason: Waiting for the budget.",
    Action.BOARD_REJECT: "Not taken forward by the board. "
    "The reason: The council already has a system that does this.",
    Action.BOARD_ASK_INFO: "Who is the senior sponsor?",
    Action.SEND_TO_BOARD: "Sent to the ICT Improvement Group. The reason: It is about user "
    "feedback.",
}
# The words a refusal uses for each status: the triager must be able to tell them apart.
STATUS_WORDS: dict[Status, str] = {
    Status.SUBMITTED: "waiting for IT triage",
    Status.IN_TRIAGE: "being triaged",
    Status.AWAITING_INFORMATION: "waiting for the requester's answer",
    Status.WITH_BOARD: "with the board",
    Status.DECIDED: "decided by the board",
    Status.IN_CHANGE: "change request process",
    Status.IN_PROJECT: "project process",
    Status.DELIVERED: "delivered",
    Status.BENEFITS_REVIEWED: "benefits reviewed",
    Status.REJECTED: "rejected",
    Status.DUPLICATE: "duplicate",
    Status.WITHDRAWN: "withdrawn by the person who raised it",
}


def state(status: Status, **kw: str) -> TriageState:
    return TriageState(status=status, board="ddc", process="change_request", **kw)


def change(action: Action, at: dt.datetime = AT, **kw: Any) -> Change:
    return Change(action, "tess-id", "Tess Triager", at, **{**VALID[action], **kw})


def refusal(before: TriageState, action: Action, **kw: str) -> str:
    with pytest.raises(TransitionRefused) as refused:
        apply(before, change(action, **kw), REF)
    return refused.value.message


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize(
    "action",
    [a for a in Action if a not in REQUESTER_ACTIONS | BOARD_ACTIONS | {Action.DELIVER}],
)
def test_a_refusal_names_the_status_and_says_what_can_be_done(
    status: Status, action: Action
) -> None:
    if status in ALLOWED_FROM[action]:
        return
    message = refusal(state(status), action)
    assert STATUS_WORDS[status] in message
    assert "so you cannot" in message
    assert " it triage" not in message, "IT must not be lower-cased into 'it'"
    if status in (Status.REJECTED, Status.DUPLICATE):
        assert message.endswith("Reopen it first.")
    elif status is Status.WITHDRAWN:
        assert message.endswith("Nothing has changed."), "withdrawn is final"
    elif status is Status.AWAITING_INFORMATION:
        assert "Wait for the answer" in message
    elif status in (Status.SUBMITTED, Status.IN_TRIAGE):
        assert "Only a rejected or duplicate request can be reopened." in message
    else:
        assert "IT triage has finished with it." in message


def test_a_rejected_request_cannot_be_accepted_until_it_is_reopened() -> None:
    message = refusal(state(Status.REJECTED), Action.ACCEPT)
    assert message == (
        "This request has already been rejected, so you cannot accept it to a board. "
        "Reopen it first."
    )


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.AWAITING_INFORMATION])
def test_the_requester_is_told_plainly_when_there_is_nothing_to_answer(status: Status) -> None:
    message = refusal(state(status), Action.ANSWER_INFO)
    assert message.startswith("This request is not waiting for an answer from you now.")


@pytest.mark.parametrize("action", list(Action))
def test_each_change_records_who_when_from_what_to_what_and_why(action: Action) -> None:
    status = next(iter(sorted(ALLOWED_FROM[action])))
    earlier = apply(state(Status.SUBMITTED), change(Action.ASSIGN), REF).history
    before = TriageState(status=status, board="ddc", process="change_request", history=earlier)
    after = apply(before, change(action), REF)
    assert after.history[:-1] == earlier
    entry = after.history[-1]
    assert (entry.actor_id, entry.actor_name, entry.action) == (
        "tess-id",
        "Tess Triager",
        action.value,
    )
    assert (entry.from_status, entry.to_status) == (status, after.status)
    assert entry.detail == DETAIL[action]
    assert entry.at == AT


def test_the_history_is_kept_in_utc_whatever_clock_the_change_came_from() -> None:
    summer = dt.timezone(dt.timedelta(hours=1))
    at = dt.datetime(2026, 7, 1, 11, 30, tzinfo=summer)
    entry = apply(state(Status.SUBMITTED), change(Action.ASSIGN, at=at), REF).history[-1]
    assert entry.at == at and entry.at.tzinfo is dt.UTC and entry.at.hour == 10


def test_a_change_without_a_time_zone_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        apply(state(Status.SUBMITTED), change(Action.ASSIGN, at=AT.replace(tzinfo=None)), REF)


def test_a_refused_change_leaves_no_trace() -> None:
    before = state(Status.WITH_BOARD)
    with pytest.raises(TransitionRefused):
        apply(before, change(Action.REJECT), REF)
    assert before.history == () and before.status is Status.WITH_BOARD


@pytest.mark.parametrize(
    ("action", "payload", "words"),
    [
        (Action.CHANGE_ROUTE, {"board": "ddc", "process": "project", "reason": "no"}, "Say why"),
        (Action.CHANGE_ROUTE, {"board": ""}, "Technical Review Board"),
        (Action.ASK_INFO, {"question": "   "}, "Write the question"),
        (Action.ASK_INFO, {"question": "?" * 1001}, "1,000 characters"),
        (Action.REJECT, {"reason": "no"}, "Give a reason"),
        (Action.LINK_DUPLICATE, {"duplicate_of": f"  {REF}  "}, "duplicate of itself"),
        (Action.LINK_DUPLICATE, {"duplicate_of": "the printer one"}, "like DR-2026-0042"),
        (Action.LINK_DUPLICATE, {"duplicate_of": "DR-2026-7"}, "not a request reference"),
    ],
)
def test_what_a_change_carries_is_checked(
    action: Action, payload: dict[str, str], words: str
) -> None:
    assert words in refusal(state(Status.IN_TRIAGE), action, **payload)


def test_the_longest_question_and_reason_are_accepted() -> None:
    asked = apply(state(Status.IN_TRIAGE), change(Action.ASK_INFO, question="?" * 1000), REF)
    assert len(asked.question) == 1000
    rejected = apply(state(Status.IN_TRIAGE), change(Action.REJECT, reason="  Dup  "), REF)
    assert rejected.history[-1].detail == "Dup"


def test_typed_text_is_cleaned_before_it_is_kept() -> None:
    asked = apply(
        state(Status.IN_TRIAGE), change(Action.ASK_INFO, question=" Which\u200b team?\x07 "), REF
    )
    assert asked.question == "Which team?"
    linked = apply(
        state(Status.IN_TRIAGE), change(Action.LINK_DUPLICATE, duplicate_of=" dr-2026-0001"), REF
    )
    assert linked.duplicate_of == "DR-2026-0001"


def test_assigning_while_waiting_for_the_requester_keeps_the_question_open() -> None:
    asked = apply(state(Status.IN_TRIAGE), change(Action.ASK_INFO), REF)
    assigned = apply(asked, change(Action.ASSIGN), REF)
    assert assigned.status is Status.AWAITING_INFORMATION
    assert assigned.question == VALID[Action.ASK_INFO]["question"]
    assert (assigned.assignee_id, assigned.assignee_name) == ("adele", "Adele Vance")


def test_re_routing_keeps_the_status_and_records_the_new_route() -> None:
    asked = apply(state(Status.IN_TRIAGE), change(Action.ASK_INFO), REF)
    routed = apply(asked, change(Action.CHANGE_ROUTE), REF)
    assert routed.status is Status.AWAITING_INFORMATION
    assert (routed.board, routed.process, routed.route_reason) == (
        "trb",
        "project",
        "It is new technology.",
    )


@pytest.mark.parametrize("closing", [Action.LINK_DUPLICATE, Action.REJECT])
def test_closing_a_request_that_waits_for_an_answer_withdraws_the_question(
    closing: Action,
) -> None:
    asked = apply(state(Status.IN_TRIAGE), change(Action.ASK_INFO), REF)
    closed = apply(asked, change(closing), REF)
    assert closed.question == ""
    reopened = apply(closed, change(Action.REOPEN), REF)
    assert (reopened.status, reopened.question, reopened.duplicate_of) == (
        Status.IN_TRIAGE,
        "",
        "",
    )


@pytest.mark.parametrize("status", list(Status))
def test_every_button_shown_works_and_every_button_hidden_is_refused(status: Status) -> None:
    shown = allowed_actions(state(status))
    assert list(shown) == [a for a in Action if a in shown], "buttons keep one order"
    for action in Action:
        try:
            apply(state(status), change(action), REF)
            works = True
        except TransitionRefused:
            works = False
        if action in REQUESTER_ACTIONS | BOARD_ACTIONS:
            assert action not in shown, "the requester's and boards' are never triage buttons"
            assert works is (status in ALLOWED_FROM[action])
        else:
            assert (action in shown) is works, (status, action)


def test_there_are_next_steps_for_every_status() -> None:
    assert set(NEXT_STEPS) == set(Status)
    for status in Status:
        told = next_steps(status, BOARD)
        assert told.endswith(".") and "{" not in told


def test_accepting_tells_the_requester_which_board_has_it_and_what_happens_next() -> None:
    before = state(Status.IN_TRIAGE)
    told = requester_message(REF, before, apply(before, change(Action.ACCEPT), REF), BOARD)
    assert told.startswith(f"Your request {REF} has a new status: with the board.")
    assert "It is now on the Digital, Data and Customer Board's list." in told


def test_rejecting_tells_the_requester_why_and_what_they_can_do() -> None:
    before = state(Status.AWAITING_INFORMATION)
    rejected = apply(before, change(Action.REJECT, reason="We have a system for this"), REF)
    told = requester_message(REF, before, rejected, BOARD)
    assert f"{REF} has a new status: not taken forward." in told
    assert "The reason: We have a system for this." in told
    assert "talk to your IT business partner" in told
    assert "raise a new request with more detail" in told


def test_asking_puts_the_question_to_the_requester() -> None:
    before = state(Status.SUBMITTED)
    told = requester_message(REF, before, apply(before, change(Action.ASK_INFO), REF), BOARD)
    assert "waiting for more information from you" in told
    assert "IT triage asks: How many staff use the current system?" in told
    assert "Answer the question" in told


def test_linking_a_duplicate_names_the_other_request() -> None:
    before = state(Status.IN_TRIAGE)
    told = requester_message(REF, before, apply(before, change(Action.LINK_DUPLICATE), REF), BOARD)
    assert "joined to another request" in told
    assert "It asks for the same thing as DR-2026-0001" in told
    assert "type status and then its reference" in told


def test_being_taken_into_triage_keeps_it_in_capitals() -> None:
    before = state(Status.SUBMITTED)
    told = requester_message(REF, before, apply(before, change(Action.ASSIGN), REF), BOARD)
    assert "has a new status: being triaged by IT." in told
    assert "by it" not in told


def test_status_words_lower_case_only_the_first_letter() -> None:
    for status in Status:
        words = status_in_words(status)
        assert words[0].islower() and words[1:] == STATUS_LABELS[status][1:]
