"""The requester's record: `status DR-…` tells the whole story, and the requester can
withdraw their request or change their answers while that is still fair to IT triage.

Every promise holds on both stores: SQLite, and SharePoint through the Graph-like server.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import GOOD_ANSWERS, raise_request
from tests.e2e.test_triage import ADELE, ALEX, press, triage_card_posted, triager_view
from tests.support.cards import all_text, assert_cards_ok
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned
from tests.support.teams import (
    YEAR,
    BotServer,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
    iter_actions,
)

REF = f"DR-{YEAR}-0001"
REQUESTS = "DFD Requests"


@pytest.fixture(params=["sqlite", "sharepoint"])
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeGraph | None]:
    if request.param == "sqlite":
        yield None
        return
    graph = FakeGraph()
    await graph.start()
    await (await provisioned(graph)).close()
    yield graph
    await graph.stop()


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeGraph | None) -> AsyncIterator[BotServer]:
    env = {"TRIAGE_ROSTER": f"{ALEX},{ADELE}", "BOT_STORE": "sharepoint" if fake else "sqlite"}
    server = BotServer(tmp_path / "data", env, graph=(lambda: connect(fake)) if fake else None)
    await server.start()
    yield server
    await server.stop()


async def reply_card(user: TeamsUser, text: str, marker: str) -> dict[str, Any]:
    """The card sent in reply to `text`: news from IT triage may arrive at the same time."""
    before = len(user.connector.in_conversation(user.conversation_id))
    await user.say(text)
    for _ in range(100):
        for sent in user.connector.in_conversation(user.conversation_id)[before:]:
            if not sent.get("attachments"):
                return card_of(sent)  # a refusal: fails the caller's lookup of a card
            if marker in all_text(card_of(sent)):
                return card_of(sent)
        await asyncio.sleep(0.05)
    raise AssertionError(f"No card came back for {text!r}")


async def reply_text(user: TeamsUser, text: str) -> str:
    """The plain reply to `text`, whatever cards arrive at the same time."""
    before = len(user.connector.in_conversation(user.conversation_id))
    await user.say(text)
    for _ in range(100):
        for sent in user.connector.in_conversation(user.conversation_id)[before:]:
            if sent.get("text") and not sent.get("attachments"):
                return str(sent["text"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"No text came back for {text!r}")


async def channel_redrawn(user: TeamsUser, words: str) -> str:
    """The triage channel's card, once it has been updated in place to say `words`."""
    text = ""
    for _ in range(100):
        for update in reversed(user.connector.updates(CHANNEL["id"])):
            text = all_text(update.activity["attachments"][0]["content"])
            if words in text:
                return text
        await asyncio.sleep(0.05)
    raise AssertionError(f"The triage channel's card never said {words!r}. Last: {text}")


async def status_card(user: TeamsUser, reference: str = REF) -> dict[str, Any]:
    return await reply_card(user, f"status {reference}", "What has happened")


def titles_of(card: dict[str, Any]) -> list[str]:
    """Each button once (an Action.Execute carries an Action.Submit fallback of the same title)."""
    return [
        a["title"]
        for a in iter_actions(card)
        if a.get("type") == "Action.Execute" or a.get("type") == "Action.ShowCard"
    ]


async def withdraw(user: TeamsUser, card: dict[str, Any], reason: str = "") -> dict[str, Any]:
    action = find_action(card, "Withdraw request")
    return await user.press(action["verb"], action["data"], {"withdrawReason": reason})


def changed_answers(edits: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Every step's inputs as the change form's card sends them, with some answers changed."""
    return {step: {**values, **edits.get(step, {})} for step, values in GOOD_ANSWERS.items()}


async def change_to_review(
    user: TeamsUser, form: dict[str, Any], edits: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    card = form
    for step, answers in sorted(changed_answers(edits).items()):
        action = find_action(card, "Next")
        card = invoke_card(await user.press(action["verb"], action["data"], answers))
        assert "There is a problem" not in all_text(card) or step == 99, all_text(card)
    return card


async def open_change_form(user: TeamsUser) -> dict[str, Any]:
    action = find_action(await status_card(user), "Change my answers")
    return invoke_card(await user.press(action["verb"], action["data"]))


NEW_TITLE = "Book and change garden waste collections online"
EDITS = {1: {"title": NEW_TITLE}, 3: {"budget": "50k_to_250k"}}


# ---- The record ------------------------------------------------------------------


async def test_status_tells_the_whole_story_with_every_question_and_answer(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    for question, answer in (("How many bookings a week?", "About 400"), ("Which days?", "All")):
        view = await triager_view(alex)
        before = len(megan.connector.in_conversation(megan.conversation_id))
        invoke_card(await press(alex, view, "Send question", {"question": question}))
        asked = card_of((await megan.connector.wait_for(megan.conversation_id, before + 1))[-1])
        send = find_action(asked, "Send answer")
        invoke_card(await megan.press(send["verb"], send["data"], {"answer": answer}))
    card = await status_card(megan)
    text = all_text(card)
    assert "Being triaged by IT" in text
    for said in ("How many bookings a week?", "About 400", "Which days?", "All"):
        assert said in text, said
    assert "IT triage asked on 2 March 2026" in text or re.search(r"asked on \d+ \w+ 20\d\d", text)
    assert re.search(r"You answered on \d{1,2} [A-Z][a-z]+ \d{4}", text)
    assert "Where it is likely to go" in text and "Digital, Data and Customer Board" in text
    assert re.search(r"Priority score: \d+ out of 100: (high|medium|low) priority", text)
    details = find_action(card, "Show score details")
    assert "Strategic alignment" in json.dumps(details["card"]), "the breakdown is one press away"
    assert "What has happened" in text and "You sent it." in text
    answers = all_text(find_action(card, "Show your answers")["card"])
    for said in ("Jo Bloggs, Head of Waste Services", "Under £10,000", "Place"):
        assert said in answers, said
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}: ", text), "history dates"
    assert not re.search(r"\b0\d [A-Z][a-z]+ \d{4}\b", text), "UK dates: 2 March, not 02 March"
    assert_cards_ok([card])


async def test_a_rejected_request_says_why_and_what_next_and_shows_no_live_route(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    reason = "We already have a booking system. Talk to your IT business partner."
    invoke_card(await press(alex, view, "Reject", {"rejectReason": reason}))
    card = await status_card(megan)
    text = all_text(card)
    assert "This request is closed" in text
    assert reason in text
    assert "What you can do next" in text
    assert "Where it is likely to go" not in text and "Where it is now" not in text
    titles = titles_of(card)
    assert "Change my answers" not in titles and "Withdraw this request…" not in titles
    listing = all_text(card_of((await megan.say("my requests"))[-1]))
    assert "Not taken forward." in listing
    assert "Board" not in listing and "Digital, Data" not in listing


async def test_a_duplicate_names_the_request_it_joins(alex: TeamsUser, megan: TeamsUser) -> None:
    await raise_request(alex)  # DR-…-0001, the original
    await in_channel(alex).say("register triage")
    await raise_request(megan)
    await alex.connector.wait_for(CHANNEL["id"], 1)
    view = await triager_view(alex, f"DR-{YEAR}-0002")
    invoke_card(await press(alex, view, "Link as duplicate", {"duplicateRef": REF}))
    text = all_text(await status_card(megan, f"DR-{YEAR}-0002"))
    assert "This request is closed" in text
    assert f"asks for the same thing as {REF}" in text
    assert "Where it is likely to go" not in text


async def test_my_requests_names_each_row_and_shows_the_board_only_once_it_has_one(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    await raise_request(megan)
    invoke_card(await press(alex, await triager_view(alex), "Accept to board"))
    card = await reply_card(megan, "my requests", "Your requests")
    text = all_text(card)
    assert "With the Digital, Data and Customer Board" in text  # 0001, accepted
    assert "Submitted, waiting for IT triage." in text  # 0002, no board yet
    assert text.count("Digital, Data and Customer Board") == 1
    titles = sorted(titles_of(card))
    assert titles == [
        f"Show DR-{YEAR}-0001: Book garden waste collections online",
        f"Show DR-{YEAR}-0002: Book garden waste collections online",
    ]
    for container in card["body"]:
        assert "selectAction" not in container, "each row is named by its own button"
    shown = invoke_card(await megan.press("requests.show", find_action(card, titles[0])["data"]))
    assert REF in all_text(shown) and "It is with the Digital, Data" in all_text(shown)
    assert_cards_ok([card, shown])


# ---- IT triage reads the record -------------------------------------------------------


async def test_a_triager_can_read_any_request_in_chat_and_in_the_channel(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    # Alex is on the roster; megan raised it. Alex sees it read-only, in chat and channel.
    adele = TeamsUser(
        alex.http, alex.bot, alex.connector, "user-id-2", "Adele Vance", aad_object_id=ADELE
    )
    in_chat = await status_card(adele)
    channel = in_channel(adele)
    in_team = card_of((await channel.say(f"<at>Front Door</at> status {REF}"))[-1])
    for card in (in_chat, in_team):
        text = all_text(card)
        assert REF in text and "Raised by\nMegan Bowen" in text
        assert "Megan Bowen sent it." in text and "You sent it." not in text
        assert titles_of(card) == ["Show the requester's answers", "Show score details"]
    assert_cards_ok([in_chat, in_team])


async def test_someone_off_the_roster_cannot_read_others_requests_anywhere(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await raise_request(alex)
    assert "could not find" in (await megan.say(f"status {REF}"))[-1]["text"]
    refused = (await in_channel(megan).say(f"status {REF}"))[-1]["text"]
    assert "Only the IT triage team can look up requests here" in refused
    await in_channel(alex).say("register triage")
    own = (await in_channel(alex).say(f"status {REF}"))[-1]
    assert card_of(own), "Alex is on the roster, in the triage channel"


# ---- Withdraw ---------------------------------------------------------------------------


async def test_the_requester_withdraws_with_a_reason_and_it_is_final(
    alex: TeamsUser, megan: TeamsUser, fake: FakeGraph | None
) -> None:
    await triage_card_posted(alex, megan)
    card = await status_card(megan)
    done = invoke_card(await withdraw(megan, card, "We found a form that does this."))
    assert "Request withdrawn" in all_text(done)
    text = all_text(await status_card(megan))
    assert "Withdrawn by you" in text
    assert "You withdrew it on 2 March 2026" in text or re.search(r"You withdrew it on \d+", text)
    assert "We found a form that does this." in text
    assert "Where it is likely to go" not in text
    again = invoke_message(await withdraw(megan, card))
    assert "already withdrawn" in again
    # IT's card says so, and offers nothing to do to it: withdrawn is final.
    await channel_redrawn(alex, "Withdrawn by the requester")
    view = await triager_view(alex)
    assert "Withdrawn by the requester" in all_text(view)
    assert "Reopen" not in titles_of(view)
    if fake is not None:
        item = await sharepoint_item(fake, lambda fields: fields["Status"] == "withdrawn")
        history = json.loads(str(item["TriageJson"]))["history"]
        assert history[-1]["action"] == "withdraw"
    assert_cards_ok([card, done])


async def test_typed_withdraw_asks_first_and_only_the_requester_may(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await raise_request(megan)
    refused = (await alex.say(f"withdraw {REF}"))[-1]["text"]
    assert "could not find a request" in refused and "Only the person who raised" in refused
    asks = card_of((await megan.say(f"withdraw {REF.lower()}"))[-1])
    assert f"Withdraw {REF}?" in all_text(asks)
    assert "Submitted, waiting for IT triage" in all_text(await status_card(megan)), "not yet"
    forged = invoke_message(await withdraw(alex, asks, "Not mine to withdraw"))
    assert "could not find a request" in forged
    assert "Submitted, waiting for IT triage" in all_text(await status_card(megan))
    done = invoke_card(await withdraw(megan, asks))
    assert "Request withdrawn" in all_text(done)
    assert "Withdrawn by you" in all_text(await status_card(megan))
    assert "is not a request reference" in (await megan.say("withdraw DR-banana"))[-1]["text"]
    assert_cards_ok([asks, done])


async def test_bad_withdraw_card_data_is_refused(megan: TeamsUser) -> None:
    await raise_request(megan)
    for data in ({}, {"reference": "DR-banana"}, {"reference": REF, "withdrawReason": {"x": 1}}):
        body = await megan.press("requests.withdraw", {"verb": "requests.withdraw", **data})
        assert "Try again" in invoke_message(body) or "which request" in invoke_message(body)
    long = await megan.press(
        "requests.withdraw",
        {"verb": "requests.withdraw", "reference": REF},
        {"withdrawReason": "x" * 1001},
    )
    assert "1,000 characters or fewer" in invoke_message(long)
    assert "Submitted, waiting for IT triage" in all_text(await status_card(megan))


async def test_a_request_with_the_board_can_be_withdrawn_but_not_changed(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    invoke_card(await press(alex, await triager_view(alex), "Accept to board"))
    card = await status_card(megan)
    titles = titles_of(card)
    assert "Withdraw this request…" in titles and "Change my answers" not in titles
    refused = await reply_text(megan, f"change {REF}")
    assert "cannot change your answers now" in refused
    assert "Request withdrawn" in all_text(invoke_card(await withdraw(megan, card)))


# ---- Change answers -------------------------------------------------------------------


async def sharepoint_item(fake: FakeGraph, ready: Any, timeout: float = 10) -> dict[str, Any]:
    """The request's list item, once the outbox has written what `ready` looks for."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        items = [i for i in fake.list_items(REQUESTS) if i.get("Reference") == REF]
        if items and ready(items[0]):
            return dict(items[0])
        await asyncio.sleep(0.05)
    raise AssertionError(f"SharePoint never showed the change: {fake.list_items(REQUESTS)}")


async def test_the_requester_changes_answers_and_the_score_route_and_history_follow(
    alex: TeamsUser, megan: TeamsUser, fake: FakeGraph | None
) -> None:
    await triage_card_posted(alex, megan)
    before = all_text(await status_card(megan))
    old_score = re.search(r"Priority score: (\d+) out of 100", before)
    form = await open_change_form(megan)
    assert "Change your request" in all_text(form)
    review = await change_to_review(megan, form, EDITS)
    send = find_action(review, "Send changes")
    done = invoke_card(await megan.press(send["verb"], send["data"]))
    text = all_text(done)
    assert "Changes sent" in text
    assert "You changed: title, budget." in text
    after = all_text(await status_card(megan))
    assert NEW_TITLE in after
    assert "You changed: title, budget." in after
    new_score = re.search(r"Priority score: (\d+) out of 100", after)
    assert old_score and new_score and old_score.group(1) != new_score.group(1), "score again"
    # IT's card is redrawn and IT can read what changed.
    await channel_redrawn(alex, NEW_TITLE)
    view = all_text(await triager_view(alex))
    assert NEW_TITLE in view
    if fake is not None:
        item = await sharepoint_item(fake, lambda fields: fields.get("Title") == NEW_TITLE)
        assert item["Budget"] == "50k_to_250k"
        assert json.loads(str(item["DetailsJson"]))["title"] == NEW_TITLE
        assert str(item["Score"]) == new_score.group(1)
        history = json.loads(str(item["TriageJson"]))["history"]
        assert history[-1]["changes"][0] == {
            "label": "title",
            "old": "Book garden waste collections online",
            "new": NEW_TITLE,
        }
    assert_cards_ok([form, review, done])


async def test_an_invalid_change_keeps_the_draft_and_changes_nothing(megan: TeamsUser) -> None:
    await raise_request(megan)
    form = await open_change_form(megan)
    action = find_action(form, "Next")
    wrong = invoke_card(
        await megan.press(action["verb"], action["data"], {**GOOD_ANSWERS[1], "title": ""})
    )
    assert "Enter a title" in all_text(wrong)
    # Come back later: the draft is kept, with what was typed.
    resumed = card_of((await megan.say("change"))[-1])
    assert "Change your request" in all_text(resumed)
    assert "Book garden waste collections online" in all_text(await status_card(megan))
    assert "You changed:" not in all_text(await status_card(megan))


async def test_nothing_changed_changes_nothing(megan: TeamsUser) -> None:
    await raise_request(megan)
    review = await change_to_review(megan, await open_change_form(megan), {})
    send = find_action(review, "Send changes")
    said = invoke_message(await megan.press(send["verb"], send["data"]))
    assert "You have not changed any answers" in said
    assert "You changed:" not in all_text(await status_card(megan))


async def test_a_change_after_acceptance_is_refused_and_not_saved(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    review = await change_to_review(megan, await open_change_form(megan), EDITS)
    invoke_card(await press(alex, await triager_view(alex), "Accept to board"))
    send = find_action(review, "Send changes")
    refused = invoke_message(await megan.press(send["verb"], send["data"]))
    assert "cannot change your answers now" in refused and "not saved" in refused
    text = all_text(await status_card(megan))
    assert NEW_TITLE not in text and "It is with the Digital, Data and Customer Board" in text


async def test_only_the_requester_can_change_and_a_route_set_by_it_is_kept(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    assert "could not find a request" in (await alex.say(f"change {REF}"))[-1]["text"]
    forged = await alex.press("requests.change", {"verb": "requests.change", "reference": REF})
    assert "could not find a request" in invoke_message(forged)
    invoke_card(
        await press(
            alex,
            await triager_view(alex),
            "Change route",
            {
                "routeBoard": "trb",
                "routeProcess": "project",
                "routeReason": "It is new technology.",
            },
        )
    )
    review = await change_to_review(
        megan, await open_change_form(megan), {2: {"kind": "data_reporting"}}
    )
    send = find_action(review, "Send changes")
    done = all_text(invoke_card(await megan.press(send["verb"], send["data"])))
    assert "IT triage chose where this request goes" in done
    assert "Technical Review Board" in all_text(await status_card(megan))


async def test_one_change_at_a_time(alex: TeamsUser, megan: TeamsUser) -> None:
    await raise_request(megan)
    await raise_request(megan)
    await open_change_form(megan)
    busy = (await megan.say(f"change DR-{YEAR}-0002"))[-1]["text"]
    assert f"You are already changing {REF}" in busy
