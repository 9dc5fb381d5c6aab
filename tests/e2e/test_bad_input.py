"""Bad input gets a clear, plain-English answer, and nothing is lost or corrupted."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import aiohttp

from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import GOOD_ANSWERS, fill_form, start_form
from tests.e2e.test_form import error_for, press, value_of
from tests.support.cards import all_text
from tests.support.teams import (
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

HUGE = "x" * 100 * 1024


def stored_draft(user: TeamsUser) -> dict[str, Any]:
    path = user.bot.env["DATA_DIR"] + "/digital-front-door.sqlite3"
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT answers FROM form_drafts WHERE owner_id = ? AND form = 'request'",
            (user.aad_object_id,),
        ).fetchone()
    assert row, "no draft stored"
    answers: dict[str, Any] = json.loads(row[0])
    return answers


async def test_100_kb_of_text_is_refused_clearly_and_kept_in_the_draft(alex: TeamsUser) -> None:
    card = await start_form(alex)
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[1], "problem": HUGE, "title": HUGE})
    assert "4,000 characters or fewer" in error_for(card, "problem")
    assert "102,400" in error_for(card, "problem")
    assert "120 characters or fewer" in error_for(card, "title")
    assert value_of(card, "problem") == "x" * 4000
    assert "We have shown the first 4,000 characters" in all_text(card)
    assert len(json.dumps(card)) < 28 * 1024, "Teams refuses cards over about 28 KB"
    assert stored_draft(alex)["problem"] == HUGE


async def test_control_characters_are_removed_and_only_control_characters_count_as_empty(
    alex: TeamsUser,
) -> None:
    card = await start_form(alex)
    card = await press(alex, card, "Next", {**GOOD_ANSWERS[1], "title": "\x00\x07\x1b\u202e"})
    assert error_for(card, "title") == "Error: Enter a title"
    answers = {step: dict(v) for step, v in GOOD_ANSWERS.items()}
    answers[1]["title"] = "Room\x00 booking\x1b[31m\u202e"
    review = await fill_form(alex, answers)
    sent = invoke_card(await alex.press(*_send(review)))
    text = all_text(sent)
    assert "Room booking[31m" in text
    assert "\x00" not in json.dumps(sent) and "\\u0000" not in json.dumps(sent)


def _send(card: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    action = find_action(card, "Send request")
    return action["verb"], action["data"]


async def test_markdown_and_links_in_free_text_never_render_on_the_triage_card(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await in_channel(alex).say("register triage")
    answers = {step: dict(v) for step, v in GOOD_ANSWERS.items()}
    answers[1]["title"] = "[Click here](https://evil.example/steal) **urgent**"
    answers[1]["problem"] = (
        "See www.evil.example or https://evil.example/x, mail boss@evil.example."
        + " " * 10
        + answers[1]["problem"]
    )
    answers[2]["supplier"] = "<b>Acme</b> [x](http://evil.example)"
    answers[2]["involves_procurement"] = "true"
    answers[3]["sponsor"] = "_Dr_ `Evil`"
    review = await fill_form(megan, answers)
    await megan.press(*_send(review))
    card = card_of((await connector.wait_for(CHANNEL["id"], 1))[-1])
    raw = json.dumps(card, ensure_ascii=False)
    for link in (
        "https://evil.example",
        "http://evil.example",
        "www.evil.example",
        "boss@evil.example",
    ):
        assert link not in raw, f"{link} would be a live link on the triage card"
    _assert_user_text_only_in_text_runs(card, ["Click here", "Acme", "See www"])


def _assert_user_text_only_in_text_runs(card: dict[str, Any], needles: list[str]) -> None:
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("TextBlock", "Fact") or ("title" in node and "value" in node):
                blob = json.dumps(node, ensure_ascii=False)
                for needle in needles:
                    assert needle not in blob, f"{needle!r} is in a {node.get('type')} (Markdown)"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    assert all(needle in all_text(card) for needle in needles)


async def test_wrong_types_in_card_data_get_a_clear_message(alex: TeamsUser) -> None:
    card = await start_form(alex)
    next_button = find_action(card, "Next")
    data = next_button["data"]
    cases: list[Any] = [
        {**data, "draftId": 12345},
        {**data, "draftId": "../../etc/passwd"},
        {**data, "step": "2"},
        {**data, "step": 99},
        {**data, "step": True},
        ["not", "an", "object"],
        "just a string",
        None,
    ]
    for bad in cases:
        body = await alex.press(next_button["verb"], bad)
        message = invoke_message(body)
        assert "Type continue" in message or "not one I recognise" in message, (bad, message)
    card = await press(
        alex, card, "Next", {**GOOD_ANSWERS[1], "title": {"$ne": 1}, "directorate": ["Place"]}
    )
    assert error_for(card, "title") == "Error: We could not read this answer. Try again."
    assert error_for(card, "directorate") != ""


async def test_unknown_or_malformed_actions_get_a_clear_message(alex: TeamsUser) -> None:
    assert "not one I recognise" in invoke_message(await alex.press("request.explode", {}))
    assert "not one I recognise" in invoke_message(await alex.press(42, {}))
    status, body = await alex.post(
        alex.activity(type="invoke", name="adaptiveCard/action", value="nonsense")
    )
    assert status == 200
    assert "not one I recognise" in body["value"]


async def test_card_data_naming_someone_elses_draft_changes_nothing(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    card = await start_form(alex)
    card = await press(alex, card, "Next", GOOD_ANSWERS[1])
    before = stored_draft(alex)
    for title in ("Next", "Save and finish later", "Yes, delete this draft"):
        action = find_action(card, title)
        body = await megan.press(action["verb"], action["data"], {"supplier": "Megan's"})
        assert "already been sent or discarded" in all_text(invoke_card(body))
    send = {**find_action(card, "Next")["data"], "step": 5}
    assert "already been sent or discarded" in all_text(
        invoke_card(await megan.press("request.submit", send))
    )
    assert stored_draft(alex) == before


async def test_old_style_submit_buttons_are_answered_not_ignored(alex: TeamsUser) -> None:
    status, _ = await alex.post(alex.activity(type="message", value={"verb": "request.next"}))
    assert status in (200, 202)
    replies = await alex.connector.wait_for(alex.conversation_id, 1)
    assert "Type continue" in replies[-1]["text"], "the same plain answer as the new buttons"
    status, _ = await alex.post(alex.activity(type="message", value={"no": "verb"}))
    replies = await alex.connector.wait_for(alex.conversation_id, 2)
    assert "not one I recognise" in replies[-1]["text"]


async def test_a_body_that_is_not_an_activity_is_refused_without_a_stack_trace(
    alex: TeamsUser, http: aiohttp.ClientSession
) -> None:
    for payload in (b"{not json", b"[]", b'{"type": 5}'):
        async with http.post(
            f"{alex.bot.url}/api/messages",
            data=payload,
            headers={"Content-Type": "application/json"},
        ) as response:
            text = await response.text()
            assert response.status in (400, 415, 422), (payload, response.status, text)
            assert "Traceback" not in text
    # The service is still fine afterwards.
    assert (await alex.say("help"))[-1]["attachments"]


async def test_unknown_commands_get_a_helpful_answer(alex: TeamsUser) -> None:
    reply = (await alex.say("please make me a sandwich"))[-1]
    assert "did not understand" in reply["text"]
    assert "new request" in reply["text"] and "help" in reply["text"]


async def test_the_not_understood_answer_names_everyones_commands_only(alex: TeamsUser) -> None:
    """Champions' and board members' commands are behind help champions / help boards:
    the answer to something not understood stays short enough to read."""
    said = (await alex.say("please make me a sandwich"))[-1]["text"]
    for theirs in ("resume questions", "review answers", "deputy end", "change weights"):
        assert theirs not in said, theirs
    for everyones in ("new request", "my requests", "buy software", "how are requests scored?"):
        assert everyones in said, everyones
