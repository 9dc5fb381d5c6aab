"""Answering: several champions answer, a call is offered, the asker chooses or reopens,
and others say an answer helped them too (once each), which lifts it in search."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.e2e.communities import (
    BEST,
    CLAIM,
    HELPED,
    NONE_HELPED,
    SEND_ANSWER,
    action_with_verb,
    ask,
    bot_mentioned,
    cards_in,
    community_channel,
    name_lead,
    question_reference,
    register_community,
    say_in_channel,
    say_with,
    send_to_community,
    volunteer,
    volunteer_and_approve,
    wait_for_card,
)
from tests.support.teams import BotServer, Connector, TeamsUser, card_of, invoke_card

POWER = "power-platform"
QUESTION = (
    "How do I stop a Power Automate flow emailing the whole team every time a "
    "tenancy inspection form is submitted?"
)
MORE = "question.more"
FIRST = "Add a condition before the Send an email step."
SECOND = "Use a filter in the trigger so it only runs for failed inspections."


def person(
    http: aiohttp.ClientSession, bot: BotServer, connector: Connector, n: int, name: str
) -> TeamsUser:
    return TeamsUser(
        http, bot, connector, f"user-id-{n}", name, f"00000000-0000-0000-0000-0000000001{n:02d}"
    )


def text_of(card: Any) -> str:
    return json.dumps(card)


class Setting:
    """Megan's question in the Power Platform channel, with Sam and Priya as champions."""

    def __init__(self, http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> None:
        self.sam = person(http, bot, connector, 1, "Sam Champion")
        self.priya = person(http, bot, connector, 3, "Priya Champion")
        self.rita = person(http, bot, connector, 2, "Rita Reader")
        self.connector = connector
        self.reference = ""
        self.channel: TeamsUser | None = None

    async def ready(self, alex: TeamsUser, megan: TeamsUser) -> None:
        self.channel = await register_community(alex, "Power Platform")
        await volunteer_and_approve(self.sam, alex, "Power Platform")
        await volunteer_and_approve(self.priya, alex, "Power Platform")
        card = await ask(megan, QUESTION)
        self.reference = question_reference(card)
        await send_to_community(megan, card, POWER)

    async def answer(self, champion: TeamsUser, text: str) -> dict[str, Any]:
        card = await wait_for_card(
            champion, champion.conversation_id, SEND_ANSWER, "reference", self.reference
        )
        data = action_with_verb(card, SEND_ANSWER)["data"]
        return invoke_card(await champion.press(SEND_ANSWER, data, {"answer_text": text}))

    def channel_card(self) -> dict[str, Any]:
        assert self.channel is not None
        root = self.channel.conversation_id.split(";")[0]
        updates = self.connector.updates(root)
        if updates:
            return card_of(updates[-1].activity)
        return cards_in(self.channel, root)[-1]


async def test_several_champions_answer_and_the_asker_gets_each(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    s = Setting(http, bot, connector)
    await s.ready(alex, megan)
    await s.answer(s.sam, FIRST)
    await s.answer(s.priya, SECOND)
    to_megan = [c for c in cards_in(megan, megan.conversation_id) if "answer.best" in text_of(c)]
    assert len(to_megan) == 2
    assert FIRST in text_of(to_megan[0]) and SECOND in text_of(to_megan[1])
    shown = text_of(s.channel_card())
    assert FIRST in shown and SECOND in shown and "Sam Champion" in shown
    # The same answer sent twice (Teams retrying, or a double press) is kept once.
    await s.answer(s.sam, FIRST)
    assert text_of(s.channel_card()).count(FIRST) == 1


async def test_none_helped_reopens_it_and_tells_the_champions(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    s = Setting(http, bot, connector)
    await s.ready(alex, megan)
    await s.answer(s.sam, FIRST)
    answer_card = await wait_for_card(megan, megan.conversation_id, NONE_HELPED)
    said = invoke_card(
        await megan.press(NONE_HELPED, action_with_verb(answer_card, NONE_HELPED)["data"])
    )
    assert "Your question is open again" in text_of(said)
    told = await wait_for_card(s.sam, s.sam.conversation_id, SEND_ANSWER, "reference", s.reference)
    assert "says none of the answers helped yet" in text_of(told)
    mine = text_of(card_of((await megan.say("my questions"))[-1]))
    assert "Waiting for an answer" in mine
    # Open again: a champion can still answer, and Megan gets it.
    await s.answer(s.priya, SECOND)
    newest = await wait_for_card(megan, megan.conversation_id, BEST)
    assert SECOND in text_of(newest)


async def test_a_champion_claims_it_to_answer_in_a_call(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    s = Setting(http, bot, connector)
    await s.ready(alex, megan)
    card = await wait_for_card(s.sam, s.sam.conversation_id, CLAIM, "reference", s.reference)
    reply = invoke_card(await s.sam.press(CLAIM, action_with_verb(card, CLAIM)["data"]))
    assert "We have told Megan Bowen that Sam Champion will call" in text_of(reply)
    told = await wait_for_card(megan, megan.conversation_id, NONE_HELPED)
    assert "Sam Champion will call you to help with this." in text_of(told)
    assert "answer.best" not in text_of(told)  # a call is not kept as a written answer
    assert "a call" in text_of(s.channel_card())


async def test_helped_me_too_counts_once_and_lifts_the_kept_answer(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    s = Setting(http, bot, connector)
    await s.ready(alex, megan)
    await s.answer(s.sam, FIRST)
    answer_card = await wait_for_card(megan, megan.conversation_id, BEST)
    await megan.press(BEST, action_with_verb(answer_card, BEST)["data"])

    channel = s.channel_card()
    helped = action_with_verb(channel, HELPED)["data"]
    first = invoke_card(await s.rita.press(HELPED, helped))
    assert "We have counted that this answer helped you too" in text_of(first)
    assert "1 person says this helped them too" in text_of(first)
    again = invoke_card(await s.rita.press(HELPED, helped))
    assert "We count it once for each person" in text_of(again)
    assert "1 person says this helped them too" in text_of(again)
    # The asker chooses the best answer instead.
    refused = await megan.press(HELPED, helped)
    assert "You asked this question" in str(refused.get("value"))
    # Best (1) and helped (1) both count: the next search says so.
    found = text_of(await ask(s.rita, "Power Automate flow emails the whole team for each form"))
    assert FIRST in found and "2 people said it helped." in found


async def test_helped_me_too_pressed_in_the_channel_shows_everyone_the_count(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    s = Setting(http, bot, connector)
    await s.ready(alex, megan)
    await s.answer(s.sam, FIRST)
    helped = action_with_verb(s.channel_card(), HELPED)["data"]
    rita_there = community_channel(s.rita, "Power Platform")
    first = invoke_card(await rita_there.press(HELPED, helped))
    assert "1 person says this helped them too" in text_of(first)
    assert "helped you" not in text_of(first)  # everyone sees this card, not only Rita
    again = await rita_there.press(HELPED, helped)
    assert "We count it once for each person" in str(again.get("value"))
    # An empty answer pressed in the channel is refused to the presser only.
    data = action_with_verb(s.channel_card(), SEND_ANSWER)["data"]
    empty = await community_channel(s.sam, "Power Platform").press(SEND_ANSWER, data)
    assert empty.get("type") == "application/vnd.microsoft.activity.message"
    assert "Write your answer before you send it." in str(empty.get("value"))


async def test_questions_in_a_community_channel_lists_those_waiting_page_by_page(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    channel = await register_community(alex, "Power Platform")
    for n in range(12):
        card = await ask(megan, f"Question number {n} about a Power Automate flow for rents")
        await send_to_community(megan, card, POWER)
    replies = await say_with(channel, bot_mentioned(channel, "questions"))
    page = card_of(replies[-1])
    assert "Showing 1 to 10 of 12 waiting questions" in text_of(page)
    more = action_with_verb(page, MORE)
    second = invoke_card(await channel.press(MORE, more["data"]))
    assert "Showing 11 to 12 of 12 waiting questions" in text_of(second)
    assert "Question number 11" in text_of(second) and "Question number 0" not in text_of(second)
    assert "Show more" not in text_of(second)
    # Anywhere else, it says what the command is for.
    elsewhere = community_channel(alex, "SharePoint")
    said = await say_in_channel(elsewhere, "questions")
    assert "No community uses this channel" in said


async def test_who_may_answer_approved_champions_the_lead_and_admins(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    s = Setting(http, bot, connector)
    await s.ready(alex, megan)
    lead = person(http, bot, connector, 5, "Lee Lead")
    assert "Lee Lead is now the lead" in await name_lead(alex, "Power Platform", lead)
    pending = person(http, bot, connector, 4, "Pat Pending")
    await volunteer(pending, ["Power Platform"])  # nobody has decided yet
    data = {"verb": SEND_ANSWER, "reference": s.reference}

    refused = await pending.press(SEND_ANSWER, data, {"answer_text": "Try turning it off."})
    assert "Only approved champions" in str(refused.get("value"))
    by_lead = invoke_card(await lead.press(SEND_ANSWER, data, {"answer_text": "Lead's answer."}))
    assert "Lee Lead's answer has been sent to Megan Bowen" in text_of(by_lead)
    by_admin = invoke_card(await alex.press(SEND_ANSWER, data, {"answer_text": "Admin answer."}))
    assert "Alex Wilber's answer has been sent to Megan Bowen" in text_of(by_admin)
    shown = text_of(s.channel_card())
    assert "Lead's answer." in shown and "Admin answer." in shown
    assert "Try turning it off." not in shown


async def test_nobody_earns_points_from_their_own_answer_or_question(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    """Points come only from what others confirmed: a champion cannot say their own answer
    helped them, answer their own question, or lift their own kept answer."""
    s = Setting(http, bot, connector)
    await s.ready(alex, megan)
    await s.answer(s.sam, FIRST)
    helped = action_with_verb(s.channel_card(), HELPED)["data"]
    own = await s.sam.press(HELPED, helped)
    assert "You wrote this answer" in str(own.get("value"))
    assert "helped them too" not in text_of(s.channel_card())

    # Sam asks a question of his own, then tries to answer it (from the channel's card).
    card = await ask(s.sam, "How do I share a Power Apps canvas app with my whole service?")
    mine = question_reference(card)
    await send_to_community(s.sam, card, POWER)
    data = {"verb": SEND_ANSWER, "reference": mine}
    refused = await s.sam.press(SEND_ANSWER, data, {"answer_text": "Share it with a group."})
    assert "You asked this question, so a champion will answer it" in str(refused.get("value"))


async def test_an_answer_reused_by_someone_else_counts_for_its_champion(
    http: aiohttp.ClientSession,
    bot: BotServer,
    connector: Connector,
    alex: TeamsUser,
    megan: TeamsUser,
) -> None:
    s = Setting(http, bot, connector)
    await s.ready(alex, megan)
    await s.answer(s.sam, FIRST)
    answer_card = await wait_for_card(megan, megan.conversation_id, BEST)
    await megan.press(BEST, action_with_verb(answer_card, BEST)["data"])
    before = text_of(card_of((await s.rita.say("leaderboard"))[-1]))

    found = await ask(s.rita, "Power Automate flow emails the whole team for each form")
    this = next(
        a
        for a in _all_actions(found)
        if a.get("verb") == "question.found" and a["data"].get("entry") == f"K-{s.reference}"
    )
    await s.rita.press("question.found", this["data"])
    after = text_of(card_of((await s.rita.say("leaderboard"))[-1]))
    assert "Sam Champion" in before and "Sam Champion" in after
    assert "10 points" in before and "12 points" in after  # 10 for best, 2 for the reuse

    # Sam pressing "This answered it" on his own kept answer lifts nothing.
    found = await ask(s.sam, "Power Automate flow emails the whole team for each form")
    this = next(
        a
        for a in _all_actions(found)
        if a.get("verb") == "question.found" and a["data"].get("entry") == f"K-{s.reference}"
    )
    await s.sam.press("question.found", this["data"])
    again = text_of(card_of((await s.rita.say("leaderboard"))[-1]))
    assert "12 points" in again and "14 points" not in again


def _all_actions(card: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(card, dict):
        if str(card.get("type", "")).startswith("Action."):
            found.append(card)
        for key, value in card.items():
            if key != "data":
                found += _all_actions(value)
    elif isinstance(card, list):
        for item in card:
            found += _all_actions(item)
    return found
