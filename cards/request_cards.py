"""Cards about a submitted request for the person who raised it: the confirmation, the
status card (their single record of it), the list, and what withdrawing or changing says."""

from __future__ import annotations

import datetime as dt
import re

import microsoft_teams.cards as ac

from bot.domain import triage
from bot.domain.edits import EDITED_IN_SHAREPOINT, answers_in_words
from bot.domain.model import (
    ALSO_AFFECTED,
    KIND_LABELS,
    STATUS_LABELS,
    AuditEntry,
    DigitalRequest,
    FieldChange,
    Score,
    Status,
)
from bot.domain.procurement import CATALOGUE_CHECK
from bot.domain.scoring import score_summary
from bot.domain.text import defang_for_display, long_date
from bot.domain.triage import ALLOWED_FROM, Action
from bot.ports import Governance, Page
from cards import verbs
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
from cards.similar_cards import people

# The board and process names are the strategy's own words; the glossary explains them.
WORDS_HINT = "To find out what a word means, type what is and the word, like what is PMO."
AFTER_REJECTION = (
    "If you think it should go ahead, talk to your IT business partner. "
    "Or raise a new request and tell us more."
)
WITHDRAW_REASON = "withdrawReason"  # the optional reason on the status card's Withdraw panel
REFERENCE = "reference"  # card data: which request a button is about
# The status card must stay inside Teams' card size limit (about 28 KB) however long the
# record: it shows the newest history lines and questions, and cuts long texts.
HISTORY_SHOWN = 10  # the newest history lines on the status card
HISTORY_LINE_CHARS = 400
QUESTIONS_SHOWN = 3  # the newest questions from IT triage, each with its answer
QUESTION_CHARS = 500
ANSWER_CHARS = 800
CUT_NOTE = "Long texts are cut short here. The full text is kept with the request."

_TRIAGE = frozenset({Status.SUBMITTED, Status.IN_TRIAGE, Status.AWAITING_INFORMATION})
_CLOSED = frozenset({Status.REJECTED, Status.DUPLICATE, Status.WITHDRAWN})


def labelled_text(label: str, text: str) -> ac.Container:
    """Our own words under a bold label."""
    return ac.Container(
        items=[ac.TextBlock(text=label, weight="Bolder", wrap=True, spacing="Medium"), para(text)]
    )


def _points(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def score_breakdown(score: Score) -> list[ac.CardElement]:
    """How the score was worked out, criterion by criterion: the one place it is drawn."""
    rows: list[ac.CardElement] = [
        heading("How the score is worked out", size="Medium"),
        para(
            "We use the published prioritisation matrix to score it. "
            f"This is version {score.matrix_version}."
        ),
    ]
    for line in score.lines:
        rows.append(
            ac.Container(
                spacing="Medium",
                items=[
                    ac.TextBlock(
                        text=f"{line.label}: {_points(line.points)} of {line.weight} points",
                        weight="Bolder",
                        wrap=True,
                    ),
                    ac.RichTextBlock(inlines=[run(line.reason)], spacing="None"),
                ],
            )
        )
    return rows


def _score_section(score: Score) -> list[ac.CardElement]:
    """The score with its scale, and its breakdown one press away."""
    details = ac.AdaptiveCard(version="1.5", body=score_breakdown(score))
    return [
        ac.TextBlock(
            text=f"Priority score: {score_summary(score.total)}", wrap=True, spacing="Large"
        ),
        ac.ActionSet(actions=[ac.ShowCardAction(title="Show score details", card=details)]),
    ]


def _names(request: DigitalRequest, gov: Governance) -> tuple[str, str]:
    board = gov.boards.get(request.route.board)
    process = gov.processes.get(request.route.process)
    return (
        board.name if board else request.route.board or "no board yet",
        process.name if process else request.route.process or "not known yet",
    )


def _where_now(request: DigitalRequest, gov: Governance) -> list[ac.CardElement]:
    """Where the request is now. A closed request shows no route as if it were live."""
    status = request.status
    if status in _CLOSED:
        return []
    board, process = _names(request, gov)
    if status in _TRIAGE:
        return [
            heading("Where it is likely to go", size="Medium"),
            facts([("Board", board), ("Then", process)]),
            ac.RichTextBlock(inlines=[run("Why: " + defang_for_display(request.route.reason))]),
            para("IT triage checks this and may change it.", subtle=True),
            para(WORDS_HINT, subtle=True),
        ]
    if status is Status.WITH_BOARD:
        words = f"It is with the {board}, which decides on it. After that: {process}."
    else:
        words = f"The {board} has decided on it. After that: {process}."
    return [heading("Where it is now", size="Medium"), para(words)]


def _last(request: DigitalRequest, action: Action) -> AuditEntry | None:
    return next((e for e in reversed(request.history) if e.action == action.value), None)


def _closed_rows(request: DigitalRequest, for_requester: bool) -> list[ac.CardElement]:
    """Why a closed request is closed, and what can be done next."""
    status = request.status
    if status is Status.REJECTED:
        entry = _last(request, Action.REJECT)
        rows: list[ac.CardElement] = [
            heading("This request is closed", size="Medium"),
            para("IT triage did not take it forward."),
        ]
        if entry and entry.detail:
            rows.append(labelled_user_text("The reason IT triage gave", entry.detail))
        rows.append(labelled_text("What you can do next", AFTER_REJECTION))
        return rows
    if status is Status.DUPLICATE:
        other = request.duplicate_of or "another request"
        rows = [
            heading("This request is closed", size="Medium"),
            para(
                f"IT triage found that it asks for the same thing as {other}, so the two "
                f"are joined. The work carries on under {other}."
            ),
        ]
        if for_requester and request.duplicate_of:
            rows.append(para(f"To see where {other} is, type status {other}."))
        return rows
    if status is Status.WITHDRAWN:
        entry = _last(request, Action.WITHDRAW)
        who = "You" if for_requester else "The requester"
        when = f" on {long_date(entry.at.date())}" if entry else ""
        rows = [heading("This request is closed", size="Medium"), para(f"{who} withdrew it{when}.")]
        if entry and entry.detail:
            rows.append(labelled_user_text("The reason given", entry.detail))
        if for_requester:
            rows.append(para(triage.NEXT_STEPS[Status.WITHDRAWN]))
        return rows
    return []


# Which board has a request: named at the start of the history line that took it there
# ("To the Technical Review Board, then a change request.", "Sent to the ICT Improvement Group.").
_BOARD_NAMES = {
    "ddc": "Digital, Data and Customer Board",
    "trb": "Technical Review Board",
    "ictig": "ICT Improvement Group",
}
_TO_A_BOARD = frozenset({Action.ACCEPT.value, Action.SEND_TO_BOARD.value})
# A deputy's question ends with who decided for whom: the record keeps it, the card need not.
_DEPUTY_NOTE = re.compile(r" Decided by .{1,400} for .{1,400} \(deputy\)\.$")


def _board_in(detail: str) -> str:
    first = detail.split(". ", 1)[0]
    return next((key for key, name in _BOARD_NAMES.items() if name in first), "")


def _asked(request: DigitalRequest) -> list[tuple[str, AuditEntry, AuditEntry | None]]:
    """Every question asked, by IT triage or a board, with the answer given (or None)."""
    asked: list[tuple[str, AuditEntry, AuditEntry | None]] = []
    board = ""
    for entry in request.history:
        if entry.action in _TO_A_BOARD:
            board = _board_in(entry.detail) or board
        if entry.action == Action.ASK_INFO.value:
            asked.append(("IT triage", entry, None))
        elif entry.action == Action.BOARD_ASK_INFO.value:
            name = _BOARD_NAMES.get(board or request.route.board, "board")
            asked.append((f"The {name}", entry, None))
        elif entry.action == Action.ANSWER_INFO.value and asked and asked[-1][2] is None:
            asked[-1] = (asked[-1][0], asked[-1][1], entry)
    return asked


def _questions_heading(asked: list[tuple[str, AuditEntry, AuditEntry | None]]) -> str:
    askers = {who == "IT triage" for who, _, _ in asked}
    if askers == {True}:
        return "Questions from IT triage"
    return "Questions from the board" if askers == {False} else "Questions about it"


def _questions(request: DigitalRequest, for_requester: bool) -> list[ac.CardElement]:
    """Every question IT triage or a board asked, each with the answer given (or that
    none is yet), saying who asked."""
    asked = _asked(request)
    if not asked:
        return []
    who = "You" if for_requester else "The requester"
    rows: list[ac.CardElement] = [heading(_questions_heading(asked), size="Medium")]
    if len(asked) > QUESTIONS_SHOWN:
        earlier = len(asked) - QUESTIONS_SHOWN
        rows.append(para(f"{_count(earlier, 'earlier question')} kept.", subtle=True))
        asked = asked[-QUESTIONS_SHOWN:]
    cut = False
    for asker, question, answer in asked:
        said_by_asker = _DEPUTY_NOTE.sub("", question.detail)
        cut = cut or len(said_by_asker) > QUESTION_CHARS
        rows.append(
            labelled_user_text(
                f"{asker} asked on {long_date(question.at.date())}",
                said_by_asker,
                max_chars=QUESTION_CHARS,
            )
        )
        if answer is not None:
            said = answer.detail.removeprefix("Answer: ")
            cut = cut or len(said) > ANSWER_CHARS
            rows.append(
                labelled_user_text(
                    f"{who} answered on {long_date(answer.at.date())}",
                    said,
                    max_chars=ANSWER_CHARS,
                )
            )
        elif request.status is Status.AWAITING_INFORMATION and for_requester:
            rows.append(
                para("Not answered yet. Answer it on the question I sent you in this chat.")
            )
        else:
            rows.append(para("Not answered.", subtle=True))
    if cut:
        rows.append(para(CUT_NOTE, subtle=True))
    return rows


def _count(number: int, thing: str) -> str:
    """Like "1 earlier change is" or "3 earlier changes are"."""
    return f"1 {thing} is" if number == 1 else f"{number:,} {thing}s are"


def _happened(entry: AuditEntry, for_requester: bool) -> str:
    """One history line in words: what happened, and by whom where it helps."""
    you = "You" if for_requester else "The requester"
    by = entry.actor_name or "IT triage"
    match entry.action:
        case Action.ASSIGN.value:
            return f"{entry.detail.rstrip('.')} by {by}."
        case Action.CHANGE_ROUTE.value:
            return f"{by} changed where it goes. {entry.detail}"
        case Action.ASK_INFO.value:
            return f"{by} asked a question."
        case Action.ANSWER_INFO.value:
            return f"{you} answered the question."
        case Action.ACCEPT.value:
            sent = entry.detail[:1].lower() + entry.detail[1:]
            return f"{by} accepted it and sent it {sent}" if sent else f"{by} accepted it."
        case Action.REJECT.value:
            return f"{by} did not take it forward."
        case Action.REOPEN.value:
            return f"{by} reopened it."
        case Action.DELIVER.value:
            return f"{by} marked it as delivered. {entry.detail}".rstrip()
        case Action.WITHDRAW.value:
            return f"{you} withdrew it."
        case Action.EDIT_DETAILS.value:
            return f"{you} changed: {entry.detail.removeprefix('Changed: ')}"
        case Action.LINK_DUPLICATE.value:
            other = entry.detail.removeprefix("Duplicate of ").rstrip(".") or "another request"
            return f"{by} joined it to {other}, which asks for the same thing."
        case _ if entry.action == ALSO_AFFECTED:
            return f"{entry.actor_name or 'Someone'} said they are also affected."
        case _ if entry.action == EDITED_IN_SHAREPOINT:
            return entry.detail or f"{by} changed it in SharePoint."
        case _ if entry.action == CATALOGUE_CHECK:
            return f"{you} checked the application catalogue. {entry.detail}".rstrip()
    return f"{by}: {entry.detail}" if entry.detail else f"{by} changed it."


def _history(request: DigitalRequest, for_requester: bool) -> list[ac.CardElement]:
    who = "You" if for_requester else (request.requester.name or "The requester")
    lines: list[tuple[dt.datetime, str]] = [(request.submitted_at, f"{who} sent it.")]
    lines += [(e.at, _happened(e, for_requester)) for e in request.history]
    rows: list[ac.CardElement] = [heading("What has happened", size="Medium")]
    if len(lines) > HISTORY_SHOWN:
        earlier = len(lines) - HISTORY_SHOWN
        rows.append(para(f"{_count(earlier, 'earlier change')} kept.", True))
        lines = lines[-HISTORY_SHOWN:]
    cut = False
    for at, text in lines:
        if len(text) > HISTORY_LINE_CHARS:
            text, cut = text[:HISTORY_LINE_CHARS].rstrip() + "…", True
        rows.append(
            ac.RichTextBlock(
                inlines=[run(f"{long_date(at.date())}: ", "Bolder"), run(defang_for_display(text))]
            )
        )
    if cut:
        rows.append(para(CUT_NOTE, subtle=True))
    return rows


def _status_words(request: DigitalRequest, for_requester: bool) -> str:
    return STATUS_LABELS[request.status] if for_requester else triage.status_for_it(request.status)


def _answers(request: DigitalRequest, for_requester: bool) -> list[ac.CardElement]:
    """Everything the requester said, one press away."""
    rows: list[ac.CardElement] = [
        labelled_user_text(label[:1].upper() + label[1:], value)
        for label, value in answers_in_words(request.details)
    ]
    title = "Show your answers" if for_requester else "Show the requester's answers"
    shown = ac.AdaptiveCard(version="1.5", body=rows)
    return [ac.ActionSet(actions=[ac.ShowCardAction(title=title, card=shown)])]


def _next(request: DigitalRequest, gov: Governance) -> list[ac.CardElement]:
    if request.status in _CLOSED:
        return []
    board, _ = _names(request, gov)
    return [notice("What happens next: " + triage.next_steps(request.status, board))]


def _withdraw_panel(request: DigitalRequest) -> ac.AdaptiveCard:
    return ac.AdaptiveCard(
        version="1.5",
        body=[
            para(
                "If you withdraw it, IT triage and the boards stop work on it. "
                "You cannot undo this."
            ),
            ac.TextInput(
                id=WITHDRAW_REASON,
                label="Why are you withdrawing it? (optional)",
                is_multiline=True,
                max_length=1000,
            ),
        ],
        actions=[
            button(
                "Withdraw request",
                verbs.WITHDRAW_REQUEST,
                {REFERENCE: request.reference},
                validate=True,
            )
        ],
    )


def build_withdraw_card(request: DigitalRequest) -> ac.AdaptiveCard:
    """Asks before withdrawing, when the requester typed withdraw and a reference."""
    panel = _withdraw_panel(request)
    body: list[ac.CardElement] = [
        heading(f"Withdraw {request.reference}?"),
        user_text(request.details.title, weight="Bolder"),
        *(panel.body or []),
    ]
    return card(
        body,
        [
            *(panel.actions or []),
            button("Keep it", verbs.SHOW_REQUEST, {REFERENCE: request.reference}),
        ],
        fallback=f"Withdraw {request.reference}?",
    )


def _requester_actions(request: DigitalRequest) -> list[ac.Action]:
    """Withdraw and change, only while the request is at a stage that allows them."""
    data = {REFERENCE: request.reference}
    actions: list[ac.Action] = []
    if request.status in ALLOWED_FROM[Action.EDIT_DETAILS]:
        actions.append(button("Change my answers", verbs.CHANGE_REQUEST, data))
    if request.status in ALLOWED_FROM[Action.WITHDRAW]:
        panel = _withdraw_panel(request)
        actions.append(ac.ShowCardAction(title="Withdraw this request…", card=panel))
    return actions


def build_status_card(
    request: DigitalRequest, gov: Governance, for_requester: bool = True
) -> ac.AdaptiveCard:
    """The request's single record: for its requester, with what they can do; for IT
    triage (and admins), the same record read-only."""
    details = request.details
    status = _status_words(request, for_requester)
    rows = [("Status", status), ("Sent", long_date(request.submitted_at.date()))]
    if not for_requester:
        rows.append(("Raised by", request.requester.name or "Not known"))
    rows.append(("Kind", KIND_LABELS[details.kind]))
    if request.also_affected:
        rows.append(("Also affected", people(request.also_affected)))
    body: list[ac.CardElement] = [heading(request.reference)]
    if request.stale:
        body.append(notice(STALE_REQUEST))
    body += [
        user_text(details.title, weight="Bolder"),
        facts(rows),
        *_answers(request, for_requester),
        *_closed_rows(request, for_requester),
        *_where_now(request, gov),
        *_questions(request, for_requester),
        *(_next(request, gov) if for_requester else []),
        *_score_section(request.score),
        *_history(request, for_requester),
    ]
    actions: list[ac.Action] = []
    if for_requester:
        actions = [*_requester_actions(request), button("My requests", verbs.MY_REQUESTS)]
    return card(body, actions, fallback=f"{request.reference}: {status}")


def _status_changes(request: DigitalRequest) -> list[ac.CardElement]:
    """When its status changed, and to what: no names, no answers, no reasons."""
    lines = [(request.submitted_at, "Sent to IT triage.")]
    lines += [
        (e.at, f"{triage.status_for_it(e.to_status)}.")
        for e in request.history
        if e.to_status is not e.from_status
    ]
    rows: list[ac.CardElement] = [heading("How its status has changed", size="Medium")]
    if len(lines) > HISTORY_SHOWN:
        rows.append(para(f"{_count(len(lines) - HISTORY_SHOWN, 'earlier change')} kept.", True))
        lines = lines[-HISTORY_SHOWN:]
    rows += [
        ac.RichTextBlock(inlines=[run(f"{long_date(at.date())}: ", "Bolder"), run(text)])
        for at, text in lines
    ]
    return rows


def build_joined_card(request: DigitalRequest, yours: str, gov: Governance) -> ac.AdaptiveCard:
    """Someone else's request that IT triage joined the person's own request `yours` to:
    a short record, so they can follow it. Not the other person's name or answers."""
    status = triage.status_for_it(request.status)
    body: list[ac.CardElement] = [heading(request.reference)]
    if request.stale:
        body.append(notice(STALE_REQUEST))
    body += [
        para(
            f"IT triage joined your request {yours} to this one, because they ask for the "
            "same thing. Someone else raised this one, so you see a short record of it."
        ),
        user_text(request.details.title, weight="Bolder"),
        facts([("Status", status), ("Sent", long_date(request.submitted_at.date()))]),
    ]
    if request.status not in _CLOSED:
        board, process = _names(request, gov)
        where = "Likely to go to" if request.status in _TRIAGE else "Board"
        body += [
            heading("Where it is now", size="Medium"),
            facts([(where, board), ("Then", process)]),
            para(WORDS_HINT, subtle=True),
        ]
    body += _status_changes(request)
    return card(
        body,
        [
            button(f"Show {yours}", verbs.SHOW_REQUEST, {REFERENCE: yours}),
            button("My requests", verbs.MY_REQUESTS),
        ],
        fallback=f"{request.reference}: {status}",
    )


def _next_steps(request: DigitalRequest, gov: Governance) -> str:
    board, _ = _names(request, gov)
    return (
        "What happens next: IT triage will check your request and may ask you for more "
        f"information. Then it goes to the {board}, which decides on it. I will message you "
        f"here when anything changes. Type status {request.reference} at any time."
    )


def build_confirmation_card(request: DigitalRequest, gov: Governance) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [
        heading("Request sent"),
        ac.TextBlock(text=f"Your reference is {request.reference}", size="Large", wrap=True),
        user_text(request.details.title, weight="Bolder"),
        *_score_section(request.score),
        *_where_now(request, gov),
        notice(_next_steps(request, gov)),
    ]
    return card(
        body,
        [button("My requests", verbs.MY_REQUESTS), button("Raise another", verbs.NEW_REQUEST)],
        fallback=f"Request sent. Your reference is {request.reference}.",
    )


def build_withdrawn_card(request: DigitalRequest) -> ac.AdaptiveCard:
    """What the requester sees once they have withdrawn a request."""
    body: list[ac.CardElement] = [
        heading("Request withdrawn"),
        para(f"You have withdrawn {request.reference}:"),
        user_text(request.details.title, weight="Bolder"),
        para(
            "IT triage can see that you withdrew it, and work on it stops. "
            + triage.NEXT_STEPS[Status.WITHDRAWN]
        ),
    ]
    return card(
        body,
        [
            button("My requests", verbs.MY_REQUESTS),
            button("Raise a new request", verbs.NEW_REQUEST),
        ],
        fallback=f"You have withdrawn {request.reference}.",
    )


def build_changed_card(
    request: DigitalRequest, gov: Governance, changes: list[FieldChange], route_kept: bool
) -> ac.AdaptiveCard:
    """What the requester sees once their changed answers are saved."""
    changed = ", ".join(c.label for c in changes)
    body: list[ac.CardElement] = [
        heading("Changes sent"),
        para(f"Your request {request.reference} now has your new answers."),
        user_text(request.details.title, weight="Bolder"),
        para(f"You changed: {changed}. IT triage can see what you changed."),
        *_score_section(request.score),
        *_where_now(request, gov),
    ]
    if route_kept:
        body.append(
            para(
                "IT triage chose where this request goes, so your changes do not move it. "
                "They can change it if your new answers need a different board."
            )
        )
    return card(
        body,
        [button("My requests", verbs.MY_REQUESTS)],
        fallback=f"Changes sent for {request.reference}.",
    )


STALE = (
    "SharePoint is not answering just now, so this list comes from the bot's own copy and "
    "may be a little out of date."
)
STALE_REQUEST = (
    "SharePoint is not answering just now, so this comes from the bot's own copy and may "
    "be a little out of date."
)


def _row_state(item: DigitalRequest, gov: Governance) -> str:
    """A request's state now, in a few words: the board only once it is really with one."""
    words = STATUS_LABELS[item.status]
    board, _ = _names(item, gov)
    if item.status is Status.WITH_BOARD:
        return f"With the {board}, which decides on it."
    if item.status in (Status.DECIDED, Status.IN_CHANGE, Status.IN_PROJECT):
        return f"{words}. Decided by the {board}."
    if item.status is Status.DUPLICATE and item.duplicate_of:
        return f"{words}: {item.duplicate_of}."
    return f"{words}."


def _show_title(item: DigitalRequest) -> str:
    """The row's button names its own request: its reference and title."""
    title = item.details.title
    title = title if len(title) <= 60 else title[:60].rstrip() + "…"
    return defang_for_display(f"Show {item.reference}: {title}")


def build_my_requests_card(page: Page, gov: Governance) -> ac.AdaptiveCard:
    if not page.items:
        empty: list[ac.CardElement] = [heading("Your requests")]
        if page.stale:
            empty.append(notice(STALE))
        empty.append(para("You have not raised any requests yet."))
        return card(
            empty,
            [button("Raise a new request", verbs.NEW_REQUEST, primary=True)],
            fallback="You have not raised any requests yet. Type new request to start.",
        )
    body: list[ac.CardElement] = [heading("Your requests")]
    if page.stale:
        body.append(notice(STALE))
    for item in page.items:
        show = button(_show_title(item), verbs.SHOW_REQUEST, {REFERENCE: item.reference})
        body.append(
            ac.Container(
                separator=True,
                spacing="Medium",
                items=[
                    ac.TextBlock(text=item.reference, weight="Bolder", wrap=True),
                    user_text(item.details.title, max_chars=120),
                    para(_row_state(item, gov), subtle=True),
                    ac.ActionSet(actions=[show]),
                ],
            )
        )
    actions: list[ac.Action] = []
    if page.next_token:
        actions.append(button("Show older requests", verbs.MY_REQUESTS, {"page": page.next_token}))
    return card(body, actions, fallback="Your requests.")
