"""A board's setup, over real HTTP: `board` in its channel and in a personal chat, who may
change who sits on it (admins and the board's secretary), @mentions resolved as Teams
sends them, the meetings card and its bad values, and an Entra group in m365 mode."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.domain.boards import Cadence, Repeat
from bot.journey import MESSAGE_TYPE
from tests.e2e.boards import (
    board_state,
    in_board_channel,
    make_member,
    register_board_channel,
    set_setup,
)
from tests.e2e.conftest import in_channel
from tests.support.cards import all_text
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned
from tests.support.teams import (
    BOT,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    iter_actions,
)
from tests.support.teams_members import TeamsWithMembers

TRB = "trb"
SAM = "00000000-0000-0000-0000-0000000000025"
NESTOR = "00000000-0000-0000-0000-0000000000031"
MEGAN = "00000000-0000-0000-0000-0000000000021"
NOT_OURS = "not one I recognise"


def person(user: TeamsUser, number: int, name: str, aad: str) -> TeamsUser:
    """Someone else in the same Teams, in their own chat with the bot."""
    return TeamsUser(user.http, user.bot, user.connector, f"user-id-{number}", name, aad)


@pytest.fixture
def sam(alex: TeamsUser) -> TeamsUser:
    return person(alex, 5, "Sam Lee", SAM)


@pytest.fixture
def nestor(alex: TeamsUser) -> TeamsUser:
    return person(alex, 31, "Nestor Wilke", NESTOR)


def mention(user: TeamsUser, with_entra_id: bool = True) -> dict[str, Any]:
    mentioned = {"id": user.user_id, "name": user.name}
    if with_entra_id:
        mentioned["aadObjectId"] = user.aad_object_id
    return {"type": "mention", "text": f"<at>{user.name}</at>", "mentioned": mentioned}


def bot_mention() -> dict[str, Any]:
    return {"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": BOT}


async def say_naming(
    user: TeamsUser,
    text: str,
    people: list[TeamsUser],
    extra: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """`text` with each "@" replaced by the next person's mention, as Teams sends it: the
    bot addressed first, each person in the text and in the entities."""
    entities = [bot_mention(), *[mention(p) for p in people], *(extra or [])]
    for p in people:
        text = text.replace("@", f"<at>{p.name}</at>", 1)
    activity = user.activity(
        type="message", text=f"<at>{BOT['name']}</at> {text}", entities=entities
    )
    status, _ = await user.post(activity)
    assert status in (200, 201, 202)
    return await user.connector.wait_for_replies(user.conversation_id, activity["id"])


async def said(user: TeamsUser, text: str, people: list[TeamsUser] | None = None) -> str:
    replies = await say_naming(user, text, people or [])
    return str(replies[-1].get("text") or "")


async def board_card(user: TeamsUser) -> dict[str, Any]:
    return card_of((await user.say("board"))[-1])


async def setup_of(bot: BotServer, key: str = TRB) -> Any:
    async with board_state(bot) as shared:
        return await (await shared.store()).setup(key)


# ---- `board` ------------------------------------------------------------------------


async def test_board_in_its_channel_shows_the_sample_setup_and_admins_can_change_meetings(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    await register_board_channel(alex, TRB)
    shown = await board_card(in_board_channel(alex, TRB))
    text = all_text(shown)

    assert "Technical Review Board (sample data)" in text
    assert "made up" in text
    for name in ("Daniel Price", "Aisha Rahman", "Owen Lloyd"):
        assert name in text
    assert "Every 2 weeks on Thursday at 2pm, from 8 January 2026" in text
    # 25 November 2026 is a Wednesday: the next fortnightly Thursday is the day after,
    # and its agenda was due 3 days before it (it has not been posted yet).
    assert "Next meeting\nThursday 26 November 2026 at 2pm" in text
    assert "Agenda due\nMonday 23 November 2026 at 2pm. It will be posted shortly." in text
    assert "Nobody is standing in" in text
    assert find_action(shown, "Change meetings")["verb"] == "board.meetings.open"
    assert "add board member @name" in text

    others = all_text(await board_card(in_board_channel(megan, TRB)))
    assert "Technical Review Board" in others
    assert "Change meetings" not in others and "Change who is on the board" not in others


async def test_board_in_a_personal_chat_lists_the_persons_boards(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser
) -> None:
    text = all_text(await board_card(megan))
    assert "You are not on any board" in text and "ICT Improvement Group" in text

    await register_board_channel(alex, TRB)
    await make_member(bot, TRB, megan, chair=True)
    await make_member(bot, "ddc", megan)
    text = all_text(await board_card(megan))

    assert "Technical Review Board" in text and "Chair and member" in text
    assert "Thursday 26 November 2026 at 2pm" in text
    assert "Digital, Data and Customer Board" in text
    # The DDC meets on the 2nd Tuesday of the month: 8 December 2026.
    assert "Tuesday 8 December 2026 at 10am" in text
    assert "Not registered yet" in text  # the DDC's channel
    assert "ICT Improvement Group" not in text


async def test_board_in_another_channel_says_it_is_not_a_boards_channel(alex: TeamsUser) -> None:
    replies = await in_channel(alex).say("board")
    assert "This channel is not a board's channel" in replies[-1]["text"]


# ---- Who sits on the board ------------------------------------------------------------


async def test_an_admin_adds_members_and_the_sample_people_go(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, sam: TeamsUser
) -> None:
    channel = await register_board_channel(alex, TRB)

    text = await said(channel, "add board member @", [megan])
    assert text == (
        "Megan Bowen is now on the Technical Review Board. The made-up sample members have "
        "been taken off. On the board now: Megan Bowen."
    )
    text = await said(channel, "add board members @ @", [sam, megan])
    assert text.startswith("Sam Lee is now on the Technical Review Board.")
    assert text.endswith("On the board now: Megan Bowen and Sam Lee.")
    text = await said(channel, "add board member @", [sam])
    assert text.startswith("Sam Lee is on the Technical Review Board already. Nothing has changed")

    setup = await setup_of(bot)
    assert setup.members == {megan.aad_object_id, SAM}
    assert setup.names == {megan.aad_object_id: "Megan Bowen", SAM: "Sam Lee"}
    assert not setup.sample and setup.chair_id == "" and setup.secretary_id == ""
    assert "(sample data)" not in all_text(await board_card(channel))


async def test_chair_and_secretary_are_named_and_become_members(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, sam: TeamsUser
) -> None:
    channel = await register_board_channel(alex, TRB)
    await said(channel, "add board member @", [megan])

    text = await said(channel, "board chair @", [megan])
    assert text == (
        "Megan Bowen is now the Technical Review Board's chair. On the board now: Megan Bowen."
    )
    text = await said(channel, "board secretary @", [sam])
    assert text == (
        "Sam Lee is now the Technical Review Board's secretary and a member of the board. "
        "On the board now: Megan Bowen and Sam Lee."
    )
    setup = await setup_of(bot)
    assert (setup.chair_id, setup.secretary_id) == (megan.aad_object_id, SAM)
    card_text = all_text(await board_card(channel))
    assert "Chair\nMegan Bowen" in card_text and "Secretary\nSam Lee" in card_text
    text = await said(channel, "board chair @ @", [megan, sam])
    assert text.startswith("@mention just one person.")


async def test_the_secretary_may_change_the_board_and_others_may_not(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, sam: TeamsUser, nestor: TeamsUser
) -> None:
    await register_board_channel(alex, TRB)
    await make_member(bot, TRB, sam, secretary=True, only=True)
    await make_member(bot, TRB, megan)

    text = await said(in_board_channel(megan, TRB), "add board member @", [nestor])
    assert text.startswith(
        "Only a Digital Front Door admin or the Technical Review Board's secretary"
    )
    assert "Nothing has changed" in text
    assert NESTOR not in (await setup_of(bot)).members

    text = await said(in_board_channel(sam, TRB), "add board member @", [nestor])
    assert text.startswith("Nestor Wilke is now on the Technical Review Board.")
    assert "The made-up" not in text
    shown = await board_card(in_board_channel(sam, TRB))
    assert find_action(shown, "Change meetings")


async def test_removing_members_keeps_a_chair_a_secretary_and_someone_on_the_board(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, sam: TeamsUser, nestor: TeamsUser
) -> None:
    channel = await register_board_channel(alex, TRB)
    await make_member(bot, TRB, megan, chair=True, only=True)
    await make_member(bot, TRB, sam, secretary=True)
    await make_member(bot, TRB, nestor)

    text = await said(channel, "remove board member @", [megan])
    assert text == (
        "Megan Bowen is the board's chair. Name a new chair first: type board chair and "
        "@mention them. Nothing has changed."
    )
    text = await said(channel, "remove board member @", [sam])
    assert "Sam Lee is the board's secretary. Name a new secretary first" in text

    text = await said(channel, "remove board member @", [nestor])
    assert text == (
        "Nestor Wilke is no longer on the Technical Review Board. "
        "On the board now: Megan Bowen and Sam Lee."
    )
    text = await said(channel, "remove board member @", [nestor])
    assert text == "Nestor Wilke is not on the Technical Review Board. Nothing has changed."
    assert (await setup_of(bot)).members == {megan.aad_object_id, SAM}

    # The last member cannot go.
    await set_setup(bot, TRB, members=frozenset({NESTOR}), chair_id="", secretary_id="")
    text = await said(channel, "remove board member @", [nestor])
    assert "needs at least one member" in text
    assert (await setup_of(bot)).members == {NESTOR}


@pytest.mark.parametrize(
    "command",
    [
        "add board member",
        "remove board member",
        "board secretary",
        "board chair",
    ],
)
async def test_member_commands_are_refused_plainly(
    bot: BotServer, alex: TeamsUser, command: str
) -> None:
    channel = await register_board_channel(alex, TRB)
    before = await setup_of(bot)

    # Nobody mentioned (a name typed is not a mention).
    text = await said(channel, f"{command} Megan Bowen")
    assert text.startswith("Nobody was @mentioned.") and "Nothing has changed" in text
    # The bot named as the person.
    replies = await say_naming(channel, f"{command} <at>{BOT['name']}</at>", [], [bot_mention()])
    assert str(replies[-1]["text"]).startswith("That is me, the bot.")
    # Outside a board's channel: another channel, and a personal chat.
    text = await said(in_channel(alex), f"{command} @", [alex])
    assert text.startswith("This channel is not a board's channel.")
    replies = await alex.say(f"{command} Megan")
    assert str(replies[-1]["text"]).startswith("This works only in a board's channel.")

    assert await setup_of(bot) == before


async def test_a_mention_with_only_a_teams_id_is_looked_up_through_teams(
    http: aiohttp.ClientSession, bot: BotServer
) -> None:
    teams = TeamsWithMembers()
    teams.members["29:sam"] = {"id": "29:sam", "name": "Sam Lee", "aadObjectId": SAM}
    await teams.start()
    try:
        alex = TeamsUser(http, bot, teams)
        channel = await register_board_channel(alex, TRB)
        for teams_id, expected in (
            ("29:sam", "Sam Lee is now on the Technical Review Board."),
            ("29:stranger", "I could not tell who that is from the mention."),
        ):
            entity = {
                "type": "mention",
                "text": "<at>Sam Lee</at>",
                "mentioned": {"id": teams_id, "name": "Sam Lee"},
            }
            replies = await say_naming(channel, "add board member <at>Sam Lee</at>", [], [entity])
            assert str(replies[-1]["text"]).startswith(expected)
    finally:
        await teams.stop()
    assert (await setup_of(bot)).members == {SAM}


# ---- Meetings ---------------------------------------------------------------------------


async def open_meetings(user: TeamsUser) -> dict[str, Any]:
    shown = await board_card(user)
    action = find_action(shown, "Change meetings")
    return invoke_card(await user.press(action["verb"], action["data"]))


def inputs_of(card: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found[node["id"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


GOOD = {
    "firstMeeting": "2027-01-12",
    "meetingTime": "09:30",
    "repeat": "monthly",
    "agendaDaysBefore": "5",
}


async def test_the_meetings_card_changes_when_the_board_meets(
    bot: BotServer, alex: TeamsUser
) -> None:
    channel = await register_board_channel(alex, TRB)
    form = await open_meetings(channel)
    fields = inputs_of(form)
    # It starts from the meetings as they are, every input labelled.
    assert fields["firstMeeting"]["value"] == "2026-01-08"
    assert fields["meetingTime"]["value"] == "14:00"
    assert fields["repeat"]["value"] == "fortnightly"
    assert fields["agendaDaysBefore"]["value"] == 3
    assert all(f.get("label") for f in fields.values())

    save = find_action(form, "Save meetings")
    done = invoke_card(await channel.press(save["verb"], save["data"], GOOD))
    text = all_text(done)

    assert "Meetings changed: On the 2nd Tuesday of every month at 9:30am" in text
    assert "Tuesday 12 January 2027 at 9:30am" in text  # the next meeting
    assert "Thursday 7 January 2027 at 9:30am" in text  # the agenda, 5 days before
    setup = await setup_of(bot)
    assert setup.cadence == Cadence(dt.date(2027, 1, 12), dt.time(9, 30), Repeat.MONTHLY)
    assert setup.agenda_days_before == 5


@pytest.mark.parametrize(
    ("field_id", "value", "error"),
    [
        ("firstMeeting", "not-a-date", "Enter the first meeting as a real date"),
        ("firstMeeting", "2026-02-30", "Enter the first meeting as a real date"),
        ("firstMeeting", "2029-01-01", "The first meeting must be within a year from today"),
        ("firstMeeting", "", "Enter the date of the first meeting"),
        ("meetingTime", "25:00", "Enter a time between 00:00 and 23:59"),
        ("meetingTime", "noon", "Enter the start time like 10:00 or 14:30"),
        ("repeat", "yearly", "Choose how often the board meets"),
        ("agendaDaysBefore", "-1", "Enter a number of days from 0 to 14"),
        ("agendaDaysBefore", "15", "Enter a number of days from 0 to 14"),
        ("agendaDaysBefore", "abc", "Enter a number of days from 0 to 14"),
        ("agendaDaysBefore", "2.5", "Enter a number of days from 0 to 14"),
    ],
)
async def test_bad_meeting_values_are_named_field_by_field_and_kept(
    bot: BotServer, alex: TeamsUser, field_id: str, value: str, error: str
) -> None:
    channel = await register_board_channel(alex, TRB)
    before = await setup_of(bot)
    form = await open_meetings(channel)
    save = find_action(form, "Save meetings")

    answer = invoke_card(await channel.press(save["verb"], save["data"], {**GOOD, field_id: value}))
    text = all_text(answer)

    assert "There is a problem" in text
    assert f"Error: {error}" in text
    assert text.count("Error:") == 1  # only the field that is wrong
    # The values that were right are kept; a wrong time or choice cannot be shown again.
    fields = inputs_of(answer)
    for name in ("firstMeeting", "meetingTime", "repeat"):
        if name != field_id:
            assert fields[name]["value"] == GOOD[name]
    if field_id != "agendaDaysBefore":
        assert fields["agendaDaysBefore"]["value"] == 5
    assert await setup_of(bot) == before


async def test_days_before_may_come_as_a_number(bot: BotServer, alex: TeamsUser) -> None:
    channel = await register_board_channel(alex, TRB)
    save = find_action(await open_meetings(channel), "Save meetings")
    await channel.press(save["verb"], save["data"], {**GOOD, "agendaDaysBefore": 0})
    assert (await setup_of(bot)).agenda_days_before == 0


async def test_only_admins_and_the_secretary_change_meetings(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, sam: TeamsUser
) -> None:
    channel = await register_board_channel(alex, TRB)
    save = find_action(await open_meetings(channel), "Save meetings")
    await make_member(bot, TRB, megan)
    before = await setup_of(bot)

    for verb, inputs in ((save["verb"], GOOD), ("board.meetings.open", {})):
        body = await in_board_channel(megan, TRB).press(
            verb, {**save["data"], "verb": verb}, inputs
        )
        assert body["type"] == MESSAGE_TYPE
        assert (
            "Only a Digital Front Door admin or the Technical Review Board's secretary"
            in (body["value"])
        )
    assert await setup_of(bot) == before

    await set_setup(bot, TRB, secretary_id=SAM)
    body = await in_board_channel(sam, TRB).press(save["verb"], save["data"], GOOD)
    assert "Meetings changed" in all_text(invoke_card(body))


@pytest.mark.parametrize(
    "data",
    [
        {"board": "finance"},
        {"board": ""},
        {"board": ["trb"]},
        {"board": "x" * 500},
        {},
        {"board": "trb", **GOOD, "repeat": ["monthly"]},
        {"board": "trb", **GOOD, "agendaDaysBefore": True},
        {"board": "trb", **GOOD, "firstMeeting": {"date": "2027-01-12"}},
    ],
)
async def test_forged_meeting_card_data_changes_nothing(
    bot: BotServer, alex: TeamsUser, data: dict[str, Any]
) -> None:
    channel = await register_board_channel(alex, TRB)
    before = await setup_of(bot)
    for verb in ("board.meetings", "board.meetings.open", "board.show"):
        body = await channel.press(verb, {**data, "verb": verb})
        if body["type"] == MESSAGE_TYPE:
            words = body["value"]
            assert NOT_OURS in words or "That board is not one I know" in words, words
        else:  # extra keys a card of ours does not send are ignored, not obeyed
            assert data.get("board") == "trb" and verb != "board.meetings"
    assert await setup_of(bot) == before


async def test_cancel_goes_back_to_the_boards_card(bot: BotServer, alex: TeamsUser) -> None:
    channel = await register_board_channel(alex, TRB)
    form = await open_meetings(channel)
    cancel = find_action(form, "Cancel")
    back = invoke_card(await channel.press(cancel["verb"], cancel["data"]))
    assert "Technical Review Board (sample data)" in all_text(back)
    assert [a for a in iter_actions(back) if a.get("title") == "Change meetings"]


# ---- An Entra group (m365 mode) -----------------------------------------------------------


async def test_a_board_group_needs_microsoft_graph_locally(bot: BotServer, alex: TeamsUser) -> None:
    channel = await register_board_channel(alex, TRB)
    text = await said(channel, "board group 0a1b2c3d-1111-2222-3333-444455556666")
    assert "needs Microsoft Graph" in text and "m365 mode" in text
    assert (await setup_of(bot)).member_group == ""


@pytest.fixture
async def m365(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> AsyncIterator[tuple[TeamsUser, FakeGraph]]:
    fake = FakeGraph()
    await fake.start()
    await (await provisioned(fake)).close()
    server = BotServer(tmp_path / "m365", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake))
    await server.start()
    yield TeamsUser(http, server, connector), fake
    await server.stop()
    await fake.stop()


async def test_a_boards_group_members_count_as_members_in_m365_mode(
    m365: tuple[TeamsUser, FakeGraph],
) -> None:
    alex, fake = m365
    group = "0a1b2c3d-1111-2222-3333-444455556666"
    people = {NESTOR: "Nestor Wilke", SAM: "Sam Lee"}
    fake.add_group(group, list(people), names=people)
    channel = await register_board_channel(alex, TRB)

    text = await said(channel, "board group not-a-group")
    assert text.startswith("Type board group, then the Entra group's id")
    text = await said(channel, "board group 0a1b2c3d-0000-0000-0000-000000000000")
    assert text.startswith("I could not find anyone in that group.")
    text = await said(channel, f"board group {group}")
    assert text == (
        "Everyone in that group (2 people) is now a member of the Technical Review Board. "
        "On the board now: Nestor Wilke and Sam Lee."
    )
    card_text = all_text(await board_card(channel))
    assert "Nestor Wilke and Sam Lee" in card_text and "Microsoft 365 group" in card_text

    # Someone in the group is taken off there, not here.
    sam = dataclasses.replace(alex, user_id="user-id-5", name="Sam Lee", aad_object_id=SAM)
    text = await said(channel, "remove board member @", [sam])
    assert "through its Microsoft 365 group" in text

    async with board_state(alex.bot) as shared:
        from bot.journeys.boards.setup import effective_setup

        setup = await effective_setup(shared, TRB)
    assert setup.members == {NESTOR, SAM} and setup.member_group == group

    # A member through the group names a deputy like any other member.
    megan = dataclasses.replace(alex, user_id="user-id-1", name="Megan Bowen", aad_object_id=MEGAN)
    text = await said(in_board_channel(sam, TRB), "deputy @ until 12 December", [megan])
    assert text.startswith("Megan Bowen is your deputy on the Technical Review Board")
