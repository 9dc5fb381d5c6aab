"""`map a process` (Priority 5: process mapping): a person maps a process's steps one at
a time, can save and come back (even after a restart), checks their answers and sends
it; `my processes` lists what they mapped and Change sends the next version. Wrong
answers are explained in plain words next to the question, and what was typed is kept.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.journey import stored_draft
from tests.e2e.test_form import error_for, press, value_of
from tests.support.cards import all_text, assert_cards_ok, find_inputs
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.readability import bot_texts, grade, plain, word_count
from tests.support.teams import (
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

ABOUT = {
    "name": "Booking a garden waste collection",
    "directorate": "Place",
    "service_area": "Waste and Recycling",
    "users": "residents,staff",
    "items_per_month": "10,000",
}
STEPS = [
    {
        "who": "Resident",
        "what": "Phones to book",
        "system": "phone",
        "minutes": "3",
        "often": "every",
    },
    {
        "who": "Contact centre adviser",
        "what": "Types the booking into Bartec",
        "system": "Bartec",
        "minutes": "4.5",
        "often": "every",
    },
    {
        "who": "Waste officer",
        "what": "Checks the address is on a round",
        "system": "Bartec",
        "minutes": "2",
        "often": "some",
        "share": "25",
    },
]
PAIN = {"pain_points": "Every booking is typed twice, into Bartec and a spreadsheet."}


def kept_maps(user: TeamsUser) -> list[tuple[str, str, dict[str, Any]]]:
    path = user.bot.env["DATA_DIR"] + "/digital-front-door.sqlite3"
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT owner_id, key, data FROM records WHERE kind = 'process_map' ORDER BY seq"
        ).fetchall()
    return [(owner, key, json.loads(data)) for owner, key, data in rows]


async def as_teams(
    user: TeamsUser, card: dict[str, Any], title: str, inputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Press a button as Teams does: every input's current value is sent with it."""
    shown = {item["id"]: item.get("value", "") for item in find_inputs(card)}
    return await press(user, card, title, {**shown, **(inputs or {})})


async def open_map(user: TeamsUser, said: str = "map a process") -> dict[str, Any]:
    return card_of((await user.say(said))[-1])


async def to_steps(user: TeamsUser) -> dict[str, Any]:
    card = await open_map(user)
    return await press(user, card, "Next", ABOUT)


def step(answers: dict[str, str]) -> dict[str, str]:
    """One step's answers, as the card's inputs send them."""
    return {f"step_{name}": value for name, value in answers.items()}


async def add_steps(user: TeamsUser, card: dict[str, Any], steps: list[dict[str, str]]) -> Any:
    for answers in steps:
        card = await press(user, card, "Add another step", step(answers))
    return card


async def test_a_process_is_mapped_saved_resumed_after_a_restart_and_sent(
    megan: TeamsUser,
) -> None:
    card = await open_map(megan)
    assert "Page 1 of 3: About the process" in all_text(card)
    first = card
    card = await press(megan, card, "Next", ABOUT)
    assert "Page 2 of 3: The steps" in all_text(card)
    card = await add_steps(megan, card, STEPS[:2])
    text = all_text(card)
    assert "Step 2 added" in text and "Steps so far (2)" in text
    assert "After step 1: from Resident to Contact centre adviser" in text
    # Half of step 3 typed, then saved: it waits in the draft, across a restart.
    saved = await press(megan, card, "Save and finish later", {"step_who": "Waste officer"})
    assert "Saved. Type map a process to finish it later" in all_text(saved)
    await megan.bot.restart()
    card = await open_map(megan)
    assert "already have a process map in progress" in all_text(card)
    assert value_of(card, "step_who") == "Waste officer", "what was typed is kept"
    card = await open_map(megan, "continue process map")
    assert "Welcome back" in all_text(card)
    # An old card (from before the steps) changes nothing.
    stale = await press(megan, first, "Next", ABOUT)
    assert "This card is out of date" in all_text(stale)
    card = await press(megan, card, "Next", step(STEPS[2]))
    assert "Page 3 of 3: Pain points" in all_text(card)
    review = await press(megan, card, "Next", PAIN)
    text = all_text(review)
    assert "Check your answers before sending" in text
    assert "Hand-offs: 2" in text
    assert "After step 2: from Contact centre adviser to Waste officer" in text
    assert (
        "3. Waste officer: Checks the address is on a round (Bartec), 2 minutes, 25% of items"
        in text
    )
    sent = await press(megan, review, "Send process map")
    assert "Process map sent" in all_text(sent)
    # Then the estimate: (3 + 4.5 + 2 x 25%) minutes x 10,000 items x 12 months / 60.
    assert "What self-service or automation could save" in all_text(sent)
    assert "16,000" in all_text(sent)
    assert_cards_ok([first, card, review, sent, stale])
    [(owner, key, data)] = kept_maps(megan)
    assert owner == megan.aad_object_id and key == f"{data['id']}:1"
    assert data["version"] == 1 and data["items_per_month"] == 10_000
    assert data["users"] == ["residents", "staff"]
    assert data["steps"] == [
        {
            "who": "Resident",
            "what": "Phones to book",
            "system": "phone",
            "minutes": 3,
            "share": 100,
        },
        {
            "who": "Contact centre adviser",
            "what": "Types the booking into Bartec",
            "system": "Bartec",
            "minutes": 4.5,
            "share": 100,
        },
        {
            "who": "Waste officer",
            "what": "Checks the address is on a round",
            "system": "Bartec",
            "minutes": 2,
            "share": 25,
        },
    ]
    assert data["pain_points"] == PAIN["pain_points"]
    assert data["submitted_at"].startswith(megan.bot.clock.now().date().isoformat())
    assert stored_draft(megan, "process_map") is None
    again = (await megan.say("continue process map"))[-1]
    assert "no process map in progress" in again["text"]


async def send_a_map(user: TeamsUser) -> None:
    card = await add_steps(user, await to_steps(user), STEPS)
    card = await press(user, card, "Next")
    review = await press(user, card, "Next", PAIN)
    await press(user, review, "Send process map")


async def test_my_processes_and_change_sends_version_2(megan: TeamsUser, alex: TeamsUser) -> None:
    empty = await open_map(megan, "my processes")
    assert "You have not mapped a process yet" in all_text(empty)
    await send_a_map(megan)
    mine = await open_map(megan, "my processes")
    assert "Booking a garden waste collection" in all_text(mine)
    assert "Version 1" in all_text(mine) and "3 steps, 10,000 items a month" in all_text(mine)
    change = find_action(mine, "Change Booking a garden waste collection")
    # Somebody else's Change opens nothing.
    refused = invoke_message(await alex.press(change["verb"], change["data"]))
    assert "could not find that process map among yours" in refused
    review = invoke_card(await megan.press(change["verb"], change["data"]))
    assert "You are changing version 1" in all_text(review)
    steps = await press(megan, review, "Change the steps")
    steps = await press(megan, steps, "Remove step", {"chosen_step": "2"})
    assert "Step 2 removed" in all_text(steps)
    assert "After step 1: from Resident to Waste officer" in all_text(steps)
    steps = await press(megan, steps, "Change step", {"chosen_step": "1"})
    assert value_of(steps, "step_who") == "Resident"
    steps = await press(megan, steps, "Save this step", step({**STEPS[0], "minutes": "5"}))
    assert "Step 1 changed" in all_text(steps)
    review = await press(megan, steps, "Next")
    review = await press(megan, review, "Next", PAIN)
    sent = await press(megan, review, "Send process map")
    assert "Version 2, with 2 steps" in all_text(sent)
    kept = kept_maps(megan)
    assert [key.split(":")[1] for _, key, _ in kept] == ["1", "2"]
    assert kept[0][2]["id"] == kept[1][2]["id"], "the same process, a new version"
    assert [s["minutes"] for s in kept[1][2]["steps"]] == [5, 2]
    mine = await open_map(megan, "my processes")
    assert "Version 2" in all_text(mine) and "Version 1" not in all_text(mine)
    assert "mapped 1 process" in all_text(mine)
    assert_cards_ok([empty, mine, review, steps, sent])
    help_text = all_text(card_of((await megan.say("help"))[-1]))
    assert "map a process" in help_text and "my processes" in help_text


async def test_bad_answers_are_explained_and_kept(megan: TeamsUser) -> None:
    card = await open_map(megan)
    card = await press(megan, card, "Next", {**ABOUT, "name": "", "items_per_month": "2,000,000"})
    assert error_for(card, "name") == "Error: Enter the name of the process"
    assert error_for(card, "items_per_month") == "Error: Items a month must be 1,000,000 or fewer"
    assert value_of(card, "items_per_month") == "2,000,000"
    card = await press(megan, card, "Next", {**ABOUT, "items_per_month": "lots"})
    assert error_for(card, "items_per_month").startswith(
        "Error: Enter items a month as a whole number"
    )
    assert value_of(card, "service_area") == "Waste and Recycling"
    card = await press(megan, card, "Next", {**ABOUT, "items_per_month": 10000})
    assert "Page 2 of 3" in all_text(card)
    card = nothing = await press(megan, card, "Next")
    assert "Add at least one step before you go on" in all_text(nothing)
    for minutes, said in (
        ("-5", "must be 0 or more"),
        ("five", "Enter the minutes as a number"),
        ("481", "480 or fewer"),
        ("nan", "Enter the minutes as a number"),
    ):
        card = await press(megan, card, "Add another step", step({**STEPS[0], "minutes": minutes}))
        assert said in error_for(card, "step_minutes"), minutes
        assert value_of(card, "step_minutes") == minutes
        assert value_of(card, "step_who") == "Resident", "what was typed is kept"
    card = await press(megan, card, "Add another step", step({**STEPS[2], "share": "a quarter"}))
    assert "whole number" in error_for(card, "step_share")
    card = await press(megan, card, "Add another step", step({**STEPS[2], "share": ""}))
    assert "Enter the percentage of items" in error_for(card, "step_share")
    assert "Steps so far" not in all_text(card), "no wrong step was added"
    card = await press(megan, card, "Add another step", step({**STEPS[0], "minutes": "0"}))
    assert "Step 1 added" in all_text(card)
    assert_cards_ok([card, nothing])


async def test_forged_and_impossible_card_data_is_answered_plainly(
    megan: TeamsUser, alex: TeamsUser
) -> None:
    card = await add_steps(megan, await to_steps(megan), STEPS)
    before = stored_draft(megan, "process_map")
    add = find_action(card, "Add another step")
    # 200 steps in one card's data: refused plainly, and the draft is as it was.
    many = {f"s{i}.who": f"Officer {i}" for i in range(1, 201)}
    message = invoke_message(await megan.press(add["verb"], add["data"], many))
    assert "That card sent 200 steps at once" in message and "up to 50" in message
    listed = {"steps": [STEPS[0]] * 200}
    assert "200 steps" in invoke_message(await megan.press(add["verb"], add["data"], listed))
    assert stored_draft(megan, "process_map") == before
    # A step the process does not have.
    remove = find_action(card, "Remove step")
    for which in ("99", "0", "abc"):
        chosen = {"chosen_step": which}
        card = invoke_card(await megan.press(remove["verb"], remove["data"], chosen))
        assert f"There is no step {which} in this process: it has 3 steps" in all_text(card)
        remove = find_action(card, "Remove step")
    nothing_chosen = invoke_card(await megan.press(remove["verb"], remove["data"]))
    assert "Choose a step from the list first" in all_text(nothing_chosen)
    assert "Steps so far (3)" in all_text(nothing_chosen)
    # Not a card of ours at all, and Alex pressing Megan's card.
    for bad in ({**add["data"], "draftId": "x"}, {**add["data"], "page": 9}, ["list"], None):
        assert "not one I recognise" in invoke_message(await megan.press(add["verb"], bad))
    stolen = invoke_card(await alex.press(add["verb"], add["data"], step(STEPS[0])))
    assert "already been sent or discarded" in all_text(stolen)
    bad_change = invoke_message(await megan.press("process_map.change", {"processId": "../x"}))
    assert "did not say which process map" in bad_change
    assert kept_maps(megan) == []


async def test_up_to_50_steps_and_the_51st_is_refused_with_nothing_lost(megan: TeamsUser) -> None:
    card = await to_steps(megan)
    for number in range(1, 51):
        answers = {"who": f"Officer {number % 3}", "what": f"Part {number}", "system": "email"}
        card = await as_teams(megan, card, "Add another step", step({**answers, "minutes": "1"}))
    assert "Steps so far (50)" in all_text(card)
    extra = {"who": "One more", "what": "Files it", "system": "paper", "minutes": "2"}
    card = await as_teams(megan, card, "Add another step", step(extra))
    assert "can have up to 50 steps, and this one has 50" in all_text(card)
    assert value_of(card, "step_who") == "One more", "the refused step is kept on the card"
    size = len(json.dumps(card))
    print(f"\nThe steps page of a 50-step map is {size:,} bytes")
    assert size < 40_000, size
    card = await as_teams(megan, card, "Remove step", {"chosen_step": "50"})
    assert "Step 50 removed" in all_text(card) and value_of(card, "step_who") == "One more"
    card = await as_teams(megan, card, "Next")
    review = await press(megan, card, "Next", PAIN)
    await press(megan, review, "Send process map")
    [(_, _, data)] = kept_maps(megan)
    assert len(data["steps"]) == 50 and data["steps"][-1]["who"] == "One more"
    assert_cards_ok([card, review])


# ---- Plain words and labelled inputs -------------------------------------------------

# A step's questions are checked by the bot when Add another step or Next is pressed, not
# marked required: Teams checks every input whichever button is pressed, so a required
# box would stop Change step and Remove step.
CHECKED_BY_THE_BOT = {f"step_{name}" for name in STEPS[2]} | {"chosen_step"}


async def every_page(user: TeamsUser) -> list[dict[str, Any]]:
    """The process map's cards, with errors and refusals, up to Check your answers."""
    first = await open_map(user)
    wrong = await press(user, first, "Next", {**ABOUT, "name": "", "items_per_month": "-1"})
    card = await press(user, wrong, "Next", ABOUT)
    empty = await press(user, card, "Next")
    card = await add_steps(user, empty, STEPS)
    bad = await press(user, card, "Add another step", step({**STEPS[2], "minutes": "x"}))
    chosen = await as_teams(user, bad, "Change step", {"chosen_step": "7"})
    pain = await press(user, chosen, "Next", step(STEPS[0]))
    review = await press(user, pain, "Next", PAIN)
    saved = await press(user, review, "Save and finish later")
    return [first, wrong, empty, bad, chosen, pain, review, saved]


async def test_every_text_is_grade_8_or_easier_and_every_input_says_what_it_needs(
    megan: TeamsUser,
) -> None:
    cards = await every_page(megan)
    typed = {str(v) for answers in (ABOUT, PAIN, *STEPS) for v in answers.values()}
    texts = {text for card in cards for text in bot_texts(card)}
    scored = [(grade(plain(t, typed)), t) for t in texts if word_count(plain(t, typed)) >= 6]
    assert len(scored) > 20, "the walk reached the map's texts"
    too_hard = sorted(item for item in scored if item[0] > 8)
    assert not too_hard, too_hard
    for card in cards:
        for field in find_inputs(card):
            label, required = field["label"], field.get("isRequired") is True
            if field["id"] in CHECKED_BY_THE_BOT:
                assert not required and "(optional)" not in label, field
            else:
                assert required == ("(optional)" not in label), field
                assert not required or field.get("errorMessage"), field
    assert_cards_ok(cards)


async def test_in_sharepoint_mode_a_map_waits_across_a_restart_and_is_kept(
    tmp_path: Path, fake: FakeGraph, connector: Connector, http: aiohttp.ClientSession
) -> None:
    bot = BotServer(tmp_path / "data", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await bot.start()
    try:
        user = TeamsUser(
            http, bot, connector, "user-sp", "Sam Green", "00000000-0000-0000-0000-0000000000055"
        )
        card = await add_steps(user, await to_steps(user), STEPS[:2])
        await press(user, card, "Save and finish later")
        await bot.restart()
        card = await open_map(user)
        assert "Steps so far (2)" in all_text(card)
        review = await press(user, await press(user, card, "Next"), "Next", PAIN)
        sent = await press(user, review, "Send process map")
        assert "Version 1, with 2 steps" in all_text(sent)
        await bot.settled()
        await bot.restart()
        mine = await open_map(user, "my processes")
        assert "Booking a garden waste collection" in all_text(mine)
        assert "2 steps, 10,000 items a month" in all_text(mine)
    finally:
        await bot.stop()
