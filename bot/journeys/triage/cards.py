"""Triage cards: the card in the IT triage channel, and the requester's updates.

The triage card is the same request for everyone, with buttons only for the roster.
It leads with what a triager decides on (status, who has it, score, board, flags and
dates); every answer the requester gave and the score's workings are behind
"Show details".

The card posted in the channel is the read-only view. It carries a refresh for the
roster, so when a triager opens it Teams asks the bot for their view, with the
actions allowed in the request's current state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.forms import FieldSpec
from bot.domain.model import (
    ALSO_AFFECTED,
    BUDGET_LABELS,
    DRIVER_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    AuditEntry,
    Budget,
    DigitalRequest,
    Driver,
    RequestKind,
    ScoreLine,
    Status,
)
from bot.domain.procurement import CATALOGUE_CHECK
from bot.domain.scoring import score_summary
from bot.domain.text import long_date
from bot.domain.triage import Action, status_for_it, status_for_it_in_words
from bot.journeys.intake.form import FIELDS
from bot.journeys.triage import verbs
from bot.ports import Governance
from cards import verbs as shared_verbs
from cards.elements import (
    button,
    card,
    facts,
    heading,
    labelled_user_text,
    notice,
    para,
    run,
    user_text,
)
from cards.request_cards import STALE_REQUEST
from cards.similar_cards import people

HISTORY_SHOWN = 5
# Teams refreshes a card by itself for at most this many listed people.
REFRESH_LIMIT = 60
DETAILS = "details"
SHOW_DETAILS = "showDetails"
HIDE_DETAILS = "hideDetails"
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
    "deliver": "marked it as delivered",
    "edited_in_sharepoint": "changed it in SharePoint",
    "withdraw": "withdrew it",
    "edit_details": "changed their answers",
    ALSO_AFFECTED: "said they are also affected",
    CATALOGUE_CHECK: "checked the application catalogue",
    "rescored": "gave it a new score",
    # A board's decisions (the boards journey).
    "approve": "approved it for the board",
    "defer": "deferred it for the board",
    "board_reject": "decided for the board not to take it forward",
    "board_ask_info": "asked the requester a question for the board",
    "send_to_board": "sent it to another board",
}
FINISHED = frozenset(
    {"with_board", "decided", "in_change", "in_project", "delivered", "benefits_reviewed"}
)
CLOSED = frozenset({"rejected", "duplicate", "withdrawn"})
CHANGED_BY_REQUESTER = frozenset({Action.WITHDRAW.value, Action.EDIT_DETAILS.value})
_PROCESS_WORDS = {"change_request": "then a change request", "project": "then a project"}


@dataclass(frozen=True)
class PanelError:
    """A typed answer the bot refused: shown next to its input, with what was typed,
    in the panel it came from, drawn open."""

    action: str  # "reject", "ask_info", "deliver", "assign", "change_route" or "link_duplicate"
    message: str
    typed: Mapping[str, str] = field(default_factory=dict)  # input id -> as typed


@dataclass(frozen=True)
class TriageView:
    for_triager: bool = False
    allowed: tuple[str, ...] = ()  # action names from bot.domain.triage.Action
    similar: tuple[tuple[str, str], ...] = ()  # (reference, title) of likely duplicates
    note: str = ""
    refresh_for: tuple[str, ...] = ()  # Teams user ids of the roster
    roster: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (user id, name)
    viewer_id: str = ""  # who is looking (their user id), to leave out "Assign to me"
    today: dt.date | None = None  # to flag a statutory deadline that has passed
    error: PanelError | None = None
    # Time left or overdue in triage or for the requester's answer (deadlines.Clockface
    # words), "" when the request waits in neither.
    time_left: str = ""


def _data(request: DigitalRequest, **extra: Any) -> dict[str, Any]:
    return {verbs.REFERENCE: request.reference, verbs.VERSION: request.etag, **extra}


def _date(value: dt.date | None) -> str:
    return long_date(value) if value else "Not given"


# ---- What a triager reads first ---------------------------------------------------


def _flags(request: DigitalRequest) -> list[str]:
    details = request.details
    flags: list[str] = []
    if details.involves_procurement:
        flags.append("Buying: yes, they want to buy or renew software or a contract.")
    if details.personal_data:
        flags.append("Personal data: yes. It needs a data protection check, called a DPIA.")
    if not details.sponsor:
        flags.append("Senior sponsor: none named yet.")
    return flags or ["No flags."]


def _dates(request: DigitalRequest, today: dt.date | None) -> list[tuple[str, str]]:
    details = request.details
    deadline = _date(details.statutory_deadline)
    if details.statutory_deadline and today and details.statutory_deadline < today:
        deadline += " (this date has passed)"
    rows = [("Needed by", _date(details.needed_by)), ("Statutory deadline", deadline)]
    if details.involves_procurement or details.contract_end:
        rows.append(("Contract end", _date(details.contract_end)))
    return rows


def _board_line(request: DigitalRequest, gov: Governance) -> str:
    board = gov.boards.get(request.route.board)
    name = board.name if board else (request.route.board or "no board yet")
    then = _PROCESS_WORDS.get(request.route.process, "")
    where = f"{name}, {then}" if then else name
    status = request.status.value
    if status == "with_board":
        return f"With the board: {where}."
    if status in FINISHED:
        return f"Board: {where}."
    if status in CLOSED:
        return f"It would have gone to: {where}."
    return f"Proposed board: {where}."


def _requester_change(request: DigitalRequest) -> AuditEntry | None:
    """The latest history entry, when it is the requester changing or withdrawing it."""
    last = request.history[-1] if request.history else None
    return last if last and last.action in CHANGED_BY_REQUESTER else None


def _change_notice(request: DigitalRequest) -> list[ac.CardElement]:
    """What the requester just did, first on the card: each changed answer, before and
    after, or that they withdrew it and why."""
    last = _requester_change(request)
    if last is None:
        return []
    when = f"{long_date(last.at.date())} at {last.at:%H:%M}"
    withdrew = last.action == "withdraw"
    did = "withdrew this request" if withdrew else "changed this request"
    items: list[ac.CardElement] = [
        ac.TextBlock(text=f"The requester {did} on {when}.", weight="Bolder", wrap=True)
    ]
    if last.changes:
        items += [
            user_text(f"{change.label}: was {change.old}. Now: {change.new}.", max_chars=400)
            for change in last.changes
        ]
    elif last.detail:
        said = f"Their reason: {last.detail}" if withdrew else last.detail
        items.append(user_text(said, max_chars=400))
    return [ac.Container(style="warning", items=items, spacing="Medium")]


# Who closed a closed request, by how it is closed.
_CLOSED_BY = {
    "rejected": "Rejected by",
    "withdrawn": "Withdrawn by",
    "duplicate": "Linked as a duplicate by",
}


def _who(request: DigitalRequest) -> list[ac.CardElement]:
    """Who has it; for a closed request, who closed it and when (left out if not known)."""
    if request.status.value not in CLOSED:
        if request.assignee_name:
            return [user_text("Who has it: " + request.assignee_name)]
        return [para("Who has it: nobody yet.")]
    closing = next(
        (
            entry
            for entry in reversed(request.history)
            if entry.to_status is request.status and entry.from_status is not request.status
        ),
        None,
    )
    if closing is None or not closing.actor_name:
        return []
    did = _CLOSED_BY[request.status.value]
    when = long_date(closing.at.date())
    return [user_text(f"{did} {closing.actor_name} on {when}.")]


def summary(request: DigitalRequest, gov: Governance, view: TriageView) -> list[ac.CardElement]:
    """What IT triage needs first, in the order they read it. Status, score and board
    appear here once each and nowhere else on the card."""
    heading_text = (
        f"New request {request.reference}"
        if request.status is Status.SUBMITTED
        else f"Request {request.reference}"
    )
    body: list[ac.CardElement] = [
        heading(heading_text),
        user_text(request.details.title, weight="Bolder"),
        para(f"Status: {status_for_it(request.status)}."),
    ]
    if request.duplicate_of:
        body.append(para(f"Duplicate of {request.duplicate_of}."))
    if request.also_affected:
        more = people(request.also_affected)
        body.append(para(f"Also affected: {more}, as well as the one who raised it."))
    if request.question:
        body.append(user_text("Question for the requester: " + request.question, max_chars=400))
    body += [
        *_who(request),
        para(f"Score: {score_summary(request.score.total)}"),
        para(_board_line(request, gov)),
        heading("Flags", size="Medium"),
        *[para(flag) for flag in _flags(request)],
        heading("Dates", size="Medium"),
        facts(_dates(request, view.today)),
    ]
    if view.time_left:
        body.append(facts([("Time left", view.time_left)]))
    return body


# ---- Behind "Show details" ----------------------------------------------------------


# The short names of the form's choices: the form may explain each one at length.
_SHORT_LABELS: dict[type, Mapping[Any, str]] = {
    Driver: DRIVER_LABELS,
    RequestKind: KIND_LABELS,
    Budget: BUDGET_LABELS,
}


def _choice_label(spec: FieldSpec, value: object) -> str:
    short = _SHORT_LABELS.get(type(value), {})
    if value in short:
        return short[value]
    for choice in spec.choices or ():
        if choice.value == str(value):
            return choice.label
    return str(value)


def answer_in_words(spec: FieldSpec, value: object) -> str:
    """One answer as the requester would recognise it: UK dates, Yes or No, labels."""
    if value is None or value == "" or value == ():
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return long_date(value)
    if isinstance(value, int):
        return f"£{value:,}" if spec.money else f"{value:,}"
    if isinstance(value, tuple | list):
        return ", ".join(_choice_label(spec, item) for item in value)
    return _choice_label(spec, value)


def _answers(request: DigitalRequest) -> list[ac.CardElement]:
    """Every answer on the form, walked from the form itself so none is left out.
    The title is already the card's second line."""
    rows: list[ac.CardElement] = [
        heading("What the requester told us", size="Medium"),
        user_text(
            f"Raised by {request.requester.name or 'someone whose name we do not have'} "
            f"on {long_date(request.submitted_at.date())}."
        ),
    ]
    for name, spec in FIELDS.items():
        if name == "title":
            continue
        shown = answer_in_words(spec, getattr(request.details, name, None))
        rows.append(labelled_user_text(spec.label, shown))
    return rows


def _points(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _score_line(line: ScoreLine) -> ac.CardElement:
    return ac.Container(
        spacing="Medium",
        items=[
            ac.TextBlock(
                text=f"{line.label}: {_points(line.points)} of {line.weight}",
                weight="Bolder",
                wrap=True,
            ),
            ac.RichTextBlock(inlines=[run(line.reason)], spacing="None"),
        ],
    )


def _workings(request: DigitalRequest) -> list[ac.CardElement]:
    return [
        heading("How the score was worked out", size="Medium"),
        para(
            f"Using the council's published scoring rules, version {request.score.matrix_version}."
        ),
        *[_score_line(line) for line in request.score.lines],
    ]


def _route_reason(request: DigitalRequest) -> list[ac.CardElement]:
    if not request.route.reason:
        return []
    return [labelled_user_text("Why it goes to that board", request.route.reason)]


def _history_line(entry: AuditEntry) -> str:
    when = f"{long_date(entry.at.date())} {entry.at:%H:%M}"
    who = entry.actor_name or "Someone"
    if entry.action == "change_route" and entry.detail.startswith("Changed where it goes "):
        # The detail already says what changed, from where to where.
        return f"{when}: {who} c{entry.detail[1:]}"
    did = DONE.get(entry.action, entry.action.replace("_", " "))
    line = f"{when}: {who} {did}."
    if entry.from_status is not entry.to_status:
        line += f" Now: {status_for_it_in_words(entry.to_status)}."
    if entry.detail and entry.action != ALSO_AFFECTED:  # the words above say it all
        line += " " + entry.detail
    return line


def _history_rows(request: DigitalRequest) -> list[ac.CardElement]:
    if not request.history:
        return []
    rows: list[ac.CardElement] = [heading("History", size="Medium")]
    for entry in request.history[-HISTORY_SHOWN:]:
        rows.append(user_text(_history_line(entry), max_chars=600))
    if len(request.history) > HISTORY_SHOWN:
        rows.append(
            para(
                f"{len(request.history) - HISTORY_SHOWN} earlier changes are kept with "
                "the request.",
                subtle=True,
            )
        )
    return rows


def _details(request: DigitalRequest) -> list[ac.CardElement]:
    toggle = [DETAILS, SHOW_DETAILS, HIDE_DETAILS]
    return [
        ac.ActionSet(
            id=SHOW_DETAILS,
            actions=[ac.ToggleVisibilityAction(title="Show details", target_elements=toggle)],
        ),
        ac.Container(
            id=DETAILS,
            is_visible=False,
            items=[
                *_answers(request),
                *_route_reason(request),
                *_workings(request),
                *_history_rows(request),
            ],
        ),
        ac.ActionSet(
            id=HIDE_DETAILS,
            is_visible=False,
            actions=[ac.ToggleVisibilityAction(title="Hide details", target_elements=toggle)],
        ),
    ]


# ---- The triager's panels -------------------------------------------------------------


@dataclass(frozen=True)
class _Reason:
    """A panel with one box to type in: reject, ask the requester a question, or mark
    it delivered (the panel is the confirmation; its note is optional)."""

    title: str  # the button that opens the panel
    heading: str
    verb: str
    input_id: str
    label: str
    missing: str  # what the client says when the box is empty ("" when it may be)
    submit: str
    explain: str = ""  # what pressing it will do, above the box


_REASONS = {
    "reject": _Reason(
        "Reject…",
        "Reject this request",
        verbs.REJECT,
        verbs.REJECT_REASON,
        "Why is it rejected? Say what the requester can do next.",
        "Give a reason for rejecting the request",
        "Reject",
    ),
    "ask_info": _Reason(
        "Ask for information…",
        "Ask the requester",
        verbs.ASK,
        verbs.QUESTION,
        "Your question for the requester",
        "Write the question for the requester",
        "Send question",
    ),
    "deliver": _Reason(
        "Mark as delivered…",
        "Mark this request as delivered",
        verbs.DELIVER,
        verbs.DELIVERED_NOTE,
        "A note for the requester (optional), such as the date it went live",
        "",
        "Mark as delivered",
        "Do this when the change is in use. The requester is told. Some months later, "
        "they and the sponsor are asked what benefits it brought.",
    ),
}


def _problem(message: str) -> ac.TextBlock:
    """A refusal next to the input it is about; the words say it, not only the colour."""
    return ac.TextBlock(
        text=f"There is a problem: {message}", color="Attention", weight="Bolder", wrap=True
    )


def _error_for(view: TriageView, action: str) -> PanelError | None:
    return view.error if view.error and view.error.action == action else None


def _reason_items(
    request: DigitalRequest, reason: _Reason, error: PanelError | None, own_card: bool
) -> list[ac.CardElement]:
    """The box and its button. Only in a panel of its own is the box marked required:
    Teams checks every input on the card and the cards around it, whichever button is
    pressed, so on the card itself a required box would stop the other buttons. There
    the bot checks it, and says what is wrong next to the box."""
    items: list[ac.CardElement] = [para(reason.explain)] if reason.explain else []
    if error:
        items.append(_problem(error.message))
    typed = error.typed.get(reason.input_id, "") if error else ""
    required = own_card and bool(reason.missing)
    items += [
        ac.TextInput(
            id=reason.input_id,
            label=reason.label,
            is_multiline=True,
            max_length=1000,
            is_required=required or None,
            error_message=reason.missing if required else None,
            value=typed or None,
        ),
        ac.ActionSet(actions=[button(reason.submit, reason.verb, _data(request), validate=True)]),
    ]
    return items


# The sections of "More…" share one panel, so none of their inputs is marked required:
# Teams would check them all whichever button is pressed. The bot checks each, and says
# what is wrong next to it.


def _assign_section(
    request: DigitalRequest, view: TriageView, error: PanelError | None = None
) -> list[ac.CardElement]:
    others = [(uid, name) for uid, name in view.roster if uid != request.assignee_id]
    if not others:
        return []
    body: list[ac.CardElement] = [heading("Assign to someone", size="Medium")]
    if error:
        body.append(_problem(error.message))
    return [
        *body,
        ac.ChoiceSetInput(
            id=verbs.ASSIGNEE,
            label="Someone on the triage team",
            choices=[ac.Choice(title=name, value=uid) for uid, name in others],
        ),
        ac.ActionSet(actions=[button("Assign", verbs.ASSIGN, _data(request), validate=True)]),
    ]


def _route_section(
    request: DigitalRequest, gov: Governance, error: PanelError | None = None
) -> list[ac.CardElement]:
    typed = error.typed if error else {}
    body: list[ac.CardElement] = [heading("Change where it goes", size="Medium")]
    if error:
        body.append(_problem(error.message))
    return [
        *body,
        ac.ChoiceSetInput(
            id=verbs.ROUTE_BOARD,
            label="Board",
            value=typed.get(verbs.ROUTE_BOARD) or request.route.board,
            choices=[ac.Choice(title=b.name, value=k) for k, b in gov.boards.items()],
        ),
        ac.ChoiceSetInput(
            id=verbs.ROUTE_PROCESS,
            label="Then",
            value=typed.get(verbs.ROUTE_PROCESS) or request.route.process,
            choices=[ac.Choice(title=p.name, value=k) for k, p in gov.processes.items()],
        ),
        ac.TextInput(
            id=verbs.ROUTE_REASON,
            label="Why (the requester will see this)",
            is_multiline=True,
            max_length=1000,
            value=typed.get(verbs.ROUTE_REASON) or None,
        ),
        ac.ActionSet(actions=[button("Change route", verbs.ROUTE, _data(request), validate=True)]),
    ]


def _duplicate_section(
    request: DigitalRequest, view: TriageView, error: PanelError | None = None
) -> list[ac.CardElement]:
    typed = error.typed if error else {}
    body: list[ac.CardElement] = [heading("Link as duplicate", size="Medium")]
    if error:
        body.append(_problem(error.message))
    if view.similar:
        offered = {ref for ref, _ in view.similar}
        picked = typed.get(verbs.DUPLICATE_PICKED, "")
        choices = [
            ac.Choice(title=f"{ref}: {title[:80]}", value=ref) for ref, title in view.similar
        ]
        body.append(
            ac.ChoiceSetInput(
                id=verbs.DUPLICATE_PICKED,
                label="Most similar open requests",
                choices=choices,
                style="expanded",
                value=picked if picked in offered else None,
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
            value=typed.get(verbs.DUPLICATE_TYPED) or None,
        ),
        ac.ActionSet(actions=[link]),
    ]


def _more_card(
    request: DigitalRequest, gov: Governance, view: TriageView, allowed: set[str]
) -> ac.AdaptiveCard:
    # A section drawn open on the card, with its problem, is not here as well.
    body: list[ac.CardElement] = []
    if "assign" in allowed and not _error_for(view, "assign"):
        body += _assign_section(request, view)
    if "change_route" in allowed and not _error_for(view, "change_route"):
        body += _route_section(request, gov)
    if "link_duplicate" in allowed and not _error_for(view, "link_duplicate"):
        body += _duplicate_section(request, view)
    return ac.AdaptiveCard(version="1.5", body=body or [para("Nothing more to do here.")])


def _open_panel(request: DigitalRequest, gov: Governance, view: TriageView) -> list[ac.CardElement]:
    """The panel whose typed answer was refused, drawn open on the card with the problem
    next to the box and what was typed still in it."""
    error = view.error
    if error is None or error.action not in view.allowed:
        return []
    if error.action == "change_route":
        items = _route_section(request, gov, error)
    elif error.action == "assign":
        items = _assign_section(request, view, error)
    elif error.action == "link_duplicate":
        items = _duplicate_section(request, view, error)
    else:
        reason = _REASONS[error.action]
        items = [
            heading(reason.heading, size="Medium"),
            *_reason_items(request, reason, error, own_card=False),
        ]
    if not items:  # nobody else on the team now: the problem still says why
        items = [_problem(error.message)]
    return [ac.Container(style="emphasis", items=items, spacing="Large")]


def _actions(request: DigitalRequest, gov: Governance, view: TriageView) -> list[ac.Action]:
    """The triager's buttons. "Accept to board" is the only one styled to press: the
    others, and rejecting most of all, must not look like the way on."""
    allowed = set(view.allowed)
    actions: list[ac.Action] = []
    if "assign" in allowed and request.assignee_id != view.viewer_id:
        actions.append(button("Assign to me", verbs.ASSIGN_ME, _data(request)))
    if "accept" in allowed:
        actions.append(button("Accept to board", verbs.ACCEPT, _data(request), primary=True))
    for action, reason in _REASONS.items():
        if action in allowed and not _error_for(view, action):
            panel = ac.AdaptiveCard(
                version="1.5", body=_reason_items(request, reason, None, own_card=True)
            )
            actions.append(ac.ShowCardAction(title=reason.title, card=panel))
    if allowed & {"assign", "change_route", "link_duplicate"}:
        actions.append(
            ac.ShowCardAction(title="More…", card=_more_card(request, gov, view, allowed))
        )
    if "reopen" in allowed:
        actions.append(button("Reopen", verbs.REOPEN, _data(request)))
    return actions[:5]


def _after_triage(status: Status) -> str:
    """What happens to a request IT triage has finished with."""
    if status is Status.WITH_BOARD:
        return "IT triage has finished with this request. The board decides next."
    if status in (Status.DELIVERED, Status.BENEFITS_REVIEWED):
        return "This request has been delivered."
    return "The board has approved this request. When it is in use, mark it as delivered."


# ---- The whole card -----------------------------------------------------------------


def build_triage_card(
    request: DigitalRequest, gov: Governance, view: TriageView | None = None
) -> ac.AdaptiveCard:
    view = view or TriageView()
    body: list[ac.CardElement] = []
    if view.note:
        body.append(notice(view.note, important=True))
    if request.stale:
        body.append(notice(STALE_REQUEST))
    body += _change_notice(request)
    body += summary(request, gov, view)
    if view.for_triager:
        body += _open_panel(request, gov, view)
    body += _details(request)
    if request.status.value in FINISHED:
        body.append(para(_after_triage(request.status)))
    actions = _actions(request, gov, view) if view.for_triager else []
    if not view.for_triager:
        body.append(para("Only the IT triage team can act on this request.", subtle=True))
        # Where Teams does not refresh by itself (more than 60 on the roster, or an older
        # client), a triager opens their view with this; anyone else just sees it again.
        actions = [button("Open for triage", verbs.REFRESH, _data(request))]
    built = card(
        body, actions, fallback=f"Request {request.reference}: {status_for_it(request.status)}."
    )
    # Teams refreshes the card by itself for the listed roster members (up to 60) and
    # on demand for anyone else, so each sees the view meant for them.
    built.refresh = ac.RefreshDefinition(
        action=ac.ExecuteAction(
            title="Refresh",
            verb=verbs.REFRESH,
            data={"verb": verbs.REFRESH, "reference": request.reference},
        ),
        user_ids=list(view.refresh_for[:REFRESH_LIMIT]) or None,
    )
    return built


# ---- The requester's cards ------------------------------------------------------------


def build_question_card(
    request: DigitalRequest, message: str, error: str = "", typed: str = ""
) -> ac.AdaptiveCard:
    """The news about a request; with an answer box when IT triage has asked a question.

    When an answer is refused, the same card comes back with the problem next to the
    box and what was typed still in it."""
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
        if error:
            body.append(_problem(error))
        body.append(
            ac.TextInput(
                id=verbs.ANSWER_TEXT,
                label="Your answer",
                is_multiline=True,
                max_length=2000,
                is_required=True,
                error_message="Write your answer before you send it",
                value=typed or None,
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


def build_triager_note_card(request: DigitalRequest, message: str) -> ac.AdaptiveCard:
    """News for IT triage about a request (a change that was not saved), in IT's words."""
    return card(
        [
            heading(f"Update on {request.reference}"),
            user_text(request.details.title, weight="Bolder"),
            para(f"Status: {status_for_it(request.status)}."),
            user_text(message),
        ],
        fallback=f"Update on {request.reference}.",
    )


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
