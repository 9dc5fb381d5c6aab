""" "Raise as a digital request" on a Teams message: the dialog comes with the message's
words and a link to it filled in, and saving it starts the person's request draft.

Every invoke goes over HTTP to the real app, shaped as Teams sends it, and every answer
is checked for the shape Teams expects: HTTP 200 and a task to show or a message.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import strategies as st

from bot import message_actions
from bot.journey import SORRY
from bot.journeys.intake.message_action import (
    COMMAND_ID,
    NO_WORDS,
    NOT_READ,
    SAVED,
    SHORTENED,
    UNREADABLE_SUBMIT,
)
from bot.message_actions import NOT_OURS, SLOW, UNREADABLE
from bot.store.drafts import DraftTable
from tests.e2e.conftest import in_channel
from tests.e2e.journey import stored_draft
from tests.e2e.test_form import press
from tests.e2e.test_fuzz_the_door import Watch, fuzz, holds_for, json_values
from tests.support.azurite import Azurite
from tests.support.cards import all_text, assert_cards_ok, find_inputs
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import BotServer, Connector, TeamsUser, card_of

FETCH = "composeExtension/fetchTask"
SUBMIT = "composeExtension/submitAction"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
LINK = (
    "https://teams.microsoft.com/l/message/19:general@thread.tacv2/1700000000001"
    "?tenantId=00000000-0000-0000-0000-0000000000aa&parentMessageId=1700000000001"
)
LINK_LINE = f"\n\nThe Teams message: {LINK}"
PRINTER = "The printer on floor 3 jams every morning. Staff lose an hour a day to it."


def message(content: str, content_type: str = "html", **extra: Any) -> dict[str, Any]:
    """A `messagePayload` as Teams sends it for the message the action was chosen on."""
    return {
        "id": "1700000000001",
        "messageType": "message",
        "createdDateTime": "2026-11-25T09:58:00.000Z",
        "linkToMessage": LINK,
        "from": {"user": {"id": "29:megan", "displayName": "Megan Bowen"}},
        "body": {"contentType": content_type, "content": content},
        "attachments": [],
        "mentions": [],
        "reactions": [],
        **extra,
    }


async def invoke(user: TeamsUser, name: str, value: Any) -> dict[str, Any]:
    """Post the invoke; Teams needs HTTP 200 with a JSON body for every answer."""
    status, body = await user.post(user.activity(type="invoke", name=name, value=value))
    assert status == 200, f"{name} answered HTTP {status}: {body}"
    assert isinstance(body, dict) and set(body) == {"task"}, body
    return body


async def fetch(
    user: TeamsUser, payload: dict[str, Any] | None, command_id: str = COMMAND_ID
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "commandId": command_id,
        "commandContext": "message",
        "context": {"theme": "default"},
    }
    if payload is not None:
        value["messagePayload"] = payload
    return await invoke(user, FETCH, value)


async def submit(
    user: TeamsUser,
    data: Any,
    payload: dict[str, Any] | None = None,
    command_id: str = COMMAND_ID,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "commandId": command_id,
        "commandContext": "message",
        "context": {"theme": "default"},
        "data": data,
    }
    if payload is not None:
        value["messagePayload"] = payload
    return await invoke(user, SUBMIT, value)


def dialog(body: dict[str, Any]) -> dict[str, Any]:
    """The dialog's Adaptive Card, after checking the task is shaped as Teams reads it."""
    task = body["task"]
    assert task["type"] == "continue", f"Expected a dialog, got {task}"
    info = task["value"]
    assert info["title"] == "Raise as a digital request"
    assert info["card"]["contentType"] == CARD_TYPE
    card: dict[str, Any] = info["card"]["content"]
    assert_cards_ok([card])
    return card


def said(body: dict[str, Any]) -> str:
    task = body["task"]
    assert task["type"] == "message", f"Expected a message, got {task}"
    assert isinstance(task["value"], str) and task["value"]
    return task["value"]


def inputs(card: dict[str, Any]) -> dict[str, str]:
    return {item["id"]: item.get("value", "") for item in find_inputs(card)}


def open_links(card: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.OpenUrl":
                found.append(node["url"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


# ---- The dialog ---------------------------------------------------------------


async def test_the_dialog_has_the_message_words_and_a_link_to_it(alex: TeamsUser) -> None:
    card = dialog(await fetch(alex, message(PRINTER, "text")))
    assert inputs(card) == {
        "title": "The printer on floor 3 jams every morning.",
        "problem": PRINTER + LINK_LINE,
    }
    assert open_links(card) == [LINK]
    labels = [item["label"] for item in find_inputs(card)]
    assert labels == ["Short title", "The problem today: what is wrong, and for whom"]
    assert [a["title"] for a in card["actions"]] == ["Save as a draft request"]
    assert card["actions"][0]["type"] == "Action.Submit"  # what a dialog sends back
    assert SHORTENED not in all_text(card)


async def test_html_becomes_plain_text_with_lines_lists_mentions_and_links(
    alex: TeamsUser,
) -> None:
    html = (
        '<p><at id="0">Megan Bowen</at> the <strong>booking form</strong> loses answers&nbsp;&amp; '
        "times out.</p>\n<p>What happens:</p><ol><li>Residents fill it in</li>"
        "<li>It says <em>session expired</em></li></ol>"
        '<ul><li>See <a href="https://intranet.example.gov.uk/forms/123">the form</a></li>'
        "<li>Raised before</li></ul><p>Thanks<br>Alex</p>"
        '<attachment id="quoted-card"></attachment><script>alert(1)</script>'
    )
    mentions = [{"id": 0, "mentionText": "Megan Bowen", "mentioned": {"user": {"id": "29:m"}}}]
    card = dialog(await fetch(alex, message(html, mentions=mentions)))
    assert inputs(card)["problem"] == (
        "Megan Bowen the booking form loses answers & times out.\n"
        "What happens:\n"
        "1. Residents fill it in\n"
        "2. It says session expired\n"
        "- See the form (https://intranet.example.gov.uk/forms/123)\n"
        "- Raised before\n"
        "Thanks\n"
        "Alex" + LINK_LINE
    )
    assert inputs(card)["title"] == "Megan Bowen the booking form loses answers & times out."
    assert "<" not in inputs(card)["problem"] and "alert" not in inputs(card)["problem"]


async def test_markdown_in_a_plain_text_message_stays_readable(alex: TeamsUser) -> None:
    text = "**Urgent:** the rota sheet\n\n- breaks on Mondays\n- loses `names`\n\n1. Open it"
    card = dialog(await fetch(alex, message(text, "text")))
    assert inputs(card)["problem"] == text + LINK_LINE
    assert inputs(card)["title"] == "**Urgent:** the rota sheet"


async def test_a_channel_post_subject_is_the_title(alex: TeamsUser) -> None:
    card = dialog(await fetch(alex, message(f"<p>{PRINTER}</p>", subject="Floor 3 printer")))
    assert inputs(card)["title"] == "Floor 3 printer"


async def test_twenty_kilobytes_are_cut_to_fit_with_a_note_and_the_link_kept(
    alex: TeamsUser,
) -> None:
    sentence = "The old booking system times out when residents pay for a permit online. "
    paragraphs = "".join(f"<p>{n}. {sentence * 3}</p>" for n in range(1, 200))
    assert len(paragraphs) > 20_000
    card = dialog(await fetch(alex, message(paragraphs)))
    problem = inputs(card)["problem"]
    assert len(problem) <= 4000
    assert problem.endswith("…" + LINK_LINE)
    assert problem.startswith("1. The old booking system times out")
    assert SHORTENED in all_text(card)
    assert open_links(card) == [LINK]
    assert inputs(card)["title"] == sentence.strip()  # the first sentence, no list number


async def test_a_long_first_line_is_cut_at_a_word_for_the_title(alex: TeamsUser) -> None:
    first = "word " * 60
    card = dialog(await fetch(alex, message(first.strip(), "text")))
    title = inputs(card)["title"]
    assert len(title) <= 120 and title.endswith("word…")


async def test_a_message_with_no_words_gives_an_empty_dialog_that_says_so(
    alex: TeamsUser,
) -> None:
    card = dialog(await fetch(alex, message('<img src="https://x.example/a.png" alt="image">')))
    assert inputs(card) == {"title": "", "problem": LINK_LINE.strip()}
    assert NO_WORDS in all_text(card)


async def test_no_message_payload_gives_an_empty_dialog_that_says_so(alex: TeamsUser) -> None:
    card = dialog(await fetch(alex, None))
    assert inputs(card) == {"title": "", "problem": ""}
    assert NOT_READ in all_text(card)
    assert open_links(card) == []


async def test_a_link_that_is_not_a_web_address_is_left_out(alex: TeamsUser) -> None:
    card = dialog(await fetch(alex, message(PRINTER, "text", linkToMessage="javascript:x()")))
    assert inputs(card)["problem"] == PRINTER
    assert open_links(card) == []


async def test_the_dialog_opens_from_a_channel_and_a_group_chat(alex: TeamsUser) -> None:
    group = TeamsUser(
        alex.http,
        alex.bot,
        alex.connector,
        alex.user_id,
        alex.name,
        alex.aad_object_id,
        conversation={"id": "19:group@thread.v2", "conversationType": "groupChat"},
    )
    for where in (in_channel(alex), group):
        card = dialog(await fetch(where, message(f"<p>{PRINTER}</p>")))
        assert inputs(card)["problem"] == PRINTER + LINK_LINE
    assert alex.connector.sent == []  # nothing is posted where the message is


# ---- Saving it ---------------------------------------------------------------


async def test_saving_starts_the_draft_and_continue_opens_it(alex: TeamsUser) -> None:
    await alex.say("help")  # the bot knows this person's chat
    payload = message(f"<p>{PRINTER}</p>")
    answers = inputs(dialog(await fetch(alex, payload)))
    answers["title"] = "Floor 3 printer jams"
    assert said(await submit(alex, answers, payload)) == SAVED
    assert stored_draft(alex) == answers

    await alex.bot.settled()
    form = card_of(alex.connector.in_conversation(alex.conversation_id)[-1])
    assert "We started this request from a Teams message" in all_text(form)
    assert "Step 1 of 4: About the problem" in all_text(form)
    assert inputs(form)["title"] == "Floor 3 printer jams"

    opened = card_of((await alex.say("continue"))[-1])
    assert inputs(opened)["title"] == "Floor 3 printer jams"
    assert inputs(opened)["problem"] == PRINTER + LINK_LINE


async def test_saved_from_a_channel_it_waits_in_the_personal_chat(alex: TeamsUser) -> None:
    channel = in_channel(alex)
    payload = message(f"<p>{PRINTER}</p>")
    answers = inputs(dialog(await fetch(channel, payload)))
    assert said(await submit(channel, answers, payload)) == SAVED
    await alex.bot.settled()
    assert alex.connector.in_conversation(channel.conversation_id) == []
    opened = card_of((await alex.say("continue"))[-1])
    assert inputs(opened)["title"] == "The printer on floor 3 jams every morning."
    assert inputs(opened)["problem"] == PRINTER + LINK_LINE


async def test_the_same_save_twice_saves_once_and_sends_the_form_once(alex: TeamsUser) -> None:
    await alex.say("help")
    before = len(alex.connector.in_conversation(alex.conversation_id))
    answers = {"title": "Floor 3 printer jams", "problem": PRINTER}
    assert said(await submit(alex, answers)) == SAVED  # no messagePayload: not needed
    assert said(await submit(alex, answers)) == SAVED
    await alex.bot.settled()
    assert len(alex.connector.in_conversation(alex.conversation_id)) == before + 1
    assert stored_draft(alex) == answers


async def test_one_save_reaching_two_instances_at_once_makes_one_draft_and_one_form(
    tmp_path: Path,
    fake: FakeGraph,
    azurite: Azurite,
    connector: Connector,
    http: aiohttp.ClientSession,
) -> None:
    """Teams retried the save onto another instance while the first was still writing."""
    env = {"BOT_STORE": "sharepoint", **azurite.env()}
    one = BotServer(tmp_path / "one", env, graph=lambda: connect(fake))
    two = BotServer(tmp_path / "two", env, graph=lambda: connect(fake))
    await asyncio.gather(one.start(), two.start())
    try:
        on_one, on_two = TeamsUser(http, one, connector), TeamsUser(http, two, connector)
        await on_one.say("help")  # the bot knows the person's chat
        before = len(connector.in_conversation(on_one.conversation_id))
        answers = {"title": "Floor 3 printer jams", "problem": PRINTER}
        for attempt in range(3):  # each round a new draft, saved by both at once
            bodies = await asyncio.gather(submit(on_one, answers), submit(on_two, answers))
            assert [said(body) for body in bodies] == [SAVED, SAVED]
            await asyncio.gather(one.settled(), two.settled())
            sent = connector.in_conversation(on_one.conversation_id)[before:]
            assert len(sent) == 1, f"round {attempt}: {len(sent)} forms sent"
            form = card_of(sent[0])
            assert inputs(form)["title"] == answers["title"]
            resumed = card_of((await on_two.say("continue"))[-1])
            assert inputs(resumed)["title"] == answers["title"], "the draft both saw"
            deleted = await press(on_one, resumed, "Yes, delete this draft")
            assert "Draft deleted" in all_text(deleted), "ready for the next round"
            before = len(connector.in_conversation(on_one.conversation_id))
    finally:
        await asyncio.gather(one.stop(), two.stop())


async def test_someone_with_a_request_in_progress_is_told_and_nothing_is_lost(
    alex: TeamsUser,
) -> None:
    await alex.say("new request")
    kept = stored_draft(alex)
    text = said(await fetch(alex, message(PRINTER, "text")))
    assert "You already have a request in progress, at step 1 of 4: About the problem" in text
    assert "type continue" in text

    answers = {"title": "Floor 3 printer jams", "problem": PRINTER}
    card = dialog(await submit(alex, answers))
    assert "so this one was not saved. Your words are still here." in all_text(card)
    assert inputs(card) == answers
    assert stored_draft(alex) == kept


# ---- What is wrong is said plainly, and nothing typed is lost --------------------


async def test_a_missing_title_is_explained_in_the_dialog_with_the_words_kept(
    alex: TeamsUser,
) -> None:
    card = dialog(await submit(alex, {"title": "  ", "problem": PRINTER}, message(PRINTER)))
    assert "There is a problem" in all_text(card)
    assert "Error: Enter a title" in all_text(card)
    assert inputs(card)["problem"] == PRINTER
    assert open_links(card) == [LINK]
    assert stored_draft(alex) is None


async def test_wrong_types_are_explained_in_the_dialog(alex: TeamsUser) -> None:
    card = dialog(await submit(alex, {"title": 42, "problem": {"text": "x"}}))
    text = all_text(card)
    assert text.count("Error: We could not read this answer. Try again.") == 2
    assert inputs(card) == {"title": "", "problem": ""}
    assert stored_draft(alex) is None


async def test_huge_values_are_explained_in_the_dialog(alex: TeamsUser) -> None:
    card = dialog(await submit(alex, {"title": "t" * 5000, "problem": "p " * 100_000}))
    text = all_text(card)
    assert "Error: Title must be 120 characters or fewer. You entered 5,000." in text
    assert "must be 4,000 characters or fewer. You entered 199,999." in text
    assert "We have shown the first 120 characters of what you sent." in text
    assert len(inputs(card)["title"]) == 120
    assert stored_draft(alex) is None


async def test_answers_that_are_not_a_form_are_answered_plainly(alex: TeamsUser) -> None:
    for data in (None, "title", ["title"], 7):
        assert said(await submit(alex, data)) == UNREADABLE_SUBMIT
    assert stored_draft(alex) is None


async def test_an_unknown_command_is_answered_plainly(alex: TeamsUser) -> None:
    assert said(await fetch(alex, message(PRINTER), command_id="deleteEverything")) == NOT_OURS
    good = {"title": "Floor 3 printer jams", "problem": PRINTER}
    assert said(await submit(alex, good, command_id="deleteEverything")) == NOT_OURS
    assert said(await invoke(alex, FETCH, {"commandContext": "message"})) == NOT_OURS
    assert stored_draft(alex) is None


async def test_an_invoke_value_that_is_not_an_object_is_answered_plainly(
    alex: TeamsUser,
) -> None:
    for value in ("raiseDigitalRequest", [1, 2], None):
        assert said(await invoke(alex, SUBMIT, value)) == UNREADABLE
    preview = {"commandId": COMMAND_ID, "botMessagePreviewAction": "send", "data": {}}
    assert said(await invoke(alex, SUBMIT, preview)) == NOT_OURS
    assert stored_draft(alex) is None


async def test_identity_comes_from_the_activity_never_the_dialog(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    answers = {"title": "Floor 3 printer jams", "problem": PRINTER, "owner": megan.user_id}
    assert said(await submit(alex, answers)) == SAVED
    assert stored_draft(megan) is None
    assert stored_draft(alex) == {"title": "Floor 3 printer jams", "problem": PRINTER}


# ---- A slow store: an answer before Teams gives up, and nothing done twice ---------

# Teams waits 5 seconds; the bot answers by its deadline, made short here. A test that
# hangs instead fails at this guard: it is not a measure of speed.
HANG_GUARD = 60.0


class Held:
    """Every call to one of the store's draft methods waits until the test lets it go,
    as a slow Azure Storage would; the calls are counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
        self.released = asyncio.Event()
        self.calls = 0
        original = getattr(DraftTable, method)

        async def held(store: DraftTable, *args: Any) -> Any:
            self.calls += 1
            await self.released.wait()
            return await original(store, *args)

        monkeypatch.setattr(DraftTable, method, held)


@pytest.fixture
def short_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(message_actions, "DEADLINE_SECONDS", 0.2)


def release(held: Held, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store catches up; from now on the deadline is Teams' own again, so a busy test
    machine cannot make the answers after it late."""
    held.released.set()
    monkeypatch.setattr(message_actions, "DEADLINE_SECONDS", 4.0)


def logged_without_personal_data(caplog: pytest.LogCaptureFixture, user: TeamsUser) -> str:
    """What the bot logged (not the web server's access log, nor the SDK's)."""
    ours = [r for r in caplog.records if r.name == "bot" or r.name.startswith("bot.")]
    text = "\n".join(record.getMessage() for record in ours)
    for personal in (user.name, user.user_id, user.aad_object_id, "printer", "Floor 3"):
        assert personal not in text, f"{personal!r} was logged"
    return text


@pytest.mark.usefixtures("short_deadline")
async def test_a_slow_store_opening_the_dialog_is_answered_plainly_in_time(
    alex: TeamsUser, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    held = Held(monkeypatch, "get_draft")
    payload = message(PRINTER, "text")

    async with asyncio.timeout(HANG_GUARD):
        assert said(await fetch(alex, payload)) == SLOW
    logged = logged_without_personal_data(caplog, alex)
    assert f"The message action {COMMAND_ID} ({FETCH}) took longer than" in logged

    release(held, monkeypatch)
    card = dialog(await fetch(alex, payload))
    assert inputs(card)["problem"] == PRINTER + LINK_LINE
    await alex.bot.settled()
    assert stored_draft(alex) is None  # opening the dialog saves nothing


@pytest.mark.usefixtures("short_deadline")
async def test_a_slow_save_finishes_once_and_retries_neither_save_nor_send_again(
    alex: TeamsUser, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await alex.say("help")  # the bot knows this person's chat
    before = len(alex.connector.in_conversation(alex.conversation_id))
    held = Held(monkeypatch, "create_draft")
    answers = {"title": "Floor 3 printer jams", "problem": PRINTER}

    async with asyncio.timeout(HANG_GUARD):
        assert said(await submit(alex, answers)) == SLOW
        # Tried again while the first save is still under way: it waits for that one.
        assert said(await submit(alex, answers)) == SLOW
    assert held.calls == 1
    logged = logged_without_personal_data(caplog, alex)
    assert f"The message action {COMMAND_ID} ({SUBMIT}) took longer than" in logged

    release(held, monkeypatch)  # the first save finishes
    assert said(await submit(alex, answers)) == SAVED
    await alex.bot.settled()
    assert held.calls == 1  # one draft, written once
    assert stored_draft(alex) == answers
    sent = alex.connector.in_conversation(alex.conversation_id)[before:]
    assert len(sent) == 1  # the form reached the chat once
    assert inputs(card_of(sent[0]))["title"] == "Floor 3 printer jams"


@pytest.mark.usefixtures("short_deadline")
async def test_a_different_save_after_a_slow_one_is_told_of_the_draft_it_made(
    alex: TeamsUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = Held(monkeypatch, "create_draft")
    first = {"title": "Floor 3 printer jams", "problem": PRINTER}
    async with asyncio.timeout(HANG_GUARD):
        assert said(await submit(alex, first)) == SLOW
    release(held, monkeypatch)

    card = dialog(await submit(alex, {"title": "Another thing", "problem": "Other words."}))
    assert "so this one was not saved. Your words are still here." in all_text(card)
    await alex.bot.settled()
    assert stored_draft(alex) == first
    assert held.calls == 1


# ---- Whatever Teams (or anyone) sends, a calm answer ------------------------------

markup = st.lists(
    st.sampled_from(
        ["<p>", "</p>", "<li>", "<ol>", "</ul>", "<br>", "<a href='https://x'>", "</a>"]
    )
    | st.sampled_from(["<at id='0'>", "</at>", "<pre>", "&amp;", "&nbsp;", "<script>", "<"])
    | st.text(max_size=20),
    max_size=30,
).map("".join)
payloads = (
    st.builds(message, markup, st.sampled_from(["html", "text"]) | st.text(max_size=5))
    | json_values
)
answers = st.fixed_dictionaries(
    {}, optional={"title": json_values | st.text(max_size=200), "problem": json_values}
)
values = st.fixed_dictionaries(
    {},
    optional={
        "commandId": st.just(COMMAND_ID) | json_values,
        "commandContext": st.sampled_from(["message", "compose"]) | json_values,
        "messagePayload": payloads,
        "data": answers | json_values,
        "botMessagePreviewAction": st.none() | st.sampled_from(["edit", "send"]),
    },
)


async def test_any_invoke_value_gets_a_dialog_or_a_plain_message(
    alex: TeamsUser, caplog: pytest.LogCaptureFixture
) -> None:
    async def check(name: str, value: Any, where: str) -> None:
        watch = Watch(alex, caplog)
        user = in_channel(alex) if where == "channel" else alex
        body = await invoke(user, name, value)
        if body["task"]["type"] == "continue":
            dialog(body)
        else:
            assert said(body) != SORRY, "an unhandled error (see the captured log)"
        watch.assert_calm()

    await holds_for(
        check,
        fuzz(150),
        name=st.sampled_from([FETCH, SUBMIT]),
        value=values | json_values,
        where=st.sampled_from(["personal", "channel"]),
    )
    assert said(await fetch(alex, None, command_id="nothing")) == NOT_OURS
