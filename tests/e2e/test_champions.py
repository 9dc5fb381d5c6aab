"""Communities and champions, over real HTTP: channels, leads, volunteering, deciding,
pausing and resuming, and adding an Entra group (m365 mode only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.domain.champions import can_be_asked
from bot.domain.communities import ChampionStatus
from tests.e2e.communities import (
    APPROVE,
    DECLINE,
    VOLUNTEER,
    action_with_verb,
    all_words,
    answer_text,
    community_channel,
    journey_state,
    name_lead,
    register_community,
    say_in_channel,
    say_with,
    volunteer,
    volunteer_and_approve,
    volunteer_card,
    wait_for_decision_button,
)
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned
from tests.support.teams import START, BotServer, Connector, TeamsUser, card_of, invoke_card
from tests.support.teams_members import TeamsWithMembers

SAM = "00000000-0000-0000-0000-0000000000025"
MEGAN = "00000000-0000-0000-0000-0000000000021"


@pytest.fixture
def sam(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    """Another member of staff: neither an admin nor a lead."""
    return TeamsUser(http, bot, connector, user_id="user-id-5", name="Sam Green", aad_object_id=SAM)


async def last_text(user: TeamsUser, text: str) -> str:
    return str((await user.say(text))[-1].get("text") or "")


async def registered(bot: BotServer, community_id: str) -> bool:
    async with journey_state(bot) as shared:
        return await shared.ctx.store.channel(shared.channel_purpose(community_id)) is not None


# ---- Registering a community's channel ---------------------------------------------------


async def test_an_admin_registers_a_community_channel_with_a_forgiving_name(
    alex: TeamsUser, bot: BotServer
) -> None:
    channel = community_channel(alex, "Power Platform")
    said = await say_in_channel(channel, "register community the power platform community")
    assert said.startswith("This channel is now for Power Platform.")
    assert await registered(bot, "power-platform")
    # A unique part of the name is enough.
    said = await say_in_channel(community_channel(alex, "SharePoint"), "register community share")
    assert "This channel is now for SharePoint." in said
    card = card_of((await alex.say("communities"))[-1])
    words = all_words(card)
    assert "Power Platform" in words and "Registered" in words and "Not registered yet" in words
    action_with_verb(card, "community.volunteer")


async def test_registering_needs_a_channel_a_known_name_and_the_right_person(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    said = await last_text(alex, "register community Power Platform")
    assert "in the Teams channel" in said
    channel = community_channel(alex, "Power Platform")
    said = await say_in_channel(channel, "register community Basket weaving")
    assert "I do not know a community called 'Basket weaving'" in said
    assert "Power Platform" in said and "Accessibility" in said  # the list of communities
    said = await say_in_channel(channel, "register community")
    assert said.startswith("Add the community's name.")
    said = await say_in_channel(channel, "register community and")
    assert said == (
        "More than one community matches. Did you mean Data and reporting, "
        "Microsoft 365 and Teams or Service design and user research?"
    )
    # Megan is neither an admin nor the lead: refused, and nothing registered.
    said = await say_in_channel(
        community_channel(megan, "Power Platform"), "register community Power Platform"
    )
    assert "Only the lead of Power Platform or an admin can register its channel" in said
    assert "Nothing has changed" in said
    assert not await registered(bot, "power-platform")


async def test_an_admin_names_a_lead_by_mention_and_the_lead_can_register(
    alex: TeamsUser, megan: TeamsUser, sam: TeamsUser, bot: BotServer
) -> None:
    said = await name_lead(sam, "Power Platform", megan)  # Sam is not an admin
    assert "Only a Digital Front Door admin can name a community's lead" in said
    said = await name_lead(alex, "power platform", megan)
    assert said.startswith("Megan Bowen is now the lead of Power Platform.")
    async with journey_state(bot) as shared:
        community = await (await shared.store()).community("power-platform")
    assert community is not None
    assert community.lead_id == megan.aad_object_id  # from the mention, not the text
    channel = await register_community(megan, "Power Platform")
    assert channel.conversation["conversationType"] == "channel"
    listed = all_words(card_of((await sam.say("communities"))[-1]))
    assert "Lead Megan Bowen" in listed
    # Leading one community gives no say over another.
    said = await say_in_channel(
        community_channel(megan, "SharePoint"), "register community SharePoint"
    )
    assert "Only the lead of SharePoint or an admin" in said


async def test_naming_a_lead_needs_exactly_one_person_mentioned(alex: TeamsUser) -> None:
    said = await last_text(alex, "community lead Power Platform")
    assert "@mention the one person" in said


# ---- Volunteering and deciding -----------------------------------------------------------


async def test_a_volunteer_is_approved_by_the_lead_and_told(
    alex: TeamsUser, megan: TeamsUser, sam: TeamsUser, bot: BotServer, connector: Connector
) -> None:
    await name_lead(alex, "Power Platform", megan)
    await volunteer_and_approve(sam, megan, "Power Platform")
    async with journey_state(bot) as shared:
        champion = await (await shared.store()).champion(SAM, "power-platform")
    assert champion is not None
    assert champion.status is ChampionStatus.APPROVED
    assert champion.decided_by == megan.aad_object_id
    assert champion.service_area == "Housing"
    told = [
        all_words(card_of(a))
        for s in connector.sent
        for a in [s.activity]
        if a.get("attachments")
        and "You are now a champion for Power Platform" in all_words(card_of(a))
    ]
    assert told, "Sam was not told"
    status = card_of((await sam.say("champion"))[-1])
    assert "Approved, getting questions" in all_words(status)


async def test_without_a_lead_the_admins_decide_and_a_decline_is_told_plainly(
    alex: TeamsUser, sam: TeamsUser, connector: Connector, bot: BotServer
) -> None:
    await alex.say("champion")  # the bot knows Alex's chat
    await volunteer(sam, ["Accessibility"])
    button = await wait_for_decision_button(sam, SAM, "accessibility")
    said = answer_text(await alex.press(DECLINE, button["data"]))
    assert "declined" in said
    async with journey_state(bot) as shared:
        champion = await (await shared.store()).champion(SAM, "accessibility")
    assert champion is not None and champion.status is ChampionStatus.DECLINED
    for _ in range(100):
        words = [
            all_words(card_of(s.activity)) for s in connector.sent if s.activity.get("attachments")
        ]
        if any("The lead has said no this time" in w for w in words):
            break
        await __import__("asyncio").sleep(0.05)
    else:
        raise AssertionError("Sam was not told the decision")
    # Pressing again changes nothing.
    said = answer_text(await alex.press(APPROVE, button["data"]))
    assert "already declined" in said


async def test_forged_card_data_cannot_decide_for_a_community_they_do_not_lead(
    alex: TeamsUser, megan: TeamsUser, sam: TeamsUser, bot: BotServer
) -> None:
    await name_lead(alex, "Power Platform", megan)
    await name_lead(alex, "SharePoint", sam)
    await megan.say("champion")
    await volunteer(alex, ["Power Platform"])
    button = await wait_for_decision_button(alex, alex.aad_object_id, "power-platform")
    # Sam leads SharePoint, not Power Platform: the button's data, replayed by Sam, is refused.
    said = answer_text(await sam.press(APPROVE, button["data"]))
    assert "Only the lead of Power Platform or an admin can decide" in said
    # Data no card of ours sends.
    for data in (
        {"community": "power-platform"},
        {"community": "power-platform", "volunteer": 7},
        {"community": "no-such", "volunteer": alex.aad_object_id},
        {"community": "power-platform", "volunteer": "x" * 5000},
    ):
        said = answer_text(await megan.press(APPROVE, data))
        assert "That button is not one I recognise" in said
    async with journey_state(bot) as shared:
        champion = await (await shared.store()).champion(alex.aad_object_id, "power-platform")
    assert champion is not None and champion.status is ChampionStatus.PENDING


async def test_bad_volunteer_input_is_refused_field_by_field_and_nothing_is_lost(
    megan: TeamsUser, bot: BotServer
) -> None:
    card = await volunteer_card(megan)
    action = action_with_verb(card, VOLUNTEER)
    long_help = "Power Automate " * 20  # 300 characters
    inputs = {"communities": "", "serviceArea": "  ", "canHelpWith": long_help}
    again = invoke_card(await megan.press(VOLUNTEER, action["data"], inputs))
    words = all_words(again)
    assert "There is a problem" in words
    assert "Error: Choose at least one community from the list" in words
    assert "Error: Enter the service you work in, like Housing" in words
    assert "Error: What you can help with must be 200 characters or fewer" in words
    helped = next(i for i in _inputs(again) if i["id"] == "canHelpWith")
    assert helped["value"] == long_help.strip()[:200]  # what they typed is shown again
    assert all(i.get("label") for i in _inputs(again))
    # A forged community id, and a value that is not text.
    inputs = {
        "communities": "power-platform,not-a-community",
        "serviceArea": "IT",
        "canHelpWith": "x",
    }
    again = invoke_card(await megan.press(VOLUNTEER, action["data"], inputs))
    picked = next(i for i in _inputs(again) if i["id"] == "communities")
    assert picked["value"] == "power-platform"
    assert "Choose at least one community from the list" in all_words(again)
    said = answer_text(await megan.press(VOLUNTEER, {"communities": ["power-platform"]}))
    assert "That button is not one I recognise" in said
    async with journey_state(bot) as shared:
        assert await (await shared.store()).champions(user_id=megan.aad_object_id) == []


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


async def test_volunteering_twice_for_one_community_asks_the_lead_once(
    alex: TeamsUser, sam: TeamsUser, connector: Connector
) -> None:
    await alex.say("champion")
    await volunteer(sam, ["Power Platform", "SharePoint"])
    await wait_for_decision_button(sam, SAM, "sharepoint")
    thanks = invoke_card(await volunteer(sam, ["Power Platform"]))
    assert "You had already volunteered for Power Platform" in all_words(thanks)


# ---- Pausing and resuming ----------------------------------------------------------------


async def test_pause_refuses_past_and_far_dates_then_pauses_and_resumes(
    alex: TeamsUser, sam: TeamsUser, bot: BotServer
) -> None:
    said = await last_text(sam, "pause")
    assert "You are not a champion, so there is nothing to pause" in said
    await volunteer_and_approve(sam, alex, "Power Platform")
    card = card_of((await sam.say("pause"))[-1])
    action = action_with_verb(card, "champion.pause")
    today = START.date()
    cases = {
        (today - dt.timedelta(days=1)).isoformat(): "The last day must be today or later",
        (
            today + dt.timedelta(days=400)
        ).isoformat(): "The last day must be within a year from today",
        "2026-02-30": "The last day must be a real date",
    }
    for until, error in cases.items():
        again = invoke_card(
            await sam.press("champion.pause", action["data"], {"reason": "leave", "until": until})
        )
        assert f"Error: {error}" in all_words(again), until
    again = invoke_card(
        await sam.press("champion.pause", action["data"], {"reason": "", "until": ""})
    )
    assert "Error: Choose why you are pausing" in all_words(again)
    until = today + dt.timedelta(days=14)
    paused = invoke_card(
        await sam.press(
            "champion.pause", action["data"], {"reason": "leave", "until": until.isoformat()}
        )
    )
    assert "You are paused until the end of 9 December 2026" in all_words(paused)
    async with journey_state(bot) as shared:
        champion = await (await shared.store()).champion(SAM, "power-platform")
    assert champion is not None
    assert champion.paused_until == until and champion.pause_reason == "leave"
    # Nobody sends a paused champion a question (bot.domain.champions picks from the store).
    assert not can_be_asked(champion, "power-platform", until)
    assert can_be_asked(champion, "power-platform", until + dt.timedelta(days=1))
    status = card_of((await sam.say("champion"))[-1])
    assert "paused until the end of 9 December 2026" in all_words(status)
    # Pausing again says first how they are paused now.
    again = all_words(card_of((await sam.say("pause"))[-1]))
    assert "You are paused now, until the end of 9 December 2026." in again
    resumed = card_of((await sam.say("resume questions"))[-1])
    assert "Welcome back" in all_words(resumed)
    assert "Approved, getting questions" in all_words(resumed)
    async with journey_state(bot) as shared:
        champion = await (await shared.store()).champion(SAM, "power-platform")
    assert champion is not None and champion.paused_until is None and not champion.paused
    assert can_be_asked(champion, "power-platform", today)


async def test_a_pause_with_no_end_date_lasts_until_resume(
    alex: TeamsUser, sam: TeamsUser, bot: BotServer
) -> None:
    await volunteer_and_approve(sam, alex, "SharePoint")
    card = card_of((await sam.say("pause"))[-1])
    action = action_with_verb(card, "champion.pause")
    paused = invoke_card(await sam.press("champion.pause", action["data"], {"reason": "busy"}))
    assert "You are paused until you type resume questions" in all_words(paused)
    bot.clock.advance(dt.timedelta(days=60))
    status = card_of((await sam.say("champion"))[-1])
    assert "Approved, paused until you resume" in all_words(status)
    again = all_words(card_of((await sam.say("pause"))[-1]))
    assert "You are paused now, until you type resume questions." in again
    resumed = invoke_card(
        await sam.press("champion.resume", action_with_verb(status, "champion.resume")["data"])
    )
    assert "Welcome back" in all_words(resumed)


# ---- The lead's list, and Entra groups ---------------------------------------------------


async def test_the_lead_sees_who_is_waiting_and_others_cannot(
    alex: TeamsUser, megan: TeamsUser, sam: TeamsUser
) -> None:
    await name_lead(alex, "Power Platform", megan)
    await volunteer(sam, ["Power Platform"])
    card = card_of((await megan.say("champions"))[-1])
    assert "Waiting for your decision" in all_words(card) and "Sam Green" in all_words(card)
    said = await last_text(sam, "champions power platform")
    assert "Only the lead of Power Platform or an admin" in said
    said = await last_text(sam, "champions")
    assert "You do not lead a community" in said


async def test_a_lead_can_stop_a_champion_and_nobody_else_can(
    alex: TeamsUser, megan: TeamsUser, sam: TeamsUser, bot: BotServer, connector: Connector
) -> None:
    await name_lead(alex, "Power Platform", megan)
    await volunteer_and_approve(sam, megan, "Power Platform")
    listed = card_of((await megan.say("champions"))[-1])
    stop = action_with_verb(listed, "champion.remove")
    assert stop["title"] == "Stop Sam Green as a champion"
    # Sam cannot end his own role through a forged card, nor anyone else's.
    refused = await sam.press("champion.remove", stop["data"])
    assert "Only the lead of Power Platform or an admin" in str(refused.get("value"))
    async with journey_state(bot) as shared:
        kept = await (await shared.store()).champion(SAM, "power-platform")
    assert kept is not None and kept.status is ChampionStatus.APPROVED

    told_before = len(connector.in_conversation(sam.conversation_id))
    after = invoke_card(await megan.press("champion.remove", stop["data"]))
    assert "Stop Sam Green as a champion" not in all_words(after)
    assert "No champions yet." in all_words(after)
    async with journey_state(bot) as shared:
        ended = await (await shared.store()).champion(SAM, "power-platform")
    assert ended is not None and ended.status is ChampionStatus.DECLINED
    assert ended.decided_by == megan.aad_object_id
    await bot.settled()
    news = connector.in_conversation(sam.conversation_id)[told_before:]
    assert len(news) == 1
    assert "You are no longer a champion for Power Platform" in all_words(card_of(news[0]))


async def test_adding_an_entra_group_needs_microsoft_graph(alex: TeamsUser, sam: TeamsUser) -> None:
    group = "0a1b2c3d-1111-2222-3333-444455556666"
    said = await last_text(alex, f"add champions group {group} Power Platform")
    assert "needs Microsoft Graph" in said and "m365 mode" in said
    said = await last_text(sam, f"add champions group {group} Power Platform")
    assert "Only the lead of Power Platform or an admin can add champions" in said
    said = await last_text(alex, "add champions group not-a-group")
    assert "Type add champions group, then the Entra group's id" in said


@pytest.fixture
async def m365(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> AsyncIterator[tuple[TeamsUser, FakeGraph]]:
    """The service in m365 mode (SharePoint lists through Graph), against a fake Graph."""
    fake = FakeGraph()
    await fake.start()
    await (await provisioned(fake)).close()
    server = BotServer(tmp_path / "m365", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await server.start()
    yield TeamsUser(http, server, connector), fake
    await server.stop()
    await fake.stop()


async def test_a_lead_adds_an_entra_group_as_champions_in_m365_mode(
    m365: tuple[TeamsUser, FakeGraph],
) -> None:
    alex, fake = m365
    group = "0a1b2c3d-1111-2222-3333-444455556666"
    inner = "0a1b2c3d-1111-2222-3333-777788889999"
    people = {
        "00000000-0000-0000-0000-0000000000031": "Nestor Wilke",
        "00000000-0000-0000-0000-0000000000032": "Patti Fernandez",
        "00000000-0000-0000-0000-0000000000033": "Diego Siciliani",
    }
    ids = list(people)
    fake.add_group(group, ids[:2], nested={inner: ids[2:]}, names=people)
    said = await last_text(alex, f"add champions group {group} to Power Platform")
    assert said.startswith("I added 3 people from that group as champions for Power Platform.")
    async with journey_state(alex.bot) as shared:
        champions = await (await shared.store()).champions(community_id="power-platform")
    assert {c.user_id: c.name for c in champions} == people
    assert all(c.status is ChampionStatus.APPROVED for c in champions)
    assert {c.from_group for c in champions} == {group}
    assert {c.decided_by for c in champions} == {alex.aad_object_id}
    # Adding it again adds nobody twice.
    said = await last_text(alex, f"add champions group {group} Power Platform")
    assert said.startswith("I added 0 people from that group")
    # A group Graph does not know.
    said = await last_text(
        alex, "add champions group 0a1b2c3d-0000-0000-0000-000000000000 SharePoint"
    )
    assert "I could not find anyone in that group" in said


async def test_a_mention_with_only_a_teams_id_is_looked_up_in_the_conversation(
    http: aiohttp.ClientSession, bot: BotServer
) -> None:
    """Teams puts only the person's Teams id in a mention: the bot asks Teams who it is."""
    teams = TeamsWithMembers()
    teams.members["29:megan"] = {"id": "29:megan", "name": "Megan Bowen", "aadObjectId": MEGAN}
    await teams.start()
    try:
        alex = TeamsUser(http, bot, teams)
        for teams_id, expected in (
            ("29:megan", "Megan Bowen is now the lead of Power Platform."),
            ("29:stranger", "I could not tell who that is from the mention."),
        ):
            mention = {
                "type": "mention",
                "text": "<at>Megan Bowen</at>",
                "mentioned": {"id": teams_id, "name": "Megan Bowen"},
            }
            text = "community lead Power Platform <at>Megan Bowen</at>"
            activity = alex.activity(type="message", text=text, entities=[mention])
            replies = await say_with(alex, activity)
            assert str(replies[0]["text"]).startswith(expected)
    finally:
        await teams.stop()
    async with journey_state(bot) as shared:
        community = await (await shared.store()).community("power-platform")
    assert community is not None and community.lead_id == MEGAN
