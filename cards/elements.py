"""Building blocks shared by the cards, and the one way a card becomes JSON (`to_dict`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import microsoft_teams.cards as ac

from bot.domain.text import defang_for_display

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
HeadingSize = Literal["Medium", "Large"]
Weight = Literal["Default", "Bolder"]


def run(text: str, weight: Weight | None = None) -> ac.CardElement:
    """A TextRun: plain text, never Markdown."""
    return ac.TextRun(text=text, weight=weight)


def card(
    body: list[ac.CardElement], actions: list[ac.Action] | None = None, fallback: str = ""
) -> ac.AdaptiveCard:
    return ac.AdaptiveCard(
        version="1.5",
        body=body,
        actions=actions or None,
        fallback_text=fallback or None,
        msteams=ac.TeamsCardProperties(width="full"),
    )


def to_dict(built: ac.AdaptiveCard) -> dict[str, Any]:
    data: dict[str, Any] = built.model_dump(by_alias=True, exclude_none=True)
    data["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    return data


def heading(text: str, size: HeadingSize = "Large") -> ac.TextBlock:
    """A Large heading is the card's title (marked as a heading for screen readers).

    Section headings are Medium and carry no heading style, because hosts draw the
    heading style at one fixed size and the section would look like body text.
    """
    if size == "Large":
        return ac.TextBlock(text=text, size="Large", weight="Bolder", wrap=True, style="heading")
    return ac.TextBlock(text=text, size="Medium", weight="Bolder", wrap=True, spacing="Large")


def para(text: str, subtle: bool = False) -> ac.TextBlock:
    return ac.TextBlock(text=text, wrap=True, is_subtle=subtle or None)


def user_text(text: str, weight: Weight | None = None, max_chars: int = 0) -> ac.RichTextBlock:
    """Someone's own words. A TextRun is never Markdown, and links are defanged."""
    shown = text if not max_chars or len(text) <= max_chars else text[:max_chars].rstrip() + "…"
    return ac.RichTextBlock(inlines=[run(defang_for_display(shown), weight)])


def labelled_user_text(label: str, text: str, max_chars: int = 0) -> ac.Container:
    return ac.Container(
        items=[
            ac.TextBlock(text=label, weight="Bolder", wrap=True, spacing="Medium"),
            user_text(text or "Not given", max_chars=max_chars),
        ]
    )


def facts(pairs: list[tuple[str, str]]) -> ac.FactSet:
    """Only for our own words and numbers: FactSet values may render Markdown."""
    return ac.FactSet(facts=[ac.Fact(title=title, value=value) for title, value in pairs])


def button(
    title: str,
    verb: str,
    data: dict[str, Any] | None = None,
    primary: bool = False,
    validate: bool = False,
) -> ac.ExecuteAction:
    payload = {"verb": verb, **(data or {})}
    return ac.ExecuteAction(
        title=title,
        verb=verb,
        data=payload,
        style="positive" if primary else None,
        associated_inputs="auto" if validate else "none",
        # Clients without Universal Actions send the same data as a message instead.
        fallback=ac.SubmitAction(title=title, data=payload),
    )


def notice(text: str, important: bool = False) -> ac.Container:
    """A highlighted note. Meaning is in the words, never only in the colour."""
    return ac.Container(
        style="warning" if important else "emphasis",
        items=[para(text)],
        spacing="Medium",
    )


def error_summary(errors: Mapping[str, str]) -> ac.Container:
    """The GOV.UK error summary at the top of a form: "There is a problem", then each
    problem in words (the colour only repeats what the words say)."""
    lines: list[ac.CardElement] = [
        ac.TextBlock(text="There is a problem", weight="Bolder", size="Medium", wrap=True)
    ]
    lines += [para(message) for message in errors.values()]
    return ac.Container(style="attention", items=lines)
