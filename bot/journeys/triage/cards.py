"""Triage cards: the card in the IT triage channel, and the requester's updates.

The triage card is the same request for everyone, with buttons only for the roster.

The card posted in the channel is the read-only view. It carries a refresh for the
roster, so when a triager opens it Teams asks the bot for their view, with the
actions allowed in the request's current state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.model import STATUS_LABELS, DigitalRequest, Status
from bot.domain.text import long_date
from bot.domain.triage import status_in_words
from bot.journeys.triage import verbs
from bot.ports import Governance
from cards import verbs as shared_verbs
from cards.elements import button, card, heading, notice, para, user_text
from cards.request_cards import STALE_REQUEST, triage_summary

HISTORY_SHOWN = 5
# What each action did, in words for the history on the card.
DONE = {
    "assign": "assigned it",
    "change_route": "changed where it goes",
    "ask_info": "asked the requester a question",
    "answer_info": "answered the question",
    "link_duplicate": "linked it as a duplicate",
    "accept": "accepted it to the board",
    "reject": "rejected it",
    "reopen": "reopened it",
    "edited_in_sharepoint": "changed it in SharePoint",
}
FINISHED = frozenset(
    {"with_board", "decided", "in_change", "in_project", "delivered", "benefits_reviewed"}
)


@dataclass(frozen=True)
class TriageView:
    for_triager: bool = False
    allowed: tuple[str, ...] = ()  # action names from bot.domain.triage.Action
    similar: tuple[tuple[str, str], ...] = ()  # (reference, title) of likely duplicates
    note: str = ""
    refresh_for: tuple[str, ...] = ()  # Teams user ids of the roster
    roster: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (user id, name)
    viewer_id: str = ""  # who is looking (their user id), to leave out "Assign to me"


def _data(request: DigitalRequest, **extra: Any) -> dict[str, Any]:
    return {verbs.REFERENCE: request.reference, verbs.VERSION: request.etag, **extra}


def _status_rows(request: DigitalRequest, gov: Governance) -> list[ac.CardElement]:
    board = gov.boards.get(request.route.board)
    rows: list[ac.CardElement] = [
        heading("Where it is now", size="Medium"),
        para(f"Status: {STATUS_LABELS[request.status]}."),
        para(f"Proposed board: {board.name if board else request.route.board}."),
    ]
    if request.assignee_name:
        rows.append(user_text("Assigned to " + request.assignee_name))
    if request.question:
        rows.append(user_text("Question for the requester: " + request.question, max_chars=400))
    if request.duplicate_of:
        rows.append(para(f"Duplicate of {request.duplicate_of}."))
    return rows


def _history_rows(request: DigitalRequest) -> list[ac.CardElement]:
    if not request.history:
        return []
    rows: list[ac.CardElement] = [heading("History", size="Medium")]
    for entry in request.history[-HISTORY_SHOWN:]:
        did = DONE.get(entry.action, entry.action.replace("_", " "))
        line = (
            f"{long_date(entry.at.date())} {entry.at:%H:%M}: {entry.actor_name or 'Someone'} {did}."
        )
        if entry.from_status is not entry.to_status:
            line += f" Now: {status_in_words(entry.to_status)}."
        if entry.detail:
            line += " " + entry.detail
        rows.append(user_text(line, max_chars=300))
    if len(request.history) > HISTORY_SHOWN:
        rows.append(
            para(
                f"{len(request.history) - HISTORY_SHOWN} earlier changes are kept with "
                "the request.",
                subtle=True,
            )
        )
    return rows


def _reason_card(
    request: DigitalRequest, verb: str, input_id: str, label: str, submit: str
) -> ac.AdaptiveCard:
    return ac.AdaptiveCard(
        version="1.5",
        body=[ac.TextInput(id=input_id, label=label, is_multiline=True, max_length=1000)],
        actions=[button(submit, verb, _data(request), primary=True, validate=True)],
    )


def _assign_section(request: DigitalRequest, view: TriageView) -> list[ac.CardElement]:
    others = [(uid, name) for uid, name in view.roster if uid != request.assignee_id]
    if not others:
        return []
    return [
        heading("Assign to someone", size="Medium"),
        ac.ChoiceSetInput(
            id=verbs.ASSIGNEE,
            label="Someone on the triage team",
            choices=[ac.Choice(title=name, value=uid) for uid, name in others],
        ),
        ac.ActionSet(actions=[button("Assign", verbs.ASSIGN, _data(request), validate=True)]),
    ]


def _route_section(request: DigitalRequest, gov: Governance) -> list[ac.CardElement]:
    return [
        heading("Change route", size="Medium"),
        ac.ChoiceSetInput(
            id=verbs.ROUTE_BOARD,
            label="Board",
            value=request.route.board,
            choices=[ac.Choice(title=b.name, value=k) for k, b in gov.boards.items()],
        ),
        ac.ChoiceSetInput(
            id=verbs.ROUTE_PROCESS,
            label="Then",
            value=request.route.process,
            choices=[ac.Choice(title=p.name, value=k) for k, p in gov.processes.items()],
        ),
        ac.TextInput(
            id=verbs.ROUTE_REASON,
            label="Why (the requester will see this)",
            is_multiline=True,
            max_length=1000,
        ),
        ac.ActionSet(actions=[button("Change route", verbs.ROUTE, _data(request), validate=True)]),
    ]


def _duplicate_section(request: DigitalRequest, view: TriageView) -> list[ac.CardElement]:
    body: list[ac.CardElement] = [heading("Link as duplicate", size="Medium")]
    if view.similar:
        choices = [
            ac.Choice(title=f"{ref}: {title[:80]}", value=ref) for ref, title in view.similar
        ]
        body.append(
            ac.ChoiceSetInput(
                id=verbs.DUPLICATE_PICKED,
                label="Most similar open requests",
                choices=choices,
                style="expanded",
            )
        )
    else:
        body.append(para("No similar open requests found."))
    link = button("Link as duplicate", verbs.DUPLICATE, _data(request), validate=True)
    return [
        *body,
        ac.TextInput(
            id=verbs.DUPLICATE_TYPED,
            label=f"Or type a reference, like DR-{request.submitted_at.year}-0001",
            max_length=20,
        ),
        ac.ActionSet(actions=[link]),
    ]


def _more_card(
    request: DigitalRequest, gov: Governance, view: TriageView, allowed: set[str]
) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = []
    if "assign" in allowed:
        body += _assign_section(request, view)
    if "change_route" in allowed:
        body += _route_section(request, gov)
    if "link_duplicate" in allowed:
        body += _duplicate_section(request, view)
    return ac.AdaptiveCard(version="1.5", body=body or [para("Nothing more to do here.")])


def _actions(request: DigitalRequest, gov: Governance, view: TriageView) -> list[ac.Action]:
    allowed = set(view.allowed)
    actions: list[ac.Action] = []
    if "assign" in allowed and request.assignee_id != view.viewer_id:
        actions.append(button("Assign to me", verbs.ASSIGN_ME, _data(request)))
    if "accept" in allowed:
        actions.append(button("Accept to board", verbs.ACCEPT, _data(request), primary=True))
    if "reject" in allowed:
        actions.append(
            ac.ShowCardAction(
                title="Reject…",
                card=_reason_card(
                    request,
                    verbs.REJECT,
                    verbs.REJECT_REASON,
                    "Why is it rejected? Say what the requester can do next.",
                    "Reject",
                ),
            )
        )
    if "ask_info" in allowed:
        actions.append(
            ac.ShowCardAction(
                title="Ask for information…",
                card=_reason_card(
                    request,
                    verbs.ASK,
                    verbs.QUESTION,
                    "Your question for the requester",
                    "Send question",
                ),
            )
        )
    if allowed & {"assign", "change_route", "link_duplicate"}:
        actions.append(
            ac.ShowCardAction(title="More…", card=_more_card(request, gov, view, allowed))
        )
    if "reopen" in allowed:
        actions.append(button("Reopen", verbs.REOPEN, _data(request), primary=True))
    return actions[:5]


def build_triage_card(
    request: DigitalRequest, gov: Governance, view: TriageView | None = None
) -> ac.AdaptiveCard:
    view = view or TriageView()
    body: list[ac.CardElement] = []
    if view.note:
        body.append(notice(view.note, important=True))
    if request.stale:
        body.append(notice(STALE_REQUEST))
    body += triage_summary(request, gov)
    body += _status_rows(request, gov)
    body += _history_rows(request)
    if request.status.value in FINISHED:
        body.append(para("IT triage has finished with this request. The board decides next."))
    actions = _actions(request, gov, view) if view.for_triager else []
    if not view.for_triager:
        body.append(para("Only the IT triage team can act on this request.", subtle=True))
        # Where Teams does not refresh by itself (more than 60 on the roster, or an older
        # client), a triager opens their view with this; anyone else just sees it again.
        actions = [button("Open for triage", verbs.REFRESH, _data(request))]
    built = card(
        body, actions, fallback=f"Request {request.reference}: {STATUS_LABELS[request.status]}."
    )
    # Teams refreshes the card by itself for the listed roster members (up to 60) and
    # on demand for anyone else, so each sees the view meant for them.
    built.refresh = ac.RefreshDefinition(
        action=ac.ExecuteAction(
            title="Refresh",
            verb=verbs.REFRESH,
            data={"verb": verbs.REFRESH, "reference": request.reference},
        ),
        user_ids=list(view.refresh_for[:60]) or None,
    )
    return built


def build_question_card(request: DigitalRequest, message: str) -> ac.AdaptiveCard:
    """The news about a request; with an answer box when IT triage has asked a question."""
    body: list[ac.CardElement] = [
        heading(f"Update on {request.reference}"),
        user_text(request.details.title, weight="Bolder"),
        para(f"Status: {STATUS_LABELS[request.status]}."),
        user_text(message),
    ]
    actions: list[ac.Action] = [
        button(
            f"Show {request.reference}", shared_verbs.SHOW_REQUEST, {"reference": request.reference}
        )
    ]
    if request.status is Status.AWAITING_INFORMATION:
        body.append(
            ac.TextInput(
                id=verbs.ANSWER_TEXT, label="Your answer", is_multiline=True, max_length=2000
            )
        )
        actions.insert(
            0,
            button(
                "Send answer",
                verbs.ANSWER,
                {"reference": request.reference},
                primary=True,
                validate=True,
            ),
        )
    return card(body, actions, fallback=f"Update on {request.reference}.")


def build_answer_thanks_card(request: DigitalRequest) -> ac.AdaptiveCard:
    return card(
        [
            heading(f"Answer sent for {request.reference}"),
            para(
                "Thank you. Your answer is added to the request and IT triage can see it. "
                "I will message you here when anything changes."
            ),
            para(f"Status: {STATUS_LABELS[request.status]}."),
        ],
        [button("My requests", shared_verbs.MY_REQUESTS)],
        fallback=f"Answer sent for {request.reference}.",
    )
