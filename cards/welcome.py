"""The first thing people see, and the help card."""

from __future__ import annotations

import microsoft_teams.cards as ac

from cards import verbs
from cards.elements import button, card, heading, para

COMMANDS: tuple[tuple[str, str], ...] = (
    ("new request", "Raise a digital request or a procurement early engagement."),
    ("continue", "Carry on with a request you started."),
    ("my requests", "See your requests and where they are."),
    ("status DR-2026-0001", "See one request, by its reference."),
    ("help", "See this list again."),
)

CHANNEL_COMMANDS: tuple[tuple[str, str], ...] = (
    ("register triage", "Admins only. Send new requests to this channel for IT triage."),
)


def _main_actions() -> list[ac.Action]:
    return [
        button("Raise a new request", verbs.NEW_REQUEST, primary=True),
        button("My requests", verbs.MY_REQUESTS),
    ]


def build_welcome_card(name: str) -> ac.AdaptiveCard:
    greeting = f"Hello {name.split()[0]}." if name.strip() else "Hello."
    return card(
        [
            heading("Digital Front Door"),
            para(greeting),
            para(
                "I help you raise a digital request, or tell IT early that you plan to buy "
                "or renew a system. I ask what the council's digital strategy needs to know, "
                "give your request a priority score, and send it to the right board."
            ),
            para("It takes about 10 minutes. You can save and finish later."),
            para("Type help at any time to see what I can do.", subtle=True),
        ],
        _main_actions(),
        fallback="Digital Front Door. Type new request to raise a digital request, or help.",
    )


def build_help_card(in_channel: bool = False) -> ac.AdaptiveCard:
    commands = COMMANDS + (CHANNEL_COMMANDS if in_channel else ())
    rows: list[ac.CardElement] = [heading("What you can type", size="Medium")]
    for command, meaning in commands:
        rows.append(
            ac.ColumnSet(
                columns=[
                    ac.Column(width="auto", items=[ac.TextBlock(text=command, weight="Bolder")]),
                    ac.Column(width="stretch", items=[para(meaning)]),
                ]
            )
        )
    rows.append(
        para("You can also type what you need, like: I need a way to book rooms online.", True)
    )
    return card(rows, _main_actions(), fallback="Type new request, continue, my requests or help.")
