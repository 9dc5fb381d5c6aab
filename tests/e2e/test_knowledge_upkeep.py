"""Keeping the knowledge base right, over real HTTP: a lead checks answers past their review
date (still right, edit, retire), only their own community's, and is asked once per
answer per review date."""

from __future__ import annotations

import dataclasses
import datetime as dt

import aiohttp
import pytest

from bot.domain.communities import KnowledgeEntry
from bot.journeys.communities import knowledge
from tests.e2e.communities import (
    action_with_verb,
    all_words,
    answer_text,
    journey_state,
    name_lead,
)
from tests.support.teams import START, BotServer, Connector, TeamsUser, card_of, invoke_card

SAM = "00000000-0000-0000-0000-0000000000025"
DUE = "k-test-flow"  # Power Platform, past its review date
OTHER = "k-test-sharepoint"  # SharePoint, past its review date
LATER = "k-test-later"  # Power Platform, not due yet


@pytest.fixture
def sam(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    return TeamsUser(http, bot, connector, user_id="user-id-5", name="Sam Green", aad_object_id=SAM)


def entry(entry_id: str, community_id: str, question: str, review_on: dt.date) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=entry_id,
        question=question,
        answer="Open the flow, choose Edit, then Save. Ask your lead if **nothing** happens.",
        community_id=community_id,
        tags=("flow",),
        answered_by="Adele Vance",
        added_at=START - dt.timedelta(days=400),
        review_on=review_on,
    )


@pytest.fixture
async def entries(bot: BotServer) -> None:
    today = START.date()
    async with journey_state(bot) as shared:
        store = await shared.store()
        await store.save_entry(
            entry(DUE, "power-platform", "How do I change a flow?", today - dt.timedelta(days=3))
        )
        await store.save_entry(
            entry(OTHER, "sharepoint", "How do I restore a file?", today - dt.timedelta(days=1))
        )
        await store.save_entry(
            entry(LATER, "power-platform", "How do I share an app?", today + dt.timedelta(days=30))
        )


async def stored(bot: BotServer, entry_id: str) -> KnowledgeEntry:
    async with journey_state(bot) as shared:
        found = await (await shared.store()).entry(entry_id)
    assert found is not None
    return found


async def test_a_lead_sees_only_their_communitys_answers_due_a_check(
    alex: TeamsUser, megan: TeamsUser, sam: TeamsUser, entries: None
) -> None:
    said = str((await megan.say("review answers"))[-1].get("text"))
    assert "Only a community's lead or an admin can review its answers" in said
    await name_lead(alex, "Power Platform", megan)
    card = card_of((await megan.say("review answers"))[-1])
    words = all_words(card)
    assert "How do I change a flow?" in words
    assert "How do I restore a file?" not in words  # SharePoint's, not hers
    assert "How do I share an app?" not in words  # not due yet
    # An admin sees every community's.
    words = all_words(card_of((await alex.say("knowledge"))[-1]))
    assert "How do I change a flow?" in words and "How do I restore a file?" in words


async def test_still_right_moves_the_review_date_on_by_the_review_period(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer, entries: None
) -> None:
    await name_lead(alex, "Power Platform", megan)
    listed = card_of((await megan.say("review answers"))[-1])
    opened = invoke_card(
        await megan.press("knowledge.open", action_with_verb(listed, "knowledge.open")["data"])
    )
    words = all_words(opened)
    assert "Is this answer still right?" in words
    # The answer is shown as typed: Markdown is not drawn.
    assert "**nothing**" in words
    kept = invoke_card(
        await megan.press("knowledge.keep", action_with_verb(opened, "knowledge.keep")["data"])
    )
    assert "We will ask you again on 25 November 2027" in all_words(kept)
    assert (await stored(bot, DUE)).review_on == dt.date(2027, 11, 25)
    words = all_words(card_of((await megan.say("review answers"))[-1]))
    assert "No answers need checking today" in words


async def test_edit_refuses_empty_and_overlong_text_then_saves(
    alex: TeamsUser, bot: BotServer, entries: None
) -> None:
    opened = invoke_card(await alex.press("knowledge.open", {"entry": DUE}))
    form = invoke_card(
        await alex.press("knowledge.edit", action_with_verb(opened, "knowledge.edit")["data"])
    )
    inputs = [i for i in _inputs(form)]
    assert {i["id"] for i in inputs} == {"question", "answer"}
    assert all(i.get("label") for i in inputs)
    save = action_with_verb(form, "knowledge.save")["data"]
    again = invoke_card(
        await alex.press("knowledge.save", save, {"question": " ", "answer": "x" * 4001})
    )
    words = all_words(again)
    assert "Error: Enter the question" in words
    assert "Error: The answer must be 4,000 characters or fewer" in words
    assert (await stored(bot, DUE)).question == "How do I change a flow?"  # unchanged
    changed = {
        "question": "How do I change a Power Automate flow?",
        "answer": "Open it and choose Edit.",
    }
    done = invoke_card(await alex.press("knowledge.save", save, changed))
    assert "Saved." in all_words(done)
    now = await stored(bot, DUE)
    assert now.question == changed["question"] and now.answer == changed["answer"]
    assert now.review_on == dt.date(2027, 11, 25)


def _inputs(node: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input."):
            found.append(node)
        for value in node.values():
            found += _inputs(value)
    elif isinstance(node, list):
        for item in node:
            found += _inputs(item)
    return found


async def test_retire_takes_an_answer_out_of_use(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer, entries: None
) -> None:
    await name_lead(alex, "Power Platform", megan)
    retired = invoke_card(await megan.press("knowledge.retire", {"entry": DUE}))
    assert "Nobody will be shown this answer again" in all_words(retired)
    assert (await stored(bot, DUE)).retired
    async with journey_state(bot) as shared:
        in_use = {e.id for e in await (await shared.store()).entries()}
    assert DUE not in in_use and LATER in in_use
    said = answer_text(await megan.press("knowledge.edit", {"entry": DUE}))
    assert "This answer is retired" in said


async def test_only_the_lead_or_an_admin_can_change_an_answer(
    alex: TeamsUser, megan: TeamsUser, sam: TeamsUser, bot: BotServer, entries: None
) -> None:
    await name_lead(alex, "SharePoint", sam)
    # Sam leads SharePoint; this answer is Power Platform's. Forged card data is refused.
    for verb in ("knowledge.retire", "knowledge.keep", "knowledge.open", "knowledge.edit"):
        said = answer_text(await sam.press(verb, {"entry": DUE}))
        assert "Only the lead of Power Platform or an admin can change its answers" in said
    said = answer_text(
        await sam.press("knowledge.save", {"entry": DUE, "question": "Hacked", "answer": "Hacked"})
    )
    assert "Only the lead of Power Platform" in said
    for data in ({}, {"entry": "no-such-entry"}, {"entry": DUE, "answer": ["x"]}):
        assert "That button is not one I recognise" in answer_text(
            await alex.press("knowledge.keep", data)
        )
    now = await stored(bot, DUE)
    assert now.question == "How do I change a flow?" and not now.retired
    assert now.review_on == START.date() - dt.timedelta(days=3)


async def test_the_lead_is_asked_once_per_answer_per_review_date(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer, connector: Connector, entries: None
) -> None:
    await name_lead(alex, "Power Platform", megan)
    await megan.say("champion")  # the bot knows Megan's chat
    await alex.say("champion")
    before = len(connector.in_conversation(megan.conversation_id))
    async with journey_state(bot) as shared:
        sent = await knowledge.ask_leads(shared)
        assert sent == 2  # Megan for Power Platform; the admin for SharePoint (no lead)
        assert await knowledge.ask_leads(shared) == 0  # once
    cards = connector.in_conversation(megan.conversation_id)[before:]
    assert len(cards) == 1
    listed = card_of(cards[0])  # one list per person, never a card per answer
    assert "Answers to check" in all_words(listed)
    assert "How do I change a flow?" in all_words(listed)
    opened = action_with_verb(listed, "knowledge.open")["data"]
    asked = invoke_card(await megan.press("knowledge.open", opened))
    assert "How do I restore a file?" in " ".join(
        all_words(card_of(a))
        for a in connector.in_conversation(alex.conversation_id)
        if a.get("attachments")
    )
    # She says it is still right; a year on, she is asked again.
    await megan.press("knowledge.keep", action_with_verb(asked, "knowledge.keep")["data"])
    async with journey_state(bot) as shared:
        assert await knowledge.ask_leads(shared) == 0  # SharePoint's was asked already
        bot.clock.set(dt.datetime(2027, 11, 25, 9, 0, tzinfo=dt.UTC))
        store = await shared.store()
        for other in await store.entries():  # the seeded answers fall due that day too
            if other.id != DUE:
                await store.save_entry(dataclasses.replace(other, retired=True))
        assert await knowledge.ask_leads(shared) == 1
    assert len(connector.in_conversation(megan.conversation_id)) == before + 2


async def test_answers_falling_due_together_come_as_one_list_per_person(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer, connector: Connector
) -> None:
    """The seeded answers all fall due on one day: each person gets one list, not a card
    for each answer."""
    await name_lead(alex, "Power Platform", megan)
    await megan.say("champion")
    await alex.say("champion")
    counts = {
        who.name: len(connector.in_conversation(who.conversation_id)) for who in (alex, megan)
    }
    bot.clock.set(START + dt.timedelta(days=400))
    async with journey_state(bot) as shared:
        assert await knowledge.ask_leads(shared) == 2
        assert await knowledge.ask_leads(shared) == 0
    for who in (alex, megan):
        new = connector.in_conversation(who.conversation_id)[counts[who.name] :]
        assert len(new) == 1, who.name
        assert "Answers to check" in all_words(card_of(new[0]))
    admin_list = all_words(card_of(connector.in_conversation(alex.conversation_id)[-1]))
    assert "more. Check these first." in admin_list  # long lists are paged, never cut silently
