"""The guided form: mistakes explained next to the field, nothing typed is ever lost."""

from __future__ import annotations

from typing import Any

from tests.e2e.journey import GOOD_ANSWERS, fill_form, start_form, stored_draft
from tests.support.cards import all_text, find_inputs
from tests.support.teams import YEAR, TeamsUser, card_of, find_action, invoke_card


def value_of(card: dict[str, Any], field: str) -> Any:
    for item in find_inputs(card):
        if item["id"] == field:
            return item.get("value")
    raise AssertionError(f"No input {field!r} on the card")


def error_for(card: dict[str, Any], field: str) -> str:
    """The error text shown directly above the field's input, or ''."""

    def walk(node: Any) -> str | None:
        if isinstance(node, dict):
            items = node.get("items")
            if isinstance(items, list):
                ids = [i.get("id") for i in items if isinstance(i, dict)]
                if field in ids:
                    errors = [
                        i.get("text", "")
                        for i in items
                        if isinstance(i, dict) and str(i.get("text", "")).startswith("Error: ")
                    ]
                    return errors[0] if errors else ""
            for value in node.values():
                found = walk(value)
                if found is not None:
                    return found
        elif isinstance(node, list):
            for item in node:
                found = walk(item)
                if found is not None:
                    return found
        return None

    found = walk(card)
    assert found is not None, f"No input {field!r} on the card"
    return found


async def press(
    user: TeamsUser, card: dict[str, Any], title: str, inputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    action = find_action(card, title)
    return invoke_card(await user.press(action["verb"], action["data"], inputs))


async def test_the_form_comes_in_four_short_steps_then_a_check(alex: TeamsUser) -> None:
    card = await start_form(alex)
    assert "Step 1 of 4: About the problem" in all_text(card)
    seen = []
    for step in (1, 2, 3, 4):
        seen.append(len(find_inputs(card)))
        card = await press(alex, card, "Next", GOOD_ANSWERS[step])
    assert all(count <= 7 for count in seen), seen
    assert "Check your answers before sending" in all_text(card)
    assert "Book garden waste collections online" in all_text(card)


async def test_empty_first_step_explains_every_required_field(alex: TeamsUser) -> None:
    card = await start_form(alex)
    card = await press(alex, card, "Next", {"title": "", "problem": "  ", "directorate": ""})
    text = all_text(card)
    assert "There is a problem" in text
    assert "Step 1 of 4" in text
    assert error_for(card, "title") == "Error: Enter a title"
    assert error_for(card, "problem").startswith("Error: Describe the problem")
    assert error_for(card, "directorate").startswith("Error: Choose the directorate")
    assert error_for(card, "affected_staff") != ""


async def test_mistakes_are_shown_with_what_was_typed_kept(alex: TeamsUser) -> None:
    card = await start_form(alex)
    typed = {**GOOD_ANSWERS[1], "affected_staff": "twelve", "affected_residents": "-5"}
    card = await press(alex, card, "Next", typed)
    assert "whole number" in error_for(card, "affected_staff")
    assert error_for(card, "affected_residents") != ""
    assert value_of(card, "affected_staff") == "twelve"
    assert value_of(card, "title") == GOOD_ANSWERS[1]["title"]
    assert error_for(card, "title") == ""


async def test_every_step_checks_its_answers(alex: TeamsUser) -> None:
    card = await start_form(alex)
    card = await press(alex, card, "Next", GOOD_ANSWERS[1])
    card = await press(
        alex,
        card,
        "Next",
        {
            **GOOD_ANSWERS[2],
            "kind": "",
            "involves_procurement": "true",
            "supplier": "",
            "contract_end": "2026-02-30",
        },
    )
    assert "Step 2 of 4" in all_text(card)
    assert error_for(card, "kind").startswith("Error: Choose the kind")
    assert error_for(card, "supplier") != ""
    assert error_for(card, "contract_end") != ""
    card = await press(alex, card, "Next", GOOD_ANSWERS[2])
    card = await press(
        alex, card, "Next", {**GOOD_ANSWERS[3], "budget": "a million", "needed_by": "2020-01-01"}
    )
    assert "Step 3 of 4" in all_text(card)
    assert error_for(card, "budget") != ""
    assert "future" in error_for(card, "needed_by")
    card = await press(alex, card, "Next", GOOD_ANSWERS[3])
    card = await press(
        alex, card, "Next", {**GOOD_ANSWERS[4], "drivers": "", "cash_saving_per_year": "£lots"}
    )
    assert "Step 4 of 4" in all_text(card)
    assert error_for(card, "drivers").startswith("Error: Choose at least one")
    assert error_for(card, "cash_saving_per_year") != ""


async def test_back_keeps_what_was_typed_even_if_wrong(alex: TeamsUser) -> None:
    card = await start_form(alex)
    card = await press(alex, card, "Next", GOOD_ANSWERS[1])
    card = await press(alex, card, "Back", {"supplier": "Half typed supp"})
    assert "Step 1 of 4" in all_text(card)
    assert value_of(card, "title") == GOOD_ANSWERS[1]["title"]
    card = await press(alex, card, "Next", GOOD_ANSWERS[1])
    assert value_of(card, "supplier") == "Half typed supp"


async def test_change_from_the_check_page_goes_to_that_step(alex: TeamsUser) -> None:
    review = await fill_form(alex)
    card = await press(alex, review, "Change sponsor, budget and dates")
    assert "Step 3 of 4" in all_text(card)
    assert value_of(card, "sponsor") == GOOD_ANSWERS[3]["sponsor"]


async def test_a_draft_survives_a_restart_and_continue_resumes_it(alex: TeamsUser) -> None:
    card = await start_form(alex)
    card = await press(alex, card, "Next", GOOD_ANSWERS[1])
    saved = await press(alex, card, "Save and finish later", {"supplier": "Acme"})
    assert "Type continue to finish it later" in all_text(saved)
    await alex.bot.restart()
    resumed = card_of((await alex.say("continue"))[-1])
    assert "Step 2 of 4" in all_text(resumed)
    assert value_of(resumed, "supplier") == "Acme"
    for step in (2, 3, 4):
        resumed = await press(
            alex,
            resumed,
            "Next",
            {**GOOD_ANSWERS[step], **({"supplier": "Acme"} if step == 2 else {})},
        )
    sent = await press(alex, resumed, "Send request")
    assert f"Your reference is DR-{YEAR}-0001" in all_text(sent)


async def test_continue_with_nothing_started_says_how_to_start(alex: TeamsUser) -> None:
    assert "Type new request" in (await alex.say("continue"))[-1]["text"]


async def test_new_request_with_a_draft_opens_the_draft(alex: TeamsUser) -> None:
    card = await start_form(alex)
    await press(alex, card, "Next", GOOD_ANSWERS[1])
    again = card_of((await alex.say("new request"))[-1])
    assert "already have a request in progress" in all_text(again)
    assert "Step 2 of 4" in all_text(again)


async def test_discard_draft_asks_first_then_says_draft_deleted(alex: TeamsUser) -> None:
    card = await start_form(alex)
    step2 = await press(alex, card, "Next", GOOD_ANSWERS[1])
    ask = find_action(step2, "Discard draft")
    assert ask["type"] == "Action.ShowCard", "discarding asks first"
    assert "verb" not in ask
    assert "This deletes your answers. You cannot get them back." in all_text(ask["card"])
    assert stored_draft(alex) is not None, "opening the question deletes nothing"
    after = await press(alex, step2, "Yes, delete this draft")
    assert "Draft deleted" in all_text(after)
    assert "What you can type" not in all_text(after), "the help card does not replace the form"
    assert stored_draft(alex) is None
    helped = await press(alex, after, "See help")
    assert "What you can type" in all_text(helped)
    fresh = await press(alex, after, "Start a new request")
    assert "Step 1 of 4" in all_text(fresh)
    assert value_of(fresh, "title") in (None, "")


async def test_a_card_from_a_discarded_draft_says_so_and_offers_a_new_one(
    alex: TeamsUser,
) -> None:
    card = await start_form(alex)
    step2 = await press(alex, card, "Next", GOOD_ANSWERS[1])
    await press(alex, step2, "Yes, delete this draft")
    stale = await press(alex, step2, "Next", GOOD_ANSWERS[2])
    text = all_text(stale)
    assert "This card is out of date" in text
    assert "already been sent or discarded, so nothing on it was saved" in text
    assert stored_draft(alex) is None, "nothing was saved from the old card"
    fresh = await press(alex, stale, "Start a new request")
    assert "Step 1 of 4" in all_text(fresh)


async def test_i_need_starts_a_request_with_a_title(alex: TeamsUser) -> None:
    card = card_of((await alex.say("I need a way to book rooms online"))[-1])
    assert value_of(card, "title") == "a way to book rooms online"


async def test_submit_with_a_broken_answer_returns_to_that_step(alex: TeamsUser) -> None:
    review = await fill_form(alex)
    # An answer changed behind the form's back (another device) is caught on send.
    back = await press(alex, review, "Change about the problem")
    await press(alex, back, "Save and finish later", {"title": ""})
    resumed = card_of((await alex.say("continue"))[-1])
    for step in (1, 2, 3, 4):
        values = {**GOOD_ANSWERS[step], "title": ""} if step == 1 else GOOD_ANSWERS[step]
        resumed = await press(alex, resumed, "Next", values)
    assert error_for(resumed, "title") == "Error: Enter a title"
