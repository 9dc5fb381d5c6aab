"""A board's agenda, the card a member decides on, and the requester's news of a decision.

Pure: views in, Adaptive Cards out. The verbs and input ids are here, shared by the
cards and the boards journey's routes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import microsoft_teams.cards as ac

from bot.domain.text import defang_for_display
from cards import verbs
from cards.elements import button, card, facts, heading, notice, para, run, user_text

# ---- Verbs and the inputs each reads -------------------------------------------------

AGENDA_PAGE = "agenda.page"  # data: board, page
DECIDE_OPEN = "decide.open"  # data: reference, board, version, page
DECIDE_RECORD = "decide.record"  # data: reference, board, version, decision, page
# The requester answers a board's question with IT triage's answer button: the request's
# life cycle sends the answer back to the board.
REQUESTER_ANSWER = "request.answer"
REQUESTER_ANSWER_TEXT = "answer"

APPROVE_CHANGE = "approve_change"
APPROVE_PROJECT = "approve_project"
DEFER = "defer"
REJECT = "reject"
ASK_INFO = "ask_info"
SEND_TO_BOARD = "send_to_board"
DECISIONS = (APPROVE_CHANGE, APPROVE_PROJECT, DEFER, REJECT, ASK_INFO, SEND_TO_BOARD)

# Input ids, one set per decision: ids are unique across the whole card.
OWNER = {APPROVE_CHANGE: "changeOwner", APPROVE_PROJECT: "projectOwner"}
HORIZON = {APPROVE_CHANGE: "changeHorizon", APPROVE_PROJECT: "projectHorizon"}
THEME = {APPROVE_CHANGE: "changeTheme", APPROVE_PROJECT: "projectTheme"}
APPROVE_WHY = {APPROVE_CHANGE: "changeWhy", APPROVE_PROJECT: "projectWhy"}
DEFER_UNTIL = "deferUntil"
DEFER_REASON = "deferReason"
REJECT_RATIONALE = "rejectRationale"
ASK_QUESTION = "askQuestion"
SEND_BOARD = "sendBoard"
SEND_REASON = "sendReason"
INPUTS: dict[str, tuple[str, ...]] = {
    APPROVE_CHANGE: (
        OWNER[APPROVE_CHANGE],
        HORIZON[APPROVE_CHANGE],
        THEME[APPROVE_CHANGE],
        APPROVE_WHY[APPROVE_CHANGE],
    ),
    APPROVE_PROJECT: (
        OWNER[APPROVE_PROJECT],
        HORIZON[APPROVE_PROJECT],
        THEME[APPROVE_PROJECT],
        APPROVE_WHY[APPROVE_PROJECT],
    ),
    DEFER: (DEFER_UNTIL, DEFER_REASON),
    REJECT: (REJECT_RATIONALE,),
    ASK_INFO: (ASK_QUESTION,),
    SEND_TO_BOARD: (SEND_BOARD, SEND_REASON),
}
TITLES = {
    APPROVE_CHANGE: "Approve as a change request",
    APPROVE_PROJECT: "Approve as a project",
    DEFER: "Defer",
    REJECT: "Do not take forward",
    ASK_INFO: "Ask the requester for more information",
    SEND_TO_BOARD: "Send to another board",
}
_SUBMITS = {
    APPROVE_CHANGE: "Approve as a change request",
    APPROVE_PROJECT: "Approve as a project",
    DEFER: "Defer",
    REJECT: "Do not take it forward",
    ASK_INFO: "Send the question",
    SEND_TO_BOARD: "Send to the other board",
}
REASON_LENGTH = 1000
OWNER_LENGTH = 200


# ---- The agenda ------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    """One request on a board's list, in words ready to show."""

    reference: str
    version: str
    title: str  # the requester's words
    summary: str  # the requester's words, cut at a word with "…"
    score: str  # "Score 81 out of 100: high priority."
    route_reason: str  # someone's words: why it came to this board
    flags: tuple[str, ...]
    age: str  # "On the list 6 days. Raised 12 days ago."
    time_left: str = ""  # "Decision due at the meeting on 8 December"
    deferred_until: str = ""  # "12 January 2027" while it is still deferred


@dataclass(frozen=True)
class AgendaPage:
    board: str
    board_name: str
    meeting: str  # "Next meeting: …", or the sentence saying none are set
    total: int
    page: int  # 1-based
    pages: int
    first: int  # the number of this page's first request, 1-based
    items: tuple[AgendaItem, ...] = ()
    scale: str = ""  # what the score bands mean, said once
    note: str = ""  # a line at the top: what was just recorded
    past_end: str = ""  # "There is no page 5…", when one past the end was asked for
    deferred: int = 0  # how many of the whole list are deferred to a later date


def _counts(page: AgendaPage) -> str:
    plural = "request" if page.total == 1 else "requests"
    last = page.first + len(page.items) - 1
    said = f"{page.total} {plural}, highest priority first."
    if page.deferred:
        said += f" {page.deferred} deferred to a later date, listed last."
    if page.pages > 1:
        span = f"request {page.first}" if last == page.first else f"requests {page.first} to {last}"
        said += f" Page {page.page} of {page.pages}: {span}."
    return said


def _to_note(flags: tuple[str, ...]) -> str:
    """ "To note: Personal data. Buying software." Each flag its own short sentence."""
    return "To note: " + " ".join(f"{flag}." for flag in flags)


def _title_line(item: AgendaItem) -> ac.RichTextBlock:
    return ac.RichTextBlock(
        inlines=[
            run(f"{item.reference}: ", "Bolder"),
            run(defang_for_display(item.title), "Bolder"),
        ]
    )


def _item(item: AgendaItem, page: AgendaPage) -> ac.Container:
    items: list[ac.CardElement] = [
        _title_line(item),
        user_text(item.summary),
        para(item.score),
    ]
    if item.route_reason:
        items += [para("Why it is here:"), user_text(item.route_reason)]
    if item.flags:
        items.append(para(_to_note(item.flags)))
    items.append(para(item.age, subtle=True))
    if item.time_left:
        items.append(para(item.time_left))
    if item.deferred_until:
        items.append(para(f"Deferred: back on the agenda from {item.deferred_until}."))
    data = {"reference": item.reference, "board": page.board, "version": item.version}
    items.append(
        ac.ActionSet(
            actions=[
                button(f"Decide on {item.reference}", DECIDE_OPEN, {**data, "page": page.page})
            ]
        )
    )
    return ac.Container(items=items, separator=True, spacing="Large")


# The bytes of an item's fixed parts (its elements, button and data), by its shape.
_FIXED_BYTES: dict[tuple[int, ...], int] = {}


def _json_bytes(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def item_bytes(item: AgendaItem) -> int:
    """At least an item's share of an agenda card as JSON (UTF-8 bytes, as Teams counts),
    so a page can be filled without passing Teams' size limit. Cheap: the fixed parts are
    measured once per shape, the words added as JSON writes them."""
    shape = (
        len(item.reference),
        len(item.version),
        bool(item.route_reason),
        bool(item.flags),
        bool(item.time_left),
        bool(item.deferred_until),
    )
    fixed = _FIXED_BYTES.get(shape)
    if fixed is None:
        blank = AgendaItem(
            reference=item.reference,
            version=item.version,
            title="",
            summary="",
            score="",
            route_reason=" " if item.route_reason else "",
            flags=("",) if item.flags else (),
            age="",
            time_left=" " if item.time_left else "",
            deferred_until=" " if item.deferred_until else "",
        )
        page = AgendaPage(
            board="ictig", board_name="", meeting="", total=0, page=99_999, pages=0, first=0
        )
        fixed = _FIXED_BYTES[shape] = _json_bytes(
            _item(blank, page).model_dump(by_alias=True, exclude_none=True)
        )
    words = (
        defang_for_display(item.title),
        defang_for_display(item.summary),
        item.score,
        defang_for_display(item.route_reason),
        _to_note(item.flags) if item.flags else "",
        item.age,
        item.time_left,
        item.deferred_until,
    )
    return fixed + sum(_json_bytes(word) for word in words)


def _note(text: str) -> ac.Container:
    """The line at the top of a card: what was recorded, or who acted first. It carries
    people's words (a delivery owner, a reason), so it is plain text, never Markdown."""
    return ac.Container(style="warning", items=[user_text(text)], spacing="Medium")


def _paging(page: AgendaPage) -> list[ac.Action]:
    actions: list[ac.Action] = []
    if page.page > 1:
        actions.append(
            button("Previous page", AGENDA_PAGE, {"board": page.board, "page": page.page - 1})
        )
    if page.page < page.pages:
        actions.append(
            button("Next page", AGENDA_PAGE, {"board": page.board, "page": page.page + 1})
        )
    return actions


def build_agenda_card(page: AgendaPage) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = []
    if page.note:
        body.append(_note(page.note))
    body += [heading(f"{page.board_name}: agenda"), para(page.meeting)]
    if page.past_end:
        body.append(notice(page.past_end))
    if not page.total:
        body.append(
            para(
                f"There is nothing on the {page.board_name}'s list now. "
                "Requests come here when IT triage sends them."
            )
        )
        return card(body, fallback=f"{page.board_name}: agenda. Nothing on the list.")
    body.append(para(_counts(page)))
    if page.scale:
        body.append(para(page.scale, subtle=True))
    deferred_shown = False
    for item in page.items:
        if item.deferred_until and not deferred_shown:
            deferred_shown = True
            body += [
                heading("Deferred", size="Medium"),
                para("The board put these off. Each comes back on the agenda from its date."),
            ]
        body.append(_item(item, page))
    fallback = f"{page.board_name}: agenda, page {page.page} of {page.pages}."
    return card(body, _paging(page), fallback=fallback)


# ---- Deciding on one request -------------------------------------------------------------


@dataclass(frozen=True)
class PanelError:
    """A decision the rules refused: drawn open, the problem next to the boxes, what was
    typed kept."""

    decision: str
    message: str
    typed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DecisionView:
    reference: str
    version: str
    board: str
    board_name: str
    page: int
    title: str  # the requester's words
    problem: str  # the requester's words, cut with "…"
    requester: str
    score: str  # "Score 81 out of 100: high priority."
    breakdown: tuple[tuple[str, str], ...]  # ("Benefits", "12 of 20 points"), per criterion
    route_reason: str
    flags: tuple[str, ...]
    time_left: str
    themes: tuple[tuple[str, str], ...]  # (value, label), in the strategy's order
    suggested_theme: str  # a Theme value
    theme_reason: str
    horizons: tuple[tuple[str, str], ...]  # (value, label)
    other_boards: tuple[tuple[str, str], ...]  # (key, name)
    today: dt.date
    latest_defer: dt.date
    note: str = ""
    error: PanelError | None = None


def _problem(message: str) -> ac.Container:
    return notice(f"There is a problem: {message}", important=True)


def _text_input(
    input_id: str, label: str, view: DecisionView, own: bool, limit: int, required: bool = True
) -> ac.TextInput:
    typed = view.error.typed.get(input_id, "") if view.error else ""
    return ac.TextInput(
        id=input_id,
        label=label,
        is_multiline=limit > OWNER_LENGTH or None,
        max_length=limit,
        is_required=(own and required) or None,
        error_message=f"{label} is needed" if own and required else None,
        value=typed or None,
    )


def _choices(
    input_id: str,
    label: str,
    options: tuple[tuple[str, str], ...],
    view: DecisionView,
    own: bool,
    preset: str = "",
) -> ac.ChoiceSetInput:
    typed = view.error.typed.get(input_id, "") if view.error else ""
    value = typed if typed in {v for v, _ in options} else preset
    return ac.ChoiceSetInput(
        id=input_id,
        label=label,
        choices=[ac.Choice(title=title, value=value) for value, title in options],
        value=value or None,
        is_required=own or None,
        error_message=f"{label} is needed" if own else None,
    )


def _panel_items(decision: str, view: DecisionView, own: bool) -> list[ac.CardElement]:
    """The inputs of one decision and its button. `own`: the only boxes in their card (a
    ShowCard, or drawn open after a refusal), so Teams can check the required ones."""
    items: list[ac.CardElement] = []
    if decision in OWNER:
        theme_label = dict(view.themes).get(view.suggested_theme, "")
        items += [
            _text_input(OWNER[decision], "Delivery owner", view, own, OWNER_LENGTH),
            _choices(HORIZON[decision], "When, on the roadmap", view.horizons, view, own),
            para(f"Suggested theme: {theme_label}. {view.theme_reason}"),
            _choices(
                THEME[decision], "Strategy theme", view.themes, view, own, view.suggested_theme
            ),
            _text_input(
                APPROVE_WHY[decision],
                "Why the board agreed (optional)",
                view,
                own,
                REASON_LENGTH,
                required=False,
            ),
        ]
    elif decision == DEFER:
        typed = view.error.typed.get(DEFER_UNTIL, "") if view.error else ""
        items += [
            ac.DateInput(
                id=DEFER_UNTIL,
                label="Look at it again from",
                min=(view.today + dt.timedelta(days=1)).isoformat(),
                max=view.latest_defer.isoformat(),
                is_required=own or None,
                error_message="Choose a date" if own else None,
                value=typed or None,
            ),
            _text_input(DEFER_REASON, "Why the board is waiting", view, own, REASON_LENGTH),
        ]
    elif decision == REJECT:
        items.append(
            _text_input(
                REJECT_RATIONALE, "Why the board will not take it forward", view, own, REASON_LENGTH
            )
        )
    elif decision == ASK_INFO:
        items.append(
            _text_input(ASK_QUESTION, "Your question for the requester", view, own, REASON_LENGTH)
        )
    elif decision == SEND_TO_BOARD:
        items += [
            _choices(SEND_BOARD, "Which board", view.other_boards, view, own),
            _text_input(SEND_REASON, "Why it goes there", view, own, REASON_LENGTH),
        ]
    data = {
        "reference": view.reference,
        "board": view.board,
        "version": view.version,
        "decision": decision,
        "page": view.page,
    }
    items.append(
        ac.ActionSet(actions=[button(_SUBMITS[decision], DECIDE_RECORD, data, validate=True)])
    )
    return items


def _request_facts(view: DecisionView) -> list[ac.CardElement]:
    body: list[ac.CardElement] = [
        user_text(view.title, "Bolder"),
        para(f"Raised by {view.requester}.") if view.requester else para("Raised by: not known."),
        user_text(view.problem),
        para(view.score),
        para("How the score adds up:"),
        facts(list(view.breakdown)),
    ]
    if view.route_reason:
        body += [para("Why it is here:"), user_text(view.route_reason)]
    if view.flags:
        body.append(para(_to_note(view.flags)))
    if view.time_left:
        body.append(para(view.time_left))
    return body


def build_decision_card(view: DecisionView) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = []
    if view.note:
        body.append(_note(view.note))
    body.append(heading(f"Decide on {view.reference}"))
    body.append(para(f"For the {view.board_name}. Choose what the board decided."))
    body += _request_facts(view)
    actions: list[ac.Action] = [
        button("Back to the agenda", AGENDA_PAGE, {"board": view.board, "page": view.page})
    ]
    error = view.error
    if error is not None and error.decision in DECISIONS:
        # Only the refused decision, drawn open with its problem: its boxes are the only
        # ones on the card, so Teams can check the required ones.
        body.append(
            ac.Container(
                style="emphasis",
                spacing="Large",
                items=[
                    heading(TITLES[error.decision], size="Medium"),
                    _problem(error.message),
                    *_panel_items(error.decision, view, own=True),
                ],
            )
        )
        again = {
            "reference": view.reference,
            "board": view.board,
            "version": view.version,
            "page": view.page,
        }
        actions.insert(0, button("Choose a different decision", DECIDE_OPEN, again))
        return card(body, actions, fallback=f"Decide on {view.reference}.")
    body.append(heading("What the board decided", size="Medium"))
    # Teams shows at most 5 buttons in a row: the decisions go in two rows of three.
    for row in (DECISIONS[:3], DECISIONS[3:]):
        panels: list[ac.Action] = [
            ac.ShowCardAction(
                title=TITLES[decision],
                card=ac.AdaptiveCard(version="1.5", body=_panel_items(decision, view, own=True)),
            )
            for decision in row
        ]
        body.append(ac.ActionSet(actions=panels))
    return card(body, actions, fallback=f"Decide on {view.reference}.")


# ---- The requester's news, and a board without a channel ---------------------------------


def build_decision_news_card(
    reference: str, title: str, status: str, message: str, asking: bool
) -> ac.AdaptiveCard:
    """The requester's news of a board's decision; with an answer box when the board asks."""
    body: list[ac.CardElement] = [
        heading(f"Update on {reference}"),
        user_text(title, "Bolder"),
        para(f"Status: {status}."),
        user_text(message),
    ]
    actions: list[ac.Action] = [
        button(f"Show {reference}", verbs.SHOW_REQUEST, {"reference": reference})
    ]
    if asking:
        body.append(
            ac.TextInput(
                id=REQUESTER_ANSWER_TEXT,
                label="Your answer",
                is_multiline=True,
                max_length=2000,
                is_required=True,
                error_message="Write your answer before you send it",
            )
        )
        answer = button(
            "Send answer", REQUESTER_ANSWER, {"reference": reference}, primary=True, validate=True
        )
        actions.insert(0, answer)
    return card(body, actions, fallback=f"Update on {reference}.")


def build_no_channel_card(board_name: str, meeting: str, total: int) -> ac.AdaptiveCard:
    """For the board's secretary (or the admins) when the agenda has nowhere to go."""
    plural = "request is" if total == 1 else "requests are"
    return card(
        [
            heading(f"{board_name}: agenda not posted"),
            para(f"The agenda for the meeting on {meeting} is due."),
            para(f"It was not posted. The {board_name} has no Teams channel yet."),
            para(f"{total} {plural} on the board's list."),
            para(
                "To fix this, an admin types register board "
                f"{board_name} in the board's channel. Then anyone there can type agenda."
            ),
        ],
        fallback=f"{board_name}: agenda not posted.",
    )
