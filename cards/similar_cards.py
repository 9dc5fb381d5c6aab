"""Cards for the same need: requests like the one about to be sent, and joining one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import microsoft_teams.cards as ac

from bot.domain.model import ALSO_AFFECTED, DigitalRequest
from bot.domain.text import long_date
from bot.domain.triage import status_for_it
from cards import verbs
from cards.elements import button, card, facts, heading, notice, para, user_text

JOIN = "request.join"  # "Add me as also affected": data names the request and the draft
SEND_ANYWAY = "request.send_anyway"  # the form's Send, past the same-need check
CONTINUE_DRAFT = "request.continue"  # the request form's own "continue" button
REFERENCE = "reference"
DRAFT_ID = "draftId"
DRAFT_KEPT = "Your draft is kept. Type continue if you still want to send it, or discard it."


def people(count: int) -> str:
    return "1 person" if count == 1 else f"{count:,} people"


def who_has_it(request: DigitalRequest) -> str:
    """The people who say they have this need, not the residents or staff the request
    serves (its own answers count those)."""
    more = request.also_affected
    if not more:
        return "Raised by 1 person. Nobody else has said it affects them yet."
    say = "1 more person says" if more == 1 else f"{more:,} more people say"
    return f"Raised by 1 person. {say} it affects them too."


def _standing(request: DigitalRequest, viewer_id: str) -> str:
    if request.requester.user_id == viewer_id:
        return "This is your request."
    if any(e.action == ALSO_AFFECTED and e.actor_id == viewer_id for e in request.history):
        return "You already said you are also affected by this request."
    return ""


def _match(request: DigitalRequest, viewer_id: str, draft_id: str) -> ac.Container:
    items: list[ac.CardElement] = [
        user_text(request.details.title, weight="Bolder"),
        facts(
            [
                ("Reference", request.reference),
                ("Status", status_for_it(request.status)),
                ("Sent", long_date(request.submitted_at.date())),
            ]
        ),
        para(who_has_it(request)),
    ]
    if standing := _standing(request, viewer_id):
        items.append(para(standing))
    else:
        data = {REFERENCE: request.reference, DRAFT_ID: draft_id}
        title = f"Add me to {request.reference} as also affected"
        items.append(ac.ActionSet(actions=[button(title, JOIN, data)]))
    return ac.Container(items=items, separator=True, spacing="Large")


def build_same_need_card(
    requests: Sequence[DigitalRequest], viewer_id: str, send_data: dict[str, Any]
) -> ac.AdaptiveCard:
    """Before a request is sent: open requests that look like the same need.

    `send_data` is what the form's Send button carried, so "send mine" is checked the
    same way."""
    draft_id = str(send_data.get(DRAFT_ID, ""))
    body: list[ac.CardElement] = [
        heading("Is this the same as a request someone already raised?"),
        para(
            "These requests look like yours. If one of them is the same need, you can add "
            "yourself to it instead of sending a new request. The person who raised it and "
            "IT triage are told that it affects you too."
        ),
        *[_match(request, viewer_id, draft_id) for request in requests],
        para("Your request has not been sent yet.", subtle=True),
    ]
    actions: list[ac.Action] = [
        button("No, send mine as a new request", SEND_ANYWAY, send_data, primary=True),
        button("Check my answers again", CONTINUE_DRAFT),
    ]
    return card(body, actions, fallback="Is this the same as a request someone already raised?")


def build_joined_card(request: DigitalRequest) -> ac.AdaptiveCard:
    """What the person who joined sees: they are on it, who is told, and their draft."""
    return card(
        [
            heading(f"You are now on {request.reference}"),
            user_text(request.details.title, weight="Bolder"),
            para(
                "Thank you. The person who raised it and IT triage are told that you are "
                "also affected."
            ),
            para(who_has_it(request)),
            notice(DRAFT_KEPT),
        ],
        [button("Continue my draft", CONTINUE_DRAFT), button("My requests", verbs.MY_REQUESTS)],
        fallback=f"You are now on {request.reference}.",
    )


def _now_said(count: int) -> str:
    if count == 1:
        return "1 person has now said they are also affected."
    return f"{count:,} people have now said they are also affected."


def build_also_affected_news_card(request: DigitalRequest, name: str) -> ac.AdaptiveCard:
    """For the requester: someone else has the same need as their request."""
    who = name or "Someone"
    return card(
        [
            heading(f"More people need {request.reference}"),
            user_text(request.details.title, weight="Bolder"),
            user_text(f"{who} said they are also affected by your request."),
            para(f"{_now_said(request.also_affected)} IT triage can see this."),
            para("You do not need to do anything."),
        ],
        [
            button(f"Show {request.reference}", verbs.SHOW_REQUEST, {REFERENCE: request.reference}),
            button("My requests", verbs.MY_REQUESTS),
        ],
        fallback=f"More people need {request.reference}.",
    )


def build_also_affected_thread_card(request: DigitalRequest, name: str) -> ac.AdaptiveCard:
    """For IT triage, in the request's thread: someone joined it as also affected."""
    who = name or "Someone"
    return card(
        [
            heading(f"Also affected: {request.reference}"),
            user_text(f"{who} said they are also affected by this request."),
            para(
                f"{_now_said(request.also_affected)} Counting the requester, that is "
                f"{people(1 + request.also_affected)} with this need."
            ),
        ],
        fallback=f"Also affected: {request.reference}.",
    )
