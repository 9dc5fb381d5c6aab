"""Every card the bot sends: schema 1.5, inputs labelled, parses in the official renderer.

The cards come from walking every journey over HTTP (tests/e2e/all_cards.py); Action.ShowCard
cards are checked as cards of their own too.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.all_cards import cards_and_show_cards, walk_every_journey
from tests.support.cards import all_text, assert_cards_ok

# One line from each kind of card, so a walk that stops reaching a card fails here.
EXPECTED = (
    "Hello Alex.",  # welcome
    "What you can type",  # help, in chat and in the channel
    "Step 1 of 4: About the problem",  # the form, its steps and their errors
    "There is a problem",
    "Check your answers before sending.",
    "Your reference is DR-",  # confirmation
    "You have not raised any requests yet.",  # my requests, empty and full
    "Status: Submitted, waiting for IT triage.",  # the triage channel card
    "Status: Waiting for the requester to answer.",  # the triager's view after a question
    "Answer sent for DR-",  # answer thanks
    "Status: With the board.",
    "Status: Rejected.",
    "Draft deleted",
    "This card is out of date",
    "Tell us what you think",  # feedback
    "Thank you for your feedback",
    "Nobody has given feedback yet.",  # admin summary, empty and with feedback
    "1 person has given feedback.",
    "A change to the council's settings was not used",  # admin notice
    "Procurement early engagement",  # what is …
    "Withdraw DR-",  # withdraw asks first
    "Step 1 of 8: About your role",  # the skills check, its result and the framework
    "Your digital skills",
    "Change Cyber security awareness",
    "Digital skills report",  # skills reports, everyone and senior leaders
    "Senior leaders' digital skills",
    "Page 2 of 3: The steps",  # map a process, sent with its estimate, and my processes
    "What self-service or automation could save",
    "You are changing version 1",
    "Showing 11 to",  # the automation backlog's second page, and one raised
    "We started this request from the automation backlog",
    "What has DR-",  # benefits: the ask and its thanks
    "Thank you: benefits recorded",
    "What Digital Front Door holds about you",  # privacy: my data, and its link's question
    "Someone opened your data download link",
    "Your download is unlocked",
    "The link has stopped working",
    "Erase this person's data?",  # erase: the confirmation, its result, several found
    "Their data has been erased",
    "More than one person has that name",
    "Nobody's data has been erased yet.",  # erasures, empty and with one
    "1 erasure so far.",
    "How long Digital Front Door keeps things",  # retention, and a run
    "The retention job has run",
)


async def test_every_card_in_every_journey_is_valid(tmp_path: Path) -> None:
    collected = await walk_every_journey(tmp_path)
    sent = cards_and_show_cards(collected)
    text = "\n".join(all_text(item.card) for item in sent)
    missing = [line for line in EXPECTED if line not in text]
    assert not missing, f"The walk no longer reaches these cards: {missing}"
    assert len(sent) > len(collected.cards) > 60
    assert_cards_ok([item.card for item in sent])
