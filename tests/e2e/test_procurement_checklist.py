"""The early-engagement checklist over real HTTP: from the offer after the request is sent,
through the checklist, to the pack, and who is told (Procurement always, the Technical
Review Board for new technology, IT triage when a channel is missing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.procurement import (
    CHECKLIST_ANSWERS,
    START_CHECKLIST,
    at_checklist,
    check,
    engagement_of,
    engagement_row,
    fill_checklist,
    make_pack,
    pack_link,
)
from tests.support.cards import all_text, find_inputs
from tests.support.teams import (
    TENANT,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

PROCUREMENT = "19:procurement@thread.tacv2"
TRB = "19:technical-review-board@thread.tacv2"
TRIAGE = "19:triage-channel@thread.tacv2"
RENEWAL = {
    **CHECKLIST_ANSWERS,
    4: {**CHECKLIST_ANSWERS[4], "renewal_or_new": "renewal", "scope_changing": "false"},
}


def in_channel(user: TeamsUser, channel_id: str) -> TeamsUser:
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user.user_id,
        user.name,
        user.aad_object_id,
        conversation={
            "id": f"{channel_id};messageid=1700000000000",
            "conversationType": "channel",
            "tenantId": TENANT,
        },
    )


async def register(admin: TeamsUser, *, procurement: bool = True, board: bool = True) -> None:
    if procurement:
        await in_channel(admin, PROCUREMENT).say("register procurement")
    if board:
        await in_channel(admin, TRB).say("register board Technical Review Board")


def posted(connector: Connector, channel_id: str) -> list[dict[str, Any]]:
    """The cards posted in a channel (any thread of it)."""
    return [
        attachment["content"]
        for sent in connector.sent
        if sent.method == "POST" and sent.conversation_id.split(";")[0] == channel_id
        for attachment in sent.activity.get("attachments") or []
    ]


def about(cards: list[dict[str, Any]], reference: str) -> list[dict[str, Any]]:
    return [card for card in cards if reference in all_text(card)]


def inputs_of(card: dict[str, Any]) -> dict[str, Any]:
    return {element["id"]: element.get("value") for element in find_inputs(card)}


def someone_else(user: TeamsUser) -> TeamsUser:
    """Another member of staff: not an admin, not the engagement's owner."""
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user_id="user-id-9",
        name="Lee Gordon",
        aad_object_id="00000000-0000-0000-0000-000000000099",
    )


async def test_a_new_buy_makes_a_pack_for_procurement_and_the_technical_review_board(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    await register(alex)
    engagement_id, offer = await at_checklist(megan)
    assert "Next: the early-engagement checklist" in all_text(offer)
    ready = await make_pack(megan, offer)
    text = all_text(ready)
    row = engagement_row(megan, engagement_id)
    assert row is not None
    reference = row["reference"]
    assert "Your early-engagement pack is ready" in text
    assert "Procurement and the Technical Review Board review it" in text
    assert "A data protection impact assessment (DPIA) is needed." in text  # open question
    link = pack_link(ready)
    assert link.startswith("http://127.0.0.1:3978/procurement/packs/")
    token = link.rsplit("/", 1)[-1]
    assert (row["stage"], row["path"], row["pack_token"]) == ("ready", "full", token)
    assert len(token) == 32
    await bot.settled()
    procurement = about(posted(megan.connector, PROCUREMENT), reference)
    board = about(posted(megan.connector, TRB), reference)
    assert len(procurement) == 1 and len(board) == 1
    board_text = all_text(board[0])
    assert "For the Technical Review Board" in board_text
    assert "Book garden waste collections online" in str(board[0])  # the request's title
    assert "It is a new buy." in str(board[0])
    assert pack_link(board[0]) == link and pack_link(procurement[0]) == link


async def test_every_page_of_the_checklist_says_which_request_it_is_for(
    megan: TeamsUser,
) -> None:
    engagement_id, offer = await at_checklist(megan)
    reference = (engagement_row(megan, engagement_id) or {})["reference"]
    start = find_action(offer, "Start the checklist")
    card = invoke_card(await megan.press(start["verb"], start["data"]))
    # What the request and the engagement said is filled in already.
    assert inputs_of(card)["systems"] == "Power Automate, SharePoint, Dynamics"
    for step in sorted(CHECKLIST_ANSWERS):
        assert f"Type status {reference} to see your answers." in all_text(card), step
        button = find_action(card, "Next")
        card = invoke_card(
            await megan.press(button["verb"], button["data"], CHECKLIST_ANSWERS[step])
        )
    assert "Check your answers before sending." in all_text(card)
    assert f"Type status {reference}" in all_text(card)
    # Typing checklist opens it again where it was left.
    again = card_of((await megan.say("checklist"))[-1])
    assert "Check your answers before sending." in all_text(again)
    assert f"request {reference}" in all_text(again)


async def test_wrong_answers_are_explained_and_nothing_is_made(megan: TeamsUser) -> None:
    engagement_id, offer = await at_checklist(megan)
    start = find_action(offer, "Start the checklist")
    card = invoke_card(await megan.press(start["verb"], start["data"]))
    for step in (1, 2):
        button = find_action(card, "Next")
        card = invoke_card(
            await megan.press(button["verb"], button["data"], CHECKLIST_ANSWERS[step])
        )
    button = find_action(card, "Next")
    card = invoke_card(await megan.press(button["verb"], button["data"], {"accessibility": "yes"}))
    assert "Say how the council will get its data back at the end" in all_text(card)
    button = find_action(card, "Next")
    card = invoke_card(await megan.press(button["verb"], button["data"], CHECKLIST_ANSWERS[3]))
    wrong = {
        **CHECKLIST_ANSWERS[4],
        "contract_value": "lots",
        "contract_start": "2027-04-01",
        "contract_end": "2027-03-01",
        "service_owner": "P" * 121,
    }
    button = find_action(card, "Next")
    card = invoke_card(await megan.press(button["verb"], button["data"], wrong))
    text = all_text(card)
    assert "Enter the contract value as a whole number of pounds, like 45000" in text
    assert "The owner's name must be 120 characters or fewer. You entered 121." in text
    wrong = {**CHECKLIST_ANSWERS[4], "contract_end": "2027-03-01"}
    button = find_action(card, "Next")
    card = invoke_card(await megan.press(button["verb"], button["data"], wrong))
    assert "The contract end date must be after the start date" in all_text(card)
    # A renewal is asked whether its scope is changing; a new buy is not.
    assert "Is the scope changing?" not in all_text(card)
    renewal = {**CHECKLIST_ANSWERS[4], "renewal_or_new": "renewal"}
    button = find_action(card, "Next")
    card = invoke_card(await megan.press(button["verb"], button["data"], renewal))
    assert "Choose yes if the scope is changing. Choose no if it is not." in all_text(card)
    assert (engagement_row(megan, engagement_id) or {})["stage"] == "checklist"


async def test_a_renewal_with_no_change_in_scope_goes_to_procurement_only(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    await register(alex)
    engagement_id, offer = await at_checklist(megan, buy="renewal", system_name="Pay360")
    ready = await make_pack(megan, offer, RENEWAL)
    assert "Procurement reviews it." in all_text(ready)
    row = engagement_row(megan, engagement_id) or {}
    assert row["path"] == "light"
    await bot.settled()
    assert len(about(posted(megan.connector, PROCUREMENT), row["reference"])) == 1
    assert about(posted(megan.connector, TRB), row["reference"]) == []


async def test_a_renewal_whose_scope_changes_goes_to_the_board(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    await register(alex)
    engagement_id, offer = await at_checklist(megan, buy="renewal", system_name="Pay360")
    changing = {**RENEWAL, 4: {**RENEWAL[4], "scope_changing": "true"}}
    await make_pack(megan, offer, changing)
    row = engagement_row(megan, engagement_id) or {}
    assert row["path"] == "full"
    await bot.settled()
    board = about(posted(megan.connector, TRB), row["reference"])
    assert len(board) == 1 and "its scope is changing" in str(board[0])


async def test_without_light_renewals_every_renewal_goes_to_the_board(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> None:
    server = BotServer(tmp_path / "strict", env={"PROCUREMENT_LIGHT_RENEWALS": "false"})
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        megan = TeamsUser(
            http,
            server,
            connector,
            user_id="user-id-1",
            name="Megan Bowen",
            aad_object_id="00000000-0000-0000-0000-0000000000021",
        )
        await register(alex)
        engagement_id, offer = await at_checklist(megan, buy="renewal", system_name="Pay360")
        ready = await make_pack(megan, offer, RENEWAL)
        assert "Procurement and the Technical Review Board review it" in all_text(ready)
        row = engagement_row(megan, engagement_id) or {}
        assert row["path"] == "full"
        await server.settled()
        board = about(posted(connector, TRB), row["reference"])
        assert len(board) == 1
        assert "The council asks the board to look at every renewal." in str(board[0])
    finally:
        await server.stop()


async def test_a_missing_channel_is_named_to_it_triage_who_pass_the_pack_on(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    await in_channel(alex, TRIAGE).say("register triage")
    engagement_id, offer = await at_checklist(megan)
    ready = await make_pack(megan, offer)
    assert (
        "The Procurement team and the Technical Review Board have no channel in Teams yet, "
        "so the IT team will pass your pack on." in all_text(ready)
    )
    reference = (engagement_row(megan, engagement_id) or {})["reference"]
    await bot.settled()
    passed_on = [
        card
        for card in about(posted(megan.connector, TRIAGE), reference)
        if "Please pass on a pack" in all_text(card)
    ]
    said = " ".join(all_text(card) for card in passed_on)
    assert len(passed_on) == 2
    assert "they type register procurement" in said
    assert "they type register board Technical Review Board" in said
    assert all(pack_link(card) == pack_link(ready) for card in passed_on)


async def test_making_the_pack_again_keeps_its_link_and_tells_nobody_twice(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    await register(alex)
    engagement_id, offer = await at_checklist(megan)
    first = await make_pack(megan, offer)
    await bot.settled()
    change = find_action(first, "Change my answers")
    card = invoke_card(await megan.press(change["verb"], change["data"]))
    assert inputs_of(card)["systems"] == "Academy, SharePoint"  # the answers kept
    again = await make_pack(megan, first, start="Change my answers")
    assert pack_link(again) == pack_link(first)
    assert "is the same as before. Its link has not changed." in all_text(again)
    row = engagement_row(megan, engagement_id) or {}
    await bot.settled()
    assert len(about(posted(megan.connector, PROCUREMENT), row["reference"])) == 1
    assert len(about(posted(megan.connector, TRB), row["reference"])) == 1


async def test_changed_answers_tell_procurement_and_the_board_once_per_version(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    await register(alex)
    engagement_id, offer = await at_checklist(megan)
    first = await make_pack(megan, offer)
    reference = (engagement_row(megan, engagement_id) or {})["reference"]
    changed = {**CHECKLIST_ANSWERS, 2: {**CHECKLIST_ANSWERS[2], "dpia": "no"}}
    again = await make_pack(megan, first, changed, start="Change my answers")
    assert pack_link(again) == pack_link(first)
    assert "is updated. Its link has not changed." in all_text(again)
    assert '"dpia": "no"' in (engagement_row(megan, engagement_id) or {})["checklist"]
    await bot.settled()
    for channel in (PROCUREMENT, TRB):
        told = about(posted(megan.connector, channel), reference)
        assert len(told) == 2, channel
        assert f"The early-engagement pack for {reference} was updated." in all_text(told[1])
        assert "was updated" not in all_text(told[0])
        assert pack_link(told[1]) == pack_link(first)
    # The same answers again tell nobody; going back to the first answers is news.
    await make_pack(megan, again, changed, start="Change my answers")
    await bot.settled()
    assert len(about(posted(megan.connector, PROCUREMENT), reference)) == 2
    await make_pack(megan, again, start="Change my answers")
    await bot.settled()
    assert len(about(posted(megan.connector, PROCUREMENT), reference)) == 3
    assert len(about(posted(megan.connector, TRB), reference)) == 3


async def test_a_change_of_review_path_is_said_to_procurement_and_the_board(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    await register(alex)
    engagement_id, offer = await at_checklist(megan)
    first = await make_pack(megan, offer)
    reference = (engagement_row(megan, engagement_id) or {})["reference"]
    lighter = await make_pack(megan, first, RENEWAL, start="Change my answers")
    assert (engagement_row(megan, engagement_id) or {})["path"] == "light"
    await bot.settled()
    procurement = about(posted(megan.connector, PROCUREMENT), reference)
    board = about(posted(megan.connector, TRB), reference)
    assert len(procurement) == 2 and len(board) == 2
    assert "It now takes the lighter review, by Procurement only." in all_text(procurement[1])
    assert "No longer for the Technical Review Board" in all_text(board[1])
    assert "The board does not need to review it." in all_text(board[1])
    await make_pack(megan, lighter, start="Change my answers")  # a new buy again
    await bot.settled()
    procurement = about(posted(megan.connector, PROCUREMENT), reference)
    board = about(posted(megan.connector, TRB), reference)
    assert len(procurement) == 3 and len(board) == 3
    said = "It now needs the full review, by Procurement and the Technical Review Board."
    assert said in all_text(procurement[2]) and said in all_text(board[2])
    assert "For the Technical Review Board" in all_text(board[2])


async def test_checklist_opens_a_made_pack_to_change_its_answers(megan: TeamsUser) -> None:
    engagement_id, offer = await at_checklist(megan)
    await make_pack(megan, offer)
    reference = (engagement_row(megan, engagement_id) or {})["reference"]
    card = card_of((await megan.say("checklist"))[-1])
    assert f"This checklist is for request {reference}." in all_text(card)
    assert inputs_of(card)["systems"] == "Academy, SharePoint"  # the answers kept


async def test_someone_else_cannot_open_or_send_the_checklist(megan: TeamsUser) -> None:
    engagement_id, offer = await at_checklist(megan)
    review = await fill_checklist(megan, offer)
    lee = someone_else(megan)
    start = find_action(offer, "Start the checklist")
    refused = invoke_message(await lee.press(start["verb"], start["data"]))
    assert "I could not find that early engagement among yours." in refused
    send = find_action(review, "Make the pack")
    stale = invoke_card(await lee.press(send["verb"], send["data"]))
    assert "nothing on it was saved" in all_text(stale)
    assert (engagement_row(megan, engagement_id) or {})["stage"] == "checklist"
    # Megan's own checklist is untouched, and she can still make the pack.
    ready = invoke_card(await megan.press(send["verb"], send["data"]))
    assert "Your early-engagement pack is ready" in all_text(ready)


async def test_an_admin_can_fill_in_the_checklist_for_someone(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    engagement_id, offer = await at_checklist(megan)
    ready = await make_pack(alex, offer)
    assert "Your early-engagement pack is ready" in all_text(ready)
    assert (engagement_row(megan, engagement_id) or {})["stage"] == "ready"


async def test_the_checklist_waits_until_the_request_is_sent(megan: TeamsUser) -> None:
    card = await check(megan)
    early = {"verb": START_CHECKLIST, "engagement": engagement_of(card)}
    said = invoke_message(await megan.press(START_CHECKLIST, early))
    assert "The checklist comes after your request is sent." in said


async def test_card_data_that_no_card_of_ours_sends_gets_a_plain_answer(
    megan: TeamsUser,
) -> None:
    for data in (
        {},
        {"engagement": 5},
        {"engagement": ["PE-0123456789ab"]},
        {"engagement": "PE-zz"},
        {"engagement": "PE-0123456789ab" * 100},
    ):
        said = invoke_message(await megan.press(START_CHECKLIST, {"verb": START_CHECKLIST, **data}))
        assert "did not say which early engagement" in said, data
    unknown = {"verb": START_CHECKLIST, "engagement": "PE-0123456789ab"}
    said = invoke_message(await megan.press(START_CHECKLIST, unknown))
    assert "I could not find that early engagement among yours." in said


async def test_checklist_with_nothing_to_fill_in_says_what_to_do(megan: TeamsUser) -> None:
    replies = await megan.say("checklist")
    assert "You have no early-engagement checklist to fill in." in replies[-1]["text"]


async def test_checklist_opens_the_one_waiting_and_a_discarded_one_can_start_again(
    megan: TeamsUser,
) -> None:
    engagement_id, _ = await at_checklist(megan)
    reference = (engagement_row(megan, engagement_id) or {})["reference"]
    card = card_of((await megan.say("checklist"))[-1])
    assert "Step 1 of 4: Requirements and other systems" in all_text(card)
    assert f"This checklist is for request {reference}." in all_text(card)
    deleted = invoke_card(await megan.press(*_button(card, "Yes, delete this draft")))
    assert "Draft deleted" in all_text(deleted)
    again = invoke_card(
        await megan.press(*_button(deleted, "Start a new early-engagement checklist"))
    )
    assert f"This checklist is for request {reference}." in all_text(again)
    assert inputs_of(again)["systems"] == "Power Automate, SharePoint, Dynamics"


def _button(card: dict[str, Any], title: str) -> tuple[str, dict[str, Any]]:
    action = find_action(card, title)
    return action["verb"], action["data"]


async def test_starting_the_checklist_twice_opens_the_one_in_progress(megan: TeamsUser) -> None:
    _, offer = await at_checklist(megan)
    start = find_action(offer, "Start the checklist")
    invoke_card(await megan.press(start["verb"], start["data"]))
    again = invoke_card(await megan.press(start["verb"], start["data"]))
    assert "You already have an early-engagement checklist in progress" in all_text(again)
