"""The benefits report over real HTTP: who may see it, its figures (the 12-month answer
replaces the 3-month one), its filters, and the printable page behind its link, which is
only in the asker's own chat, unguessable, fixed as at the moment it was made, and gone
after LINK_DAYS. The quarterly roadmap pack shows the same benefits realised.

Requests and the benefits journey's records are seeded straight into the bot's store, as
the benefits reminders keep them (bot/journeys/benefits/records.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot.app import CONTEXT
from bot.domain.model import AuditEntry, Requester, Route, Status
from bot.domain.scoring import score
from bot.journeys.benefits.report import LINK_DAYS, WHO_MAY
from bot.journeys.benefits.report_cards import REPORT_VERB
from bot.journeys.intake.form import build_details
from bot.ports import NewRequest, Record
from tests.e2e.journey import GOOD_ANSWERS
from tests.support.cards import all_text
from tests.support.teams import BotServer, Connector, TeamsUser, card_of, invoke_card, iter_actions

PRIYA_ID = "00000000-0000-0000-0000-0000000000022"  # in the PMO: BENEFITS_REPORT_IDS


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", env={"BENEFITS_REPORT_IDS": PRIYA_ID})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def priya(http: aiohttp.ClientSession, bot: BotServer, connector: Connector) -> TeamsUser:
    return TeamsUser(
        http, bot, connector, user_id="user-id-2", name="Priya Shah", aad_object_id=PRIYA_ID
    )


async def delivered(
    bot: BotServer, board: str, when: dt.datetime, cash: int, hours: int, title: str
) -> str:
    """A request delivered at `when`, expecting `cash` £ and `hours` a year."""
    assert bot.app is not None
    ctx = bot.app[CONTEXT]
    values = {k: str(v) for step in GOOD_ANSWERS.values() for k, v in step.items()}
    values.update(cash_saving_per_year=str(cash), hours_saved_per_year=str(hours))
    details = dataclasses.replace(build_details(values, when.date()), title=title)
    gov = await ctx.store.governance()
    added = await ctx.store.add(
        NewRequest(
            draft_id=str(uuid.uuid4()),
            details=details,
            requester=Requester("person-1", "Person One", "person-1"),
            score=score(details, gov.matrix, when.date()),
            route=Route(board, "change_request", "The routing rules sent it here.", "test"),
            submitted_at=when - dt.timedelta(days=60),
        )
    )
    done = AuditEntry(when, "it", "Ivy Tee", "deliver", Status.IN_CHANGE, Status.DELIVERED)
    await ctx.store.update(dataclasses.replace(added, status=Status.DELIVERED, history=(done,)))
    await keep(bot, "benefits_due", added.reference, when, delivered_at=when.isoformat())
    return added.reference


async def keep(bot: BotServer, kind: str, key: str, when: dt.datetime, **data: Any) -> None:
    assert bot.app is not None
    reference = key.split(":")[0]
    record = Record(kind, key, "person-1", when, {"reference": reference, **data})
    assert await bot.app[CONTEXT].store.add_record(record)


async def answered(
    bot: BotServer, reference: str, months: int, at: dt.datetime, cash: int, hours: int
) -> None:
    await keep(bot, "benefits_asked", f"{reference}:{months}", at, months=months)
    await keep(
        bot,
        "benefits_recorded",
        f"{reference}:{months}",
        at,
        months=months,
        cash_saving_per_year=cash,
        hours_saved_per_year=hours,
        residents_affected=None,
        notes="Fewer phone calls.",
        by="person-1",
        at=at.isoformat(),
    )


async def seeded(bot: BotServer) -> tuple[str, str]:
    """Two delivered requests: one answered at 3 and then 12 months, one not asked."""
    first = await delivered(bot, "ddc", dt.datetime(2025, 9, 1, tzinfo=dt.UTC), 10_000, 500, "A")
    await answered(bot, first, 3, dt.datetime(2025, 12, 2, tzinfo=dt.UTC), 2_000, 100)
    await answered(bot, first, 12, dt.datetime(2026, 9, 2, tzinfo=dt.UTC), 8_000, 400)
    second = await delivered(bot, "trb", dt.datetime(2026, 10, 1, tzinfo=dt.UTC), 3_000, 50, "B")
    return first, second


def facts(card: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "FactSet":
                found.update({f["title"]: f["value"] for f in node["facts"]})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def page_path(card: dict[str, Any]) -> str:
    [url] = [a["url"] for a in iter_actions(card) if a.get("type") == "Action.OpenUrl"]
    return urlsplit(url).path


async def report_card(user: TeamsUser) -> dict[str, Any]:
    replies = await user.say("benefits report")
    return card_of(replies[-1])


async def test_an_admin_sees_expected_against_realised_with_the_latest_answer_only(
    alex: TeamsUser, bot: BotServer
) -> None:
    await seeded(bot)
    card = await report_card(alex)
    shown = facts(card)
    assert shown["Delivered requests"] == "2"
    assert shown["Answered"] == "1"
    assert shown["Not yet asked"] == "1"
    assert shown["Asked, no answer yet"] == "0"
    # 8,000 from the 12-month answer: the 3-month 2,000 is not added to it.
    assert shown["Cash saving a year"] == (
        "£8,000 realised against £10,000 expected (80% of expected)"
    )
    assert (
        shown["Staff hours saved a year"] == "400 realised against 500 expected (80% of expected)"
    )
    text = all_text(card)
    assert "Showing: every board, every theme, every year." in text
    # The link is not bound to who opens it, and the card says so.
    assert f"Anyone with this link can open it for {LINK_DAYS} days. Do not forward it." in text
    assert {c["id"] for c in _inputs(card)} == {"board", "theme", "year"}
    assert all(c.get("label") for c in _inputs(card))


def _inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in card["body"] if str(item.get("type", "")).startswith("Input.")]


async def test_others_are_refused_plainly_and_cannot_press_their_way_in(
    megan: TeamsUser, bot: BotServer
) -> None:
    await seeded(bot)
    replies = await megan.say("benefits report")
    assert replies[-1].get("text") == WHO_MAY
    body = await megan.press(
        REPORT_VERB, {"verb": REPORT_VERB, "board": "", "theme": "", "year": ""}
    )
    assert WHO_MAY in str(body.get("value"))


async def test_someone_named_in_the_setting_filters_by_board_and_year(
    priya: TeamsUser, bot: BotServer
) -> None:
    await seeded(bot)
    card = await report_card(priya)
    year = next(c for c in _inputs(card) if c["id"] == "year")
    assert [c["title"] for c in year["choices"]] == ["Every year", "2026 to 2027", "2025 to 2026"]
    data = {"verb": REPORT_VERB}
    trb = invoke_card(
        await priya.press(REPORT_VERB, data, {"board": "trb", "theme": "", "year": ""})
    )
    assert facts(trb)["Delivered requests"] == "1"
    assert "Showing: Technical Review Board, every theme, every year." in all_text(trb)
    older = invoke_card(
        await priya.press(REPORT_VERB, data, {"board": "", "theme": "", "year": "2025"})
    )
    assert facts(older)["Answered"] == "1"
    assert facts(older)["Delivered requests"] == "1"
    forged = await priya.press(REPORT_VERB, data, {"board": "../../etc", "theme": "", "year": ""})
    assert "did not send" in str(forged.get("value"))


async def test_the_page_is_fixed_when_made_needs_the_token_and_expires(
    alex: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    await seeded(bot)
    card = await report_card(alex)
    path = page_path(card)
    async with http.get(bot.url + path) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        page = await response.text()
    assert "Benefits realised against expected" in page
    assert "£8,000" in page and "12 months after delivery" in page
    assert 'alt="Bar chart of cash savings a year by theme' in page
    # An answer recorded later does not change a page already made, even after a restart
    # (the link is kept in the store, not in this instance's memory).
    bot.clock.advance(dt.timedelta(hours=1))
    now = bot.clock.now()
    second = await delivered(bot, "ddc", now - dt.timedelta(days=100), 1_000, 10, "C")
    await answered(bot, second, 3, now, 77_777, 1)
    await bot.restart()
    async with http.get(bot.url + path) as response:
        assert response.status == 200
        assert "77,777" not in await response.text()
    for wrong in (path[:-1] + ("A" if path[-1] != "A" else "B"), "/benefits/reports/short"):
        async with http.get(bot.url + wrong) as response:
            assert response.status == 404
            assert "not right, or it has expired" in await response.text()
    bot.clock.advance(dt.timedelta(days=LINK_DAYS))
    async with http.get(bot.url + path) as response:
        assert response.status == 404


async def test_a_link_stops_when_its_maker_may_no_longer_see_the_report(
    priya: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    await seeded(bot)
    path = page_path(await report_card(priya))
    async with http.get(bot.url + path) as response:
        assert response.status == 200
    bot.env["BENEFITS_REPORT_IDS"] = ""
    await bot.restart()
    async with http.get(bot.url + path) as response:
        assert response.status == 404


async def test_the_quarterly_roadmap_pack_counts_the_latest_answer_and_shows_benefits_realised(
    alex: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    await seeded(bot)
    card = card_of((await alex.say("roadmap review"))[-1])
    assert "Recorded so far: £8,000 and 400 staff hours a year, from 1 requests." in all_text(card)
    [pack] = [
        urlsplit(a["url"]).path for a in iter_actions(card) if a.get("title") == "Open the pack"
    ]
    async with http.get(bot.url + pack) as response:
        page = await response.text()
    assert "Benefits realised after delivery, by theme" in page
    assert "1 of 2 delivered requests have said what they brought." in page
