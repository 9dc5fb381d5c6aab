"""`skills check` over real HTTP: one area a step, saved between steps and across a restart,
bad answers explained with nothing lost, the result against the role family's target with
learning and champions for each gap, repeatable; admins change the framework and open
baselines, and nobody else can."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from tests.e2e.communities import volunteer_and_approve
from tests.e2e.journey import stored_draft
from tests.e2e.test_form import error_for, press
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import TeamsUser, card_of, find_action, invoke_card, invoke_message

AREAS = (
    "m365_teams",
    "data",
    "cyber_security",
    "accessibility",
    "power_platform",
    "service_design",
    "leading_change",
)
ABOUT = {"role_family": "office_based", "directorate": "Place", "service_area": "Housing"}
# Office based targets: 3, 2, 2, 2, 1, 1, 1. Below target in data and cyber security.
LEVELS = {
    "m365_teams": "3",
    "data": "1",
    "cyber_security": "not_sure",
    "accessibility": "4",
    "power_platform": "2",
    "service_design": "1",
    "leading_change": "1",
}
SEND = "Send and see my results"


def other(user: TeamsUser, number: int, name: str) -> TeamsUser:
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user_id=f"user-id-skills-{number}",
        name=name,
        aad_object_id=f"00000000-0000-0000-0000-0000000005{number:02d}",
    )


def kept(user: TeamsUser, kind: str = "skills_assessment") -> list[tuple[str, dict[str, Any]]]:
    path = user.bot.env["DATA_DIR"] + "/digital-front-door.sqlite3"
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT owner_id, data FROM records WHERE kind = ? ORDER BY seq", (kind,)
        ).fetchall()
    return [(owner, json.loads(data)) for owner, data in rows]


async def open_check(user: TeamsUser) -> dict[str, Any]:
    return card_of((await user.say("skills check"))[-1])


async def answer_steps(
    user: TeamsUser, card: dict[str, Any], about: dict[str, str], levels: dict[str, str]
) -> dict[str, Any]:
    """From the first step to the check-your-answers page."""
    card = await press(user, card, "Next", about)
    for area in AREAS:
        card = await press(user, card, "Next", {area: levels[area]})
    return card


async def full_check(
    user: TeamsUser, about: dict[str, str] = ABOUT, levels: dict[str, str] = LEVELS
) -> dict[str, Any]:
    review = await answer_steps(user, await open_check(user), about, levels)
    assert "Check your answers before sending" in all_text(review)
    return await press(user, review, SEND)


def link_titles(card: dict[str, Any]) -> list[str]:
    found = []
    stack: list[Any] = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "Action.OpenUrl":
                found.append(str(node["title"]))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


async def test_a_full_check_is_kept_and_shows_the_result_against_the_target(
    megan: TeamsUser,
) -> None:
    first = await open_check(megan)
    text = all_text(first)
    assert "Step 1 of 8: About your role" in text
    assert "Office based" in text and "Senior leader" in text
    second = await press(megan, first, "Next", ABOUT)
    assert "Step 2 of 8: Using Microsoft 365 and Teams" in all_text(second)
    assert "Level 1, Aware" in all_text(second) and "Not sure" in all_text(second)
    result = await full_check(megan)
    text = all_text(result)
    assert "Your digital skills" in text
    assert "at or above the target for office based roles in 5 of 7 areas" in text
    assert "✗ Below your target, by 1 level" in text  # data: 1 against 2
    assert "✓ At or above your target" in text
    assert "You: level 1, Aware. Target: level 2, Working." in text
    assert "Excel help and learning" in link_titles(result)  # data, level 2
    assert "NCSC: Cyber Aware" in link_titles(result)  # cyber security, level 2
    assert "NCSC: Top tips for staff" not in link_titles(result), "only learning above theirs"
    assert "This baseline: First baseline" in text or "this baseline: First baseline" in text
    [(owner, data)] = kept(megan)
    assert owner == megan.aad_object_id
    assert data == {
        "baseline": "First baseline",
        "role_family": "office_based",
        "directorate": "Place",
        "service_area": "Housing",
        "levels": {
            "m365_teams": 3,
            "data": 1,
            "cyber_security": 1,
            "accessibility": 4,
            "power_platform": 2,
            "service_design": 1,
            "leading_change": 1,
        },
        "framework_version": 1,
    }
    assert stored_draft(megan, "skills") is None, "the draft is gone once sent"
    assert_cards_ok([first, second, result])


async def test_a_check_saved_for_later_is_resumed_after_a_restart(megan: TeamsUser) -> None:
    card = await press(megan, await open_check(megan), "Next", ABOUT)
    card = await press(megan, card, "Next", {"m365_teams": "2"})
    saved = await press(megan, card, "Save and finish later", {"data": "3"})
    assert "Saved. Type skills check to finish it later." in all_text(saved)
    await megan.bot.restart()
    resumed = await open_check(megan)
    text = all_text(resumed)
    assert "already have a skills check in progress" in text
    assert "Step 3 of 8: Working with data" in text
    draft = stored_draft(megan, "skills")
    assert draft is not None and draft["data"] == "3" and draft["service_area"] == "Housing"
    for area in AREAS[1:]:
        level = "3" if area == "data" else LEVELS[area]
        resumed = await press(megan, resumed, "Next", {area: level})
    result = await press(megan, resumed, SEND)
    assert "Your digital skills" in all_text(result)
    [(_, data)] = kept(megan)
    assert data["levels"]["m365_teams"] == 2 and data["levels"]["data"] == 3


async def test_bad_levels_are_explained_and_nothing_typed_is_lost(megan: TeamsUser) -> None:
    card = await open_check(megan)
    card = await press(megan, card, "Next", {**ABOUT, "service_area": "H" * 81})
    assert "80 characters or fewer. You entered 81" in error_for(card, "service_area")
    card = await press(megan, card, "Next", ABOUT)
    for bad in ("5", "0", "-1", "expert", "three"):
        card = await press(megan, card, "Next", {"m365_teams": bad})
        assert "Step 2 of 8" in all_text(card), bad
        assert error_for(card, "m365_teams") == "Error: Choose one of the options listed", bad
        draft = stored_draft(megan, "skills")
        assert draft is not None and draft["m365_teams"] == bad, "kept exactly as typed"
        assert draft["role_family"] == "office_based", "earlier answers are kept"
    card = await press(megan, card, "Next", {"m365_teams": ""})
    assert "Choose the description that fits you best, or Not sure" in error_for(card, "m365_teams")
    # Numbers and lists where a level belongs are not from a card of ours.
    for forged in (3, ["3"], {"level": 3}):
        action = find_action(card, "Next")
        body = await megan.press(action["verb"], action["data"], {"m365_teams": forged})
        card = invoke_card(body)
        assert error_for(card, "m365_teams") == "Error: We could not read this answer. Try again."
    # An area that is not in the framework is ignored: nothing is kept for it.
    card = await press(megan, card, "Next", {"m365_teams": "2", "juggling": "4"})
    assert "Step 3 of 8: Working with data" in all_text(card)
    draft = stored_draft(megan, "skills")
    assert draft is not None and "juggling" not in draft and draft["m365_teams"] == "2"
    assert kept(megan) == []
    assert_cards_ok([card])


async def test_forged_check_buttons_change_nothing(megan: TeamsUser, alex: TeamsUser) -> None:
    card = await open_check(megan)
    action = find_action(card, "Next")
    for bad in ({**action["data"], "draftId": "x"}, {**action["data"], "step": 99}):
        message = invoke_message(await megan.press(action["verb"], bad))
        assert "not one I recognise" in message, bad
    # Alex pressing Megan's card cannot move or send her check.
    stolen = invoke_card(await alex.press(action["verb"], action["data"], ABOUT))
    assert "already been sent or discarded" in all_text(stolen)
    draft = stored_draft(megan, "skills")
    assert draft is not None and draft.get("role_family", "") == ""


async def test_gaps_name_the_champions_who_can_help_or_the_community(
    megan: TeamsUser, alex: TeamsUser
) -> None:
    await volunteer_and_approve(megan, alex, "Cyber security awareness", service_area="Housing")
    adele = other(megan, 1, "Adele Vance")
    result = await full_check(adele)
    text = all_text(result)
    assert "Digital champions in the Cyber security awareness community can help" in text
    assert "Megan Bowen (Housing)" in text
    assert "Ask in the Data and reporting community" in text, "no champions there yet"
    assert "Type ask and your question" in text
    assert_cards_ok([result])


async def test_taking_the_check_again_adds_a_second_assessment(megan: TeamsUser) -> None:
    result = await full_check(megan)
    again = await press(megan, result, "Take the check again")
    assert "Step 1 of 8: About your role" in all_text(again)
    better = {**LEVELS, "data": "2", "cyber_security": "3"}
    review = await answer_steps(megan, again, ABOUT, better)
    second = await press(megan, review, SEND)
    assert "in 7 of 7 areas" in all_text(second)
    assessments = kept(megan)
    assert len(assessments) == 2
    assert [data["levels"]["data"] for _, data in assessments] == [1, 2]


async def test_admins_change_the_framework_and_nobody_else_can(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    refused = (await megan.say("skills framework"))[-1]
    assert "Only a Digital Front Door admin can see and change" in refused["text"]
    overview = card_of((await alex.say("skills framework"))[-1])
    text = all_text(overview)
    assert "Digital skills competency framework" in text and "Version 1" in text
    assert "Cyber security awareness community" in text
    change = find_action(overview, "Change Cyber security awareness")
    edit = invoke_card(await alex.press(change["verb"], change["data"]))
    assert "Change Cyber security awareness" in all_text(edit)
    # Megan cannot open or save the edit card, even with its data.
    save = find_action(edit, "Save changes")
    for verb, card_data in ((change["verb"], change["data"]), (save["verb"], save["data"])):
        said = invoke_message(await megan.press(verb, card_data, {"target_manager": "4"}))
        assert "Only a Digital Front Door admin" in said
    # Bad changes are explained next to the input, with what was typed kept.
    bad = invoke_card(
        await alex.press(
            save["verb"],
            save["data"],
            {"level_2": "", "links_2": "No address", "target_front_line": "7"},
        )
    )
    assert "There is a problem" in all_text(bad)
    assert error_for(bad, "level_2") == "Error: Describe what a person at level 2 can do."
    assert "needs a title, then a | sign" in error_for(bad, "links_2")
    assert error_for(bad, "target_front_line") == "Error: Choose a target level from 1 to 4."
    assert kept(alex, "skills_framework") == []
    # An area that is not in the framework is refused plainly.
    unknown = invoke_message(await alex.press(save["verb"], {**save["data"], "area": "juggling"}))
    assert "That area is not in the digital skills framework" in unknown
    # A good change is kept as version 2, and the next check uses it.
    good = {
        "level_2": "I can spot a phishing email and report it to the IT service desk.",
        "links_2": "NCSC: phishing | https://www.ncsc.gov.uk/guidance/phishing",
        "target_front_line": "3",
    }
    saved = invoke_card(await alex.press(save["verb"], save["data"], good))
    assert "version 2 of the framework" in all_text(saved)
    [(owner, record)] = kept(alex, "skills_framework")
    assert owner == alex.aad_object_id and record["version"] == 2
    # The same old card again (version 1) saves nothing, and says why.
    stale = invoke_card(await alex.press(save["verb"], save["data"], good))
    assert "Someone saved a change to the framework after you opened this card" in all_text(stale)
    assert len(kept(alex, "skills_framework")) == 1
    front_line = {**ABOUT, "role_family": "front_line"}
    card = await press(megan, await open_check(megan), "Next", front_line)
    for area in AREAS[:2]:
        card = await press(megan, card, "Next", {area: "2"})
    assert "I can spot a phishing email and report it" in all_text(card)
    review = card
    for area in AREAS[2:]:
        review = await press(megan, review, "Next", {area: "2"})
    result = await press(megan, review, SEND)
    assert "You: level 2, Working. Target: level 3, Practitioner." in all_text(result)
    assert "NCSC: 10 Steps to Cyber Security" in link_titles(result)
    assert kept(megan)[-1][1]["framework_version"] == 2
    assert_cards_ok([overview, edit, bad, saved, stale, result])


async def test_admins_open_baselines_and_checks_belong_to_the_open_one(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await full_check(megan)
    refused = (await megan.say("skills baseline Spring 2027"))[-1]["text"]
    assert "Only a Digital Front Door admin can open a skills baseline" in refused
    listed = (await alex.say("skills baseline"))[-1]["text"]
    assert "First baseline, opened on 25 November 2026" in listed
    opened = (await alex.say("skills baseline Spring 2027"))[-1]["text"]
    assert "The baseline Spring 2027 is now open" in opened
    assert "First baseline is now closed, so the skills reports show its figures" in opened
    again = (await alex.say("skills baseline spring 2027"))[-1]["text"]
    assert "There is already a baseline called Spring 2027" in again
    silly = (await alex.say("skills baseline https://example.org"))[-1]["text"]
    assert "Nothing has changed" in silly
    await full_check(megan)
    assert [data["baseline"] for _, data in kept(megan)] == ["First baseline", "Spring 2027"]
    names = [data["name"] for _, data in kept(alex, "skills_baseline")]
    assert names == ["First baseline", "Spring 2027"]


async def test_help_lists_the_skills_check(megan: TeamsUser, alex: TeamsUser) -> None:
    text = all_text(card_of((await megan.say("help"))[-1]))
    assert "skills check" in text and "skills framework" not in text
    admin_text = all_text(card_of((await alex.say("help"))[-1]))
    assert "skills framework" in admin_text
    for phrase in ("check my skills", "digital skills"):
        card = card_of((await megan.say(phrase))[-1])
        assert "Digital skills check" in all_text(card)
