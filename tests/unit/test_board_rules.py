"""A board's decisions in the request's life cycle: what each one does, what it refuses,
what the history says (deputies named), and what the requester reads.

tests/unit/test_triage_rules.py checks every action in every status; this file checks
the board's five decisions in depth.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.domain.model import FieldChange, Status
from bot.domain.triage import (
    ALLOWED_FROM,
    BOARD_ACTIONS,
    Action,
    Change,
    TransitionRefused,
    TriageState,
    allowed_actions,
    apply,
    board_decision_message,
    requester_message,
)

# 10am on Wednesday 25 November 2026 (UTC and London agree in winter).
AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
REF = "DR-2026-0007"
TRB = "Technical Review Board"
DECISIONS: dict[Action, dict[str, Any]] = {
    Action.APPROVE: {
        "process": "project",
        "delivery_owner": "Priya Shah",
        "horizon": "now",
        "theme": "technology_and_architecture",
    },
    Action.DEFER: {"deferred_until": dt.date(2027, 1, 12), "reason": "Waiting for the budget."},
    Action.BOARD_REJECT: {"reason": "The council already has a system that does this."},
    Action.BOARD_ASK_INFO: {"question": "Who is the senior sponsor?"},
    Action.SEND_TO_BOARD: {"board": "ictig", "reason": "It is about user feedback."},
}
TRIAGE = {
    Action.ASK_INFO: {"question": "How many staff use it?"},
    Action.ANSWER_INFO: {"answer": "About 40."},
    Action.ACCEPT: {},
    Action.ASSIGN: {"assignee_id": "tess", "assignee_name": "Tess"},
    Action.CHANGE_ROUTE: {"board": "ddc", "process": "project", "reason": "It is wider."},
    Action.LINK_DUPLICATE: {"duplicate_of": "DR-2026-0001"},
    Action.REJECT: {"reason": "Not needed."},
    Action.REOPEN: {},
    Action.DELIVER: {},
    Action.WITHDRAW: {"reason": ""},
    Action.EDIT_DETAILS: {"changes": (FieldChange("title", "Old", "New"),)},
}


def with_board(**kw: Any) -> TriageState:
    return TriageState(status=Status.WITH_BOARD, board="trb", process="change_request", **kw)


def decide(action: Action, *, who: str = "Sam Lee", at: dt.datetime = AT, **kw: Any) -> Change:
    given = {**DECISIONS.get(action, TRIAGE.get(action, {})), **kw}
    return Change(action, f"{who.strip().lower()}-id", who, at, **given)


def refused(state: TriageState, change: Change) -> str:
    with pytest.raises(TransitionRefused) as refusal:
        apply(state, change, REF)
    return refusal.value.message


# -- Approve -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("process", "status"),
    [("change_request", Status.IN_CHANGE), ("project", Status.IN_PROJECT)],
)
def test_approving_sends_it_to_the_process_chosen_with_its_owner_roadmap_and_theme(
    process: str, status: Status
) -> None:
    before = with_board(question="", deferred_until=dt.date(2026, 11, 1))
    after = apply(before, decide(Action.APPROVE, process=process, horizon="later"), REF)
    assert after.status is status
    assert (after.process, after.delivery_owner, after.horizon, after.theme) == (
        process,
        "Priya Shah",
        "later",
        "technology_and_architecture",
    )
    assert after.deferred_until is None, "a later decision clears the deferral"
    assert after.board == "trb"


def test_the_approval_is_recorded_in_a_sentence_that_stands_on_its_own() -> None:
    after = apply(with_board(), decide(Action.APPROVE), REF)
    entry = after.history[-1]
    assert entry.detail == (
        "Approved as a project. Delivery owner: Priya Shah. Roadmap: now. "
        "Theme: Technology and architecture."
    )
    assert (entry.action, entry.actor_name, entry.from_status, entry.to_status) == (
        "approve",
        "Sam Lee",
        Status.WITH_BOARD,
        Status.IN_PROJECT,
    )


def test_an_approval_may_carry_a_reason_which_is_kept_as_given() -> None:
    after = apply(with_board(), decide(Action.APPROVE, reason="it saves 400 hours"), REF)
    assert after.history[-1].detail.endswith("The reason: It saves 400 hours.")


CHOOSE_WHEN = "Choose when it goes on the roadmap: now, next or later."
CHOOSE_THEME = "Choose one of the strategy's four themes."
REASON_TOO_LONG = "Keep the reason to 1,000 characters or fewer."


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"process": ""}, "Choose change request or project."),
        ({"process": "whim"}, "Choose change request or project."),
        ({"delivery_owner": ""}, "Say who will own delivery."),
        ({"delivery_owner": " P\x07 "}, "Say who will own delivery."),
        ({"delivery_owner": "P" * 201}, "Keep the delivery owner to 200 characters or fewer."),
        ({"horizon": ""}, CHOOSE_WHEN),
        ({"horizon": "soon"}, CHOOSE_WHEN),
        ({"horizon": "NOW"}, CHOOSE_WHEN),
        ({"theme": ""}, CHOOSE_THEME),
        ({"theme": "Technology and architecture"}, CHOOSE_THEME),
        ({"reason": "x" * 1001}, REASON_TOO_LONG),
    ],
)
def test_approving_checks_what_it_is_given(payload: dict[str, str], words: str) -> None:
    assert refused(with_board(), decide(Action.APPROVE, **payload)) == words


def test_the_delivery_owner_is_kept_on_one_line_at_its_longest() -> None:
    after = apply(with_board(), decide(Action.APPROVE, delivery_owner="  Jo\n" + "J" * 197), REF)
    assert after.delivery_owner == "Jo " + "J" * 197
    shortest = apply(with_board(), decide(Action.APPROVE, delivery_owner="Al"), REF)
    assert shortest.delivery_owner == "Al"


# -- Defer -------------------------------------------------------------------------------


def test_deferring_keeps_it_on_the_list_until_the_date() -> None:
    after = apply(with_board(question=""), decide(Action.DEFER), REF)
    assert after.status is Status.WITH_BOARD
    assert after.deferred_until == dt.date(2027, 1, 12)
    assert after.history[-1].detail == (
        "Deferred until 12 January 2027. The reason: Waiting for the budget."
    )


@pytest.mark.parametrize(
    ("until", "words"),
    [
        (None, "Choose the date the board should look at it again."),
        (dt.date(2026, 11, 25), "Choose a date after today."),
        (dt.date(2026, 11, 24), "Choose a date after today."),
        (dt.date(2028, 11, 26), "Choose a date within 2 years, on or before 25 November 2028."),
    ],
)
def test_a_deferral_date_must_be_after_today_and_within_two_years(
    until: dt.date | None, words: str
) -> None:
    assert refused(with_board(), decide(Action.DEFER, deferred_until=until)) == words


@pytest.mark.parametrize("until", [dt.date(2026, 11, 26), dt.date(2028, 11, 25)])
def test_tomorrow_and_two_years_on_are_both_allowed(until: dt.date) -> None:
    assert apply(with_board(), decide(Action.DEFER, deferred_until=until), REF).deferred_until == (
        until
    )


def test_today_is_the_council_s_day_not_utc_s() -> None:
    # 11:30pm UTC on 30 June is already 1 July in London (summer time).
    late = dt.datetime(2027, 6, 30, 23, 30, tzinfo=dt.UTC)
    message = refused(
        with_board(), decide(Action.DEFER, at=late, deferred_until=dt.date(2027, 7, 1))
    )
    assert message == "Choose a date after today."
    kept = apply(
        with_board(), decide(Action.DEFER, at=late, deferred_until=dt.date(2027, 7, 2)), REF
    )
    assert kept.deferred_until == dt.date(2027, 7, 2)


def test_two_years_from_29_february_ends_on_28_february() -> None:
    leap = dt.datetime(2028, 2, 29, 12, 0, tzinfo=dt.UTC)
    ok = apply(
        with_board(), decide(Action.DEFER, at=leap, deferred_until=dt.date(2030, 2, 28)), REF
    )
    assert ok.deferred_until == dt.date(2030, 2, 28)
    message = refused(
        with_board(), decide(Action.DEFER, at=leap, deferred_until=dt.date(2030, 3, 1))
    )
    assert "on or before 28 February 2030" in message


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("", "Say why the board is waiting. The requester will see it."),
        ("no", "Say why the board is waiting. The requester will see it."),
        ("x" * 1001, REASON_TOO_LONG),
    ],
)
def test_a_deferral_needs_a_reason(reason: str, words: str) -> None:
    assert refused(with_board(), decide(Action.DEFER, reason=reason)) == words


# -- Reject ------------------------------------------------------------------------------


def test_turning_it_down_closes_it_with_the_board_s_reason_and_it_can_be_reopened() -> None:
    before = with_board(deferred_until=dt.date(2026, 11, 20))
    after = apply(before, decide(Action.BOARD_REJECT), REF)
    assert after.status is Status.REJECTED and after.deferred_until is None
    assert after.history[-1].detail == (
        "Not taken forward by the board. "
        "The reason: The council already has a system that does this."
    )
    reopened = apply(after, decide(Action.REOPEN, who="Tess Triager"), REF)
    assert reopened.status is Status.IN_TRIAGE


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("", "Give the board's reason for not taking it forward. The requester will see it."),
        ("ok", "Give the board's reason for not taking it forward. The requester will see it."),
        ("x" * 1001, REASON_TOO_LONG),
    ],
)
def test_turning_it_down_needs_a_rationale(reason: str, words: str) -> None:
    assert refused(with_board(), decide(Action.BOARD_REJECT, reason=reason)) == words


def test_the_longest_rationale_is_kept() -> None:
    after = apply(with_board(), decide(Action.BOARD_REJECT, reason="y" * 1000), REF)
    assert after.history[-1].detail.endswith("Y" + "y" * 999 + ".")


# -- Ask the requester ---------------------------------------------------------------------


def test_the_board_s_question_goes_to_the_requester_and_the_answer_back_to_the_board() -> None:
    asked = apply(
        with_board(deferred_until=dt.date(2026, 11, 1)), decide(Action.BOARD_ASK_INFO), REF
    )
    assert asked.status is Status.AWAITING_INFORMATION
    assert asked.question == "Who is the senior sponsor?" and asked.deferred_until is None
    assert asked.history[-1].detail == "Who is the senior sponsor?"
    answered = apply(asked, decide(Action.ANSWER_INFO, who="Rita Requester"), REF)
    assert (answered.status, answered.question, answered.board) == (Status.WITH_BOARD, "", "trb")
    assert answered.history[-1].detail == "Answer: About 40."


def test_an_answer_to_it_triage_s_question_still_goes_back_to_it_triage() -> None:
    # The board asked once and had its answer; later (reopened) IT triage asks again.
    asked = apply(with_board(), decide(Action.BOARD_ASK_INFO), REF)
    answered = apply(asked, decide(Action.ANSWER_INFO), REF)
    rejected = apply(answered, decide(Action.BOARD_REJECT), REF)
    reopened = apply(rejected, decide(Action.REOPEN), REF)
    it_asks = apply(reopened, decide(Action.ASK_INFO), REF)
    assert apply(it_asks, decide(Action.ANSWER_INFO), REF).status is Status.IN_TRIAGE


def test_a_board_question_after_it_triage_s_own_goes_back_to_the_board() -> None:
    start = TriageState(Status.IN_TRIAGE, board="trb", process="project")
    it_asks = apply(start, decide(Action.ASK_INFO), REF)
    answered = apply(it_asks, decide(Action.ANSWER_INFO), REF)
    assert answered.status is Status.IN_TRIAGE
    on_list = apply(answered, decide(Action.ACCEPT), REF)
    board_asks = apply(on_list, decide(Action.BOARD_ASK_INFO), REF)
    assert apply(board_asks, decide(Action.ANSWER_INFO), REF).status is Status.WITH_BOARD


@pytest.mark.parametrize(
    "action",
    [a for a in TRIAGE if a not in (Action.ANSWER_INFO, Action.WITHDRAW, Action.EDIT_DETAILS)],
)
def test_while_the_board_waits_for_an_answer_it_triage_cannot_act(action: Action) -> None:
    asked = apply(with_board(), decide(Action.BOARD_ASK_INFO), REF)
    assert allowed_actions(asked) == ()
    assert refused(asked, decide(action, who="Tess Triager")) == (
        "The board asked the requester a question. When they answer, it goes back to the board."
    )


@pytest.mark.parametrize("action", [Action.WITHDRAW, Action.EDIT_DETAILS])
def test_while_the_board_waits_the_requester_can_still_withdraw_or_edit(action: Action) -> None:
    asked = apply(with_board(), decide(Action.BOARD_ASK_INFO), REF)
    after = apply(asked, decide(action, who="Rita Requester"), REF)
    assert after.status is (Status.WITHDRAWN if action is Action.WITHDRAW else asked.status)


def test_while_it_triage_waits_for_an_answer_its_buttons_are_still_shown() -> None:
    it_asks = apply(TriageState(Status.IN_TRIAGE, board="trb"), decide(Action.ASK_INFO), REF)
    assert Action.REJECT in allowed_actions(it_asks)
    assert apply(it_asks, decide(Action.REJECT), REF).status is Status.REJECTED


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("", "Write the question for the requester."),
        ("\x00 ", "Write the question for the requester."),
        ("?" * 1001, "Keep the question to 1,000 characters or fewer."),
    ],
)
def test_the_board_s_question_is_checked(question: str, words: str) -> None:
    assert refused(with_board(), decide(Action.BOARD_ASK_INFO, question=question)) == words


# -- Send to another board ---------------------------------------------------------------

THREE_BOARDS = (
    "Choose one of the three boards: the Digital, Data and Customer Board, the Technical "
    "Review Board or the ICT Improvement Group."
)


def test_sending_it_on_puts_it_on_the_other_board_s_list_with_the_reason() -> None:
    before = with_board(route_reason="It is new technology.", deferred_until=dt.date(2027, 1, 1))
    after = apply(before, decide(Action.SEND_TO_BOARD), REF)
    assert (after.status, after.board, after.process) == (
        Status.WITH_BOARD,
        "ictig",
        "change_request",
    )
    assert after.route_reason == "It is about user feedback."
    assert after.deferred_until is None
    assert after.history[-1].detail == (
        "Sent to the ICT Improvement Group. The reason: It is about user feedback."
    )


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"board": ""}, THREE_BOARDS),
        ({"board": "cabinet"}, THREE_BOARDS),
        (
            {"board": "trb"},
            "It is already on the Technical Review Board's list. Choose another board.",
        ),
        ({"reason": ""}, "Say why it goes to another board. The requester will see it."),
        ({"reason": "ab"}, "Say why it goes to another board. The requester will see it."),
        ({"reason": "x" * 1001}, REASON_TOO_LONG),
    ],
)
def test_sending_it_on_checks_the_board_and_the_reason(payload: dict[str, str], words: str) -> None:
    assert refused(with_board(), decide(Action.SEND_TO_BOARD, **payload)) == words


# -- Refusals: the board decides only what is on its list ----------------------------------

NOT_YET = {
    Status.SUBMITTED: "This request is waiting for IT triage, so the board cannot decide it yet.",
    Status.IN_TRIAGE: "This request is being triaged by IT, so the board cannot decide it yet.",
    Status.AWAITING_INFORMATION: "IT triage is waiting for the requester's answer, so the "
    "board cannot decide this request yet.",
    Status.DECIDED: "The board has already decided this request: it has already been decided "
    "by the board. Nothing has changed.",
    Status.IN_CHANGE: "The board has already decided this request: it is already in the "
    "change request process. Nothing has changed.",
    Status.IN_PROJECT: "it is already in the project process. Nothing has changed.",
    Status.DELIVERED: "it has already been delivered. Nothing has changed.",
    Status.BENEFITS_REVIEWED: "benefits reviewed. Nothing has changed.",
    Status.REJECTED: "This request has already been turned down, so the board cannot decide it.",
    Status.DUPLICATE: "joined to another request, so the board cannot decide it. Decide the "
    "other request instead.",
    Status.WITHDRAWN: "The person who raised this request has withdrawn it",
}


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.WITH_BOARD])
@pytest.mark.parametrize("action", sorted(BOARD_ACTIONS))
def test_a_board_decision_off_the_list_says_where_the_request_is(
    action: Action, status: Status
) -> None:
    assert status not in ALLOWED_FROM[action]
    message = refused(TriageState(status, board="trb"), decide(action))
    assert NOT_YET[status] in message
    assert message.endswith(".") and "you cannot" not in message


@pytest.mark.parametrize("action", sorted(BOARD_ACTIONS))
def test_a_board_decision_while_the_board_waits_for_an_answer_says_so(action: Action) -> None:
    asked = apply(with_board(), decide(Action.BOARD_ASK_INFO), REF)
    assert refused(asked, decide(action)) == (
        "The board asked the requester a question and is waiting for the answer. "
        "When they answer, it comes back to the board's list."
    )


def test_a_refused_decision_changes_nothing() -> None:
    before = with_board()
    refused(before, decide(Action.APPROVE, horizon="soon"))
    assert before == with_board()


# -- Deputies ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", sorted(BOARD_ACTIONS))
def test_a_deputy_s_decision_says_who_decided_for_whom(action: Action) -> None:
    after = apply(with_board(), decide(action, on_behalf_of="Alex Kay"), REF)
    entry = after.history[-1]
    assert "Decided by Sam Lee for Alex Kay (deputy)." in entry.detail
    assert entry.actor_name == "Sam Lee", "who pressed is who acted"
    plain = apply(with_board(), decide(action), REF).history[-1].detail
    assert "deputy" not in plain and "Decided by" not in plain


def test_the_deputy_example_reads_as_one_record() -> None:
    after = apply(with_board(), decide(Action.APPROVE, on_behalf_of=" Alex\nKay "), REF)
    assert after.history[-1].detail == (
        "Approved as a project. Delivery owner: Priya Shah. Roadmap: now. "
        "Theme: Technology and architecture. Decided by Sam Lee for Alex Kay (deputy)."
    )


def test_a_deputy_s_reason_comes_after_the_deputy_and_is_told_as_given() -> None:
    after = apply(with_board(), decide(Action.DEFER, on_behalf_of="Alex Kay"), REF)
    assert after.history[-1].detail == (
        "Deferred until 12 January 2027. Decided by Sam Lee for Alex Kay (deputy). "
        "The reason: Waiting for the budget."
    )
    told = board_decision_message(REF, with_board(), after, TRB)
    assert "The reason: Waiting for the budget." in told and "deputy" not in told


# -- What the requester reads --------------------------------------------------------------


def told(action: Action, board_name: str = TRB, **kw: Any) -> str:
    before = with_board()
    return board_decision_message(REF, before, apply(before, decide(action, **kw), REF), board_name)


def test_the_requester_reads_an_approval_with_its_owner_roadmap_and_next_step() -> None:
    assert told(Action.APPROVE) == (
        "The Technical Review Board has approved your request DR-2026-0007. It goes to the "
        "project process now. Priya Shah will own delivery. It is on the roadmap to start now. "
        "The Project Management Office will plan it as a project. I will tell you when it is "
        "delivered."
    )
    changed = told(Action.APPROVE, process="change_request", horizon="later", reason="cheap")
    assert "It goes to the change request process now." in changed
    assert "It is on the roadmap for later. The reason: Cheap." in changed
    assert "planned and made as a change" in changed
    assert "to start next" in told(Action.APPROVE, horizon="next")


def test_the_requester_reads_when_a_deferred_request_comes_back_and_why() -> None:
    assert told(Action.DEFER) == (
        "The Technical Review Board has put off deciding your request DR-2026-0007. It will "
        "look at it again from 12 January 2027. The reason: Waiting for the budget. You do not "
        "need to do anything now. I will tell you what it decides."
    )


def test_the_requester_reads_why_it_was_turned_down_and_what_they_can_do() -> None:
    assert told(Action.BOARD_REJECT) == (
        "The Technical Review Board has decided not to take your request DR-2026-0007 forward. "
        "The reason: The council already has a system that does this. If you think it should "
        "go ahead, talk to your IT business partner, or raise a new request with more detail."
    )


def test_the_requester_reads_the_board_s_question_and_how_to_answer() -> None:
    assert told(Action.BOARD_ASK_INFO) == (
        "The Technical Review Board needs more information about your request DR-2026-0007. "
        "The board asks: Who is the senior sponsor? Answer the question below. Your answer "
        "goes straight back to the board."
    )


def test_the_requester_reads_which_board_has_it_now_and_why() -> None:
    assert told(Action.SEND_TO_BOARD) == (
        "The Technical Review Board has sent your request DR-2026-0007 to the ICT Improvement "
        "Group. The reason: It is about user feedback. It is now on the ICT Improvement "
        "Group's list. The board decides what happens next, and I will tell you."
    )
    before = with_board()
    sent = apply(before, decide(Action.SEND_TO_BOARD), REF)
    renamed = board_decision_message(REF, before, sent, TRB, to_board_name="User Feedback Group")
    assert "to the User Feedback Group." in renamed and "User Feedback Group's list" in renamed


def test_the_usual_requester_message_tells_a_board_decision_the_board_s_way() -> None:
    # Triage's FollowUp passes the name of the request's board now (the new one, if sent).
    before = with_board()
    sent = apply(before, decide(Action.SEND_TO_BOARD), REF)
    assert requester_message(REF, before, sent, "ICT Improvement Group") == told(
        Action.SEND_TO_BOARD
    )
    rejected = apply(before, decide(Action.BOARD_REJECT), REF)
    assert requester_message(REF, before, rejected, TRB) == told(Action.BOARD_REJECT)


def test_any_other_change_is_told_the_usual_way() -> None:
    before = TriageState(Status.IN_TRIAGE, board="trb", process="project")
    accepted = apply(before, decide(Action.ACCEPT), REF)
    assert board_decision_message(REF, before, accepted, TRB) == requester_message(
        REF, before, accepted, TRB
    )


def test_the_answer_going_back_to_the_board_is_told_plainly() -> None:
    asked = apply(with_board(), decide(Action.BOARD_ASK_INFO), REF)
    answered = apply(asked, decide(Action.ANSWER_INFO), REF)
    message = requester_message(REF, asked, answered, TRB)
    assert message.startswith(f"Your request {REF} has a new status: with the board.")
    assert "Technical Review Board's list" in message


# -- Limits and leftovers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        (Action.BOARD_ASK_INFO, {"question": "?"}),
        (Action.BOARD_REJECT, {"reason": "Dup"}),
        (Action.DEFER, {"reason": "Tax"}),
        (Action.SEND_TO_BOARD, {"reason": "UX."}),
        (Action.DEFER, {"reason": "r" * 1000}),
        (Action.SEND_TO_BOARD, {"reason": "r" * 1000}),
        (Action.APPROVE, {"reason": "r" * 1000}),
        (Action.BOARD_ASK_INFO, {"question": "q" * 1000}),
    ],
)
def test_the_shortest_and_longest_text_allowed_is_accepted(
    action: Action, payload: dict[str, str]
) -> None:
    assert apply(with_board(), decide(action, **payload), REF).history[-1].action == action.value


@pytest.mark.parametrize(
    "action", [Action.APPROVE, Action.DEFER, Action.BOARD_REJECT, Action.SEND_TO_BOARD]
)
def test_a_decision_leaves_no_open_question_behind(action: Action) -> None:
    # A request edited elsewhere may still carry an old question: a decision closes it.
    assert apply(with_board(question="Left over?"), decide(action), REF).question == ""


def test_a_deputy_without_a_display_name_is_still_recorded() -> None:
    after = apply(with_board(), decide(Action.DEFER, who=" ", on_behalf_of="Alex Kay"), REF)
    assert "Decided by someone for Alex Kay (deputy)." in after.history[-1].detail


def test_a_reason_that_quotes_the_words_the_reason_is_told_whole() -> None:
    said = "Cost. The reason: also timing."
    before = with_board()
    after = apply(before, decide(Action.BOARD_REJECT, reason=said), REF)
    assert f"The reason: {said} If you think" in board_decision_message(REF, before, after, TRB)


def test_an_approval_read_back_without_its_details_is_still_told_plainly() -> None:
    # Say the process, owner and roadmap were cleared in SharePoint since.
    before = with_board()
    approved = apply(before, decide(Action.APPROVE), REF)
    bare = TriageState(Status.IN_PROJECT, board="trb", history=approved.history)
    assert board_decision_message(REF, before, bare, TRB) == (
        "The Technical Review Board has approved your request DR-2026-0007. It goes to "
        "delivery now. The Project Management Office will plan it as a project. I will tell "
        "you when it is delivered."
    )


def test_a_decision_without_history_is_told_the_usual_way() -> None:
    before = TriageState(Status.IN_TRIAGE)
    assert board_decision_message(REF, before, with_board(), TRB) == requester_message(
        REF, before, with_board(), TRB
    )


def test_the_usual_requester_message_names_a_renamed_board_it_was_sent_to() -> None:
    before = with_board()
    sent = apply(before, decide(Action.SEND_TO_BOARD), REF)
    told_now = requester_message(REF, before, sent, "User Feedback Group")
    assert told_now.startswith(
        "The Technical Review Board has sent your request DR-2026-0007 to the User Feedback Group."
    )


def test_a_board_not_known_here_is_named_by_its_key_rather_than_lost() -> None:
    # Say the request's board was changed in SharePoint to one this version does not know.
    before = TriageState(Status.WITH_BOARD, board="cabinet")
    sent = apply(before, decide(Action.SEND_TO_BOARD), REF)
    assert requester_message(REF, before, sent, "ICT Improvement Group").startswith(
        "The cabinet has sent your request DR-2026-0007 to the ICT Improvement Group."
    )
