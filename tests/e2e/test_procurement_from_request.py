"""From a request to an early engagement, and back, over real HTTP.

A request sent from an engagement's own form joins that engagement (its reference kept;
after "none of these fit", the checklist is offered in chat, once). A request that says
it involves buying or renewing, raised with the ordinary form, starts an engagement and
the requester is sent the catalogue check in chat."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import GOOD_ANSWERS, fill_form, send_anyway, stored_draft
from tests.e2e.procurement import (
    CHECKLIST_ANSWERS,
    check,
    choose_existing,
    engagement_of,
    engagement_row,
    fill_in_the_rest,
    make_pack,
    match_names,
    none_fit,
    pack_link,
    renew,
    status_text,
)
from tests.support.cards import all_text
from tests.support.teams import (
    START,
    BotServer,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    iter_actions,
)

BUYING = {
    **GOOD_ANSWERS[2],
    "kind": "new_system",
    "involves_procurement": "true",
    "supplier": "Civica",
    "contract_end": (START.date() + dt.timedelta(days=200)).isoformat(),
}
PAYMENTS = {
    **GOOD_ANSWERS[1],
    "title": "Take card payments online for pest control",
    "problem": "Residents phone us to pay for pest control visits. We want them to pay by "
    "card online when they book, so staff no longer take card details by phone.",
}


async def send(user: TeamsUser, review: dict[str, Any]) -> dict[str, Any]:
    button = find_action(review, "Send request")
    return await send_anyway(user, invoke_card(await user.press(button["verb"], button["data"])))


def reference_of(confirmation: dict[str, Any]) -> str:
    text = all_text(confirmation)
    start = text.index("DR-")
    return text[start : start + 12]


def engagements_for(user: TeamsUser, reference: str) -> list[dict[str, Any]]:
    path = user.bot.env["DATA_DIR"] + "/procurement.sqlite3"
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM engagements WHERE reference = ?", (reference,))
        return [dict(row) for row in rows.fetchall()]


def cards_in_chat(user: TeamsUser) -> list[dict[str, Any]]:
    return [card_of(a) for a in user.connector.in_conversation(user.conversation_id)]


async def test_sending_the_engagements_request_offers_the_checklist_once(
    megan: TeamsUser,
) -> None:
    card = await check(megan, "a system to take card payments online")
    engagement = engagement_of(card)
    form = invoke_card(await none_fit(megan, card, "None of them take bookings."))
    confirmation = await send(megan, await fill_in_the_rest(megan, form))
    reference = reference_of(confirmation)
    await megan.bot.settled()
    row = engagement_row(megan, engagement)
    assert row is not None
    assert (row["reference"], row["stage"]) == (reference, "checklist")
    offers = [c for c in cards_in_chat(megan) if "engagement.start" in str(c)]
    assert len(offers) == 1, "the checklist is offered once, in chat"
    assert "checklist" in all_text(offers[0]).lower()
    assert len(engagements_for(megan, reference)) == 1, "no second engagement for it"


async def test_a_request_to_use_an_existing_system_keeps_its_engagement(
    megan: TeamsUser,
) -> None:
    card = await check(megan, "a system to take card payments online")
    engagement = engagement_of(card)
    form = invoke_card(await choose_existing(megan, card, "civica-pay"))
    confirmation = await send(megan, await fill_in_the_rest(megan, form))
    reference = reference_of(confirmation)
    await megan.bot.settled()
    row = engagement_row(megan, engagement)
    assert row is not None and (row["reference"], row["stage"]) == (reference, "existing")
    assert not any("engagement.start" in str(c) for c in cards_in_chat(megan))
    assert len(engagements_for(megan, reference)) == 1


async def test_a_request_that_involves_buying_starts_an_engagement(megan: TeamsUser) -> None:
    review = await fill_form(megan, {**GOOD_ANSWERS, 1: PAYMENTS, 2: BUYING})
    confirmation = await send(megan, review)
    reference = reference_of(confirmation)
    await megan.bot.settled()
    rows = engagements_for(megan, reference)
    assert len(rows) == 1
    row = rows[0]
    assert row["stage"] == "catalogue" and row["renewal"] and row["system_name"] == "Civica"
    assert row["need"] == PAYMENTS["problem"]
    checks = [c for c in cards_in_chat(megan) if "procurement.none_fit" in str(c)]
    assert len(checks) == 1
    sent = checks[0]
    text = all_text(sent)
    assert "You said this involves buying or renewing software." in text
    assert "see what the council already has" in text
    assert match_names(sent)[0] in {"civica-pay", "capita-pay360"}
    # None fit: the request is already sent, so the checklist is next, straight away.
    offer = invoke_card(await none_fit(megan, sent, "Neither handles bookings."))
    assert "engagement.start" in str(offer)
    row = engagements_for(megan, reference)[0]
    assert (row["stage"], row["none_fit_reason"]) == ("checklist", "Neither handles bookings.")


async def test_this_already_does_it_after_the_request_was_sent(megan: TeamsUser) -> None:
    review = await fill_form(megan, {**GOOD_ANSWERS, 1: PAYMENTS, 2: BUYING})
    reference = reference_of(await send(megan, review))
    await megan.bot.settled()
    sent = next(c for c in cards_in_chat(megan) if "procurement.none_fit" in str(c))
    answer = invoke_card(await choose_existing(megan, sent, match_names(sent)[0]))
    text = all_text(answer)
    assert f"Your request {reference} has already been sent" in text
    row = engagements_for(megan, reference)[0]
    assert row["stage"] == "existing"


async def test_a_request_that_buys_nothing_starts_no_engagement(megan: TeamsUser) -> None:
    reference = reference_of(await send(megan, await fill_form(megan)))
    await megan.bot.settled()
    assert engagements_for(megan, reference) == []
    assert not any("procurement." in str(c) for c in cards_in_chat(megan))


# ---- IT triage sees the catalogue check on the request --------------------------------


async def triage_card_says(user: TeamsUser, words: str) -> str:
    """The triage channel's card, once it has been redrawn to say `words`."""
    text = ""
    for _ in range(100):
        for update in reversed(user.connector.updates(CHANNEL["id"])):
            text = all_text(update.activity["attachments"][0]["content"])
            if words in text:
                return text
        await asyncio.sleep(0.05)
    raise AssertionError(f"The triage card never said {words!r}. Last: {text}")


async def test_this_already_does_it_is_added_to_the_sent_request(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await in_channel(alex).say("register triage")
    review = await fill_form(megan, {**GOOD_ANSWERS, 1: PAYMENTS, 2: BUYING})
    reference = reference_of(await send(megan, review))
    await alex.connector.wait_for(CHANNEL["id"], 1)
    await megan.bot.settled()
    sent = next(c for c in cards_in_chat(megan) if "procurement.none_fit" in str(c))
    answer = invoke_card(await choose_existing(megan, sent, "civica-pay"))
    assert "We have added your choice to it, so IT triage will see it." in all_text(answer)
    said = "Megan Bowen checked the application catalogue. Said Civica Pay already does this."
    assert said in await triage_card_says(alex, said)
    await megan.bot.settled()
    text = await status_text(megan, reference)
    assert "You checked the application catalogue. Said Civica Pay already does this." in text


async def test_the_check_before_the_request_is_on_the_request_once_sent(
    megan: TeamsUser,
) -> None:
    card = await check(megan, "a system to take card payments online")
    form = invoke_card(await none_fit(megan, card, "None of them take bookings."))
    reference = reference_of(await send(megan, await fill_in_the_rest(megan, form)))
    await megan.bot.settled()
    text = await status_text(megan, reference)
    assert "Said none of the catalogue's systems fit: None of them take bookings." in text


async def test_renewing_after_the_request_was_sent_offers_the_checklist(
    megan: TeamsUser,
) -> None:
    renewing = {**BUYING, "kind": "change_existing", "existing_systems": "civica pay"}
    review = await fill_form(megan, {**GOOD_ANSWERS, 1: PAYMENTS, 2: renewing})
    reference = reference_of(await send(megan, review))
    await megan.bot.settled()
    sent = next(c for c in cards_in_chat(megan) if "procurement.renew_it" in str(c))
    assert "The system you are renewing" in all_text(sent)
    assert "civica-pay" not in match_names(sent)
    offer = invoke_card(await renew(megan, sent))
    assert "engagement.start" in str(offer)
    row = engagements_for(megan, reference)[0]
    assert (row["stage"], row["outcome"]) == ("checklist", "renewal")
    await megan.bot.settled()
    assert "Is renewing Civica Pay." in await status_text(megan, reference)
    start = next(a for a in iter_actions(offer) if a.get("verb") == "engagement.start")
    invoke_card(await megan.press(start["verb"], start["data"]))
    answers = stored_draft(megan, "engagement")
    assert answers is not None and answers["renewal_or_new"] == "renewal"


async def test_the_pack_of_a_renewal_says_what_is_renewed(
    megan: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    renewing = {**BUYING, "kind": "change_existing", "existing_systems": "Civica Pay"}
    review = await fill_form(megan, {**GOOD_ANSWERS, 1: PAYMENTS, 2: renewing})
    reference_of(await send(megan, review))
    await megan.bot.settled()
    sent = next(c for c in cards_in_chat(megan) if "procurement.renew_it" in str(c))
    offer = invoke_card(await renew(megan, sent))
    answers = {**CHECKLIST_ANSWERS, 4: {**CHECKLIST_ANSWERS[4], "renewal_or_new": "renewal"}}
    answers[4]["scope_changing"] = "false"
    ready = await make_pack(megan, offer, answers)
    async with http.get(bot.url + urlsplit(pack_link(ready)).path) as response:
        page = await response.text()
    assert "Outcome: renewing Civica Pay." in page
    assert "not recorded" not in page
