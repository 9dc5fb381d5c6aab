"""Nobody reads or changes what is not theirs through the triage cards."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from bot.channel_posts import AddressRefused
from tests.e2e.conftest import CHANNEL, in_channel
from tests.e2e.journey import raise_request
from tests.e2e.test_triage import ADELE, adele, bot, press, triage_card_posted, triager_view
from tests.support.cards import all_text
from tests.support.teams import YEAR, Connector, TeamsUser, invoke_card, invoke_message

__all__ = ["adele", "bot"]  # fixtures from test_triage: both stores, Alex and Adele on the roster

REF = f"DR-{YEAR}-0001"


def refresh(user: TeamsUser, reference: str = REF) -> dict[str, object]:
    return {"verb": "triage.refresh", "reference": reference}


async def test_open_for_triage_shows_others_nothing_outside_the_triage_channel(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    await in_channel(alex).say("register triage")
    await raise_request(alex)  # Alex's request: Megan must not read it
    other_channel = TeamsUser(
        megan.http,
        megan.bot,
        megan.connector,
        megan.user_id,
        megan.name,
        megan.aad_object_id,
        conversation={**CHANNEL, "id": "19:another-channel@thread.tacv2"},
    )
    for where in (megan, other_channel):
        for reference in (REF, f"DR-{YEAR}-0002", f"DR-{YEAR}-9999"):
            message = invoke_message(await where.press("triage.refresh", refresh(where, reference)))
            assert message == (
                f"There is nothing to show for {reference} here. "
                "To see your own requests, type my requests in your chat with me."
            ), "the same answer whether or not the request exists"


async def test_in_the_triage_channel_others_get_only_the_read_only_card(
    alex: TeamsUser, megan: TeamsUser
) -> None:
    posted = await triage_card_posted(alex, megan)
    seen = invoke_card(await in_channel(megan).press("triage.refresh", refresh(megan)))
    assert [a["title"] for a in seen["actions"]] == ["Open for triage"]
    assert all_text(seen) == all_text(posted), "no more than the channel already shows"


async def test_a_triage_button_without_the_cards_version_changes_nothing(
    alex: TeamsUser, megan: TeamsUser, adele: TeamsUser
) -> None:
    await triage_card_posted(alex, megan)
    for version in (None, "", "\x00\x01", "9" * 500, 7):
        data: dict[str, object] = {"reference": REF}
        if version is not None:
            data["version"] = version
        for user in (alex, adele):
            message = invoke_message(await in_channel(user).press("triage.assign_me", data))
            assert "Nothing has changed" in message, (version, message)
    view = await triager_view(alex)
    assert "assigned it" not in all_text(view)
    assert "Submitted, waiting for IT triage" in all_text(view)


async def test_two_deliveries_of_one_press_at_once_get_the_same_answer(
    alex: TeamsUser, megan: TeamsUser, connector: Connector
) -> None:
    await triage_card_posted(alex, megan)
    view = await triager_view(alex)
    activity_id = str(uuid.uuid4())
    first, second = await asyncio.gather(
        press(alex, view, "Assign to me", activity_id=activity_id),
        press(alex, view, "Assign to me", activity_id=activity_id),
    )
    assert first == second
    assert "Assigned to Alex Wilber" in all_text(invoke_card(first))
    assert "changed this request first" not in all_text(invoke_card(second))
    await asyncio.sleep(0.2)
    assert all_text(await triager_view(alex)).count(" assigned it.") == 1


async def test_a_stored_channel_outside_teams_is_never_posted_to(
    alex: TeamsUser, megan: TeamsUser, connector: Connector, caplog: pytest.LogCaptureFixture
) -> None:
    """A reference edited in the store (or kept by an older version) is refused when used."""
    await in_channel(alex).say("register triage")
    database = Path(alex.bot.env["DATA_DIR"]) / "digital-front-door.sqlite3"
    with sqlite3.connect(database) as db:
        (kept,) = db.execute("SELECT reference FROM channels WHERE purpose = 'triage'").fetchone()
        reference = json.loads(kept)
        reference["serviceUrl"] = "https://anyone.blob.core.windows.net/"
        db.execute(
            "UPDATE channels SET reference = ? WHERE purpose = 'triage'", (json.dumps(reference),)
        )
    confirmation = await raise_request(megan)
    assert REF in all_text(confirmation), "the requester is still served"
    await asyncio.sleep(0.3)
    posted = connector.in_conversation(CHANNEL["id"])
    assert posted == [], "nothing went to the stored address"
    refused = [r for r in caplog.records if r.exc_info and r.exc_info[0] is AddressRefused]
    assert refused, "refused before any connection was tried, not failed on the way"


__all__ += ["ADELE"]
