"""The questions say truthfully what they need: yes/no choices, no false "optional",
dates that have passed handled as people mean them, and the rules of the score in the
hints. Every input is labelled, hinted before it, and marked when it is required."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.glossary import DRIVER_MEANINGS
from bot.domain.model import DRIVER_LABELS
from bot.domain.scoring import FORM_HINTS
from bot.journeys.intake.form import EARLY_ENGAGEMENT, REQUEST_FORM
from tests.e2e.journey import GOOD_ANSWERS, start_form, stored_draft
from tests.e2e.test_form import error_for, press, value_of
from tests.support.cards import all_text, find_inputs
from tests.support.teams import START, YEAR, TeamsUser, find_action, invoke_card

TODAY = START.date().isoformat()
YESTERDAY = START.date().replace(day=START.day - 1).isoformat()
LAST_YEAR = START.date().replace(year=START.year - 1).isoformat()
NEXT_YEAR = START.date().replace(year=START.year + 1).isoformat()


def input_of(card: dict[str, Any], field: str) -> dict[str, Any]:
    for item in find_inputs(card):
        if item["id"] == field:
            return item
    raise AssertionError(f"No input {field!r} on the card")


async def step(alex: TeamsUser, number: int) -> dict[str, Any]:
    card = await start_form(alex)
    for earlier in range(1, number):
        card = await press(alex, card, "Next", GOOD_ANSWERS[earlier])
    assert f"Step {number} of 4" in all_text(card)
    return card


# ---- Yes/no questions -------------------------------------------------------------


async def test_yes_no_questions_are_two_choices_with_neither_picked(alex: TeamsUser) -> None:
    card = await step(alex, 2)
    for name in ("involves_procurement", "personal_data"):
        found = input_of(card, name)
        assert found["type"] == "Input.ChoiceSet"
        assert found["style"] == "expanded"
        assert [(c["title"], c["value"]) for c in found["choices"]] == [
            ("Yes", "true"),
            ("No", "false"),
        ]
        assert "value" not in found, "neither chosen until they answer"
        assert not found.get("isMultiSelect")
        assert "(optional)" not in found["label"]
    assert "Input.Toggle" not in {i["type"] for i in find_inputs(card)}


async def test_a_yes_no_answer_is_kept_as_true_or_false_and_shown_chosen(alex: TeamsUser) -> None:
    card = await step(alex, 2)
    card = await press(alex, card, "Next", GOOD_ANSWERS[2])
    assert (stored_draft(alex) or {})["involves_procurement"] == "false"
    assert (stored_draft(alex) or {})["personal_data"] == "true"
    back = await press(alex, card, "Back", GOOD_ANSWERS[3])
    assert input_of(back, "involves_procurement")["value"] == "false"
    assert input_of(back, "personal_data")["value"] == "true"


async def test_an_unanswered_yes_no_question_is_asked_again(alex: TeamsUser) -> None:
    card = await step(alex, 2)
    blank = {**GOOD_ANSWERS[2], "involves_procurement": "", "personal_data": None}
    card = await press(alex, card, "Next", blank)
    assert "Step 2 of 4" in all_text(card)
    assert error_for(card, "involves_procurement") == (
        "Error: Choose yes if this involves buying or renewing software or a contract. "
        "Choose no if it does not."
    )
    assert error_for(card, "personal_data").startswith("Error: Choose yes if it will use")


@pytest.mark.parametrize("bad", ["maybe", "yes", "TRUE!", 1, ["true"], {"$ne": 1}])
async def test_a_yes_no_answer_other_than_true_or_false_is_refused(
    alex: TeamsUser, bad: Any
) -> None:
    card = await step(alex, 2)
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[2], "personal_data": bad})
    assert "Step 2 of 4" in all_text(card)
    assert error_for(card, "personal_data") != ""
    assert "value" not in input_of(card, "personal_data"), "a bad answer is never shown chosen"


async def test_a_yes_no_answer_sent_as_a_json_boolean_is_read(alex: TeamsUser) -> None:
    card = await step(alex, 2)
    card = await press(
        alex,
        card,
        "Next",
        {**GOOD_ANSWERS[2], "personal_data": False, "involves_procurement": False},
    )
    assert "Step 3 of 4" in all_text(card)
    assert (stored_draft(alex) or {})["personal_data"] == "false"


# ---- Optional means optional --------------------------------------------------------


async def test_the_supplier_says_when_it_is_needed_and_its_error_matches(alex: TeamsUser) -> None:
    card = await step(alex, 2)
    label = input_of(card, "supplier")["label"]
    assert label == "Supplier or product name (needed if you are buying or renewing)"
    assert "must fill this in" not in all_text(card)
    not_buying = await press(alex, card, "Next", {**GOOD_ANSWERS[2], "supplier": ""})
    assert "Step 3 of 4" in all_text(not_buying), "not buying: no supplier needed"
    card = await press(alex, not_buying, "Back", GOOD_ANSWERS[3])
    buying = {**GOOD_ANSWERS[2], "involves_procurement": "true", "supplier": ""}
    card = await press(alex, card, "Next", buying)
    assert error_for(card, "supplier") == (
        "Error: Enter the supplier or product name. "
        "It is needed because you are buying or renewing."
    )


@pytest.mark.parametrize("number", [2, 3, 4])  # step 1 has no optional questions
async def test_no_question_marked_optional_is_told_to_be_filled_in(
    alex: TeamsUser, number: int
) -> None:
    card = await step(alex, number)
    blank = {item["id"]: "" for item in find_inputs(card)}
    buying = {"involves_procurement": "true"} if number == 2 else {}
    card = await press(alex, card, "Next", {**blank, **buying})
    optional = [i["id"] for i in find_inputs(card) if i["label"].endswith("(optional)")]
    assert optional, "every step has questions that may be left out"
    told = [i["id"] for i in find_inputs(card) if error_for(card, i["id"])]
    assert told, "the blank step is refused for what it does need"
    assert not set(optional) & set(told), told
    assert "must fill" not in all_text(card)


# ---- Dates that have passed --------------------------------------------------------


async def test_a_statutory_deadline_already_missed_is_kept_and_noted(alex: TeamsUser) -> None:
    card = await step(alex, 3)
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[3], "statutory_deadline": LAST_YEAR})
    assert "Step 4 of 4" in all_text(card), "accepted, not 'must be in the future'"
    back = await press(alex, card, "Back", GOOD_ANSWERS[4])
    assert "This date has passed. We will flag it as urgent." in all_text(back)
    again = {**GOOD_ANSWERS[3], "statutory_deadline": LAST_YEAR}
    review = await press(alex, await press(alex, back, "Next", again), "Next", GOOD_ANSWERS[4])
    assert "This date has passed. We will flag it as urgent." in all_text(review)
    sent = invoke_card(await alex.press(**_send(review)))
    assert f"DR-{YEAR}-0001" in all_text(sent)


def _send(review: dict[str, Any]) -> dict[str, Any]:
    send = find_action(review, "Send request")
    return {"verb": send["verb"], "data": send["data"]}


async def test_a_future_statutory_deadline_has_no_note(alex: TeamsUser) -> None:
    card = await step(alex, 3)
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[3], "statutory_deadline": NEXT_YEAR})
    back = await press(alex, card, "Back", GOOD_ANSWERS[4])
    assert "This date has passed" not in all_text(back)


async def test_a_date_you_need_it_by_in_the_past_is_still_an_error(alex: TeamsUser) -> None:
    card = await step(alex, 3)
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[3], "needed_by": YESTERDAY})
    assert "Step 3 of 4" in all_text(card)
    assert "today or in the future" in error_for(card, "needed_by")


async def test_a_contract_end_date_that_has_passed_is_questioned(alex: TeamsUser) -> None:
    card = await step(alex, 2)
    assert "contract_ended" not in {i["id"] for i in find_inputs(card)}, "only when needed"
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[2], "contract_end": LAST_YEAR})
    assert "Step 2 of 4" in all_text(card), "not silently accepted"
    asked = input_of(card, "contract_ended")
    assert asked["label"] == "This date has passed. Has the contract already ended?"
    assert [c["title"] for c in asked["choices"]] == ["Yes", "No"]
    assert "value" not in asked
    assert error_for(card, "contract_ended").startswith("Error: Choose yes if the contract")
    assert value_of(card, "contract_end") == LAST_YEAR, "the date is kept"
    ids = [i["id"] for i in find_inputs(card)]
    assert ids.index("contract_ended") == ids.index("contract_end") + 1, "next to the date"


async def test_yes_the_contract_has_ended_accepts_the_date(alex: TeamsUser) -> None:
    card = await step(alex, 2)
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[2], "contract_end": LAST_YEAR})
    answered = {**GOOD_ANSWERS[2], "contract_end": LAST_YEAR, "contract_ended": "true"}
    card = await press(alex, card, "Next", answered)
    assert "Step 3 of 4" in all_text(card)
    draft = stored_draft(alex) or {}
    assert draft["contract_end"] == LAST_YEAR
    assert draft["contract_ended"] == "true"


async def test_no_the_contract_has_not_ended_asks_to_correct_the_date(alex: TeamsUser) -> None:
    card = await step(alex, 2)
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[2], "contract_end": LAST_YEAR})
    answered = {**GOOD_ANSWERS[2], "contract_end": LAST_YEAR, "contract_ended": "false"}
    card = await press(alex, card, "Next", answered)
    assert "Step 2 of 4" in all_text(card)
    assert error_for(card, "contract_end").startswith("Error: Correct the contract end date")
    assert input_of(card, "contract_ended")["value"] == "false"
    corrected = {**GOOD_ANSWERS[2], "contract_end": NEXT_YEAR, "contract_ended": "false"}
    card = await press(alex, card, "Next", corrected)
    assert "Step 3 of 4" in all_text(card)
    assert "contract_ended" not in (stored_draft(alex) or {}), "an answer no longer asked goes"


async def test_an_old_answer_about_the_contract_is_not_taken_for_a_new_date(
    alex: TeamsUser,
) -> None:
    card = await step(alex, 2)
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[2], "contract_end": NEXT_YEAR})
    card = await press(alex, card, "Back", GOOD_ANSWERS[3])
    # A forged or leftover "yes" with a date that has passed: on a card that never asked.
    forged = {**GOOD_ANSWERS[2], "contract_end": LAST_YEAR, "contract_ended": "true"}
    card = await press(alex, card, "Next", forged)
    assert "Step 3 of 4" in all_text(card), "the yes was given with the past date: accepted"
    card = await press(alex, card, "Back", GOOD_ANSWERS[3])
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[2], "contract_end": TODAY})
    assert "Step 3 of 4" in all_text(card), "today has not passed"
    assert "contract_ended" not in (stored_draft(alex) or {})


# ---- Accessibility and hints ----------------------------------------------------------


async def every_step(alex: TeamsUser) -> list[dict[str, Any]]:
    cards = [await start_form(alex)]
    for number in (1, 2, 3):
        cards.append(await press(alex, cards[-1], "Next", GOOD_ANSWERS[number]))
    return cards


async def test_required_inputs_are_marked_with_the_servers_own_words(alex: TeamsUser) -> None:
    seen = set()
    for card in await every_step(alex):
        for item in find_inputs(card):
            spec = REQUEST_FORM.fields[item["id"]]
            if spec.required:
                assert item.get("isRequired") is True, item["id"]
                assert item.get("errorMessage") == spec.missing, item["id"]
                seen.add(item["id"])
            else:
                assert "isRequired" not in item, item["id"]
    assert seen >= {"title", "problem", "directorate", "kind", "budget", "drivers"}
    assert seen >= {"involves_procurement", "personal_data"}


def _containers_with_inputs(node: Any) -> list[list[dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        items = node.get("items")
        if isinstance(items, list) and any(
            isinstance(i, dict) and str(i.get("type", "")).startswith("Input.") for i in items
        ):
            found.append(items)
        for value in node.values():
            found += _containers_with_inputs(value)
    elif isinstance(node, list):
        for item in node:
            found += _containers_with_inputs(item)
    return found


async def test_every_hint_and_error_comes_before_its_input(alex: TeamsUser) -> None:
    cards = await every_step(alex)
    cards.append(await press(alex, cards[-1], "Next", {"drivers": "", "title": ""}))
    for card in cards:
        for items in _containers_with_inputs(card):
            kinds = [str(i.get("type")) for i in items]
            at = next(n for n, kind in enumerate(kinds) if kind.startswith("Input."))
            field = items[at]["id"]
            spec = REQUEST_FORM.fields[field]
            texts = [str(i.get("text", "")) for i in items[:at]]
            if spec.help:
                assert spec.help in texts, field
            errors = [t for t in texts if t.startswith("Error: ")]
            after = [str(i.get("text", "")) for i in items[at + 1 :]]
            assert not any(t.startswith("Error: ") for t in after), field
            if errors and spec.help:
                assert texts.index(spec.help) < texts.index(errors[0]), field


async def test_the_hints_say_how_each_answer_counts_in_the_score(alex: TeamsUser) -> None:
    text = "\n".join(all_text(card) for card in await every_step(alex))
    for name, hint in FORM_HINTS.items():
        assert hint in text, name


async def test_procurement_early_engagement_is_explained_where_buying_is_asked(
    alex: TeamsUser,
) -> None:
    card = await step(alex, 2)
    assert EARLY_ENGAGEMENT in all_text(card)
    assert "Procurement early engagement means" in EARLY_ENGAGEMENT


async def test_each_strategic_driver_is_shown_with_what_it_means(alex: TeamsUser) -> None:
    card = await step(alex, 4)
    titles = {c["value"]: c["title"] for c in input_of(card, "drivers")["choices"]}
    assert len(titles) == len(DRIVER_MEANINGS) == 10
    for driver, meaning in DRIVER_MEANINGS.items():
        assert titles[driver.value] == f"{DRIVER_LABELS[driver]}: {meaning}"
