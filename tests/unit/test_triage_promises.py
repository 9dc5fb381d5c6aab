"""What IT triage promises, written out in full: which buttons work in which status, the limits
on what a triager or requester types, and what each change leaves behind.

The expected values here are written by hand, not read from bot/domain/triage.py, so a change
to the rules shows up as a failing test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.model import Status
from bot.domain.triage import (
    Action,
    Change,
    TransitionRefused,
    TriageState,
    allowed_actions,
    apply,
    requester_message,
)

AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
REF = "DR-2026-0007"
BOARD = "Technical Review Board"

# The triage buttons a triager sees, status by status.
TRIAGE = (
    Action.ASSIGN,
    Action.CHANGE_ROUTE,
    Action.ASK_INFO,
    Action.LINK_DUPLICATE,
    Action.ACCEPT,
    Action.REJECT,
)
WAITING = (Action.ASSIGN, Action.CHANGE_ROUTE, Action.LINK_DUPLICATE, Action.REJECT)
BUTTONS: dict[Status, tuple[Action, ...]] = {
    Status.SUBMITTED: TRIAGE,
    Status.IN_TRIAGE: TRIAGE,
    Status.AWAITING_INFORMATION: WAITING,
    Status.WITH_BOARD: (),
    # Approved (decided outside the bot, or in its process): IT marks it delivered.
    Status.DECIDED: (Action.DELIVER,),
    Status.IN_CHANGE: (Action.DELIVER,),
    Status.IN_PROJECT: (Action.DELIVER,),
    Status.DELIVERED: (),
    Status.BENEFITS_REVIEWED: (),
    Status.REJECTED: (Action.REOPEN,),
    Status.DUPLICATE: (Action.REOPEN,),
}
AFTER_TRIAGE = [s for s, shown in BUTTONS.items() if not set(shown) - {Action.DELIVER}]


def state(status: Status, **kw: str) -> TriageState:
    return TriageState(status=status, **{"board": "ddc", "process": "change_request", **kw})


def change(action: Action, **kw: str) -> Change:
    return Change(action, "tess-id", "Tess Triager", AT, **kw)


def refusal(before: TriageState, action: Action, **kw: str) -> str:
    with pytest.raises(TransitionRefused) as refused:
        apply(before, change(action, **kw), REF)
    return refused.value.message


ASKED = apply(state(Status.IN_TRIAGE), change(Action.ASK_INFO, question="How many users?"), REF)


@pytest.mark.parametrize(("status", "shown"), BUTTONS.items())
def test_each_status_shows_exactly_its_triage_buttons(
    status: Status, shown: tuple[Action, ...]
) -> None:
    assert allowed_actions(state(status)) == shown


def test_a_request_can_be_accepted_to_its_board_straight_from_submission() -> None:
    accepted = apply(state(Status.SUBMITTED), change(Action.ACCEPT), REF)
    assert (accepted.status, accepted.assignee_id) == (Status.WITH_BOARD, "")
    entry = accepted.history[-1]
    assert (entry.from_status, entry.to_status) == (Status.SUBMITTED, Status.WITH_BOARD)


def test_a_request_cannot_be_accepted_while_the_requester_owes_an_answer() -> None:
    assert refusal(ASKED, Action.ACCEPT) == (
        "This request is waiting for the requester's answer, so you cannot accept it to a "
        "board. Wait for the answer, or change the route or reject it instead."
    )


def test_a_second_question_cannot_be_asked_while_one_is_open() -> None:
    message = refusal(ASKED, Action.ASK_INFO, question="And which team?")
    assert message.startswith("This request is waiting for the requester's answer")
    assert ASKED.question == "How many users?"


@pytest.mark.parametrize("status", AFTER_TRIAGE)
def test_a_request_that_triage_has_finished_with_cannot_be_reopened(status: Status) -> None:
    assert "IT triage has finished with it." in refusal(state(status), Action.REOPEN)


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.IN_TRIAGE])
def test_a_request_still_in_triage_cannot_be_reopened(status: Status) -> None:
    assert refusal(state(status), Action.REOPEN).endswith(
        "Only a rejected or duplicate request can be reopened."
    )


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.AWAITING_INFORMATION])
def test_only_a_request_waiting_for_an_answer_can_be_answered(status: Status) -> None:
    assert refusal(state(status), Action.ANSWER_INFO, answer="About 40.").startswith(
        "This request is not waiting for an answer from you now."
    )


def test_answering_closes_the_question_and_hands_the_request_back_to_triage() -> None:
    answered = apply(ASKED, change(Action.ANSWER_INFO, answer="  About 40.  "), REF)
    assert (answered.status, answered.question) == (Status.IN_TRIAGE, "")
    assert answered.history[-1].detail == "Answer: About 40."
    assert Action.ASK_INFO in allowed_actions(answered)


@pytest.mark.parametrize("answer", ["4", "x" * 2000])
def test_an_answer_may_be_one_to_2000_characters(answer: str) -> None:
    answered = apply(ASKED, change(Action.ANSWER_INFO, answer=answer), REF)
    assert answered.history[-1].detail == f"Answer: {answer}"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("", "Write your answer before you send it."),
        (" \u200b ", "Write your answer before you send it."),
        ("x" * 2001, "Keep your answer to 2,000 characters or fewer."),
    ],
)
def test_an_empty_or_too_long_answer_is_refused(answer: str, message: str) -> None:
    assert refusal(ASKED, Action.ANSWER_INFO, answer=answer) == message


def test_a_one_character_question_can_be_asked() -> None:
    asked = apply(state(Status.IN_TRIAGE), change(Action.ASK_INFO, question="?"), REF)
    assert (asked.status, asked.question) == (Status.AWAITING_INFORMATION, "?")


def reroute(reason: str, board: str = "trb", process: str = "project") -> TriageState:
    return apply(
        state(Status.IN_TRIAGE),
        change(Action.CHANGE_ROUTE, board=board, process=process, reason=reason),
        REF,
    )


@pytest.mark.parametrize("reason", ["Why", "x" * 1000])
def test_a_route_change_reason_may_be_3_to_1000_characters(reason: str) -> None:
    assert reroute(reason).route_reason == reason


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("No", "Say why the route changes. The requester will see it."),
        ("x" * 1001, "Keep the reason to 1,000 characters or fewer."),
    ],
)
def test_a_route_change_reason_too_short_or_too_long_is_refused(reason: str, message: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        reroute(reason)
    assert refused.value.message == message


def test_a_request_can_be_rerouted_to_the_ict_improvement_group_as_a_change_request() -> None:
    routed = reroute("It fixes the current IT.", board="ictig", process="change_request")
    assert (routed.board, routed.process, routed.status) == (
        "ictig",
        "change_request",
        Status.IN_TRIAGE,
    )
    assert routed.history[-1].detail == (
        "It was going to the Digital, Data and Customer Board, then a change request. "
        "It now goes to the ICT Improvement Group, then a change request. "
        "Why: it fixes the current IT."
    )


def test_a_route_change_names_where_it_came_from_and_went_with_both_reasons() -> None:
    before = state(Status.IN_TRIAGE, route_reason="It affects 1,000 residents or more.")
    change_ = change(
        Action.CHANGE_ROUTE, board="trb", process="project", reason="IT must check the security."
    )
    assert apply(before, change_, REF).history[-1].detail == (
        "It was going to the Digital, Data and Customer Board, then a change request. "
        "Why: it affects 1,000 residents or more. "
        "It now goes to the Technical Review Board, then a project. "
        "Why: IT must check the security."
    )


@pytest.mark.parametrize(("board", "process"), [("cabinet", "project"), ("trb", "agile")])
def test_a_route_to_an_unknown_board_or_process_is_refused(board: str, process: str) -> None:
    with pytest.raises(TransitionRefused):
        reroute("Just because.", board=board, process=process)


@pytest.mark.parametrize(
    ("board", "process", "detail"),
    [
        ("", "", "To no board, no process."),
        ("cab", "agile", "To cab, agile."),
        ("ictig", "project", "To the ICT Improvement Group, then a project."),
    ],
)
def test_accepting_records_the_route_in_words_even_when_it_is_missing_or_unknown(
    board: str, process: str, detail: str
) -> None:
    before = state(Status.IN_TRIAGE, board=board, process=process)
    assert apply(before, change(Action.ACCEPT), REF).history[-1].detail == detail


def test_someone_assigned_without_a_name_is_called_someone() -> None:
    assigned = apply(state(Status.SUBMITTED), change(Action.ASSIGN, assignee_id="x1"), REF)
    assert (assigned.assignee_id, assigned.assignee_name) == ("x1", "someone")
    assert assigned.history[-1].detail == "Assigned to someone."


def test_a_request_with_an_old_style_reference_can_still_be_linked_as_a_duplicate() -> None:
    linked = apply(
        state(Status.IN_TRIAGE), change(Action.LINK_DUPLICATE, duplicate_of="DR-2026-0001"), "R7"
    )
    assert (linked.status, linked.duplicate_of) == (Status.DUPLICATE, "DR-2026-0001")


def test_a_refusal_reads_the_same_wherever_it_is_shown() -> None:
    refused = TransitionRefused("Choose who to assign the request to.")
    assert str(refused) == refused.message == "Choose who to assign the request to."


def test_being_assigned_tells_the_requester_the_new_status_and_nothing_else() -> None:
    before = state(Status.SUBMITTED)
    assigned = apply(before, change(Action.ASSIGN, assignee_id="a", assignee_name="Adele"), REF)
    assert requester_message(REF, before, assigned, BOARD) == (
        "Your request DR-2026-0007 has a new status: being triaged by IT. "
        "IT triage is looking at it. I will tell you when its status changes."
    )


def test_accepting_after_a_route_change_does_not_repeat_the_reason() -> None:
    routed = reroute("It is new technology.")
    accepted = apply(routed, change(Action.ACCEPT), REF)
    assert requester_message(REF, routed, accepted, BOARD) == (
        "Your request DR-2026-0007 has a new status: with the board. It is now on the "
        "Technical Review Board's list. The board decides what happens next, and I will tell you."
    )


@pytest.mark.parametrize("reason", ["Out of scope.", "Out of scope!", "Out of scope?"])
def test_a_reason_that_already_ends_a_sentence_gets_no_second_full_stop(reason: str) -> None:
    before = state(Status.IN_TRIAGE)
    rejected = apply(before, change(Action.REJECT, reason=reason), REF)
    assert f"The reason: {reason} If you think" in requester_message(REF, before, rejected, BOARD)


def test_the_requester_is_told_the_status_even_when_no_history_came_with_it() -> None:
    told = requester_message(REF, state(Status.SUBMITTED), state(Status.REJECTED), BOARD)
    assert told.startswith("Your request DR-2026-0007 has a new status: not taken forward. If")


# -- Marking a request delivered: so its benefits can be asked about later ----------------

APPROVED = [Status.DECIDED, Status.IN_CHANGE, Status.IN_PROJECT]


@pytest.mark.parametrize("status", APPROVED)
def test_an_approved_request_can_be_marked_delivered_with_a_note_for_the_requester(
    status: Status,
) -> None:
    before = state(status, question="", delivery_owner="Priya Shah")
    delivered = apply(before, change(Action.DELIVER, reason="  Went live on 3 March  "), REF)
    assert delivered.status is Status.DELIVERED
    assert delivered.delivery_owner == "Priya Shah", "who delivered it stays on record"
    entry = delivered.history[-1]
    assert (entry.action, entry.actor_id, entry.actor_name) == (
        "deliver",
        "tess-id",
        "Tess Triager",
    )
    assert (entry.from_status, entry.to_status, entry.detail) == (
        status,
        Status.DELIVERED,
        "Went live on 3 March",
    )
    assert requester_message(REF, before, delivered, BOARD) == (
        f"Your request {REF} has a new status: delivered. IT triage adds: Went live on 3 March. "
        "Once it has been in use for a while, I will ask you whether it brought the benefits "
        "you expected."
    )


def test_the_note_is_optional_but_not_endless() -> None:
    plain = apply(state(Status.IN_CHANGE), change(Action.DELIVER), REF)
    assert (plain.status, plain.history[-1].detail) == (Status.DELIVERED, "")
    assert "IT triage adds" not in requester_message(REF, state(Status.IN_CHANGE), plain, BOARD)
    assert apply(state(Status.IN_CHANGE), change(Action.DELIVER, reason="x" * 1000), REF)
    assert (
        refusal(state(Status.IN_CHANGE), Action.DELIVER, reason="x" * 1001)
        == "Keep the note to 1,000 characters or fewer."
    )


@pytest.mark.parametrize(
    ("status", "where"),
    [
        (Status.SUBMITTED, "It is waiting for IT triage."),
        (Status.IN_TRIAGE, "It is being triaged."),
        (Status.AWAITING_INFORMATION, "It is waiting for the requester's answer."),
        (Status.WITH_BOARD, "It is on the board's list, waiting for a decision."),
    ],
)
def test_a_request_not_yet_approved_cannot_be_marked_delivered(status: Status, where: str) -> None:
    assert refusal(state(status), Action.DELIVER) == (
        "This request has not been approved yet, so you cannot mark it as delivered. "
        f"{where} Nothing has changed."
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.DELIVERED, "This request has already been delivered. Nothing has changed."),
        (
            Status.BENEFITS_REVIEWED,
            "This request has been delivered and its benefits reviewed. Nothing has changed.",
        ),
        (
            Status.REJECTED,
            "This request has already been rejected, so you cannot mark it as delivered. "
            "Nothing has changed.",
        ),
        (
            Status.WITHDRAWN,
            "This request was withdrawn by the person who raised it, so you cannot mark it as "
            "delivered. Nothing has changed.",
        ),
        (
            Status.DUPLICATE,
            "This request has already been linked as a duplicate, so you cannot mark it as "
            "delivered. Mark the request it duplicates instead.",
        ),
    ],
)
def test_a_delivered_or_closed_request_cannot_be_marked_delivered(
    status: Status, message: str
) -> None:
    assert refusal(state(status), Action.DELIVER) == message


def test_delivering_twice_is_refused_and_leaves_one_entry() -> None:
    once = apply(state(Status.IN_PROJECT), change(Action.DELIVER), REF)
    with pytest.raises(TransitionRefused, match="already been delivered"):
        apply(once, change(Action.DELIVER), REF)
    assert [e.action for e in once.history] == ["deliver"]
