"""Words explained, and IT problems sent to the IT service desk, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.conftest import in_channel
from tests.support.cards import all_text
from tests.support.teams import BotServer, Connector, TeamsUser, card_of

# ---- What is … -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "heading", "words"),
    [
        ("what is a change request", "Change request", "already has"),
        ("What's the TRB?", "Technical Review Board", "technical"),
        ("what does DPIA mean", "DPIA", "data protection impact assessment"),
        ("explain procurement early engagement", "Procurement early engagement", "buy or renew"),
        ("what is the prioritisation matrix", "Prioritisation matrix", "2026.1"),
        ("what is an IT business partner", "IT business partner", "service area"),
        ("What is the DDC", "Digital, Data and Customer Board", "board"),
        ("what is efficiency", "Efficiency", "ten strategic drivers"),
        ("what is Project (PMO)", "Project (PMO)", "Project Management Office"),
    ],
)
async def test_what_is_explains_a_word_we_use(
    alex: TeamsUser, asked: str, heading: str, words: str
) -> None:
    reply = (await alex.say(asked))[-1]
    text = all_text(card_of(reply))
    assert text.splitlines()[0] == heading
    assert words in text


async def test_what_is_works_in_a_channel_too(alex: TeamsUser) -> None:
    said = "<at>Digital Front Door</at> what is IT triage"
    text = all_text(card_of((await in_channel(alex).say(said))[-1]))
    assert text.splitlines()[0] == "IT triage"


async def test_an_unknown_word_is_said_plainly_with_a_short_list_of_known_ones(
    alex: TeamsUser,
) -> None:
    reply = (await alex.say("what is a flux capacitor"))[-1]
    text = reply["text"]
    assert text.startswith("Sorry, I do not have an explanation for that word.")
    assert "change request" in text.lower() and "DPIA" in text
    assert "Efficiency" not in text, "a short list, not every driver"
    assert "flux" not in text, "the reply does not echo what was typed"
    assert len(text) < 400


async def test_what_is_on_its_own_lists_the_words_it_knows(alex: TeamsUser) -> None:
    text = (await alex.say("what is"))[-1]["text"]
    assert text.startswith("I can explain words such as")


async def test_help_says_how_to_look_a_word_up(alex: TeamsUser) -> None:
    text = all_text(card_of((await alex.say("help"))[-1]))
    assert "what is a change request" in text
    assert "Find out what a word we use means." in text


# ---- IT problems go to the service desk --------------------------------------------

IT_PROBLEMS = (
    "my laptop is broken",
    "password reset",
    "I need a password reset",
    "printer not working",
    "locked out",
    "can't log in",
    "My screen is broken!",
    "teams is not working",
    "I forgot my password",
)


@pytest.mark.parametrize("said", IT_PROBLEMS)
async def test_an_it_problem_gets_the_service_desk_not_a_form(alex: TeamsUser, said: str) -> None:
    replies = await alex.say(said)
    assert len(replies) == 1
    text = replies[0]["text"]
    assert text.startswith("That sounds like an IT problem")
    assert "Contact the IT service desk in the usual way." in text
    assert "did not understand" not in text
    assert not replies[0].get("attachments"), "no request form"


@pytest.mark.parametrize("said", ["my laptop is broken", "I need a password reset"])
async def test_an_it_problem_in_a_channel_gets_the_service_desk_too(
    alex: TeamsUser, said: str
) -> None:
    text = (await in_channel(alex).say(f"<at>Digital Front Door</at> {said}"))[-1]["text"]
    assert text.startswith("That sounds like an IT problem")


@pytest.mark.parametrize(
    "said",
    ["I need a new case management system", "I need a way to book rooms online"],
)
async def test_a_real_need_still_starts_a_request(alex: TeamsUser, said: str) -> None:
    text = all_text(card_of((await alex.say(said))[-1]))
    assert "Step 1 of 4" in text


@pytest.fixture
async def configured(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> AsyncIterator[TeamsUser]:
    contact = "Call 0123 456 7890 or use the IT self-service portal."
    server = BotServer(tmp_path / "data", {"SERVICE_DESK_CONTACT": contact})
    await server.start()
    yield TeamsUser(http, server, connector)
    await server.stop()


async def test_the_service_desk_contact_comes_from_configuration(configured: TeamsUser) -> None:
    text = (await configured.say("my laptop is broken"))[-1]["text"]
    assert "Call 0123 456 7890 or use the IT self-service portal." in text
    assert "in the usual way" not in text
