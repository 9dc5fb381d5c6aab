"""The card checker catches each kind of broken card, and passes a card like ours."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.support.cards import (
    REPO_ROOT,
    all_text,
    assert_cards_ok,
    card_problems,
    find_inputs,
)


def card(*body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": list(body),
        **extra,
    }


def text_input(input_id: str, label: str = "Title") -> dict[str, Any]:
    return {"type": "Input.Text", "id": input_id, "label": label}


GOOD_CARD = card(
    {"type": "TextBlock", "text": "New digital request", "wrap": True},
    {
        "type": "Container",
        "items": [
            {
                "type": "Input.Text",
                "id": "title",
                "label": "Title",
                "isRequired": True,
                "errorMessage": "Give the request a title.",
            },
            {"type": "Input.Number", "id": "users", "label": "People affected", "min": 0},
        ],
    },
    {
        "type": "ColumnSet",
        "columns": [
            {
                "type": "Column",
                "items": [{"type": "Input.Date", "id": "needed_by", "label": "Needed by"}],
            },
            {
                "type": "Column",
                "items": [
                    {
                        "type": "Input.Toggle",
                        "id": "sponsor",
                        "label": "Sponsor",
                        "title": "A senior sponsor is named",
                    }
                ],
            },
        ],
    },
    {
        "type": "Input.ChoiceSet",
        "id": "drivers",
        "label": "Strategic drivers",
        "isMultiSelect": True,
        "choices": [
            {"title": "Customer first", "value": "customer"},
            {"title": "Data driven", "value": "data"},
        ],
    },
    {"type": "FactSet", "facts": [{"title": "Reference", "value": "DR-2026-0042"}]},
    {
        "type": "ActionSet",
        "actions": [{"type": "Action.Execute", "verb": "request.save", "title": "Save draft"}],
    },
    actions=[
        {
            "type": "Action.Execute",
            "verb": "request.submit",
            "title": "Submit",
            "data": {"type": "Input.Text", "id": "title"},  # payload, not an element
        },
        {
            "type": "Action.ShowCard",
            "title": "Add a note",
            "card": {"type": "AdaptiveCard", "body": [text_input("note", "Note")]},
        },
    ],
    refresh={
        "action": {"type": "Action.Execute", "verb": "request.refresh"},
        "userIds": ["29:user"],
    },
    msteams={"width": "Full"},
)

BAD_CARDS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown element type": (
        card({"type": "FancyBox", "text": "x"}),
        'Unknown element type "FancyBox"',
    ),
    "unknown action type": (
        card(actions=[{"type": "Action.Fancy", "title": "x"}]),
        'Unknown action type "Action.Fancy"',
    ),
    "duplicate input id": (
        card(text_input("title"), text_input("title", "Again")),
        'Duplicate Id "title"',
    ),
    "duplicate input id inside a show-card": (
        card(
            text_input("title"),
            actions=[
                {
                    "type": "Action.ShowCard",
                    "title": "More",
                    "card": {"type": "AdaptiveCard", "body": [text_input("title")]},
                }
            ],
        ),
        "Input id 'title' is used 2 times",
    ),
    "input without an id": (
        card({"type": "Input.Text", "label": "Title"}),
        "All inputs must have a unique Id",
    ),
    "missing required url": (
        card(actions=[{"type": "Action.OpenUrl", "title": "Open"}]),
        'Property "url" must be set',
    ),
    "TextBlock without text": (
        card({"type": "TextBlock", "wrap": True}),
        "TextBlock is missing required property 'text'",
    ),
    "input without label": (
        card({"type": "Input.Text", "id": "title"}),
        "Input.Text 'title' has no label",
    ),
    "input with a blank label, nested in a column": (
        card(
            {
                "type": "ColumnSet",
                "columns": [{"type": "Column", "items": [text_input("when", "  ")]}],
            }
        ),
        "Input.Text 'when' has no label",
    ),
    "version 1.4": (card(version="1.4"), "Card version must be \"1.5\", not '1.4'"),
    "no version": (
        {"type": "AdaptiveCard", "body": []},
        'Card version must be "1.5", not None',
    ),
    "markdown link in TextBlock": (
        card({"type": "TextBlock", "text": "See [the strategy](x)"}),
        "TextBlock has a link",
    ),
    "raw URL in TextBlock": (
        card({"type": "TextBlock", "text": "Go to https://example.org/form"}),
        "TextBlock has a link",
    ),
    "required input without an error message": (
        card({"type": "Input.Text", "id": "t", "label": "T", "isRequired": True}),
        "Required inputs should have an error message",
    ),
    "invalid property value": (
        card({"type": "TextBlock", "text": "x", "size": "Huge"}),
        'Invalid value "Huge" for property "size"',
    ),
}


def test_node_tooling_is_installed() -> None:
    assert shutil.which("node"), "node is not on PATH: run scripts/setup"
    assert (REPO_ROOT / "node_modules" / "adaptivecards").is_dir(), (
        "node_modules/adaptivecards is missing: run `npm ci` (scripts/setup)"
    )


def test_a_card_using_teams_features_passes() -> None:
    assert card_problems([GOOD_CARD]) == [[]]
    assert_cards_ok([GOOD_CARD])


@pytest.mark.parametrize("kind", list(BAD_CARDS))
def test_each_kind_of_problem_is_reported(kind: str) -> None:
    bad, expected = BAD_CARDS[kind]

    [problems] = card_problems([bad])

    assert any(expected in p for p in problems), problems


def test_a_batch_reports_problems_per_card_in_order() -> None:
    bad = [b for b, _ in BAD_CARDS.values()]

    results = card_problems([GOOD_CARD, *bad, GOOD_CARD])

    assert results[0] == [] and results[-1] == []
    assert all(results[1:-1]), results


def test_assert_cards_ok_names_the_card_and_the_problem() -> None:
    bad = card({"type": "Input.Text", "id": "title"})

    with pytest.raises(AssertionError, match=r"card 1:\n  - Input.Text 'title' has no"):
        assert_cards_ok([GOOD_CARD, bad])


def test_find_inputs_reaches_containers_columns_and_show_cards() -> None:
    ids = sorted(i["id"] for i in find_inputs(GOOD_CARD))

    assert ids == ["drivers", "needed_by", "note", "sponsor", "title", "users"]


def test_all_text_collects_what_a_person_reads() -> None:
    rich = card({"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": "Score 72"}]})

    text = all_text(GOOD_CARD) + all_text(rich)

    for words in ["New digital request", "Reference", "DR-2026-0042", "Submit"]:
        assert words in text
    assert "Add a note" in text and "Note" in text and "Customer first" in text
    assert "Score 72" in text
