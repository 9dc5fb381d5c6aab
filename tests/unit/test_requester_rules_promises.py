"""What IT triage and the requester are told, word for word, when a rule stops them, and how
a status reads on IT triage's cards. Found by mutation testing: these rules were only checked
end to end, or only by the start of their message.

The expected words are written by hand, not read from bot/domain/triage.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.model import FieldChange, Status
from bot.domain.triage import (
    Action,
    Change,
    TransitionRefused,
    TriageState,
    apply,
    refusal,
    requester_message,
    status_for_it,
    status_for_it_in_words,
)

AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
REF = "DR-2026-0007"
BOARD = "Technical Review Board"
TITLE = FieldChange("title", "Old", "New")


def change(action: Action, **kw: str) -> Change:
    return Change(action, "tess-id", "Tess Triager", AT, **kw)


def refused(before: TriageState, a_change: Change) -> str:
    with pytest.raises(TransitionRefused) as stopped:
        apply(before, a_change, REF)
    return stopped.value.message


def in_triage(**kw: str) -> TriageState:
    return TriageState(Status.IN_TRIAGE, **{"board": "ddc", "process": "change_request", **kw})


# ---- How a status reads on IT triage's cards ---------------------------------------------

FOR_IT = {
    Status.SUBMITTED: "Submitted, waiting for IT triage",
    Status.IN_TRIAGE: "Being triaged by IT",
    Status.AWAITING_INFORMATION: "Waiting for the requester to answer",
    Status.WITH_BOARD: "With the board",
    Status.DECIDED: "Decided by the board",
    Status.IN_CHANGE: "In the change request process",
    Status.IN_PROJECT: "In the project process",
    Status.DELIVERED: "Delivered",
    Status.BENEFITS_REVIEWED: "Benefits reviewed",
    Status.REJECTED: "Rejected",
    Status.DUPLICATE: "Linked as a duplicate",
    Status.WITHDRAWN: "Withdrawn by the requester",
}


@pytest.mark.parametrize(("status", "words"), FOR_IT.items())
def test_it_triage_reads_each_status_about_the_requester_not_to_them(
    status: Status, words: str
) -> None:
    assert status_for_it(status) == words


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Status.SUBMITTED, "submitted, waiting for IT triage"),
        (Status.IN_TRIAGE, "being triaged by IT"),
        (Status.AWAITING_INFORMATION, "waiting for the requester to answer"),
        (Status.WITHDRAWN, "withdrawn by the requester"),
    ],
)
def test_a_status_mid_sentence_lowers_only_its_first_letter_so_it_stays_it(
    status: Status, words: str
) -> None:
    assert status_for_it_in_words(status) == words


# ---- The requester withdraws or changes their answers too late ----------------------------


@pytest.mark.parametrize("action", [Action.WITHDRAW, Action.EDIT_DETAILS])
def test_a_requester_who_already_withdrew_is_told_nothing_changed_and_how_to_ask_again(
    action: Action,
) -> None:
    assert refusal(Status.WITHDRAWN, action) == (
        "You have already withdrawn this request. Nothing has changed. "
        "To ask again, raise a new request."
    )


def test_answers_cannot_change_once_the_request_is_with_the_board_but_it_can_be_withdrawn() -> None:
    message = refused(TriageState(Status.WITH_BOARD), change(Action.EDIT_DETAILS))
    assert message == (
        "IT triage has finished with this request and sent it to the board, so you cannot "
        "change your answers now. You can still withdraw it and raise a new one."
    )
    assert refusal(Status.WITH_BOARD, Action.WITHDRAW) == ""


@pytest.mark.parametrize(
    ("action", "cannot"),
    [(Action.EDIT_DETAILS, "change its answers"), (Action.WITHDRAW, "withdraw it")],
)
@pytest.mark.parametrize("status", [Status.DECIDED, Status.IN_PROJECT, Status.DELIVERED])
def test_once_the_board_has_decided_the_requester_is_sent_to_the_boards_secretary(
    status: Status, action: Action, cannot: str
) -> None:
    assert refusal(status, action) == (
        f"The board has already made its decision, so you cannot {cannot} now. "
        "If it is no longer needed, tell the board's secretary."
    )


def test_a_closed_request_says_how_it_closed() -> None:
    assert refusal(Status.DUPLICATE, Action.EDIT_DETAILS) == (
        "This request is closed (joined to another request), so you cannot change its "
        "answers. Nothing has changed."
    )


def test_an_answer_nobody_is_waiting_for_tells_the_requester_they_need_do_nothing() -> None:
    assert refusal(Status.IN_TRIAGE, Action.ANSWER_INFO) == (
        "This request is not waiting for an answer from you now. You do not need to do anything."
    )


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.SUBMITTED, Action.WITHDRAW),
        (Status.AWAITING_INFORMATION, Action.EDIT_DETAILS),
        (Status.AWAITING_INFORMATION, Action.ANSWER_INFO),
        (Status.REJECTED, Action.REOPEN),
    ],
)
def test_an_allowed_action_has_no_refusal_to_show(status: Status, action: Action) -> None:
    assert refusal(status, action) == ""


def test_a_withdrawal_reason_may_be_up_to_1000_characters() -> None:
    reason = "x" * 1000
    withdrawn = apply(TriageState(Status.SUBMITTED), change(Action.WITHDRAW, reason=reason), REF)
    assert withdrawn.history[-1].detail == reason


def test_a_withdrawal_reason_over_1000_characters_is_refused_in_words() -> None:
    message = refused(TriageState(Status.SUBMITTED), change(Action.WITHDRAW, reason="x" * 1001))
    assert message == "Keep the reason to 1,000 characters or fewer."


def test_an_edit_that_changes_no_answer_says_nothing_has_changed() -> None:
    assert refused(TriageState(Status.IN_TRIAGE), change(Action.EDIT_DETAILS)) == (
        "You have not changed any answers, so nothing has changed."
    )


def test_an_edit_keeps_the_status_and_names_one_changed_answer() -> None:
    edited = apply(
        TriageState(Status.SUBMITTED),
        Change(Action.EDIT_DETAILS, "megan", "Megan Bowen", AT, changes=(TITLE,)),
        REF,
    )
    assert edited.status is Status.SUBMITTED
    assert edited.history[-1].detail == "Changed: title."


# ---- What a triager is told when what they typed will not do -------------------------------


def test_a_route_to_an_unknown_board_names_the_three_boards() -> None:
    message = refused(
        in_triage(), change(Action.CHANGE_ROUTE, board="cabinet", process="project", reason="Why")
    )
    assert message == (
        "Choose one of the three boards: the Digital, Data and Customer Board, the "
        "Technical Review Board or the ICT Improvement Group."
    )


def test_a_route_to_an_unknown_process_names_the_two_processes() -> None:
    message = refused(
        in_triage(), change(Action.CHANGE_ROUTE, board="trb", process="agile", reason="Why")
    )
    assert message == "Choose change request or project."


def reroute_why(reason: str) -> str:
    before = TriageState(Status.IN_TRIAGE, board="ddc", process="project")
    routed = apply(
        before, change(Action.CHANGE_ROUTE, board="trb", process="project", reason=reason), REF
    )
    return routed.history[-1].detail.split("It now goes to the Technical Review Board, ")[1]


def test_a_reason_that_starts_with_i_keeps_its_capital() -> None:
    assert (
        reroute_why("I spoke to the architect.") == "then a project. Why: I spoke to the architect."
    )


def test_a_reason_ending_in_an_acronym_loses_only_its_full_stop() -> None:
    assert (
        reroute_why("It replaces the old PBX.") == "then a project. Why: it replaces the old PBX."
    )


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Write the question for the requester."),
        ("x" * 1001, "Keep the question to 1,000 characters or fewer."),
    ],
)
def test_an_empty_or_too_long_question_is_refused_in_words(question: str, message: str) -> None:
    assert refused(in_triage(), change(Action.ASK_INFO, question=question)) == message


def test_a_question_may_be_up_to_1000_characters() -> None:
    asked = apply(in_triage(), change(Action.ASK_INFO, question="x" * 1000), REF)
    assert asked.question == "x" * 1000


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("No", "Give a reason for rejecting the request, so the requester knows what to do next."),
        ("x" * 1001, "Keep the reason to 1,000 characters or fewer."),
    ],
)
def test_a_rejection_without_a_real_reason_or_with_too_long_a_one_is_refused(
    reason: str, message: str
) -> None:
    assert refused(in_triage(), change(Action.REJECT, reason=reason)) == message


@pytest.mark.parametrize(
    ("duplicate_of", "message"),
    [
        ("  ", "Choose the request this one duplicates, or type its reference."),
        (
            "request 42",
            "That is not a request reference. Type one like DR-2026-0042, or choose a request.",
        ),
        ("dr-2026-0007", "A request cannot be a duplicate of itself."),
    ],
)
def test_linking_a_duplicate_says_what_is_wrong_with_the_reference(
    duplicate_of: str, message: str
) -> None:
    assert refused(in_triage(), change(Action.LINK_DUPLICATE, duplicate_of=duplicate_of)) == message


def test_the_example_reference_is_from_the_year_of_the_change() -> None:
    later = Change(
        Action.LINK_DUPLICATE, "tess-id", "Tess", AT.replace(year=2031), duplicate_of="x"
    )
    assert "Type one like DR-2031-0042," in refused(in_triage(), later)


def test_assigning_to_nobody_asks_who() -> None:
    assert refused(in_triage(), change(Action.ASSIGN)) == "Choose who to assign the request to."


def test_accepting_closes_a_question_left_open_by_an_edit_elsewhere() -> None:
    """A status set back by hand in the shared list can leave the old question behind."""
    accepted = apply(in_triage(question="How many users?"), change(Action.ACCEPT), REF)
    assert (accepted.status, accepted.question) == (Status.WITH_BOARD, "")


def test_a_change_without_a_time_zone_is_refused_before_anything_is_recorded() -> None:
    naive = Change(Action.ASSIGN, "tess-id", "Tess", dt.datetime(2026, 11, 25, 10, 0))
    with pytest.raises(ValueError) as error:
        apply(in_triage(), naive, REF)
    assert str(error.value) == "Change.at must be timezone-aware, so the history is in UTC"


# ---- What the requester is told when the status changes without the usual detail ----------


def test_waiting_for_information_with_no_question_recorded_shows_no_empty_question() -> None:
    told = requester_message(REF, in_triage(), TriageState(Status.AWAITING_INFORMATION), BOARD)
    assert told == (
        "Your request DR-2026-0007 has a new status: waiting for more information from you. "
        "Answer the question below so IT triage can carry on."
    )


def test_a_duplicate_with_no_original_recorded_names_no_empty_reference() -> None:
    told = requester_message(REF, in_triage(), TriageState(Status.DUPLICATE), BOARD)
    assert told == (
        "Your request DR-2026-0007 has a new status: joined to another request. "
        "Follow the other request instead: type status and then its reference."
    )


def test_a_question_left_from_before_is_not_repeated_once_the_request_moves_on() -> None:
    """Only a request waiting for an answer shows the question."""
    before = in_triage(question="How many users?")
    moved = TriageState(
        Status.WITH_BOARD, board="ddc", process="change_request", question="How many users?"
    )
    told = requester_message(REF, before, moved, BOARD)
    assert "IT triage asks" not in told
