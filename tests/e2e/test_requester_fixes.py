"""The requester's record, fixed after an outside review: a duplicate's requester can
follow the request theirs was joined to; IT triage reads records only where that is
safe; `change` and `withdraw` claim only what is theirs.

Every promise holds on both stores: SQLite, and SharePoint through the Graph-like server.
"""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import GOOD_ANSWERS, raise_request
from tests.e2e.test_requester_record import (  # noqa: F401  (fixtures: both stores)
    REF,
    bot,
    change_to_review,
    channel_redrawn,
    fake,
    open_change_form,
    reply_card,
    reply_text,
    status_card,
    titles_of,
)
from tests.e2e.test_triage import press, triage_card_posted, triager_view
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import (
    YEAR,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
)

SECOND = f"DR-{YEAR}-0002"
SAMS_ANSWER = "Jo Bloggs, Head of Waste Services"  # one of the answers in GOOD_ANSWERS


def sam_of(user: TeamsUser) -> TeamsUser:
    """Another member of staff, not on the IT triage roster."""
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        "user-id-3",
        "Sam Okafor",
        "00000000-0000-0000-0000-0000000000031",
    )


def elsewhere(user: TeamsUser) -> TeamsUser:
    """The same person in an all-staff channel: not the one registered for IT triage."""
    all_staff = {**CHANNEL, "id": "19:all-staff@thread.tacv2;messageid=1700000000001"}
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user.user_id,
        user.name,
        user.aad_object_id,
        conversation=all_staff,
    )


# ---- A duplicate's requester follows the other request ----------------------------------


async def test_the_requester_of_a_duplicate_sees_a_short_record_of_the_other_request(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    sam = sam_of(alex)
    await in_channel(alex).say("register triage")
    await raise_request(sam)  # DR-…-0001: Sam's
    await raise_request(megan)  # DR-…-0002: Megan's, the same thing
    await alex.connector.wait_for(CHANNEL["id"], 2)
    view = await triager_view(alex, SECOND)
    await press(alex, view, "Link as duplicate", {"duplicateRef": REF})
    await press(alex, await triager_view(alex), "Accept to board")
    # Megan's own record points the way, and the way works.
    own = all_text(await status_card(megan, SECOND))
    assert f"To see where {REF} is, type status {REF}." in own
    joined = await reply_card(megan, f"status {REF}", "How its status has changed")
    text = all_text(joined)
    assert REF in text and f"joined your request {SECOND} to this one" in text
    assert GOOD_ANSWERS[1]["title"] in text
    assert "With the board" in text and "Digital, Data and Customer Board" in text
    assert "Sent to IT triage." in text and "With the board." in text
    # Not Sam's name, nor any answer, nor who did what in IT triage.
    for private in ("Sam Okafor", SAMS_ANSWER, "Alex Wilber", "Show the requester's answers"):
        assert private not in text and private not in str(joined), private
    assert titles_of(joined) == [f"Show {SECOND}", "My requests"]
    assert_cards_ok([joined])


async def test_someone_whose_request_is_not_joined_still_cannot_read_it(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    sam = sam_of(alex)
    await raise_request(sam)
    await raise_request(megan)  # not linked to Sam's
    refused = await reply_text(megan, f"status {REF}")
    assert f"We could not find a request {REF} raised by you" in refused
    assert "Sam Okafor" not in refused


async def test_the_short_record_is_not_shown_in_a_channel(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    sam = sam_of(alex)
    await in_channel(alex).say("register triage")
    await raise_request(sam)
    await raise_request(megan)
    await alex.connector.wait_for(CHANNEL["id"], 2)
    await press(alex, await triager_view(alex, SECOND), "Link as duplicate", {"duplicateRef": REF})
    said = (await elsewhere(megan).say(f"status {REF}"))[-1]
    assert not said.get("attachments"), "no record in a channel"
    assert "Only the IT triage team can look up requests here" in said["text"]


# ---- IT triage reads records only in its channel or a personal chat ----------------------


async def test_a_triager_gets_no_record_in_another_channel_and_is_told_where(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await in_channel(alex).say("register triage")
    await raise_request(megan)
    said = (await elsewhere(alex).say(f"<at>Front Door</at> status {REF}"))[-1]
    assert not said.get("attachments"), "nothing of the record is posted there"
    text = str(said.get("text"))
    assert "IT triage channel or in your chat with me" in text
    for private in ("Megan Bowen", SAMS_ANSWER, GOOD_ANSWERS[1]["title"]):
        assert private not in text
    # The triage channel and a personal chat still show it.
    in_team = card_of((await in_channel(alex).say(f"<at>Front Door</at> status {REF}"))[-1])
    assert "Raised by\nMegan Bowen" in all_text(in_team)
    assert REF in all_text(await status_card(alex))


async def test_with_no_triage_channel_registered_a_channel_gets_no_record(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await raise_request(megan)
    said = (await in_channel(alex).say(f"status {REF}"))[-1]
    assert not said.get("attachments")
    assert "IT triage channel or in your chat with me" in str(said.get("text"))


# ---- change and withdraw claim only what is theirs ---------------------------------------


async def test_change_my_password_is_not_taken_for_a_request_change(megan: TeamsUser) -> None:
    for said in ("change my password", "withdraw from the training course"):
        reply = (await megan.say(said))[-1]
        text = str(reply.get("text") or all_text(card_of(reply)))
        assert "is not a request reference" not in text, said
        assert "Change your request" not in text and "Withdraw DR-" not in text, said
    # Left for other journeys: an IT problem gets the service desk pointer.
    reply = str((await megan.say("change my password, it has expired"))[-1]).lower()
    assert "service desk" in reply


async def test_change_and_withdraw_with_a_reference_still_work(megan: TeamsUser) -> None:
    await raise_request(megan)
    form = card_of((await megan.say(f"change my request {REF.lower()}"))[-1])
    assert "Change your request" in all_text(form)
    asks = card_of((await megan.say(f"withdraw request {REF}"))[-1])
    assert f"Withdraw {REF}?" in all_text(asks)
    for said in ("change DR-2026-12", "withdraw dr-banana"):
        assert "is not a request reference" in (await megan.say(said))[-1]["text"], said


# ---- Changed answers: the score and route moves are recorded ------------------------------


MOVED = {1: {"affected_residents": "10"}, 2: {"kind": "change_existing"}}


async def send_changes(megan: TeamsUser, edits: dict[int, dict[str, Any]]) -> dict[str, Any]:
    review = await change_to_review(megan, await open_change_form(megan), edits)
    send = find_action(review, "Send changes")
    return invoke_card(await megan.press(send["verb"], send["data"]))


async def test_a_change_that_moves_score_and_board_says_so_to_it_triage(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    before = all_text(await status_card(megan))
    old = re.search(r"Priority score: (\d+) out of 100", before)
    assert old
    # Few residents, and a change to systems it has: the rules send it elsewhere.
    await send_changes(megan, MOVED)
    after = all_text(await status_card(megan))
    new = re.search(r"Priority score: (\d+) out of 100", after)
    assert new and new.group(1) != old.group(1)
    score_line = f"Score: was {old.group(1)}. Now: {new.group(1)}."
    board_line = "Board: was Digital, Data and Customer Board. Now: Technical Review Board."
    process_line = "After the board: was Project (PMO). Now: Change request."
    for line in (score_line, board_line, process_line):
        assert line in after, line
    redrawn = await channel_redrawn(alex, score_line)
    view = all_text(await triager_view(alex))
    for line in (board_line, process_line):
        assert line in redrawn and line in view, line
    first = redrawn.split("History")[0]
    assert score_line in first and board_line in first, "in the change notice at the top"


async def test_a_route_set_by_it_triage_is_kept_and_the_rules_move_is_told(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    route = {"routeBoard": "trb", "routeProcess": "project", "routeReason": "New technology."}
    await press(alex, await triager_view(alex), "Change route", route)
    await send_changes(megan, MOVED)
    told = (
        "Where the new answers would send it: was Digital, Data and Customer Board, then "
        "Project (PMO). Now: Technical Review Board, then Change request."
    )
    redrawn = await channel_redrawn(alex, "Where the new answers would send it")
    assert told in redrawn, redrawn
    assert "IT triage chose where it goes, so the new answers have not moved it." in redrawn
    assert "Board: was" not in redrawn, "the route itself did not move"
    assert "Technical Review Board" in all_text(await status_card(megan))
