"""Required questions: marked for the card's own check, and the person is told that this
check also applies to saving and going back."""

from __future__ import annotations

from typing import Any

from cards.form_card import REQUIRED_FIRST
from tests.e2e.journey import GOOD_ANSWERS, start_form
from tests.e2e.test_form import press
from tests.support.cards import all_text, elements
from tests.support.teams import TeamsUser


def required_inputs(card: dict[str, Any]) -> dict[str, str]:
    return {
        element["id"]: element.get("errorMessage", "")
        for element in elements(card)
        if element.get("type", "").startswith("Input.") and element.get("isRequired")
    }


async def test_a_step_with_required_questions_says_they_come_before_saving(
    alex: TeamsUser,
) -> None:
    card = await start_form(alex)
    assert required_inputs(card) == {
        "title": "Enter a title",
        "problem": "Describe the problem today",
        "directorate": "Choose the directorate it is for",
    }
    assert REQUIRED_FIRST in all_text(card)
    # Saving a step whose required answers are given keeps everything typed on it.
    saved = await press(alex, card, "Save and finish later", GOOD_ANSWERS[1])
    assert "Saved." in all_text(saved)
    again = await alex.say("continue")
    assert GOOD_ANSWERS[1]["title"] in str(again[-1])
