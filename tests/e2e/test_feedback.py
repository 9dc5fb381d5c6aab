"""Feedback: anyone rates the bot from 1 to 5, with a comment if they like; admins see a
summary. Bad answers are explained next to the field, and nothing typed is lost."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.e2e.conftest import in_channel
from tests.e2e.journey import fill_form
from tests.e2e.test_form import error_for, press, value_of
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import TeamsUser, card_of, find_action, invoke_card, invoke_message

LONG = ("Good, but slow to find my requests. " * 300)[:9_999] + "!"  # 10,000 characters


async def open_feedback(user: TeamsUser) -> dict[str, Any]:
    return card_of((await user.say("feedback"))[-1])


def kept_feedback(user: TeamsUser) -> list[tuple[str, str]]:
    path = user.bot.env["DATA_DIR"] + "/digital-front-door.sqlite3"
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT owner_id, data FROM records WHERE kind = 'feedback'").fetchall()
    return [(owner, data) for owner, data in rows]


async def test_a_rating_and_a_comment_are_kept_and_thanked(megan: TeamsUser) -> None:
    card = await open_feedback(megan)
    assert "Tell us what you think" in all_text(card)
    thanks = await press(megan, card, "Send feedback", {"rating": "4", "comment": "Quick."})
    assert "Thank you for your feedback" in all_text(thanks)
    assert "4 out of 5" in all_text(thanks)
    kept = kept_feedback(megan)
    assert len(kept) == 1 and kept[0][0] == megan.aad_object_id
    assert '"rating": 4' in kept[0][1] and "Quick." in kept[0][1]
    assert_cards_ok([card, thanks])


async def test_bad_ratings_and_a_very_long_comment_are_explained_and_kept(
    megan: TeamsUser,
) -> None:
    card = await open_feedback(megan)
    for bad in ("0", "6", "five"):
        card = await press(megan, card, "Send feedback", {"rating": bad, "comment": "Hm."})
        assert error_for(card, "rating") == "Error: Choose one of the options listed", bad
        assert value_of(card, "comment") == "Hm.", "what was typed is kept"
    card = await press(megan, card, "Send feedback", {"rating": "", "comment": LONG})
    assert error_for(card, "rating") == "Error: Choose a rating from 1 to 5"
    assert "2,000 characters or fewer. You entered 10,000" in error_for(card, "comment")
    assert value_of(card, "comment") == LONG[:2000]
    assert kept_feedback(megan) == [], "nothing is kept until every answer is fine"
    # The whole comment waits in the draft: fixing the rating and trimming it sends it.
    card = card_of((await megan.say("feedback"))[-1])
    assert "already have a feedback form in progress" in all_text(card)
    thanks = await press(megan, card, "Send feedback", {"rating": "2", "comment": LONG[:2000]})
    assert "2 out of 5" in all_text(thanks)
    assert len(kept_feedback(megan)) == 1


async def test_forged_feedback_data_changes_nothing(megan: TeamsUser, alex: TeamsUser) -> None:
    card = await open_feedback(megan)
    send = find_action(card, "Send feedback")
    for bad in ({**send["data"], "draftId": "x"}, {**send["data"], "step": 7}, ["list"], None):
        message = invoke_message(await megan.press(send["verb"], bad))
        assert "not one I recognise" in message, bad
    # Alex pressing Megan's form cannot send it for her.
    stolen = await alex.press(send["verb"], {**send["data"], "rating": "1"})
    assert "already been sent or discarded" in all_text(invoke_card(stolen))
    assert kept_feedback(megan) == []


async def test_a_request_draft_and_a_feedback_draft_wait_side_by_side(alex: TeamsUser) -> None:
    review = await fill_form(alex)
    await open_feedback(alex)
    resumed = card_of((await alex.say("continue"))[-1])
    assert "Check your answers" in all_text(resumed)
    send = find_action(review, "Send request")
    confirmation = invoke_card(await alex.press(send["verb"], send["data"]))
    assert f"DR-{alex.bot.clock.now().year}-0001" in all_text(confirmation)
    again = await open_feedback(alex)
    assert "already have a feedback form in progress" in all_text(again)


async def test_admins_see_a_summary_and_nobody_else_does(alex: TeamsUser, megan: TeamsUser) -> None:
    empty = card_of((await alex.say("feedback summary"))[-1])
    assert "Nobody has given feedback yet" in all_text(empty)
    for rating, comment in (("5", "Love it"), ("3", ""), ("4", "Clear <b>words</b>")):
        card = await open_feedback(megan)
        await press(megan, card, "Send feedback", {"rating": rating, "comment": comment})
    summary = card_of((await alex.say("feedback summary"))[-1])
    text = all_text(summary)
    assert "3 people have given feedback" in text
    assert "average rating is 4.0 out of 5" in text
    assert "Love it" in text and "Clear <b>words</b>" in text
    assert_cards_ok([empty, summary])
    refused = (await megan.say("feedback summary"))[-1]
    assert "Only a Digital Front Door admin" in refused["text"]
    in_a_channel = (await in_channel(alex).say("feedback summary"))[-1]
    assert "3 people have given feedback" in all_text(card_of(in_a_channel))


async def test_help_lists_feedback(alex: TeamsUser) -> None:
    text = all_text(card_of((await alex.say("help"))[-1]))
    assert "feedback" in text and "Tell us what you think of this bot" in text
