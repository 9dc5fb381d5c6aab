"""A member of staff raises a digital request in Teams chat, start to finish."""

from __future__ import annotations

import asyncio
import re

from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import fill_form, raise_request
from tests.support.cards import all_text
from tests.support.teams import (
    YEAR,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
)

CHANNEL_ID = CHANNEL["id"]


async def test_a_request_gets_a_reference_a_score_a_board_and_next_steps(alex: TeamsUser) -> None:
    text = all_text(await raise_request(alex))
    assert f"Your reference is DR-{YEAR}-0001" in text
    assert re.search(r"Priority score: \d+ out of 100", text)
    assert "published prioritisation matrix to score it. This is version 2026.1." in text
    for criterion in ("Strategic alignment", "Benefits", "Readiness", "Cost and effort"):
        assert re.search(rf"{criterion}: [\d.]+ of \d+ points", text), criterion
    assert "Board" in text and "Why:" in text
    assert "What happens next" in text
    # The strategy's words on the card are explained where they first appear.
    assert "Project (PMO)" in text
    assert "type what is and the word, like what is PMO." in text
    meaning = all_text(card_of((await alex.say("what is PMO"))[-1]))
    assert "Project Management Office" in meaning


async def test_references_are_sequential_per_year(alex: TeamsUser, megan: TeamsUser) -> None:
    first = all_text(await raise_request(alex))
    second = all_text(await raise_request(megan))
    third = all_text(await raise_request(alex))
    assert f"DR-{YEAR}-0001" in first
    assert f"DR-{YEAR}-0002" in second
    assert f"DR-{YEAR}-0003" in third


async def test_sending_the_same_form_twice_keeps_one_request(alex: TeamsUser) -> None:
    review = await fill_form(alex)
    send = find_action(review, "Send request")
    first = invoke_card(await alex.press(send["verb"], send["data"]))
    again = invoke_card(await alex.press(send["verb"], send["data"]))
    assert f"DR-{YEAR}-0001" in all_text(first)
    assert f"DR-{YEAR}-0001" in all_text(again)
    listing = all_text(card_of((await alex.say("my requests"))[-1]))
    assert set(re.findall(r"DR-\d{4}-\d{4}", listing)) == {f"DR-{YEAR}-0001"}


async def test_my_requests_lists_only_my_own(alex: TeamsUser, megan: TeamsUser) -> None:
    await raise_request(alex)
    await raise_request(megan)
    mine = all_text(card_of((await alex.say("my requests"))[-1]))
    assert f"DR-{YEAR}-0001" in mine
    assert f"DR-{YEAR}-0002" not in mine
    assert "Submitted, waiting for IT triage" in mine


async def test_my_requests_when_there_are_none_says_how_to_start(megan: TeamsUser) -> None:
    text = all_text(card_of((await megan.say("my requests"))[-1]))
    assert "You have not raised any requests yet" in text
    assert "Raise a new request" in text


async def test_status_shows_one_request_with_its_breakdown(alex: TeamsUser) -> None:
    await raise_request(alex)
    text = all_text(card_of((await alex.say("status dr-2026-0001"))[-1]))
    assert f"DR-{YEAR}-0001" in text
    assert "Submitted, waiting for IT triage" in text
    assert "Priority score" in text and "Strategic alignment" in text


async def test_status_of_someone_elses_request_is_not_shown(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await raise_request(alex)
    reply = (await megan.say(f"status DR-{YEAR}-0001"))[-1]
    assert not reply.get("attachments")
    assert f"could not find a request DR-{YEAR}-0001 raised by you" in reply["text"]


async def test_status_needs_a_real_reference(alex: TeamsUser) -> None:
    assert f"like status DR-{YEAR}-0001" in (await alex.say("status"))[-1]["text"]
    assert "is not a request reference" in (await alex.say("status banana"))[-1]["text"]
    # Alex is an admin: he may read anyone's request, so he is told plainly it does not exist.
    missing = (await alex.say(f"status DR-{YEAR}-0999"))[-1]["text"]
    assert f"There is no request DR-{YEAR}-0999" in missing


async def test_show_button_for_someone_elses_request_is_refused(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await raise_request(alex)
    body = await megan.press(
        "requests.show", {"verb": "requests.show", "reference": f"DR-{YEAR}-0001"}
    )
    assert f"could not find a request DR-{YEAR}-0001 raised by you" in invoke_message(body)


async def test_requests_wait_for_the_triage_channel_then_are_posted_in_order(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await raise_request(alex)
    await raise_request(megan)
    assert connector.in_conversation(CHANNEL_ID) == []
    admin = in_channel(alex)
    replies = await admin.say("<at>Digital Front Door</at> register triage")
    assert "now the IT triage channel" in replies[0]["text"]
    assert "2 waiting requests will be posted here now" in replies[0]["text"]
    posted = await connector.wait_for(CHANNEL_ID, 2)
    cards = [card_of(a) for a in posted if a.get("attachments")]
    assert [c for c in cards if f"DR-{YEAR}-0001" in all_text(c)]
    order = [re.search(rf"DR-{YEAR}-\d{{4}}", all_text(c)).group(0) for c in cards]  # type: ignore[union-attr]
    assert order == [f"DR-{YEAR}-0001", f"DR-{YEAR}-0002"]


async def test_a_new_request_goes_straight_to_a_registered_triage_channel(
    alex: TeamsUser, connector: Connector
) -> None:
    await in_channel(alex).say("register triage")
    await raise_request(alex)
    posted = await connector.wait_for(CHANNEL_ID, 1)
    triage = all_text(card_of(posted[-1]))
    assert f"New request DR-{YEAR}-0001" in triage
    assert "Raised by Alex Wilber" in triage
    assert "Personal data: yes. It needs a data protection check, called a DPIA." in triage
    assert re.search(r"Score: \d+ out of 100", triage)
    assert "Proposed board: Digital, Data and Customer Board" in triage
    assert "Why it goes to that board" in triage


async def test_triage_card_flags_procurement_and_a_missing_sponsor(
    alex: TeamsUser, connector: Connector
) -> None:
    from tests.e2e.journey import GOOD_ANSWERS

    answers = {step: dict(values) for step, values in GOOD_ANSWERS.items()}
    answers[2].update(
        involves_procurement="true",
        supplier="Acme Bookings Ltd",
        contract_end="2027-01-31",
        kind="new_system",
    )
    answers[3]["sponsor"] = ""
    await in_channel(alex).say("register triage")
    review = await fill_form(alex, answers)
    send = find_action(review, "Send request")
    confirmation = all_text(invoke_card(await alex.press(send["verb"], send["data"])))
    assert "Technical Review Board" in confirmation
    triage = all_text(card_of((await connector.wait_for(CHANNEL_ID, 1))[-1]))
    assert "Buying: yes, they want to buy or renew software or a contract." in triage
    assert "Contract end\n31 January 2027" in triage
    assert "Senior sponsor: none named yet." in triage
    assert "Acme Bookings Ltd" in triage


async def test_only_an_admin_can_register_the_triage_channel(
    megan: TeamsUser, connector: Connector
) -> None:
    replies = await in_channel(megan).say("register triage")
    assert "Only a Digital Front Door admin can register" in replies[0]["text"]
    await raise_request(megan)
    assert not [a for a in connector.in_conversation(CHANNEL_ID) if a.get("attachments")]


async def test_register_triage_in_a_personal_chat_explains_where_to_type_it(
    alex: TeamsUser,
) -> None:
    replies = await alex.say("register triage")
    assert "in the team channel" in replies[0]["text"]


async def test_a_failed_triage_post_is_kept_and_posted_later_in_order(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await in_channel(alex).say("register triage")
    connector.unreachable.add(CHANNEL_ID)  # the channel is unreachable for a while
    confirmation = all_text(await raise_request(megan))
    assert f"Your reference is DR-{YEAR}-0001" in confirmation, "the requester is not held up"
    await asyncio.sleep(0.3)
    assert connector.in_conversation(CHANNEL_ID) == []
    connector.unreachable.clear()
    await raise_request(alex)
    posted = await connector.wait_for(CHANNEL_ID, 2)
    order = [re.search(rf"DR-{YEAR}-\d{{4}}", all_text(card_of(a))).group(0) for a in posted]  # type: ignore[union-attr]
    assert order == [f"DR-{YEAR}-0001", f"DR-{YEAR}-0002"]


async def test_an_admin_can_look_up_anyones_request(alex: TeamsUser, megan: TeamsUser) -> None:
    await raise_request(megan)
    text = all_text(card_of((await alex.say(f"status DR-{YEAR}-0001"))[-1]))
    assert f"DR-{YEAR}-0001" in text and "Submitted, waiting for IT triage" in text
