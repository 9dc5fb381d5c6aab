"""The life cycle of a request in IT triage, as a pure state machine.

Every change is checked against the request's current state and recorded in its
history: who, when, from what, to what, and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.boards import board_asked_last
from bot.domain.model import (
    HORIZON_LABELS,
    STATUS_LABELS,
    THEME_LABELS,
    AuditEntry,
    DigitalRequest,
    FieldChange,
    Horizon,
    Route,
    Status,
    Theme,
)
from bot.domain.references import format_reference, parse_reference
from bot.domain.text import clean_text, long_date, one_line

__all__ = [
    "ALLOWED_FROM",
    "BOARDS",
    "BOARD_ACTIONS",
    "NEXT_STEPS",
    "PROCESSES",
    "REQUESTER_ACTIONS",
    "Action",
    "AuditEntry",
    "Change",
    "TransitionRefused",
    "TriageState",
    "allowed_actions",
    "apply",
    "board_decision_message",
    "next_steps",
    "refusal",
    "requester_message",
    "state_of",
    "status_for_it",
    "status_for_it_in_words",
    "status_in_words",
    "with_state",
]

BOARDS = ("ddc", "trb", "ictig")
PROCESSES = ("change_request", "project")


class Action(StrEnum):
    ASSIGN = "assign"
    CHANGE_ROUTE = "change_route"
    ASK_INFO = "ask_info"
    ANSWER_INFO = "answer_info"
    LINK_DUPLICATE = "link_duplicate"
    ACCEPT = "accept"
    REJECT = "reject"
    REOPEN = "reopen"
    # After a board approved it (in the bot, or as "decided" in the shared list): IT says
    # it is in use, so the benefits it brought can be asked about later.
    DELIVER = "deliver"
    # The requester's own, from their chat: never triage buttons.
    WITHDRAW = "withdraw"
    EDIT_DETAILS = "edit_details"
    # A board's decisions, from the agenda card: members (or their deputies) only.
    APPROVE = "approve"  # to the change request or project process, with a delivery owner
    DEFER = "defer"  # back on the agenda from a date
    BOARD_REJECT = "board_reject"  # not taken forward, with the board's rationale
    BOARD_ASK_INFO = "board_ask_info"  # the requester answers; it comes back to the board
    SEND_TO_BOARD = "send_to_board"  # to another board's queue, with the reason


REQUESTER_ACTIONS = frozenset({Action.ANSWER_INFO, Action.WITHDRAW, Action.EDIT_DETAILS})
BOARD_ACTIONS = frozenset(
    {
        Action.APPROVE,
        Action.DEFER,
        Action.BOARD_REJECT,
        Action.BOARD_ASK_INFO,
        Action.SEND_TO_BOARD,
    }
)


@dataclass(frozen=True)
class TriageState:
    status: Status
    assignee_id: str = ""
    assignee_name: str = ""
    board: str = ""
    process: str = ""
    route_reason: str = ""
    duplicate_of: str = ""
    question: str = ""
    history: tuple[AuditEntry, ...] = ()
    # Set by a board's decision.
    delivery_owner: str = ""
    deferred_until: dt.date | None = None
    theme: str = ""
    horizon: str = ""


@dataclass(frozen=True)
class Change:
    """One thing someone asks to do. `at` must be timezone-aware; history keeps it in UTC."""

    action: Action
    actor_id: str
    actor_name: str
    at: dt.datetime
    assignee_id: str = ""
    assignee_name: str = ""
    board: str = ""
    process: str = ""
    reason: str = ""
    question: str = ""
    answer: str = ""
    duplicate_of: str = ""
    changes: tuple[FieldChange, ...] = ()  # EDIT_DETAILS: the answers the requester changed
    # A board's decision: APPROVE sets process, delivery_owner, theme and horizon; DEFER
    # sets deferred_until; SEND_TO_BOARD sets board; `reason` is the rationale. A deputy
    # deciding for a member names that member in `on_behalf_of` (their name), for the record.
    delivery_owner: str = ""
    deferred_until: dt.date | None = None
    theme: str = ""
    horizon: str = ""
    on_behalf_of: str = ""


def state_of(request: DigitalRequest) -> TriageState:
    """The life cycle's view of a request."""
    return TriageState(
        status=request.status,
        assignee_id=request.assignee_id,
        assignee_name=request.assignee_name,
        board=request.route.board,
        process=request.route.process,
        route_reason=request.route.reason,
        duplicate_of=request.duplicate_of,
        question=request.question,
        history=request.history,
        delivery_owner=request.delivery_owner,
        deferred_until=request.deferred_until,
        theme=request.theme,
        horizon=request.horizon,
    )


def with_state(
    request: DigitalRequest, state: TriageState, route_changed_by: str = "changed in triage"
) -> DigitalRequest:
    """The request after a change: a new route is recorded as `route_changed_by`."""
    route = request.route
    if (state.board, state.process, state.route_reason) != (
        route.board,
        route.process,
        route.reason,
    ):
        route = Route(state.board, state.process, state.route_reason, route_changed_by)
    return replace(
        request,
        status=state.status,
        route=route,
        assignee_id=state.assignee_id,
        assignee_name=state.assignee_name,
        duplicate_of=state.duplicate_of,
        question=state.question,
        history=state.history,
        delivery_owner=state.delivery_owner,
        deferred_until=state.deferred_until,
        theme=state.theme,
        horizon=state.horizon,
    )


class TransitionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_TRIAGE = frozenset({Status.SUBMITTED, Status.IN_TRIAGE, Status.AWAITING_INFORMATION})
_CLOSED = frozenset({Status.REJECTED, Status.DUPLICATE})
# Approved and being delivered. A board's approval moves a request straight into its
# process; "decided" is only ever set outside the bot (the shared list), and a board's
# "no" is "rejected", so a decided request is one approved to go ahead elsewhere.
_APPROVED = frozenset({Status.DECIDED, Status.IN_CHANGE, Status.IN_PROJECT})
ALLOWED_FROM: dict[Action, frozenset[Status]] = {
    Action.ASSIGN: _TRIAGE,
    Action.CHANGE_ROUTE: _TRIAGE,
    Action.ASK_INFO: frozenset({Status.SUBMITTED, Status.IN_TRIAGE}),
    Action.ANSWER_INFO: frozenset({Status.AWAITING_INFORMATION}),
    Action.LINK_DUPLICATE: _TRIAGE,
    Action.ACCEPT: frozenset({Status.SUBMITTED, Status.IN_TRIAGE}),
    Action.REJECT: _TRIAGE,
    Action.REOPEN: _CLOSED,
    Action.DELIVER: _APPROVED,
    # Until a board decides: a request on a board's list can still be withdrawn.
    Action.WITHDRAW: _TRIAGE | {Status.WITH_BOARD},
    Action.EDIT_DETAILS: _TRIAGE,
    # A board decides only what is on its list.
    Action.APPROVE: frozenset({Status.WITH_BOARD}),
    Action.DEFER: frozenset({Status.WITH_BOARD}),
    Action.BOARD_REJECT: frozenset({Status.WITH_BOARD}),
    Action.BOARD_ASK_INFO: frozenset({Status.WITH_BOARD}),
    Action.SEND_TO_BOARD: frozenset({Status.WITH_BOARD}),
}

# How a refusal describes the request to the triager. Not STATUS_LABELS: those
# speak to the requester ("from you") and lower-casing them turns "IT" into "it".
_STATE_WORDS: dict[Status, str] = {
    Status.SUBMITTED: "is waiting for IT triage",
    Status.IN_TRIAGE: "is being triaged",
    Status.AWAITING_INFORMATION: "is waiting for the requester's answer",
    Status.WITH_BOARD: "is already with the board",
    Status.DECIDED: "has already been decided by the board",
    Status.IN_CHANGE: "is already in the change request process",
    Status.IN_PROJECT: "is already in the project process",
    Status.DELIVERED: "has already been delivered",
    Status.BENEFITS_REVIEWED: "has been delivered and its benefits reviewed",
    Status.REJECTED: "has already been rejected",
    Status.DUPLICATE: "has already been linked as a duplicate",
    Status.WITHDRAWN: "was withdrawn by the person who raised it",
}

_CANNOT: dict[Action, str] = {
    Action.ASSIGN: "assign it",
    Action.CHANGE_ROUTE: "change its route",
    Action.ASK_INFO: "ask the requester for more information",
    Action.ANSWER_INFO: "answer a question about it",
    Action.LINK_DUPLICATE: "link it as a duplicate",
    Action.ACCEPT: "accept it to a board",
    Action.REJECT: "reject it",
    Action.REOPEN: "reopen it",
    Action.DELIVER: "mark it as delivered",
    Action.WITHDRAW: "withdraw it",
    Action.EDIT_DETAILS: "change its answers",
    Action.APPROVE: "approve it",
    Action.DEFER: "defer it",
    Action.BOARD_REJECT: "turn it down",
    Action.BOARD_ASK_INFO: "ask the requester for more information",
    Action.SEND_TO_BOARD: "send it to another board",
}

_BOARD_SHORT = {
    "ddc": "the Digital, Data and Customer Board",
    "trb": "the Technical Review Board",
    "ictig": "the ICT Improvement Group",
}
_PROCESS_WORDS = {"change_request": "then a change request", "project": "then a project"}


def _board_question_open(state: TriageState) -> bool:
    """The board asked the requester a question and is waiting for the answer."""
    return state.status is Status.AWAITING_INFORMATION and board_asked_last(state.history)


def allowed_actions(state: TriageState) -> tuple[Action, ...]:
    """The triage buttons to show. Answering is not one: only the requester answers.
    None while the board waits for the requester's answer: the request is the board's."""
    if _board_question_open(state):
        return ()
    return tuple(
        a
        for a in Action
        if state.status in ALLOWED_FROM[a] and a not in REQUESTER_ACTIONS | BOARD_ACTIONS
    )


def _refusal(state: TriageState, action: Action) -> TransitionRefused:
    if action is Action.ANSWER_INFO:
        # The requester presses this one, so it speaks to them.
        return TransitionRefused(
            "This request is not waiting for an answer from you now. You do not need to do "
            "anything."
        )
    if action in REQUESTER_ACTIONS:
        return _refusal_for_requester(state.status, action)
    if action in BOARD_ACTIONS:
        return _refusal_for_board(state)
    if _board_question_open(state):
        return TransitionRefused(_BOARD_ASKED)
    if action is Action.DELIVER:
        return _refusal_to_deliver(state)
    status = state.status
    told = f"This request {_STATE_WORDS[status]}, so you cannot {_CANNOT[action]}."
    if status is Status.WITHDRAWN:
        return TransitionRefused(f"{told} Nothing has changed.")
    if status in _CLOSED:
        return TransitionRefused(f"{told} Reopen it first.")
    if status is Status.AWAITING_INFORMATION:
        return TransitionRefused(
            f"{told} Wait for the answer, or change the route or reject it instead."
        )
    if status in _TRIAGE:
        return TransitionRefused(f"{told} Only a rejected or duplicate request can be reopened.")
    return TransitionRefused(
        f"{told} IT triage has finished with it. Ask the board's secretary if it needs to change."
    )


def _refusal_for_requester(status: Status, action: Action) -> TransitionRefused:
    """Why the requester cannot withdraw or change their request now, and what they can do."""
    if status is Status.WITHDRAWN:
        return TransitionRefused(
            "You have already withdrawn this request. Nothing has changed. "
            "To ask again, raise a new request."
        )
    if status in _CLOSED:
        return TransitionRefused(
            f"This request is closed ({status_in_words(status)}), so you cannot "
            f"{_CANNOT[action]}. Nothing has changed."
        )
    if action is Action.EDIT_DETAILS and status is Status.WITH_BOARD:
        return TransitionRefused(
            "IT triage has finished with this request and sent it to the board, so you "
            "cannot change your answers now. You can still withdraw it and raise a new one."
        )
    return TransitionRefused(
        f"The board has already made its decision, so you cannot {_CANNOT[action]} now. "
        "If it is no longer needed, tell the board's secretary."
    )


_BOARD_ASKED = (
    "The board asked the requester a question. When they answer, it goes back to the board."
)
# Why the board cannot decide a request that is not on its list, and what to do instead.
_NOT_FOR_BOARD_YET: dict[Status, str] = {
    Status.SUBMITTED: "This request is waiting for IT triage, so the board cannot decide it "
    "yet. IT triage sends it to the board when it is ready.",
    Status.IN_TRIAGE: "This request is being triaged by IT, so the board cannot decide it yet. "
    "IT triage sends it to the board when it is ready.",
    Status.AWAITING_INFORMATION: "IT triage is waiting for the requester's answer, so the "
    "board cannot decide this request yet.",
    Status.REJECTED: "This request has already been turned down, so the board cannot decide "
    "it. Nothing has changed.",
    Status.DUPLICATE: "This request has been joined to another request, so the board cannot "
    "decide it. Decide the other request instead.",
    Status.WITHDRAWN: "The person who raised this request has withdrawn it, so the board "
    "cannot decide it. Nothing has changed.",
}


def _refusal_for_board(state: TriageState) -> TransitionRefused:
    """Why the board cannot decide this request now (it is not on its list)."""
    if _board_question_open(state):
        return TransitionRefused(
            "The board asked the requester a question and is waiting for the answer. "
            "When they answer, it comes back to the board's list."
        )
    said = _NOT_FOR_BOARD_YET.get(state.status)
    if said is not None:
        return TransitionRefused(said)
    return TransitionRefused(
        f"The board has already decided this request: it {_STATE_WORDS[state.status]}. "
        "Nothing has changed."
    )


# Where a request not yet approved is, for a triager who tries to mark it delivered.
_NOT_APPROVED_YET: dict[Status, str] = {
    Status.SUBMITTED: "It is waiting for IT triage.",
    Status.IN_TRIAGE: "It is being triaged.",
    Status.AWAITING_INFORMATION: "It is waiting for the requester's answer.",
    Status.WITH_BOARD: "It is on the board's list, waiting for a decision.",
}


def _refusal_to_deliver(state: TriageState) -> TransitionRefused:
    """Why a request cannot be marked delivered now: not approved, closed, or done."""
    status = state.status
    where = _NOT_APPROVED_YET.get(status)
    if where is not None:
        return TransitionRefused(
            f"This request has not been approved yet, so you cannot mark it as delivered. "
            f"{where} Nothing has changed."
        )
    if status in (Status.DELIVERED, Status.BENEFITS_REVIEWED):
        return TransitionRefused(f"This request {_STATE_WORDS[status]}. Nothing has changed.")
    told = f"This request {_STATE_WORDS[status]}, so you cannot mark it as delivered."
    if status is Status.DUPLICATE:
        return TransitionRefused(f"{told} Mark the request it duplicates instead.")
    return TransitionRefused(f"{told} Nothing has changed.")


def refusal(status: Status, action: Action) -> str:
    """Why `action` is not allowed from `status` now ("" if it is), as a person reads it."""
    if status in ALLOWED_FROM[action]:
        return ""
    return _refusal(TriageState(status), action).message


def _needs(text: str, low: int, high: int, missing: str, too_long: str) -> str:
    cleaned = clean_text(text)
    if len(cleaned) < low:
        raise TransitionRefused(missing)
    if len(cleaned) > high:
        raise TransitionRefused(too_long)
    return cleaned


def _into_triage(state: TriageState) -> Status:
    return Status.IN_TRIAGE if state.status is Status.SUBMITTED else state.status


def _route_words(board: str, process: str) -> str:
    board_words = _BOARD_SHORT.get(board, board or "no board")
    return f"{board_words}, {_PROCESS_WORDS.get(process, process or 'no process')}"


_Rule = Callable[[TriageState, Change, str], tuple[TriageState, str]]


def _assign(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    if not change.assignee_id:
        raise TransitionRefused("Choose who to assign the request to.")
    name = one_line(change.assignee_name) or "someone"
    moved = replace(
        state, status=_into_triage(state), assignee_id=change.assignee_id, assignee_name=name
    )
    return moved, f"Assigned to {name}."


def _why(reason: str) -> str:
    """A reason as its own short sentence: " Why: it is new technology."."""
    said = one_line(reason).rstrip(".")
    if not said:
        return ""
    if said[1:2].islower():  # an acronym, like "IT must…", keeps its capitals
        said = said[:1].lower() + said[1:]
    return f" Why: {said}."


def _change_route(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    if change.board not in BOARDS:
        raise TransitionRefused(
            "Choose one of the three boards: the Digital, Data and Customer Board, the "
            "Technical Review Board or the ICT Improvement Group."
        )
    if change.process not in PROCESSES:
        raise TransitionRefused("Choose change request or project.")
    reason = _needs(
        change.reason,
        3,
        1000,
        "Say why the route changes. The requester will see it.",
        "Keep the reason to 1,000 characters or fewer.",
    )
    moved = replace(
        state,
        status=_into_triage(state),
        board=change.board,
        process=change.process,
        route_reason=reason,
    )
    # Where it came from and where it went, each with its reason, so the history
    # explains the change on its own.
    detail = (
        f"It was going to {_route_words(state.board, state.process)}.{_why(state.route_reason)}"
        f" It now goes to {_route_words(change.board, change.process)}.{_why(reason)}"
    )
    return moved, detail


def _ask_info(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    question = _needs(
        change.question,
        1,
        1000,
        "Write the question for the requester.",
        "Keep the question to 1,000 characters or fewer.",
    )
    return replace(state, status=Status.AWAITING_INFORMATION, question=question), question


def _answer_info(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    answer = _needs(
        change.answer,
        1,
        2000,
        "Write your answer before you send it.",
        "Keep your answer to 2,000 characters or fewer.",
    )
    # The board's question goes back to the board; IT triage's to IT triage.
    back_to = Status.WITH_BOARD if board_asked_last(state.history) else Status.IN_TRIAGE
    return replace(state, status=back_to, question=""), f"Answer: {answer}"


def _canonical(reference: str) -> str:
    parsed = parse_reference(reference)
    return format_reference(*parsed) if parsed else reference.strip().upper()


def _link_duplicate(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    if not change.duplicate_of.strip():
        raise TransitionRefused("Choose the request this one duplicates, or type its reference.")
    parsed = parse_reference(change.duplicate_of)
    if parsed is None:
        example = format_reference(change.at.year, 42)
        raise TransitionRefused(
            f"That is not a request reference. Type one like {example}, or choose a request."
        )
    other = format_reference(*parsed)
    if other == _canonical(reference):
        raise TransitionRefused("A request cannot be a duplicate of itself.")
    # A duplicate no longer waits for its requester: the open question goes with it.
    linked = replace(state, status=Status.DUPLICATE, duplicate_of=other, question="")
    return linked, f"Duplicate of {other}."


# A request the work cannot carry on under: it is closed.
_NOT_CARRIED_ON = {
    Status.REJECTED: "is rejected",
    Status.WITHDRAWN: "is withdrawn",
    Status.DUPLICATE: "is itself a duplicate",
}


def duplicate_target_refusal(other: str, status: Status, its_original: str = "") -> str:
    """Why a request cannot be linked as a duplicate of `other` ("" if it can). The
    requester is told the work carries on under `other`, so it must not be closed."""
    said = _NOT_CARRIED_ON.get(status)
    if said is None:
        return ""
    if status is Status.DUPLICATE and its_original:
        said = f"{said} of {its_original}"
    return f"{other} {said}, so the work cannot carry on under it. Choose an open request."


def _accept(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    accepted = replace(state, status=Status.WITH_BOARD, question="")
    return accepted, f"To {_route_words(state.board, state.process)}."


def _reject(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    reason = _needs(
        change.reason,
        3,
        1000,
        "Give a reason for rejecting the request, so the requester knows what to do next.",
        "Keep the reason to 1,000 characters or fewer.",
    )
    return replace(state, status=Status.REJECTED, question=""), reason


def _withdraw(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    reason = clean_text(change.reason)
    if len(reason) > 1000:
        raise TransitionRefused("Keep the reason to 1,000 characters or fewer.")
    # Nobody waits for an answer from them now.
    return replace(state, status=Status.WITHDRAWN, question=""), reason


def _edit_details(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    if not change.changes:
        raise TransitionRefused("You have not changed any answers, so nothing has changed.")
    labels = ", ".join(c.label for c in change.changes)
    return state, f"Changed: {labels}."


def _reopen(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    return replace(state, status=Status.IN_TRIAGE, duplicate_of=""), ""


def _deliver(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    # The note is optional ("went live on 3 March"); the requester reads it.
    note = clean_text(change.reason)
    if len(note) > 1000:
        raise TransitionRefused("Keep the note to 1,000 characters or fewer.")
    delivered = replace(state, status=Status.DELIVERED, question="", deferred_until=None)
    return delivered, note


# -- A board's decisions ---------------------------------------------------------------

_COUNCIL_ZONE = ZoneInfo("Europe/London")
_DEFER_YEARS = 2
_PROCESS_STATUS = {"change_request": Status.IN_CHANGE, "project": Status.IN_PROJECT}
_APPROVED_AS = {"change_request": "a change request", "project": "a project"}
_REASON = " The reason: "


def _deputy(change: Change) -> str:
    """When a deputy decided, who for whom: " Decided by Sam Lee for Alex Kay (deputy)."."""
    member = one_line(change.on_behalf_of)
    if not member:
        return ""
    return f" Decided by {one_line(change.actor_name) or 'someone'} for {member} (deputy)."


def _board_reason(text: str, low: int, missing: str) -> str:
    return _needs(text, low, 1000, missing, "Keep the reason to 1,000 characters or fewer.")


def _with_reason(said: str, change: Change, reason: str) -> str:
    """A board's history entry: what it decided, who for whom, then the reason as given."""
    given = _REASON + _sentence(reason[:1].upper() + reason[1:]) if reason else ""
    return f"{said}{_deputy(change)}{given}"


def _approved_words(process: str, owner: str, horizon: str, theme: str) -> str:
    return (
        f"Approved as {_APPROVED_AS[process]}. Delivery owner: {owner}. "
        f"Roadmap: {HORIZON_LABELS[Horizon(horizon)].lower()}. "
        f"Theme: {THEME_LABELS[Theme(theme)]}."
    )


def _approve(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    if change.process not in PROCESSES:
        raise TransitionRefused("Choose change request or project.")
    owner = one_line(
        _needs(
            change.delivery_owner,
            2,
            200,
            "Say who will own delivery.",
            "Keep the delivery owner to 200 characters or fewer.",
        )
    )
    if change.horizon not in set(Horizon):
        raise TransitionRefused("Choose when it goes on the roadmap: now, next or later.")
    if change.theme not in set(Theme):
        raise TransitionRefused("Choose one of the strategy's four themes.")
    reason = clean_text(change.reason)  # optional when approving
    if len(reason) > 1000:
        raise TransitionRefused("Keep the reason to 1,000 characters or fewer.")
    approved = replace(
        state,
        status=_PROCESS_STATUS[change.process],
        process=change.process,
        delivery_owner=owner,
        horizon=change.horizon,
        theme=change.theme,
        question="",
        deferred_until=None,
    )
    said = _approved_words(change.process, owner, change.horizon, change.theme)
    return approved, _with_reason(said, change, reason)


def _latest_defer_date(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year + _DEFER_YEARS)
    except ValueError:  # 29 February: two years on there is none
        return today.replace(year=today.year + _DEFER_YEARS, day=28)


def _defer(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    until = change.deferred_until
    if until is None:
        raise TransitionRefused("Choose the date the board should look at it again.")
    today = change.at.astimezone(_COUNCIL_ZONE).date()
    if until <= today:
        raise TransitionRefused("Choose a date after today.")
    latest = _latest_defer_date(today)
    if until > latest:
        raise TransitionRefused(
            f"Choose a date within {_DEFER_YEARS} years, on or before {long_date(latest)}."
        )
    reason = _board_reason(
        change.reason, 3, "Say why the board is waiting. The requester will see it."
    )
    deferred = replace(state, deferred_until=until, question="")
    return deferred, _with_reason(f"Deferred until {long_date(until)}.", change, reason)


def _board_reject(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    reason = _board_reason(
        change.reason,
        3,
        "Give the board's reason for not taking it forward. The requester will see it.",
    )
    rejected = replace(state, status=Status.REJECTED, question="", deferred_until=None)
    return rejected, _with_reason("Not taken forward by the board.", change, reason)


def _board_ask_info(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    question = _needs(
        change.question,
        1,
        1000,
        "Write the question for the requester.",
        "Keep the question to 1,000 characters or fewer.",
    )
    asked = replace(
        state, status=Status.AWAITING_INFORMATION, question=question, deferred_until=None
    )
    return asked, f"{question}{_deputy(change)}"


def _send_to_board(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    if change.board not in BOARDS:
        raise TransitionRefused(
            "Choose one of the three boards: the Digital, Data and Customer Board, the "
            "Technical Review Board or the ICT Improvement Group."
        )
    if change.board == state.board:
        raise TransitionRefused(
            f"It is already on {_BOARD_SHORT[change.board]}'s list. Choose another board."
        )
    reason = _board_reason(
        change.reason, 3, "Say why it goes to another board. The requester will see it."
    )
    sent = replace(state, board=change.board, route_reason=reason, deferred_until=None, question="")
    return sent, _with_reason(f"Sent to {_BOARD_SHORT[change.board]}.", change, reason)


_RULES: dict[Action, _Rule] = {
    Action.ASSIGN: _assign,
    Action.CHANGE_ROUTE: _change_route,
    Action.ASK_INFO: _ask_info,
    Action.ANSWER_INFO: _answer_info,
    Action.LINK_DUPLICATE: _link_duplicate,
    Action.ACCEPT: _accept,
    Action.REJECT: _reject,
    Action.REOPEN: _reopen,
    Action.DELIVER: _deliver,
    Action.WITHDRAW: _withdraw,
    Action.EDIT_DETAILS: _edit_details,
    Action.APPROVE: _approve,
    Action.DEFER: _defer,
    Action.BOARD_REJECT: _board_reject,
    Action.BOARD_ASK_INFO: _board_ask_info,
    Action.SEND_TO_BOARD: _send_to_board,
}


def apply(state: TriageState, change: Change, reference: str) -> TriageState:
    """The state after the change, with one history entry more; or TransitionRefused saying why."""
    if change.at.tzinfo is None:
        raise ValueError("Change.at must be timezone-aware, so the history is in UTC")
    if state.status not in ALLOWED_FROM[change.action]:
        raise _refusal(state, change.action)
    if _board_question_open(state) and change.action not in REQUESTER_ACTIONS:
        raise TransitionRefused(_BOARD_ASKED)
    new, detail = _RULES[change.action](state, change, reference)
    entry = AuditEntry(
        at=change.at.astimezone(dt.UTC),
        actor_id=change.actor_id,
        actor_name=change.actor_name,
        action=change.action.value,
        from_status=state.status,
        to_status=new.status,
        detail=detail,
        changes=change.changes,
    )
    return replace(new, history=(*state.history, entry))


# The status as IT triage reads it. STATUS_LABELS speak to the requester ("from you");
# these speak about the requester. A status not listed reads the same to both.
_FOR_IT: dict[str, str] = {
    Status.AWAITING_INFORMATION.value: "Waiting for the requester to answer",
    Status.REJECTED.value: "Rejected",
    Status.DUPLICATE.value: "Linked as a duplicate",
    Status.WITHDRAWN.value: "Withdrawn by the requester",
}


def status_for_it(status: Status) -> str:
    """The status as IT triage's cards say it, capitalised, for a line of its own."""
    return _FOR_IT.get(status.value) or STATUS_LABELS.get(status, status.value)


def status_for_it_in_words(status: Status) -> str:
    """`status_for_it` mid-sentence: only the first letter lower-cased, so IT stays IT."""
    label = status_for_it(status)
    return label[:1].lower() + label[1:]


def status_in_words(status: Status) -> str:
    """The status label to use mid-sentence: only the first letter lower-cased, so IT stays IT."""
    label = STATUS_LABELS[status]
    return label[:1].lower() + label[1:]


# What happens next, told to the requester. "{board}" is the board's name.
NEXT_STEPS: dict[Status, str] = {
    Status.SUBMITTED: "IT triage will look at it soon. I will tell you when its status changes.",
    Status.IN_TRIAGE: "IT triage is looking at it. I will tell you when its status changes.",
    Status.AWAITING_INFORMATION: "Answer the question below so IT triage can carry on.",
    Status.WITH_BOARD: "It is now on the {board}'s list. The board decides what happens next, "
    "and I will tell you.",
    Status.DECIDED: "The board has made its decision. I will tell you what happens next.",
    Status.IN_CHANGE: "It will be planned and made as a change. I will tell you when it is "
    "delivered.",
    Status.IN_PROJECT: "The Project Management Office will plan it as a project. I will tell you "
    "when it is delivered.",
    Status.DELIVERED: "Once it has been in use for a while, I will ask you whether it brought "
    "the benefits you expected.",
    Status.BENEFITS_REVIEWED: "You do not need to do anything more. Thank you for telling us "
    "about the benefits.",
    Status.REJECTED: "If you think it should go ahead, talk to your IT business partner, "
    "or raise a new request with more detail.",
    Status.DUPLICATE: "Follow the other request instead: type status and then its reference.",
    Status.WITHDRAWN: "You do not need to do anything more. To ask again, raise a new request.",
}


def next_steps(status: Status, board_name: str) -> str:
    return NEXT_STEPS[status].format(board=board_name)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


def requester_message(reference: str, old: TriageState, new: TriageState, board_name: str) -> str:
    """One paragraph telling the requester what changed, why, and what happens next.

    `board_name` is the name of the request's board now. A board's decision is told with
    `board_decision_message`."""
    last_action = new.history[-1].action if new.history else ""
    if last_action in BOARD_ACTIONS:
        decided_by = board_name
        if last_action == Action.SEND_TO_BOARD.value:
            decided_by = _board_title(old.board)
        return board_decision_message(reference, old, new, decided_by, to_board_name=board_name)
    lines = [f"Your request {reference} has a new status: {status_in_words(new.status)}."]
    last = new.history[-1] if new.history else None
    if new.status is Status.REJECTED and last and last.detail:
        lines.append(f"The reason: {_sentence(last.detail)}")
    if new.status is Status.AWAITING_INFORMATION and new.question:
        lines.append(f"IT triage asks: {_sentence(new.question)}")
    if new.status is Status.DUPLICATE and new.duplicate_of:
        lines.append(f"It asks for the same thing as {new.duplicate_of}, so the two are joined.")
    if last and last.action == Action.DELIVER.value and last.detail:
        lines.append(f"IT triage adds: {_sentence(last.detail)}")
    if (old.board, old.process) != (new.board, new.process) and new.route_reason:
        lines.append(f"It now goes to the {board_name}. The reason: {_sentence(new.route_reason)}")
    lines.append(next_steps(new.status, board_name))
    return " ".join(lines)


# What the requester reads about a board's decision: the roadmap horizon in words.
_ROADMAP_WORDS: dict[str, str] = {
    Horizon.NOW.value: "It is on the roadmap to start now.",
    Horizon.NEXT.value: "It is on the roadmap to start next, after the work happening now.",
    Horizon.LATER.value: "It is on the roadmap for later.",
}
_PROCESS_NAMES = {"change_request": "the change request process", "project": "the project process"}


def _given_reason(entry: AuditEntry) -> str:
    """The reason a board gave, as typed, from its history entry ("" if none). It is the
    entry's last part; only names and fixed words come before it."""
    return entry.detail.partition(_REASON)[2]


def _board_title(board: str) -> str:
    """ "Technical Review Board" for "trb": the name mid-sentence reads "the …"."""
    return _BOARD_SHORT.get(board, board).removeprefix("the ")


def board_decision_message(
    reference: str,
    old: TriageState,
    new: TriageState,
    board_name: str,
    *,
    to_board_name: str = "",
) -> str:
    """What the requester reads about the board's decision (the newest history entry): what
    it decided, why, and what happens next. `board_name` is the board that decided, like
    "Technical Review Board"; `to_board_name` the board a request was sent to (its usual
    name if not given)."""
    if not new.history or new.history[-1].action not in BOARD_ACTIONS:
        return requester_message(reference, old, new, board_name)
    action = new.history[-1].action
    reason = _given_reason(new.history[-1])
    why = [f"The reason: {reason}"] if reason else []
    board = f"The {board_name}"
    said: list[str]
    if action == Action.APPROVE.value:
        said = [
            f"{board} has approved your request {reference}.",
            # Robust to a request edited elsewhere since (SharePoint): never a KeyError here.
            f"It goes to {_PROCESS_NAMES.get(new.process, 'delivery')} now.",
            *([f"{new.delivery_owner} will own delivery."] if new.delivery_owner else []),
            *([_ROADMAP_WORDS[new.horizon]] if new.horizon in _ROADMAP_WORDS else []),
            *why,
            next_steps(new.status, board_name),
        ]
    elif action == Action.DEFER.value:
        said = [
            f"{board} has put off deciding your request {reference}.",
            *(
                [f"It will look at it again from {long_date(new.deferred_until)}."]
                if new.deferred_until
                else []
            ),
            *why,
            "You do not need to do anything now. I will tell you what it decides.",
        ]
    elif action == Action.BOARD_REJECT.value:
        said = [
            f"{board} has decided not to take your request {reference} forward.",
            *why,
            next_steps(Status.REJECTED, board_name),
        ]
    elif action == Action.BOARD_ASK_INFO.value:
        said = [
            f"{board} needs more information about your request {reference}.",
            f"The board asks: {_sentence(new.question)}",
            "Answer the question below. Your answer goes straight back to the board.",
        ]
    else:  # sent to another board
        to = to_board_name or _board_title(new.board)
        said = [
            f"{board} has sent your request {reference} to the {to}.",
            *why,
            next_steps(Status.WITH_BOARD, to),
        ]
    return " ".join(said)
