"""Steps of the procurement early engagement, over real HTTP, for every test that needs
one: start it, check the catalogue, choose "none of these fit" or "this already does it".

Other helpers may add functions at the end of this file.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.support.cards import find_inputs
from tests.support.teams import TeamsUser, card_of, find_action, invoke_card, iter_actions

PAYMENTS_NEED = "We want to take card payments online for pest control bookings."
# Mark Evans owns Civica Pay and Pay360 in the sample catalogue.
PAYMENTS_OWNER = "00000000-0000-0000-0000-000000000108"


def owner_of_payments(user: TeamsUser) -> TeamsUser:
    """The sample catalogue's owner of the payment systems, as a person in Teams."""
    return TeamsUser(
        user.http,
        user.bot,
        user.connector,
        user_id="user-id-mark",
        name="Mark Evans",
        aad_object_id=PAYMENTS_OWNER,
    )


async def start(user: TeamsUser, text: str = "buy software") -> dict[str, Any]:
    """Type `text`; returns the "Before you buy" card."""
    replies = await user.say(text)
    return card_of(replies[-1])


async def check(
    user: TeamsUser,
    need: str = PAYMENTS_NEED,
    buy: str = "new",
    system_name: str = "",
    start_text: str = "buy software",
) -> dict[str, Any]:
    """From typing `start_text` to the catalogue check card."""
    card = await start(user, start_text)
    button = find_action(card, "Check what the council already has")
    inputs = {"need": need, "buy": buy, "system_name": system_name}
    return invoke_card(await user.press(button["verb"], button["data"], inputs))


def engagement_of(card: dict[str, Any]) -> str:
    """The engagement a catalogue check card (or any card of it) is about."""
    for action in iter_actions(card):
        data = action.get("data") or {}
        if isinstance(data.get("engagement"), str):
            return str(data["engagement"])
    raise AssertionError("No button on the card names an engagement")


def match_names(card: dict[str, Any]) -> list[str]:
    """The systems on a catalogue check card, best first (the entries of its buttons)."""
    return [
        str(action["data"]["entry"])
        for action in iter_actions(card)
        if action.get("verb") == "procurement.existing"
    ]


async def choose_existing(user: TeamsUser, card: dict[str, Any], entry_id: str) -> dict[str, Any]:
    """Press "This already does it" for one entry; returns the raw invoke answer."""
    for action in iter_actions(card):
        data = action.get("data") or {}
        if action.get("verb") == "procurement.existing" and data.get("entry") == entry_id:
            return await user.press(action["verb"], data)
    raise AssertionError(f"No match {entry_id!r} on the card: {match_names(card)}")


async def none_fit(
    user: TeamsUser, card: dict[str, Any], reason: str = "None of them take bookings."
) -> dict[str, Any]:
    """Press "None of these fit" (or the one button with no matches); the raw answer."""
    titles = [a.get("title") for a in iter_actions(card)]
    title = "None of these fit" if "None of these fit" in titles else "Go on to the next step"
    button = find_action(card, title)
    return await user.press(button["verb"], button["data"], {"reason": reason})


async def to_request_form(user: TeamsUser, need: str = PAYMENTS_NEED) -> dict[str, Any]:
    """Start, check, none fit: returns the prefilled request form card."""
    card = await check(user, need)
    return invoke_card(await none_fit(user, card))


def engagement_row(user: TeamsUser, engagement_id: str) -> dict[str, Any] | None:
    """The engagement as the journey's SQLite file keeps it, or None."""
    path = user.bot.env["DATA_DIR"] + "/procurement.sqlite3"
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM engagements WHERE id = ?", (engagement_id,)).fetchone()
    return dict(row) if row is not None else None


def shown_values(card: dict[str, Any]) -> dict[str, str]:
    """What a card's inputs hold before anyone types: Teams sends these with a press."""
    return {e["id"]: str(e["value"]) for e in find_inputs(card) if e.get("value") is not None}


async def fill_in_the_rest(user: TeamsUser, form: dict[str, Any]) -> dict[str, Any]:
    """From a filled-in request form to its review card: what the form already holds is
    kept, the rest answered as tests/e2e/journey.py's GOOD_ANSWERS do."""
    from tests.e2e.journey import GOOD_ANSWERS

    for step in sorted(GOOD_ANSWERS):
        button = find_action(form, "Next")
        answers = {**GOOD_ANSWERS[step], **shown_values(form)}
        if step == 2 and not answers.get("supplier"):
            answers["supplier"] = "Not chosen yet"
        form = invoke_card(await user.press(button["verb"], button["data"], answers))
    return form


# ---- The checklist and the pack (added by H4) ----------------------------------------------

START_CHECKLIST = "engagement.start"
# A complete, valid checklist, step by step, as the checklist card's inputs send them.
CHECKLIST_ANSWERS: dict[int, dict[str, Any]] = {
    1: {
        "requirements": "yes",
        "systems": "Academy, SharePoint",
        "data_flow": "Payments go to the finance system each night.",
    },
    2: {
        "personal_data": "true",
        "dpia": "yes",
        "hosting": "supplier_cloud",
        "certification": "yes",
    },
    3: {"accessibility": "yes", "exit_plan": "The supplier sends every record as CSV files."},
    4: {
        "contract_value": "45,000",
        "contract_start": "2027-04-01",
        "contract_end": "2030-03-31",
        "renewal_or_new": "new",
        "service_owner": "Pat Lead",
    },
}


async def request_sent(
    user: TeamsUser,
    need: str = PAYMENTS_NEED,
    buy: str = "new",
    system_name: str = "",
    title: str = "",
) -> tuple[str, str]:
    """Start, check the catalogue, none fit, then fill in and send the request (titled
    as journey.GOOD_ANSWERS unless `title` says otherwise). Returns the engagement id
    and the request's reference."""
    from tests.e2e.journey import GOOD_ANSWERS

    card = await check(user, need, buy, system_name)
    engagement_id = engagement_of(card)
    form = invoke_card(await none_fit(user, card))
    answers = {step: dict(values) for step, values in GOOD_ANSWERS.items()}
    if title:
        answers[1]["title"] = title
    answers[2].update({"kind": "new_system", "involves_procurement": "true", "supplier": "Pay360"})
    for step in sorted(answers):
        button = find_action(form, "Next")
        form = invoke_card(await user.press(button["verb"], button["data"], answers[step]))
    send = find_action(form, "Send request")
    sent = invoke_card(await user.press(send["verb"], send["data"]))
    for action in iter_actions(sent):  # a request like it was shown first: send it anyway
        if action.get("verb") == "request.send_anyway":
            sent = invoke_card(await user.press(action["verb"], action["data"]))
            break
    await user.bot.settled()  # the engagement learns its request's reference after the answer
    row = engagement_row(user, engagement_id) or {}
    reference = str(row.get("reference", ""))
    assert reference.startswith("DR-"), sent
    return engagement_id, reference


def offers_to(user: TeamsUser) -> list[dict[str, Any]]:
    """The "Next: the early-engagement checklist" cards in the person's chats."""
    found = []
    for sent in user.connector.sent:
        for attachment in sent.activity.get("attachments") or []:
            content = attachment.get("content") or {}
            if sent.method == "POST" and any(
                action.get("verb") == START_CHECKLIST for action in iter_actions(content)
            ):
                found.append(content)
    return found


async def at_checklist(
    user: TeamsUser,
    need: str = PAYMENTS_NEED,
    buy: str = "new",
    system_name: str = "",
    title: str = "",
) -> tuple[str, dict[str, Any]]:
    """An engagement whose request is sent: its id and the offer of the checklist."""
    engagement_id, _ = await request_sent(user, need, buy, system_name, title)
    offers = [
        card
        for card in offers_to(user)
        if any(
            (action.get("data") or {}).get("engagement") == engagement_id
            for action in iter_actions(card)
        )
    ]
    assert offers, "The checklist was not offered after the request was sent"
    return engagement_id, offers[-1]


async def fill_checklist(
    user: TeamsUser,
    offer: dict[str, Any],
    answers: dict[int, dict[str, Any]] | None = None,
    start: str = "Start the checklist",
) -> dict[str, Any]:
    """From the offer's Start button (or the pack's Change my answers) to the checklist's
    check-your-answers page."""
    answers = answers or CHECKLIST_ANSWERS
    button = find_action(offer, start)
    card = invoke_card(await user.press(button["verb"], button["data"]))
    for step in sorted(answers):
        action = find_action(card, "Next")
        card = invoke_card(await user.press(action["verb"], action["data"], answers[step]))
    return card


async def make_pack(
    user: TeamsUser,
    offer: dict[str, Any],
    answers: dict[int, dict[str, Any]] | None = None,
    start: str = "Start the checklist",
) -> dict[str, Any]:
    """The whole checklist, then Make the pack: returns the "pack is ready" card."""
    review = await fill_checklist(user, offer, answers, start)
    button = find_action(review, "Make the pack")
    return invoke_card(await user.press(button["verb"], button["data"]))


def pack_link(card: dict[str, Any]) -> str:
    """The pack's address on the "pack is ready" card (its Open the pack button)."""
    for action in iter_actions(card):
        if action.get("type") == "Action.OpenUrl" and action.get("title") == "Open the pack":
            return str(action["url"])
    raise AssertionError("No Open the pack button on the card")


# ---- Renewing, and what the request's history says (added by fix A) ------------------------

RENEW = "procurement.renew_it"


async def renew(user: TeamsUser, card: dict[str, Any]) -> dict[str, Any]:
    """Press "Renew <system>" on a renewal's catalogue check card; the raw answer."""
    button = next(a for a in iter_actions(card) if a.get("verb") == RENEW)
    return await user.press(button["verb"], button["data"])


async def status_text(user: TeamsUser, reference: str) -> str:
    """All the words of the requester's `status DR-…` card, history and all."""
    from tests.support.cards import all_text

    replies = await user.say(f"status {reference}")
    return all_text(card_of(replies[-1]))
