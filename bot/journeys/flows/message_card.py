"""The card a flow's message becomes: the flow's words, marked as the flow's.

Everything the caller gave is shown as TextRuns (never Markdown) with web addresses
defanged, so a message cannot dress itself up as the bot's own or hide a link. The one
link is a button, with the site it opens said in words.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import microsoft_teams.cards as ac

from bot.api.operations import ApiCaller
from bot.domain.text import defang_for_display
from bot.journeys.flows.message_models import SendMessageBody
from cards.elements import card, heading, run, to_dict

MOST_BYTES = 28 * 1024  # well under Teams' limits, with room for the activity around it
MOST_PARAGRAPHS = 15  # each line is a paragraph; after this many, the rest share the last


def message_card(body: SendMessageBody, caller: ApiCaller) -> dict[str, Any]:
    items: list[ac.CardElement] = [
        heading("A message from a Power Automate flow"),
        _sent_by(caller),
        ac.RichTextBlock(
            inlines=[_shown(body.title, weight="Bolder", size="Medium")], spacing="Medium"
        ),
        *(ac.RichTextBlock(inlines=[_shown(line)]) for line in paragraphs(body.text)),
    ]
    if body.facts:
        items.append(
            ac.Container(
                spacing="Medium",
                items=[
                    ac.RichTextBlock(
                        inlines=[_shown(f"{fact.name}: ", weight="Bolder"), _shown(fact.value)]
                    )
                    for fact in body.facts
                ],
            )
        )
    actions: list[ac.Action] = []
    if body.link is not None:
        host = urlsplit(body.link.url).hostname or ""
        items.append(
            ac.RichTextBlock(
                inlines=[run("The button opens a page on "), _shown(host), run(".")],
                spacing="Medium",
            )
        )
        actions.append(ac.OpenUrlAction(title=body.link.title, url=body.link.url))
    return to_dict(card(items, actions, fallback="A message from a Power Automate flow."))


def card_bytes(built: dict[str, Any]) -> int:
    return len(json.dumps(built, separators=(",", ":"), ensure_ascii=False).encode())


def who(caller: ApiCaller) -> str:
    """The caller as people know them: their name, else the app's id."""
    if caller.name:
        return caller.name
    return f"the app {caller.app_id}" if caller.app_id else "an app"


def paragraphs(text: str) -> list[str]:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) <= MOST_PARAGRAPHS:
        return lines
    return [*lines[: MOST_PARAGRAPHS - 1], " ".join(lines[MOST_PARAGRAPHS - 1 :])]


def _sent_by(caller: ApiCaller) -> ac.RichTextBlock:
    return ac.RichTextBlock(
        inlines=[
            run("A flow run by "),
            _shown(who(caller)),
            run(" sent this. The Digital Front Door did not write it."),
        ]
    )


def _shown(text: str, weight: Any = None, size: Any = None) -> ac.CardElement:
    """Someone else's words: plain text, never Markdown, never a link."""
    return ac.TextRun(text=defang_for_display(text), weight=weight, size=size)
