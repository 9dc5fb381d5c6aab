"""`erase <person>`: only admins; the person found by @mention, id or name (and told
plainly when nobody, or more than one, matches); a confirmation with a required reason;
then their data goes, and the erasure is recorded without their name or ids."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from bot.privacy import pseudonym
from bot.settings import PLAYGROUND_DEFAULT_USER
from graph_clients.client import RetryPolicy
from tests.e2e.journey import GOOD_ANSWERS, fill_form, raise_request, send_anyway, start_form
from tests.e2e.test_board_setup import say_naming
from tests.e2e.test_form import press
from tests.e2e.test_sharepoint_outage import written
from tests.support.cards import all_text, assert_cards_ok
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect
from tests.support.teams import (
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

COMMENT = "Megan here: the search is slow on Fridays"
PROBLEM = GOOD_ANSWERS[1]["problem"]


def database(user: TeamsUser) -> str:
    return user.bot.env["DATA_DIR"] + "/digital-front-door.sqlite3"


def rows(user: TeamsUser, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database(user)) as db:
        return db.execute(sql, args).fetchall()


def someone(user: TeamsUser, number: int, name: str) -> TeamsUser:
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user_id=f"user-id-{number}",
        name=name,
        aad_object_id=f"00000000-0000-0000-0000-0000000000{number:02d}",
    )


async def megan_uses_the_bot(megan: TeamsUser) -> None:
    """A request, a feedback comment and a form started and not sent."""
    await raise_request(megan)
    card = card_of((await megan.say("feedback"))[-1])
    await press(megan, card, "Send feedback", {"rating": "2", "comment": COMMENT})
    await start_form(megan)
    await megan.bot.settled()


async def test_only_admins_may_erase(megan: TeamsUser, alex: TeamsUser) -> None:
    await alex.say("hello")
    for typed in ("erase Alex Wilber", "erase"):
        reply = (await megan.say(typed))[-1]
        assert "Only a Digital Front Door admin can erase" in reply["text"], typed
    # A forged Erase press from someone who is not an admin changes nothing.
    forged = {
        "card": "0" * 32,
        "person": alex.aad_object_id,
        "ids": [alex.aad_object_id],
        "names": [],
    }
    refused = invoke_message(await megan.press("privacy.erase", {**forged, "reason": "other"}))
    assert "Only a Digital Front Door admin can erase" in refused
    assert rows(megan, "SELECT kind FROM records WHERE kind = 'privacy.erasure'") == []
    assert "Only a Digital Front Door admin" in (await megan.say("erasures"))[-1]["text"]
    none_yet = card_of((await alex.say("erasures"))[-1])
    assert "Nobody's data has been erased yet" in all_text(none_yet)


async def test_nobody_or_several_people_found_is_said_plainly(alex: TeamsUser) -> None:
    reply = (await alex.say("erase Nobody Here"))[-1]
    assert reply["text"].startswith("I could not find anyone called Nobody Here.")
    first, second = someone(alex, 41, "Sam Lee"), someone(alex, 42, "Sam Lee")
    await first.say("hello")
    await second.say("hello")
    card = card_of((await alex.say("erase sam lee"))[-1])
    text = all_text(card)
    assert "More than one person has that name" in text
    assert first.aad_object_id in text and second.aad_object_id in text
    assert "@mention" in text
    assert_cards_ok([card])
    bare = (await alex.say("erase"))[-1]
    assert "Type erase and the person's name, or @mention them" in bare["text"]


async def test_cancel_erases_nothing(alex: TeamsUser, megan: TeamsUser) -> None:
    await megan_uses_the_bot(megan)
    card = card_of((await alex.say("erase Megan Bowen"))[-1])
    text = all_text(card)
    assert "Erase this person's data?" in text and "Megan Bowen" in text
    assert "Feedback on the bot" in text, "what will go is counted"
    assert_cards_ok([card])
    cancel = find_action(card, "Cancel")
    assert "Nothing has been erased" in invoke_message(await alex.press(cancel["verb"], {}))
    assert rows(megan, "SELECT 1 FROM records WHERE data LIKE ?", f"%{COMMENT}%")
    assert rows(megan, "SELECT 1 FROM requests WHERE requester_name = 'Megan Bowen'")


async def test_erase_by_mention_removes_their_data_and_records_it_without_them(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await megan_uses_the_bot(megan)
    assert rows(megan, "SELECT 1 FROM form_drafts WHERE owner_id = ?", megan.aad_object_id)
    replies = await say_naming(alex, "erase @", [megan])
    card = card_of(replies[-1])
    assert "Megan Bowen" in all_text(card) and megan.aad_object_id in all_text(card)
    erase = find_action(card, "Erase")
    assert erase["associatedInputs"] == "auto"
    # The reason is required.
    missing = invoke_message(await alex.press(erase["verb"], erase["data"], {"reason": ""}))
    assert "Choose why you are erasing" in missing
    assert rows(megan, "SELECT 1 FROM records WHERE data LIKE ?", f"%{COMMENT}%")
    done = invoke_card(await alex.press(erase["verb"], erase["data"], {"reason": "article17"}))
    text = all_text(done)
    stand_in = pseudonym(megan.aad_object_id)
    assert "Their data has been erased" in text and stand_in in text
    assert "Megan" not in text, "the answer is kept for repeated presses: no name in it"
    assert_cards_ok([done])
    # Their request stays, anonymised; their feedback comment and their draft go.
    requests = rows(megan, "SELECT requester_id, requester_name, details FROM requests")
    assert len(requests) == 1
    requester_id, requester_name, details = requests[0]
    assert requester_id == stand_in and "Megan" not in requester_name
    assert PROBLEM not in details
    assert not rows(megan, "SELECT 1 FROM records WHERE data LIKE ?", f"%{COMMENT}%")
    assert not rows(megan, "SELECT 1 FROM form_drafts WHERE owner_id = ?", megan.aad_object_id)
    assert not rows(megan, "SELECT 1 FROM people WHERE name = 'Megan Bowen'")
    # The erasure is recorded: why, how much, by whom (a pseudonym), and nothing of hers.
    [(owner, data)] = rows(
        megan, "SELECT owner_id, data FROM records WHERE kind = 'privacy.erasure'"
    )
    kept = json.loads(data)
    assert owner == ""
    assert kept["reason"] == "article17" and kept["stand_in"] == stand_in
    assert kept["by"] == pseudonym(alex.aad_object_id)
    assert kept["at"].startswith("2026-11-25T10:00") and sum(kept["counts"].values()) >= 3
    for hers in (megan.aad_object_id, megan.user_id, "Megan", "Bowen", alex.aad_object_id):
        assert hers not in data, hers
    # Pressing the same card again records no second erasure.
    again = invoke_message(await alex.press(erase["verb"], erase["data"], {"reason": "leaver"}))
    assert "erased when the button was first pressed" in again
    assert len(rows(megan, "SELECT 1 FROM records WHERE kind = 'privacy.erasure'")) == 1
    # Admins can list past erasures: when, why, how much; never who.
    erasures = card_of((await alex.say("erasures"))[-1])
    listed = all_text(erasures)
    assert "1 erasure so far" in listed and "10:00 on 25 November 2026" in listed
    assert "Erasure request from the person (UK GDPR Article 17)" in listed
    assert "Megan" not in listed and megan.aad_object_id not in listed
    assert_cards_ok([erasures])


async def test_erase_by_id_and_what_they_see_afterwards(alex: TeamsUser, megan: TeamsUser) -> None:
    await megan_uses_the_bot(megan)
    card = card_of((await alex.say(f"erase {megan.aad_object_id}"))[-1])
    assert "Megan Bowen" in all_text(card)
    erase = find_action(card, "Erase")
    await alex.press(erase["verb"], erase["data"], {"reason": "leaver"})
    mine = all_text(card_of((await megan.say("my data"))[-1]))
    assert COMMENT not in mine and PROBLEM not in mine


async def test_help_shows_erase_to_admins_only(alex: TeamsUser, megan: TeamsUser) -> None:
    text = all_text(card_of((await alex.say("help"))[-1]))
    assert "erase @person" in text and "Erase everything this bot holds about a person" in text
    assert "erase @person" not in all_text(card_of((await megan.say("help"))[-1]))


# ---- Fix round: who is erased, and an erase that cannot finish -------------------


async def erase_with(admin: TeamsUser, card: dict[str, Any], reason: str = "article17") -> Any:
    erase = find_action(card, "Erase")
    return await admin.press(erase["verb"], erase["data"], {"reason": reason})


async def test_a_first_name_typed_is_never_taken_as_their_name(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await raise_request(megan)  # her problem says "takes time"
    tim = someone(alex, 44, "Tim Jones")
    await tim.say("hello")
    await megan.bot.settled()
    card = card_of((await alex.say("erase tim"))[-1])
    assert find_action(card, "Erase")["data"]["names"] == ["Tim Jones"]
    invoke_card(await erase_with(alex, card))
    [(details,)] = rows(megan, "SELECT details FROM requests")
    assert "takes time" in details, "another person's request was changed"


async def test_their_names_are_found_in_requests_when_the_people_row_is_gone(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await raise_request(megan)
    answers = {**GOOD_ANSWERS, 3: {**GOOD_ANSWERS[3], "sponsor": "Megan Bowen, Waste"}}
    review = await fill_form(alex, answers)
    send = find_action(review, "Send request")
    await send_anyway(alex, invoke_card(await alex.press(send["verb"], send["data"])))
    await megan.bot.settled()
    with sqlite3.connect(database(megan)) as db:  # as retention does after a year unseen
        db.execute("DELETE FROM people WHERE user_id = ?", (megan.aad_object_id,))
    by_name = card_of((await alex.say("erase Megan Bowen"))[-1])
    assert find_action(by_name, "Erase")["data"]["person"] == megan.aad_object_id
    card = card_of((await alex.say(f"erase {megan.aad_object_id}"))[-1])
    assert "Megan Bowen" in find_action(card, "Erase")["data"]["names"]
    assert "cannot find words other people wrote" not in all_text(card)
    invoke_card(await erase_with(alex, card))
    found = rows(megan, "SELECT requester_name, details FROM requests")
    assert len(found) == 2 and not any("Megan" in str(row) for row in found)


async def test_an_id_with_no_name_known_is_said_plainly(alex: TeamsUser, megan: TeamsUser) -> None:
    card = card_of((await megan.say("feedback"))[-1])
    await press(megan, card, "Send feedback", {"rating": "2", "comment": COMMENT})
    await megan.bot.settled()
    with sqlite3.connect(database(megan)) as db:
        db.execute("DELETE FROM people WHERE user_id = ?", (megan.aad_object_id,))
    card = card_of((await alex.say(f"erase {megan.aad_object_id}"))[-1])
    text = all_text(card)
    assert "I do not know this person's name" in text and "type erase and" in text
    assert_cards_ok([card])
    invoke_card(await erase_with(alex, card))
    assert not rows(megan, "SELECT 1 FROM records WHERE data LIKE ?", f"%{COMMENT}%")


async def test_an_unknown_id_or_teams_id_is_refused(alex: TeamsUser) -> None:
    for typed in ("erase 0000000099abcdef0000", "erase 29:1AbCdEfGhIjKlMnOp"):
        reply = (await alex.say(typed))[-1]
        assert reply.get("text") == (
            "I could not find anyone with that id or name. Nothing has changed."
        ), typed
    assert rows(alex, "SELECT 1 FROM records WHERE kind = 'privacy.erasure'") == []


async def test_erasing_yourself_is_warned_and_needs_the_warning(alex: TeamsUser) -> None:
    await alex.say("hello")
    card = card_of((await alex.say("erase Alex Wilber"))[-1])
    assert "You are erasing your own data" in all_text(card)
    assert_cards_ok([card])
    erase = find_action(card, "Erase")
    unwarned = {k: v for k, v in erase["data"].items() if k != "warned"}
    refused = invoke_message(await alex.press(erase["verb"], {**unwarned, "reason": "other"}))
    assert "read the warning first" in refused
    assert rows(alex, "SELECT 1 FROM records WHERE kind = 'privacy.erasure'") == []
    assert "Their data has been erased" in all_text(invoke_card(await erase_with(alex, card)))


async def test_erasing_another_admin_says_to_remove_them_from_admin_ids(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> None:
    megan_id = "00000000-0000-0000-0000-0000000000021"
    server = BotServer(tmp_path / "data", {"ADMIN_IDS": f"{PLAYGROUND_DEFAULT_USER},{megan_id}"})
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        megan = TeamsUser(http, server, connector, "user-id-1", "Megan Bowen", megan_id)
        await megan.say("hello")
        text = all_text(card_of((await alex.say("erase Megan Bowen"))[-1]))
        assert "This person is a Digital Front Door admin. Remove them from ADMIN_IDS too." in text
        assert "You are erasing your own data" not in text
    finally:
        await server.stop()


async def test_an_erase_that_cannot_finish_says_so_and_finishes_when_pressed_again(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector, fake: FakeGraph
) -> None:
    server = BotServer(
        tmp_path / "data", {"BOT_STORE": "sharepoint"}, graph=lambda: connect(fake, RetryPolicy())
    )
    await server.start()
    try:
        alex = TeamsUser(http, server, connector)
        megan = TeamsUser(
            http,
            server,
            connector,
            "user-id-1",
            "Megan Bowen",
            "00000000-0000-0000-0000-0000000000021",
        )
        await raise_request(megan)
        await written(fake, 1)
        fake.faults.unavailable = True
        fake.faults.retry_after = "1"
        confirm = card_of((await alex.say("erase Megan Bowen"))[-1])  # starts while down
        first = invoke_card(await erase_with(alex, confirm))
        text = all_text(first)
        [(data,)] = rows(megan, "SELECT data FROM records WHERE kind = 'privacy.erasure'")
        failed = json.loads(data)["failed"]
        assert failed, "the parts that did not answer are recorded"
        because = f"Some of their data could not be erased because {', '.join(failed)} did not"
        assert because in text and "Press Erase again to finish" in text
        assert_cards_ok([first])
        assert "Megan" not in data and megan.aad_object_id not in data
        fake.faults.unavailable = False
        again = find_action(first, "Erase")
        assert again["data"]["card"] != find_action(confirm, "Erase")["data"]["card"]
        done = invoke_card(await alex.press(again["verb"], again["data"]))
        assert "Their data has been erased" in all_text(done)
        tries = [
            json.loads(d)
            for (d,) in rows(megan, "SELECT data FROM records WHERE kind = 'privacy.erasure'")
        ]
        assert [t["failed"] for t in tries] == [failed, []]
        assert sum(sum(t["counts"].values()) for t in tries) >= 2
        item = fake.list_items("DFD Requests")[0]
        assert "Megan" not in json.dumps(item)
        listed = all_text(card_of((await alex.say("erasures"))[-1]))
        assert "2 erasures so far" in listed and f"Not finished: {', '.join(failed)}" in listed
    finally:
        await server.stop()
