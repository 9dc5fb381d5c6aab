"""A form card from earlier in the conversation says it is out of date when pressed,
saves nothing, and offers a way on; a resent press is answered as the first was."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.journey import GOOD_ANSWERS, fill_form, start_form, stored_draft
from tests.e2e.test_form import press, value_of
from tests.support.cards import all_text
from tests.support.teams import YEAR, TeamsUser, card_of, find_action, invoke_message

OUT_OF_DATE = "This card is out of date"


def titles(card: dict[str, Any]) -> list[str]:
    return [str(a.get("title")) for a in card.get("actions", [])]


async def test_an_old_step_card_says_where_the_request_is_and_offers_continue(
    alex: TeamsUser,
) -> None:
    step1 = await start_form(alex)
    step2 = await press(alex, step1, "Next", GOOD_ANSWERS[1])
    await press(alex, step2, "Next", GOOD_ANSWERS[2])
    old = await press(alex, step1, "Next", {**GOOD_ANSWERS[1], "title": "Typed on the old card"})
    text = all_text(old)
    assert OUT_OF_DATE in text
    assert "nothing on this card was saved" in text
    assert "Since then, you have gone to another step of it" in text
    assert "at step 3 of 4: Sponsor, budget and dates" in text
    assert titles(old)[0] == "Continue"
    assert (stored_draft(alex) or {})["title"] == GOOD_ANSWERS[1]["title"]
    resumed = await press(alex, old, "Continue")
    assert "Step 3 of 4" in all_text(resumed)
    assert (stored_draft(alex) or {})["title"] == GOOD_ANSWERS[1]["title"], "Continue saves nothing"


async def test_every_button_of_an_old_card_changes_nothing(alex: TeamsUser) -> None:
    step1 = await start_form(alex)
    await press(alex, step1, "Next", GOOD_ANSWERS[1])
    before = stored_draft(alex)
    for title in ("Next", "Save and finish later"):
        old = await press(alex, step1, title, {**GOOD_ANSWERS[1], "title": "Old"})
        assert OUT_OF_DATE in all_text(old), title
    assert stored_draft(alex) == before


async def test_a_second_card_for_the_same_step_that_fell_behind_is_out_of_date(
    alex: TeamsUser,
) -> None:
    first = await press(alex, await start_form(alex), "Next", GOOD_ANSWERS[1])
    second = card_of((await alex.say("continue"))[-1])
    assert "Step 2 of 4" in all_text(second)
    await press(alex, second, "Save and finish later", {**GOOD_ANSWERS[2], "supplier": "Civica"})
    old = await press(alex, first, "Next", {**GOOD_ANSWERS[2], "supplier": "Other"})
    assert OUT_OF_DATE in all_text(old)
    assert "at step 2 of 4: What you need" in all_text(old)
    assert "Since then, you have saved it from another card" in all_text(old)
    assert (stored_draft(alex) or {})["supplier"] == "Civica", "the newer answer is kept"


async def test_the_latest_card_still_works_after_an_old_one_was_pressed(alex: TeamsUser) -> None:
    step1 = await start_form(alex)
    step2 = await press(alex, step1, "Next", GOOD_ANSWERS[1])
    await press(alex, step1, "Next", GOOD_ANSWERS[1])
    step3 = await press(alex, step2, "Next", GOOD_ANSWERS[2])
    assert "Step 3 of 4" in all_text(step3)


async def test_a_card_from_before_versions_is_judged_by_its_step(alex: TeamsUser) -> None:
    step1 = await start_form(alex)
    step2 = await press(alex, step1, "Next", GOOD_ANSWERS[1])
    unversioned = {k: v for k, v in find_action(step2, "Next")["data"].items() if k != "version"}
    moved = await alex.press("request.next", unversioned, GOOD_ANSWERS[2])
    assert "Step 3 of 4" in all_text(moved["value"]), "same step: it still works"
    old = {k: v for k, v in find_action(step1, "Next")["data"].items() if k != "version"}
    stale = await alex.press("request.next", old, GOOD_ANSWERS[1])
    assert OUT_OF_DATE in all_text(stale["value"])


@pytest.mark.parametrize("version", [7, None, ["1"], "x" * 500])
async def test_a_forged_version_is_refused(alex: TeamsUser, version: Any) -> None:
    step1 = await start_form(alex)
    data = {**find_action(step1, "Next")["data"], "version": version}
    body = await alex.press("request.next", data, GOOD_ANSWERS[1])
    assert "not one I recognise" in invoke_message(body)
    assert stored_draft(alex) == {}, "nothing was saved"


async def test_a_card_from_a_sent_request_gives_its_reference(alex: TeamsUser) -> None:
    review = await fill_form(alex)
    send = find_action(review, "Send request")
    await alex.press(send["verb"], send["data"])
    old = await press(alex, review, "Change what you need")
    text = all_text(old)
    assert OUT_OF_DATE in text
    assert "already been sent or discarded" in text
    assert f"DR-{YEAR}-0001" in text
    assert titles(old) == ["Start a new request", "See help"]
    fresh = await press(alex, old, "Start a new request")
    assert "Step 1 of 4" in all_text(fresh)
    assert value_of(fresh, "title") in (None, "")


async def test_someone_else_pressing_a_sent_card_learns_no_reference(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    review = await fill_form(alex)
    send = find_action(review, "Send request")
    await alex.press(send["verb"], send["data"])
    change = find_action(review, "Change what you need")
    text = all_text((await megan.press(change["verb"], change["data"]))["value"])
    assert "already been sent or discarded" in text
    assert "DR-" not in text


async def test_an_old_card_offers_continue_when_another_draft_waits(alex: TeamsUser) -> None:
    review = await fill_form(alex)
    send = find_action(review, "Send request")
    await alex.press(send["verb"], send["data"])
    await start_form(alex)  # a new draft
    old = await press(alex, review, "Change what you need")
    assert titles(old)[0] == "Continue"
    assert "Step 1 of 4" in all_text(await press(alex, old, "Continue"))


async def test_a_resent_next_is_answered_as_the_first_not_as_out_of_date(
    alex: TeamsUser,
) -> None:
    """Teams resends an invoke it thinks was slow: the same Activity id, twice."""
    step1 = await start_form(alex)
    action = find_action(step1, "Next")
    value = {
        "action": {
            "type": "Action.Execute",
            "verb": action["verb"],
            "data": {**action["data"], **GOOD_ANSWERS[1]},
        },
        "trigger": "manual",
    }
    activity = alex.activity(type="invoke", name="adaptiveCard/action", value=value)
    first = await alex.post(activity)
    again = await alex.post(activity)
    assert first == again
    assert "Step 2 of 4" in all_text(first[1]["value"])
