"""The life cycle of a request in IT triage, as a pure state machine.

Every change is checked against the request's current state and recorded in its
history: who, when, from what, to what, and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.domain.model import STATUS_LABELS, AuditEntry, Status
from bot.domain.text import clean_text

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


@dataclass(frozen=True)
class Change:
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


class TransitionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_TRIAGE = frozenset({Status.SUBMITTED, Status.IN_TRIAGE, Status.AWAITING_INFORMATION})
ALLOWED_FROM: dict[Action, frozenset[Status]] = {
    Action.ASSIGN: _TRIAGE,
    Action.CHANGE_ROUTE: _TRIAGE,
    Action.ASK_INFO: frozenset({Status.SUBMITTED, Status.IN_TRIAGE}),
    Action.ANSWER_INFO: frozenset({Status.AWAITING_INFORMATION}),
    Action.LINK_DUPLICATE: _TRIAGE,
    Action.ACCEPT: frozenset({Status.SUBMITTED, Status.IN_TRIAGE}),
    Action.REJECT: _TRIAGE,
    Action.REOPEN: frozenset({Status.REJECTED, Status.DUPLICATE}),
}

_VERB = {
    Action.ASSIGN: "assigned",
    Action.CHANGE_ROUTE: "re-routed",
    Action.ASK_INFO: "sent a question about",
    Action.ANSWER_INFO: "answered a question about",
    Action.LINK_DUPLICATE: "linked as a duplicate",
    Action.ACCEPT: "accepted to a board",
    Action.REJECT: "rejected",
    Action.REOPEN: "reopened",
}


def allowed_actions(state: TriageState) -> tuple[Action, ...]:
    """What triage can do next; the requester's answer is not a triage button."""
    return tuple(
        a for a in Action if state.status in ALLOWED_FROM[a] and a is not Action.ANSWER_INFO
    )


def _refuse_for_state(state: TriageState, action: Action) -> TransitionRefused:
    now = STATUS_LABELS[state.status].lower()
    if action is Action.ACCEPT and state.status is Status.AWAITING_INFORMATION:
        return TransitionRefused(
            "This request is waiting for the requester's answer. Wait for it, or change the "
            "route or reject it instead."
        )
    if action is Action.REOPEN:
        return TransitionRefused(
            f"Only a rejected or duplicate request can be reopened. It is {now}."
        )
    if action is Action.ANSWER_INFO:
        return TransitionRefused("This request is not waiting for an answer from you now.")
    if state.status in (Status.REJECTED, Status.DUPLICATE):
        return TransitionRefused(f"This request is {now}. Reopen it first.")
    return TransitionRefused(f"This cannot be done now: the request is {now}.")


def _needs(text: str, low: int, high: int, missing: str, too_long: str) -> str:
    cleaned = clean_text(text)
    if len(cleaned) < low:
        raise TransitionRefused(missing)
    if len(cleaned) > high:
        raise TransitionRefused(too_long)
    return cleaned


def _next(state: TriageState, change: Change, reference: str) -> tuple[TriageState, str]:
    a = change.action
    into_triage = Status.IN_TRIAGE if state.status is Status.SUBMITTED else state.status
    if a is Action.ASSIGN:
        if not change.assignee_id:
            raise TransitionRefused("Choose who to assign the request to.")
        name = change.assignee_name or "someone"
        return replace(
            state, status=into_triage, assignee_id=change.assignee_id, assignee_name=name
        ), f"Assigned to {name}."
    if a is Action.CHANGE_ROUTE:
        if change.board not in BOARDS:
            raise TransitionRefused("Choose one of the three boards.")
        if change.process not in PROCESSES:
            raise TransitionRefused("Choose change request or project.")
        reason = _needs(
            change.reason,
            3,
            1000,
            "Say why the route changes. The requester will see it.",
            "Keep the reason to 1,000 characters or fewer.",
        )
        return replace(
            state,
            status=into_triage,
            board=change.board,
            process=change.process,
            route_reason=reason,
        ), reason
    if a is Action.ASK_INFO:
        question = _needs(
            change.question,
            1,
            1000,
            "Write the question for the requester.",
            "Keep the question to 1,000 characters or fewer.",
        )
        return replace(state, status=Status.AWAITING_INFORMATION, question=question), question
    if a is Action.ANSWER_INFO:
        answer = _needs(
            change.answer,
            1,
            2000,
            "Write your answer before you send it.",
            "Keep your answer to 2,000 characters or fewer.",
        )
        return replace(state, status=Status.IN_TRIAGE, question=""), f"Answer: {answer}"
    if a is Action.LINK_DUPLICATE:
        other = change.duplicate_of.strip().upper()
        if not other:
            raise TransitionRefused(
                "Choose the request this one duplicates, or type its reference."
            )
        if other == reference.upper():
            raise TransitionRefused("A request cannot be a duplicate of itself.")
        return replace(state, status=Status.DUPLICATE, duplicate_of=other), f"Duplicate of {other}."
    if a is Action.ACCEPT:
        return replace(state, status=Status.WITH_BOARD, question=""), ""
    if a is Action.REJECT:
        reason = _needs(
            change.reason,
            3,
            1000,
            "Give a reason for rejecting the request, so the requester knows what to do next.",
            "Keep the reason to 1,000 characters or fewer.",
        )
        return replace(state, status=Status.REJECTED, question=""), reason
    return replace(state, status=Status.IN_TRIAGE, duplicate_of=""), ""


def apply(state: TriageState, change: Change, reference: str) -> TriageState:
    if state.status not in ALLOWED_FROM[change.action]:
        raise _refuse_for_state(state, change.action)
    new, detail = _next(state, change, reference)
    entry = AuditEntry(
        change.at,
        change.actor_id,
        change.actor_name,
        change.action.value,
        state.status,
        new.status,
        detail,
    )
    return replace(new, history=(*state.history, entry))


def next_steps(status: Status, board_name: str) -> str:
    steps = {
        Status.IN_TRIAGE: "IT triage is looking at it. I will tell you when it moves on.",
        Status.AWAITING_INFORMATION: "Answer the question below so IT triage can carry on.",
        Status.WITH_BOARD: f"It is now on the {board_name}'s list. The board decides what "
        "happens next and I will tell you.",
        Status.REJECTED: "If you think it should go ahead, talk to your IT business partner, "
        "or raise a new request with more detail.",
        Status.DUPLICATE: "Follow the other request instead. Type status and its reference.",
    }
    return steps.get(status, "I will tell you when anything changes.")


def requester_message(reference: str, old: TriageState, new: TriageState, board_name: str) -> str:
    lines = [f"{reference} is now: {STATUS_LABELS[new.status].lower()}."]
    last = new.history[-1] if new.history else None
    if new.status is Status.REJECTED and last and last.detail:
        lines.append(f"The reason: {last.detail}")
    if new.status is Status.AWAITING_INFORMATION and new.question:
        lines.append(f"IT triage asks: {new.question}")
    if new.status is Status.DUPLICATE and new.duplicate_of:
        lines.append(f"It is the same as {new.duplicate_of}, so the two are joined.")
    if (old.board, old.process) != (new.board, new.process) and new.route_reason:
        lines.append(f"It now goes to the {board_name}. Why: {new.route_reason}")
    lines.append(next_steps(new.status, board_name))
    return " ".join(lines)
