"""A complete, valid set of answers, step by step, as the form card's inputs send them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from typing import Any

from tests.support.teams import START, TeamsUser, find_action, invoke_card

# A few months after the bot's clock, so the answers are always valid.
NEEDED_BY = (START.date() + dt.timedelta(days=120)).isoformat()

GOOD_ANSWERS: dict[int, dict[str, Any]] = {
    1: {
        "title": "Book garden waste collections online",
        "problem": "Residents phone the contact centre to book garden waste collections. "
        "Staff type each booking into two systems by hand, which takes time and causes "
        "mistakes. Residents cannot see their booking or change it without calling again.",
        "affected_staff": "12",
        "affected_residents": "18000",
        "affected_businesses": "",
        "directorate": "Place",
    },
    2: {
        "kind": "automation",
        "involves_procurement": "false",
        "supplier": "",
        "contract_end": "",
        "personal_data": "true",
        "existing_systems": "Power Automate, SharePoint, Dynamics",
        "user_research": "Contact centre call logs and a survey of 200 residents.",
    },
    3: {
        "sponsor": "Jo Bloggs, Head of Waste Services",
        "budget": "under_10k",
        "needed_by": NEEDED_BY,
        "statutory_deadline": "",
    },
    4: {
        "cash_saving_per_year": "45000",
        "hours_saved_per_year": "2600",
        "resident_impact": "Residents can book and change collections at any time.",
        "drivers": "efficiency,service_delivery,user_engagement",
    },
}


_SYLLABLES = ("ba", "ko", "mi", "tu", "ze", "lo", "ra", "pe", "si", "du", "ne", "go", "fa", "vi")


def distinct_answers(seed: str) -> dict[int, dict[str, Any]]:
    """GOOD_ANSWERS with a title and problem of made-up words of `seed`'s own, so many people
    can each send a request (a benchmark, say) without any two looking like the same need."""
    digest = hashlib.sha512(seed.encode()).digest()
    words = [
        "".join(_SYLLABLES[b % len(_SYLLABLES)] for b in digest[i : i + 8]) + "x"
        for i in range(0, 64, 8)
    ]
    step1 = {**GOOD_ANSWERS[1], "title": " ".join(words[:3]), "problem": " ".join(words[3:])}
    return {**GOOD_ANSWERS, 1: step1}


async def start_form(user: TeamsUser) -> dict[str, Any]:
    replies = await user.say("new request")
    card: dict[str, Any] = replies[-1]["attachments"][0]["content"]
    return card


async def fill_form(
    user: TeamsUser, answers: dict[int, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """From `new request` to the review step; returns the review card."""
    answers = answers or GOOD_ANSWERS
    card = await start_form(user)
    for step in sorted(answers):
        action = find_action(card, "Next")
        card = invoke_card(await user.press(action["verb"], action["data"], answers[step]))
    return card


SAME_NEED = "Is this the same as a request someone already raised?"
SEND_MINE = "No, send mine as a new request"


async def raise_request(user: TeamsUser) -> dict[str, Any]:
    """The whole journey; returns the confirmation card.

    A test that raises the same request more than once meets the card that offers the
    earlier ones first: it sends the new one anyway, as the test means to.
    """
    review = await fill_form(user)
    send = find_action(review, "Send request")
    return await send_anyway(user, invoke_card(await user.press(send["verb"], send["data"])))


async def send_anyway(user: TeamsUser, card: dict[str, Any]) -> dict[str, Any]:
    """Past the same-need card, if that is what `card` is; else `card` itself."""
    if card.get("body", [{}])[0].get("text") != SAME_NEED:
        return card
    mine = find_action(card, SEND_MINE)
    return invoke_card(await user.press(mine["verb"], mine["data"]))


def stored_draft(user: TeamsUser, form: str = "request") -> dict[str, str] | None:
    """The answers the bot keeps in the person's draft (local mode's SQLite), or None."""
    path = user.bot.env["DATA_DIR"] + "/digital-front-door.sqlite3"
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT answers FROM form_drafts WHERE owner_id = ? AND form = ?",
            (user.aad_object_id, form),
        ).fetchone()
    if row is None:
        return None
    answers: dict[str, str] = json.loads(row[0])
    return answers
