"""Before a request is sent, the bot offers open requests that look like the same need,
so a person can join one ("add me as also affected") instead of raising a second one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import (
    GOOD_ANSWERS,
    SAME_NEED,
    SEND_MINE,
    fill_form,
    raise_request,
    start_form,
)
from tests.support.cards import all_text, assert_cards_ok
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, provisioned
from tests.support.teams import (
    YEAR,
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
    iter_actions,
)

ALEX = "00000000-0000-0000-0000-0000000000020"
ADELE = "00000000-0000-0000-0000-0000000000022"
FIRST = f"DR-{YEAR}-0001"
SECOND = f"DR-{YEAR}-0002"
JOIN_FIRST = f"Add me to {FIRST} as also affected"
DRAFT_KEPT = "Your draft is kept. Type continue if you still want to send it, or discard it."
NOBODY_ELSE = "Raised by 1 person. Nobody else has said it affects them yet."
NOT_SHOWN = "You can only join an open request that looks like the one you are writing."

# The same need in other words: a near-identical request from another team.
SAME_AGAIN = {
    **GOOD_ANSWERS,
    1: {
        **GOOD_ANSWERS[1],
        "title": "Book garden waste collections online",
        "problem": "Our residents phone us to book garden waste collections, and staff type "
        "each booking into two systems by hand.",
    },
}
UNRELATED = {
    **GOOD_ANSWERS,
    1: {
        **GOOD_ANSWERS[1],
        "title": "Laptops for social workers on home visits",
        "problem": "Social workers write notes on paper during home visits and type them up "
        "at the office later. They need laptops with mobile data.",
    },
}


@pytest.fixture(params=["sqlite", "sharepoint"])
async def bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BotServer]:
    """The same promises on both stores."""
    env = {"TRIAGE_ROSTER": f"{ALEX},{ADELE}", "BOT_STORE": request.param}
    fake: FakeGraph | None = None
    if request.param == "sharepoint":
        fake = FakeGraph()
        await fake.start()
        await (await provisioned(fake)).close()
    server = BotServer(tmp_path / "data", env, graph=(lambda: connect(fake)) if fake else None)
    await server.start()
    yield server
    await server.stop()
    if fake is not None:
        await fake.stop()


@pytest.fixture
def adele(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    return TeamsUser(
        http, bot, connector, user_id="user-id-2", name="Adele Vance", aad_object_id=ADELE
    )


async def press(user: TeamsUser, card: dict[str, Any], title: str) -> dict[str, Any]:
    action = find_action(card, title)
    return await user.press(action["verb"], action["data"])


async def send(user: TeamsUser, answers: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Fill the form and press Send: the card that comes back."""
    review = await fill_form(user, answers)
    return invoke_card(await press(user, review, "Send request"))


def titles(card: dict[str, Any]) -> list[str]:
    """The buttons' titles, each once (a button's fallback repeats its title)."""
    return list(dict.fromkeys(str(a.get("title")) for a in iter_actions(card)))


def cards_in(user: TeamsUser) -> list[dict[str, Any]]:
    """The cards sent to the person's chat (not the typing indicators)."""
    sent = user.connector.in_conversation(user.conversation_id)
    return [card_of(m) for m in sent if m.get("attachments")]


async def status_text(user: TeamsUser, reference: str) -> str:
    return all_text(card_of((await user.say(f"status {reference}"))[-1]))


async def test_a_second_person_joins_the_same_need_and_everyone_is_told(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    await in_channel(alex).say("register triage")
    first = await raise_request(megan)
    assert first["body"][0]["text"] == "Request sent"  # nothing like it yet: sent at once
    await bot.settled()
    posted = await alex.connector.wait_for(CHANNEL["id"], 1)
    assert "Also affected" not in all_text(card_of(posted[-1]))

    offered = await send(adele, SAME_AGAIN)
    text = all_text(offered)
    assert offered["body"][0]["text"] == SAME_NEED
    for words in (FIRST, "Book garden waste collections online", NOBODY_ELSE, "25 November 2026"):
        assert words in text, words
    assert "People affected" not in text  # the request's own answers count the residents
    assert "Your request has not been sent yet." in text
    assert titles(offered) == [JOIN_FIRST, SEND_MINE, "Check my answers again"]
    assert_cards_ok([offered])

    joined = invoke_card(await press(adele, offered, JOIN_FIRST))
    joined_text = all_text(joined)
    assert joined["body"][0]["text"] == f"You are now on {FIRST}"
    assert "Raised by 1 person. 1 more person says it affects them too." in joined_text
    assert DRAFT_KEPT in joined_text
    assert_cards_ok([joined])
    await bot.settled()

    # The requester is told, in their chat.
    news = cards_in(megan)
    told = [c for c in news if c["body"][0]["text"] == f"More people need {FIRST}"]
    assert len(told) == 1
    assert "Adele Vance said they are also affected by your request." in all_text(told[0])
    assert "1 person has now said they are also affected." in all_text(told[0])
    # IT triage: everyone's card shows the count, and the thread says who.
    redrawn = alex.connector.updates(CHANNEL["id"])
    assert redrawn, "the triage card was not redrawn"
    assert "Also affected: 1 person, as well as the one who raised it." in all_text(
        card_of(redrawn[-1].activity)
    )
    # The card's thread: under the message the connector gave an id (msg-N) when posted.
    thread = [
        s
        for s in alex.connector.sent
        if s.conversation_id.startswith(CHANNEL["id"] + ";messageid=msg-") and s.method == "POST"
    ]
    assert len(thread) == 1
    assert "Adele Vance said they are also affected by this request." in all_text(
        card_of(thread[0].activity)
    )

    # The requester's record counts it, and its history says who.
    record = await status_text(megan, FIRST)
    assert "Also affected" in record and "1 person" in record
    assert "Adele Vance said they are also affected." in record

    # Adele's draft is kept: she can still send it, and now sees she is on FIRST.
    resumed = card_of((await adele.say("continue"))[-1])
    again = invoke_card(await press(adele, resumed, "Send request"))
    assert "You already said you are also affected by this request." in all_text(again)
    assert JOIN_FIRST not in titles(again)


async def test_a_resent_or_repeated_join_adds_nobody_twice(
    bot: BotServer, megan: TeamsUser, adele: TeamsUser
) -> None:
    await raise_request(megan)
    offered = await send(adele, SAME_AGAIN)
    action = find_action(offered, JOIN_FIRST)
    value = {
        "action": {"type": "Action.Execute", "verb": action["verb"], "data": action["data"]},
        "trigger": "manual",
    }
    activity = adele.activity(type="invoke", name="adaptiveCard/action", value=value)
    first = await adele.post(activity)
    resent = await adele.post(activity)  # Teams resends an invoke that was slow to answer
    assert first == resent
    assert invoke_card(first[1])["body"][0]["text"] == f"You are now on {FIRST}"
    pressed_again = invoke_message(await press(adele, offered, JOIN_FIRST))
    assert pressed_again == f"You already said you are also affected by {FIRST}. Nothing changed."
    await bot.settled()
    news = cards_in(megan)
    assert len([c for c in news if c["body"][0]["text"] == f"More people need {FIRST}"]) == 1
    record = await status_text(megan, FIRST)
    assert "1 person" in record and "2 people" not in record


async def test_the_requester_sees_their_own_request_and_cannot_join_it(
    megan: TeamsUser,
) -> None:
    await raise_request(megan)
    offered = await send(megan, SAME_AGAIN)
    assert offered["body"][0]["text"] == SAME_NEED
    assert "This is your request." in all_text(offered)
    assert JOIN_FIRST not in titles(offered)
    draft_id = find_action(offered, SEND_MINE)["data"]["draftId"]
    forged = {"reference": FIRST, "draftId": draft_id}
    said = invoke_message(await megan.press("request.join", forged))
    assert said == f"{FIRST} is your own request, so you are already on it."
    assert "Also affected" not in await status_text(megan, FIRST)


async def test_a_closed_request_is_not_offered_and_cannot_be_joined(
    megan: TeamsUser, adele: TeamsUser
) -> None:
    await raise_request(megan)
    asked = card_of((await megan.say(f"withdraw {FIRST}"))[-1])
    invoke_card(await press(megan, asked, "Withdraw request"))
    review = await fill_form(adele, SAME_AGAIN)
    draft_id = find_action(review, "Send request")["data"]["draftId"]
    forged = {"reference": FIRST, "draftId": draft_id}
    said = invoke_message(await adele.press("request.join", forged))
    assert said == f"{NOT_SHOWN} {FIRST} is not one of them now, so nothing changed."
    sent = invoke_card(await press(adele, review, "Send request"))
    assert sent["body"][0]["text"] == "Request sent"
    assert SECOND in all_text(sent)


async def test_send_mine_anyway_sends_a_new_request_and_leaves_the_other_alone(
    megan: TeamsUser, adele: TeamsUser
) -> None:
    await raise_request(megan)
    offered = await send(adele, SAME_AGAIN)
    sent = invoke_card(await press(adele, offered, SEND_MINE))
    assert sent["body"][0]["text"] == "Request sent"
    assert SECOND in all_text(sent)
    # The card is spent: the draft became SECOND, and nothing is sent twice.
    again = invoke_card(await press(adele, offered, SEND_MINE))
    assert SECOND in all_text(again) and "already been sent" in all_text(again)
    assert "Also affected" not in await status_text(megan, FIRST)
    assert "Also affected" not in await status_text(adele, SECOND)


async def test_an_unrelated_request_is_not_offered(megan: TeamsUser, adele: TeamsUser) -> None:
    await raise_request(megan)
    sent = await send(adele, UNRELATED)
    assert sent["body"][0]["text"] == "Request sent"
    assert SECOND in all_text(sent)


async def test_bad_join_data_is_refused_plainly_and_changes_nothing(
    bot: BotServer, megan: TeamsUser, adele: TeamsUser
) -> None:
    await raise_request(megan)
    megans_draft = find_action(await fill_form(megan, SAME_AGAIN), "Send request")["data"]
    offered = await send(adele, SAME_AGAIN)
    adeles_draft = find_action(offered, SEND_MINE)["data"]["draftId"]
    cases = [
        ({"draftId": adeles_draft}, "That button did not say which request to join."),
        ({"reference": "nope", "draftId": adeles_draft}, "did not say which request"),
        ({"reference": 42, "draftId": adeles_draft}, "did not say which request"),
        ({"reference": FIRST}, "did not say which draft"),
        ({"reference": FIRST, "draftId": "x" * 5000}, "did not say which draft"),
        ({"reference": f"DR-{YEAR}-0999", "draftId": adeles_draft}, NOT_SHOWN),
        # Megan's draft is not Adele's: the card was not drawn for her.
        ({"reference": FIRST, "draftId": megans_draft["draftId"]}, "not for a request you"),
    ]
    for data, words in cases:
        said = invoke_message(await adele.press("request.join", data))
        assert words in said, (data, said)
        assert "Nothing changed" in said or "nothing changed" in said, said
    # A forged send-anyway is guarded like the form's own Send: not Adele's draft.
    refused = invoke_card(await adele.press("request.send_anyway", megans_draft))
    assert "Request sent" not in all_text(refused)
    await bot.settled()
    assert "Also affected" not in await status_text(megan, FIRST)
    news = cards_in(megan)
    assert not [c for c in news if c["body"][0]["text"].startswith("More people need")]


async def test_only_a_request_shown_for_the_draft_can_be_joined(
    bot: BotServer, alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    """Card data names the request, so the bot matches the draft again when the button is
    pressed: a forged reference to any other open request is refused and tells nothing."""
    await in_channel(alex).say("register triage")
    await raise_request(megan)
    await bot.settled()
    redrawn = len(alex.connector.updates(CHANNEL["id"]))
    forged = {"reference": FIRST, "draftId": ""}
    refused = f"{NOT_SHOWN} {FIRST} is not one of them now, so nothing changed."
    # A blank draft: nothing is like it.
    forged["draftId"] = find_action(await start_form(adele), "Next")["data"]["draftId"]
    said = invoke_message(await adele.press("request.join", forged))
    assert said == refused
    # The same draft, now about something else: FIRST is still not like it.
    review = await fill_form(adele, UNRELATED)
    assert find_action(review, "Send request")["data"]["draftId"] == forged["draftId"]
    said = invoke_message(await adele.press("request.join", forged))
    assert said == refused and "garden waste" not in said.lower()
    await bot.settled()
    assert "Also affected" not in await status_text(megan, FIRST)
    news = cards_in(megan)
    assert not [c for c in news if c["body"][0]["text"].startswith("More people need")]
    assert len(alex.connector.updates(CHANNEL["id"])) == redrawn, "the triage card changed"
