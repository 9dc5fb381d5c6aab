"""Bad input to asking and answering: refused plainly, nothing kept, nothing crashes.

Empty and huge questions, Markdown and mentions shown exactly as typed on champions'
cards, and forged card data: answering as someone who is not a champion, choosing the
best answer to someone else's question, unknown references, missing or huge fields.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import aiohttp

from bot.domain.text import defang_for_display
from tests.e2e.communities import (
    ASK,
    BEST,
    FOUND,
    HELPED,
    NONE_HELPED,
    ROUTE,
    SEND_ANSWER,
    action_with_verb,
    ask,
    cards_in,
    question_reference,
    register_community,
    send_to_community,
    volunteer_and_approve,
    wait_for_card,
)
from tests.support.teams import YEAR, BotServer, Connector, TeamsUser, card_of, invoke_card

POWER = "power-platform"
QUESTION = "How do I stop a Power Automate flow emailing the whole team for every form?"
NONE_YET = "You have not asked a question yet."
SORRY = "Sorry, something went wrong"


def person(
    http: aiohttp.ClientSession, bot: BotServer, connector: Connector, n: int, name: str
) -> TeamsUser:
    return TeamsUser(
        http, bot, connector, f"user-id-{n}", name, f"00000000-0000-0000-0000-0000000001{n:02d}"
    )


def text_of(card: Any) -> str:
    return json.dumps(card)


def said(body: dict[str, Any]) -> str:
    """What an invoke answered, card or message, as text."""
    return text_of(body.get("value"))


def runs(card: Any) -> list[str]:
    """The text of every TextRun (people's own words are only ever shown in these)."""
    found: list[str] = []
    if isinstance(card, dict):
        if card.get("type") == "TextRun":
            found.append(str(card.get("text")))
        for key, value in card.items():
            if key != "data":
                found += runs(value)
    elif isinstance(card, list):
        for item in card:
            found += runs(item)
    return found


def text_blocks(card: Any) -> list[str]:
    found: list[str] = []
    if isinstance(card, dict):
        if card.get("type") == "TextBlock":
            found.append(str(card.get("text")))
        for value in card.values():
            found += text_blocks(value)
    elif isinstance(card, list):
        for item in card:
            found += text_blocks(item)
    return found


async def nothing_kept(user: TeamsUser) -> None:
    mine = card_of((await user.say("my questions"))[-1])
    assert NONE_YET in text_of(mine)


async def test_an_empty_question_is_asked_for_again_and_not_kept(megan: TeamsUser) -> None:
    replies = await megan.say("ask   ")
    assert "What would you like to ask?" in str(replies[0].get("text"))
    card = card_of(replies[-1])
    data = action_with_verb(card, ASK)["data"]
    for empty in ("", "   \n\t  ", "\u200b\u200b"):
        body = await megan.press(ASK, data, {"question_text": empty})
        assert "There is a problem: Write your question first." in said(body)
    await nothing_kept(megan)


async def test_a_100_kb_question_is_refused_with_how_long_it_may_be(megan: TeamsUser) -> None:
    huge = "Why " + "x" * 102_400
    replies = await megan.say(f"ask {huge}")
    text = str(replies[-1].get("text"))
    assert "It can be up to 2,000 characters" in text and SORRY not in text
    assert huge not in text
    # The same through the card.
    card = card_of((await megan.say("ask"))[-1])
    body = await megan.press(ASK, action_with_verb(card, ASK)["data"], {"question_text": huge})
    answer = said(body)
    assert "characters long. It can be up to 2,000 characters" in answer
    assert len(json.dumps(body)) < 20_000  # not echoed back whole
    await nothing_kept(megan)


async def test_markdown_and_mentions_show_as_typed_on_champions_cards(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    sam = person(http, bot, connector, 1, "Sam Champion")
    channel = await register_community(alex, "Power Platform")
    await volunteer_and_approve(sam, alex, "Power Platform")
    typed = (
        "**URGENT** <at>Everyone</at> my _Power Automate_ flow [fails](https://evil.example) "
        "# heading\n- item"
    )
    card = card_of((await megan.say("ask"))[-1])
    found = invoke_card(
        await megan.press(ASK, action_with_verb(card, ASK)["data"], {"question_text": typed})
    )
    await send_to_community(megan, found, POWER, service_area="**Housing** <at>All</at>")
    shown = defang_for_display(typed)
    for where, conversation in (("channel", channel), ("Sam's chat", sam)):
        posted = await wait_for_card(conversation, conversation.conversation_id, SEND_ANSWER)
        assert shown in runs(posted), where
        assert "**Housing** <at>All</at>" in runs(posted), where
        assert not any("URGENT" in t or "<at>" in t for t in text_blocks(posted)), where


async def test_a_question_typed_after_ask_keeps_its_mentions_and_lines(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    sam = person(http, bot, connector, 1, "Sam Champion")
    await register_community(alex, "Power Platform")
    await volunteer_and_approve(sam, alex, "Power Platform")
    typed = "**URGENT** <at>Everyone</at> my _Power Automate_ flow fails\n- every Monday"
    found = card_of((await megan.say(f"Ask {typed}"))[-1])
    await send_to_community(megan, found, POWER)
    posted = await wait_for_card(sam, sam.conversation_id, SEND_ANSWER)
    assert defang_for_display(typed) in runs(posted)


async def test_forged_answers_and_choices_are_refused_and_change_nothing(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    sam = person(http, bot, connector, 1, "Sam Champion")
    rita = person(http, bot, connector, 2, "Rita Nobody")
    channel = await register_community(alex, "Power Platform")
    await volunteer_and_approve(sam, alex, "Power Platform")
    card = await ask(megan, QUESTION)
    reference = question_reference(card)
    route_data = {"verb": ROUTE, "reference": reference}

    # Someone else cannot send Megan's question on, or say a found answer helped her.
    body = await rita.press(ROUTE, route_data, {"community": POWER, "service_area": "Housing"})
    assert "Only the person who asked this question" in said(body)
    body = await rita.press(FOUND, {"reference": reference, "entry": "seed-m365-1"})
    assert "Only the person who asked this question" in said(body)
    await send_to_community(megan, card, POWER)

    # Rita is not a champion: she cannot answer, from the channel card or a forged one.
    posted = await wait_for_card(channel, channel.conversation_id, SEND_ANSWER)
    data = action_with_verb(posted, SEND_ANSWER)["data"]
    body = await rita.press(SEND_ANSWER, data, {"answer_text": "Delete the flow."})
    assert "Only approved champions of the Power Platform community can answer" in said(body)
    body = await rita.press("question.claim", {"reference": reference})
    assert "Only approved champions" in said(body)
    assert not [
        c for c in cards_in(megan, megan.conversation_id) if "Delete the flow" in text_of(c)
    ]

    # Sam answers. Rita cannot choose the best answer, nor reopen Megan's question.
    nudge = await wait_for_card(sam, sam.conversation_id, SEND_ANSWER, "reference", reference)
    await sam.press(
        SEND_ANSWER, action_with_verb(nudge, SEND_ANSWER)["data"], {"answer_text": "Use a filter."}
    )
    answer_card = await wait_for_card(megan, megan.conversation_id, BEST)
    best = action_with_verb(answer_card, BEST)["data"]
    body = await rita.press(BEST, best)
    assert "Only the person who asked this question" in said(body)
    body = await rita.press(NONE_HELPED, {"reference": reference})
    assert "Only the person who asked this question" in said(body)
    mine = text_of(card_of((await megan.say("my questions"))[-1]))
    assert "Answered: choose the best answer" in mine  # not resolved, not reopened
    # Megan still can.
    assert "You chose Sam Champion's answer" in said(await megan.press(BEST, best))


async def test_unknown_references_and_bad_fields_are_refused_plainly(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    sam = person(http, bot, connector, 1, "Sam Champion")
    await register_community(alex, "Power Platform")
    await volunteer_and_approve(sam, alex, "Power Platform")
    card = await ask(megan, QUESTION)
    reference = question_reference(card)
    await send_to_community(megan, card, POWER)
    unknown = f"Q-{YEAR}-9999"

    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            SEND_ANSWER,
            {"reference": unknown, "answer_text": "Hi"},
            f"cannot find question {unknown}",
        ),
        (SEND_ANSWER, {"answer_text": "Hi"}, "does not name a question"),
        (
            SEND_ANSWER,
            {"reference": f"DR-{YEAR}-0001", "answer_text": "Hi"},
            "does not name a question",
        ),
        (SEND_ANSWER, {"reference": 42, "answer_text": "Hi"}, "was not text"),
        (SEND_ANSWER, {"reference": reference, "answer_text": ["Hi"]}, "was not text"),
        (SEND_ANSWER, {"reference": reference, "answer_text": "x" * 600_000}, "far too long"),
        (SEND_ANSWER, {"reference": "Q-" + "9" * 5000}, "far too long"),
        (BEST, {"answer": f"{unknown}:abc"}, "cannot find that answer"),
        (BEST, {}, "does not name an answer"),
        (BEST, {"answer": "<script>"}, "does not name an answer"),
        (HELPED, {"answer": "a" * 2000}, "far too long"),
        (FOUND, {"reference": reference}, "does not name an answer"),
        (ASK, {"question_text": "Hello?"}, "does not name an answer"),
    ]
    for verb, data, expected in cases:
        body = await megan.press(verb, data)
        answer = said(body)
        assert expected in answer, (verb, data, answer)
        assert SORRY not in answer

    # Missing and oversized answers from a champion: the card comes back saying why.
    nudge = await wait_for_card(sam, sam.conversation_id, SEND_ANSWER, "reference", reference)
    data = action_with_verb(nudge, SEND_ANSWER)["data"]
    body = await sam.press(SEND_ANSWER, data)
    assert "There is a problem: Write your answer before you send it." in said(body)
    body = await sam.press(SEND_ANSWER, data, {"answer_text": "y" * 102_400})
    assert "Your answer is 102,400 characters long. It can be up to 2,000 characters" in said(body)
    assert len(json.dumps(body)) < 20_000
    assert not [c for c in cards_in(megan, megan.conversation_id) if "answer.best" in text_of(c)]

    # Routing with a made-up community or a missing or huge service area.
    card2 = await ask(megan, "Where do I find the Power BI training dates for next year?")
    ref2 = question_reference(card2)
    for inputs, expected in (
        ({"community": "made-up", "service_area": "Housing"}, "Choose the community"),
        ({"community": POWER, "service_area": "  "}, "Tell us your service area"),
        ({"community": POWER, "service_area": "z" * 5000}, "can be up to 100 characters"),
    ):
        body = await megan.press(ROUTE, {"reference": ref2}, inputs)
        assert expected in said(body), (inputs, said(body))
        if not inputs["service_area"].strip():  # the box shows what was typed: nothing
            (box,) = [i for i in _inputs(body.get("value")) if i.get("id") == "service_area"]
            assert not box.get("value"), box
    mine = text_of(card_of((await megan.say("my questions"))[-1]))
    assert "Not sent yet" in mine


async def test_cards_stay_under_teams_size_limit_with_many_long_answers(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    sam = person(http, bot, connector, 1, "Sam Champion")
    channel = await register_community(alex, "Power Platform")
    await volunteer_and_approve(sam, alex, "Power Platform")
    card = await ask(megan, "\U0001f600" * 2000)  # 8 KB of UTF-8 in 2,000 characters
    reference = question_reference(card)
    await send_to_community(megan, card, POWER)
    data = {"verb": SEND_ANSWER, "reference": reference}
    for n in range(30):
        bot.clock.advance(dt.timedelta(minutes=1))  # answers are shown oldest first
        long = f"{n:02d} " + "\U0001f600" * 1990
        body = await sam.press(SEND_ANSWER, data, {"answer_text": long})
        assert size(body["value"]) < 80_000
    root = channel.conversation_id.split(";")[0]
    last = card_of(connector.updates(root)[-1].activity)
    assert size(last) < 80_000
    assert "There are 30 answers. There is room here for" in text_of(last)
    assert "29 " + "\U0001f600" * 5 in "".join(runs(last))  # the newest are kept
    mine = card_of((await megan.say("my questions"))[-1])
    assert size(mine) < 80_000


def size(card: Any) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


def _inputs(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input."):
            found.append(node)
        for value in node.values():
            found += _inputs(value)
    elif isinstance(node, list):
        for item in node:
            found += _inputs(item)
    return found
