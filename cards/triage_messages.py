"""What the requester sees in their own chat when IT triage changes their request."""

from __future__ import annotations

import microsoft_teams.cards as ac

from bot.domain.model import STATUS_LABELS, DigitalRequest, Status
from cards import verbs
from cards.elements import button, card, heading, para, user_text


def build_question_card(request: DigitalRequest, message: str) -> ac.AdaptiveCard:
    """The news about a request; with an answer box when IT triage has asked a question."""
    body: list[ac.CardElement] = [
        heading(f"Update on {request.reference}"),
        user_text(request.details.title, weight="Bolder"),
        para(f"Status: {STATUS_LABELS[request.status]}."),
        user_text(message),
    ]
    actions: list[ac.Action] = [
        button(f"Show {request.reference}", verbs.SHOW_REQUEST, {"reference": request.reference})
    ]
    if request.status is Status.AWAITING_INFORMATION:
        body.append(
            ac.TextInput(id="answer", label="Your answer", is_multiline=True, max_length=2000)
        )
        actions.insert(
            0,
            button(
                "Send answer",
                verbs.REQUEST_ANSWER,
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
        [button("My requests", verbs.MY_REQUESTS)],
        fallback=f"Answer sent for {request.reference}.",
    )
