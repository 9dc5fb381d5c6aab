"""Cards about a submitted request: the confirmation, its status, the list, the triage card."""

from __future__ import annotations

import microsoft_teams.cards as ac

from bot.domain.model import (
    BUDGET_LABELS,
    DRIVER_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    DigitalRequest,
    Score,
)
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


def _points(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def score_breakdown(score: Score) -> list[ac.CardElement]:
    rows: list[ac.CardElement] = [
        heading(f"Priority score: {score.total} out of 100", size="Medium"),
        para(f"Scored on the published prioritisation matrix, version {score.matrix_version}."),
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


def _route_rows(request: DigitalRequest, gov: Governance) -> list[ac.CardElement]:
    board = gov.boards.get(request.route.board)
    process = gov.processes.get(request.route.process)
    return [
        heading("Where it goes", size="Medium"),
        facts(
            [
                ("Board", board.name if board else request.route.board),
                ("Then", process.name if process else request.route.process),
            ]
        ),
        ac.RichTextBlock(inlines=[run("Why: " + request.route.reason)]),
    ]


def _next_steps(request: DigitalRequest, gov: Governance) -> str:
    board = gov.boards.get(request.route.board)
    name = board.name if board else "the board"
    return (
        "What happens next: IT triage will check your request and may ask you for more "
        f"information. Then it goes to the {name}, which decides on it. I will message you "
        f"here when anything changes. Type status {request.reference} at any time."
    )


def build_confirmation_card(request: DigitalRequest, gov: Governance) -> ac.AdaptiveCard:
    body: list[ac.CardElement] = [
        heading("Request sent"),
        ac.TextBlock(text=f"Your reference is {request.reference}", size="Large", wrap=True),
        user_text(request.details.title, weight="Bolder"),
        *score_breakdown(request.score),
        *_route_rows(request, gov),
        notice(_next_steps(request, gov)),
    ]
    return card(
        body,
        [button("My requests", verbs.MY_REQUESTS), button("Raise another", verbs.NEW_REQUEST)],
        fallback=f"Request sent. Your reference is {request.reference}.",
    )


def build_status_card(request: DigitalRequest, gov: Governance) -> ac.AdaptiveCard:
    details = request.details
    body: list[ac.CardElement] = [
        heading(request.reference),
        user_text(details.title, weight="Bolder"),
        facts(
            [
                ("Status", STATUS_LABELS[request.status]),
                ("Sent", request.submitted_at.strftime("%d %B %Y")),
                ("Kind", KIND_LABELS[details.kind]),
            ]
        ),
        *_route_rows(request, gov),
        *score_breakdown(request.score),
    ]
    if request.stale:
        body.insert(1, notice(STALE_REQUEST))
    return card(
        body,
        [button("My requests", verbs.MY_REQUESTS)],
        fallback=f"{request.reference}: {STATUS_LABELS[request.status]}",
    )


STALE = (
    "SharePoint is not answering just now, so this list comes from the bot's own copy and "
    "may be a little out of date."
)
STALE_REQUEST = (
    "SharePoint is not answering just now, so this comes from the bot's own copy and may "
    "be a little out of date."
)


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
        board = gov.boards.get(item.route.board)
        body.append(
            ac.Container(
                separator=True,
                items=[
                    ac.TextBlock(text=item.reference, weight="Bolder", wrap=True),
                    user_text(item.details.title, max_chars=120),
                    para(
                        f"{STATUS_LABELS[item.status]}. Score {item.score.total} out of 100. "
                        f"Board: {board.name if board else item.route.board}.",
                        subtle=True,
                    ),
                ],
                select_action=button("Show", verbs.SHOW_REQUEST, {"reference": item.reference}),
            )
        )
    actions: list[ac.Action] = [
        button(f"Show {item.reference}", verbs.SHOW_REQUEST, {"reference": item.reference})
        for item in page.items[:3]
    ]
    if page.next_token:
        actions.append(button("Show older requests", verbs.MY_REQUESTS, {"page": page.next_token}))
    return card(body, actions, fallback="Your requests.")


def _flags(request: DigitalRequest) -> list[str]:
    details = request.details
    flags: list[str] = []
    if details.involves_procurement:
        ends = details.contract_end.strftime("%d %B %Y") if details.contract_end else "not given"
        flags.append(f"Procurement: yes, buying or renewing. Contract end date: {ends}.")
    if details.personal_data:
        flags.append("Personal data: yes. A data protection impact assessment (DPIA) is needed.")
    if not details.sponsor:
        flags.append("Senior sponsor: none named yet.")
    if details.statutory_deadline:
        flags.append(f"Statutory deadline: {details.statutory_deadline.strftime('%d %B %Y')}.")
    return flags or ["No flags."]


def triage_summary(request: DigitalRequest, gov: Governance) -> list[ac.CardElement]:
    """What IT triage needs to know about a request, in the order they read it."""
    details = request.details
    drivers = ", ".join(DRIVER_LABELS[d] for d in details.drivers) or "None chosen"
    body: list[ac.CardElement] = [
        heading(
            f"New request {request.reference}"
            if request.status.value == "submitted"
            else f"Request {request.reference}",
            size="Medium",
        ),
        user_text(details.title, weight="Bolder"),
        user_text("Raised by " + (request.requester.name or "someone whose name we do not have")),
        facts(
            [
                ("Directorate", details.directorate),
                ("Kind", KIND_LABELS[details.kind]),
                ("Budget", BUDGET_LABELS[details.budget]),
                ("Score", f"{request.score.total} out of 100"),
                ("Status", STATUS_LABELS[request.status]),
            ]
        ),
        heading("Flags", size="Medium"),
        *[para(flag) for flag in _flags(request)],
        labelled_user_text("The problem today", details.problem, max_chars=600),
        labelled_user_text("Supplier", details.supplier) if details.supplier else para(""),
        para(f"Strategic drivers: {drivers}."),
        *_route_rows(request, gov),
        *score_breakdown(request.score),
    ]
    return [b for b in body if not (isinstance(b, ac.TextBlock) and not b.text)]
