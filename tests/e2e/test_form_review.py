"""Check your answers: Change goes to one step and straight back; the page shows every
word and dates as people write them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.domain.text import long_date
from tests.e2e.journey import GOOD_ANSWERS, NEEDED_BY, fill_form, stored_draft
from tests.e2e.test_form import error_for, press
from tests.support.cards import all_text, elements
from tests.support.teams import TeamsUser, find_action, invoke_message


def is_review(card: dict[str, Any]) -> bool:
    return "Check your answers before sending" in all_text(card)


async def test_change_then_next_returns_straight_to_check_your_answers(alex: TeamsUser) -> None:
    review = await fill_form(alex)
    step2 = await press(alex, review, "Change what you need")
    assert "Step 2 of 4" in all_text(step2)
    assert "Next and Back both take you back to check your answers." in all_text(step2)
    changed = {**GOOD_ANSWERS[2], "existing_systems": "Teams, Microsoft Forms"}
    back = await press(alex, step2, "Next", changed)
    assert is_review(back), "not through steps 3 and 4"
    assert "Teams, Microsoft Forms" in all_text(back)
    assert (stored_draft(alex) or {})["existing_systems"] == "Teams, Microsoft Forms"
    # Later steps are as they were; the ordinary Back from the review goes to step 4.
    step4 = await press(alex, back, "Back")
    assert "Step 4 of 4" in all_text(step4)
    assert "Next and Back both" not in all_text(step4)
    step3 = await press(alex, step4, "Back", GOOD_ANSWERS[4])
    assert "Step 3 of 4" in all_text(step3), "an ordinary step's Back goes one step back"


async def test_back_from_a_changed_step_returns_to_the_review_keeping_what_was_typed(
    alex: TeamsUser,
) -> None:
    review = await fill_form(alex)
    step1 = await press(alex, review, "Change about the problem")
    assert "Step 1 of 4" in all_text(step1)
    assert find_action(step1, "Back"), "step 1 has Back when it came from the review"
    back = await press(alex, step1, "Back", {**GOOD_ANSWERS[1], "title": "A better title"})
    assert is_review(back)
    assert "A better title" in all_text(back)


async def test_a_mistake_on_a_changed_step_is_shown_there_and_then_returns(
    alex: TeamsUser,
) -> None:
    review = await fill_form(alex)
    step3 = await press(alex, review, "Change sponsor, budget and dates")
    wrong = await press(alex, step3, "Next", {**GOOD_ANSWERS[3], "budget": ""})
    assert "Step 3 of 4" in all_text(wrong)
    assert error_for(wrong, "budget").startswith("Error: Choose how much")
    assert "Next and Back both take you back" in all_text(wrong), "still on its way back"
    right = await press(alex, wrong, "Next", GOOD_ANSWERS[3])
    assert is_review(right)


async def test_saving_a_changed_step_keeps_its_way_back(alex: TeamsUser) -> None:
    review = await fill_form(alex)
    step3 = await press(alex, review, "Change sponsor, budget and dates")
    saved = await press(alex, step3, "Save and finish later", GOOD_ANSWERS[3])
    assert "Saved" in all_text(saved)
    assert is_review(await press(alex, saved, "Next", GOOD_ANSWERS[3]))


@pytest.mark.parametrize("goto", [0, 5, 99, -1, "2", True, None, 2.5])
async def test_a_forged_change_button_changes_nothing(alex: TeamsUser, goto: Any) -> None:
    review = await fill_form(alex)
    change = find_action(review, "Change what you need")
    before = stored_draft(alex)
    message = invoke_message(await alex.press(change["verb"], {**change["data"], "goto": goto}))
    assert "did not say which part to change" in message
    assert stored_draft(alex) == before


async def test_a_forged_from_review_flag_is_refused(alex: TeamsUser) -> None:
    review = await fill_form(alex)
    step2 = await press(alex, review, "Change what you need")
    next_button = find_action(step2, "Next")
    for bad in ("yes", 1, {"a": 1}):
        body = await alex.press("request.next", {**next_button["data"], "fromReview": bad})
        assert "not one I recognise" in invoke_message(body)


async def test_the_check_page_shows_every_word_as_plain_text(alex: TeamsUser) -> None:
    long_problem = "Residents **cannot** book online. " * 30 + "The very last words."
    review = await fill_form(
        alex, {**GOOD_ANSWERS, 1: {**GOOD_ANSWERS[1], "problem": long_problem}}
    )
    runs = [e.get("text", "") for e in elements(review) if e["type"] == "TextRun"]
    assert long_problem in runs, "the whole answer, not cut off, in a TextRun (never Markdown)"
    assert "…" not in "".join(runs)


async def test_the_check_page_writes_dates_and_yes_no_as_people_do(alex: TeamsUser) -> None:
    answers = {
        **GOOD_ANSWERS,
        2: {**GOOD_ANSWERS[2], "involves_procurement": "true", "supplier": "Civica"},
        3: {**GOOD_ANSWERS[3], "statutory_deadline": "2027-03-31"},
    }
    text = all_text(await fill_form(alex, answers))
    assert "31 March 2027" in text
    assert "2027-03-31" not in text
    assert NEEDED_BY not in text
    assert long_date(dt.date.fromisoformat(NEEDED_BY)) in text
    lines = text.splitlines()
    buying = lines.index("Does this involve buying or renewing software or a contract?")
    assert lines[buying + 1] == "Yes"
    personal = lines.index("Will it use personal data?")
    assert lines[personal + 1] == "Yes"


async def test_the_check_page_writes_numbers_and_drivers_as_people_do(alex: TeamsUser) -> None:
    lines = all_text(await fill_form(alex)).splitlines()

    def answer(question: str) -> str:
        return lines[lines.index(question) + 1]

    assert answer("How many residents does it affect?") == "18,000"
    assert answer("Expected cash saving a year, in pounds") == "£45,000"
    assert answer("Expected staff hours saved a year") == "2,600"
    # The form explains each driver; the check page names them, no more.
    assert (
        answer("Which strategic drivers does it support?")
        == "Efficiency, Service delivery, User engagement"
    )


async def test_the_form_explains_each_driver_where_it_is_chosen(alex: TeamsUser) -> None:
    card = await press(alex, await fill_form(alex), "Change benefits and the strategy")
    titles = [
        choice["title"]
        for element in elements(card)
        if element.get("id") == "drivers"
        for choice in element["choices"]
    ]
    assert len(titles) == 10
    assert all(": " in title and len(title) > 30 for title in titles), titles
