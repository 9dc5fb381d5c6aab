"""The quarterly roadmap review over real HTTP: who may ask for it, its summary card,
and the pack behind its link (a printable page and a PDF), which nobody without the link
can see and which stops working after BOARD_PACK_DAYS."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from playwright.async_api import async_playwright

from bot.app import CONTEXT
from bot.domain.boards import Cadence, Repeat
from bot.domain.model import AuditEntry, Status
from bot.journeys.boards.roadmap import NOT_UNDERSTOOD, WHO_MAY
from tests.e2e.boards import make_member, put_on_list, set_setup, to_board
from tests.e2e.playground import REPO_ROOT, block_outside, launch_chromium
from tests.support.cards import all_text
from tests.support.teams import (
    BotServer,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
    invoke_message,
    iter_actions,
)

AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
THIS_QUARTER = "Quarter 3 of 2026 to 2027 (October to December 2026)"


def links(card: dict[str, Any]) -> dict[str, str]:
    return {
        a["title"]: urlsplit(a["url"]).path
        for a in iter_actions(card)
        if a.get("type") == "Action.OpenUrl"
    }


async def review_card(user: TeamsUser, typed: str = "roadmap review") -> dict[str, Any]:
    replies = await user.say(typed)
    return card_of(replies[-1])


async def test_a_board_member_gets_the_quarters_summary_with_links_to_the_pack(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    first = await to_board(alex, megan)
    others = await put_on_list(bot, "ddc", 3)
    await make_member(bot, "ddc", megan)
    card = await review_card(megan)
    text = all_text(card)
    assert "Quarterly roadmap review" in text and THIS_QUARTER in text
    assert "Figures as at 25 November 2026" in text
    assert "The quarter has not ended yet" in text
    facts = {f["title"]: f["value"] for f in _facts(card)}
    assert facts["Requests counted"] == "4"
    assert facts["Raised"] == "4"
    assert facts["Left IT triage"] == "4"
    assert facts["Board decisions"] == "0"
    for reference in [first, *others]:
        assert reference in text
    assert "No benefits have been recorded yet." in text
    assert set(links(card)) == {"Open the pack", "Download the PDF"}


async def _approve(bot: BotServer, reference: str) -> None:
    """The board approved it into the change process (kept straight in the bot's store)."""
    import dataclasses

    assert bot.app is not None
    store = bot.app[CONTEXT].store
    found = await store.get(reference)
    assert found is not None
    now = bot.app[CONTEXT].now()
    approved = AuditEntry(now, "m", "Sam Lee", "approve", Status.WITH_BOARD, Status.IN_CHANGE)
    await store.update(
        dataclasses.replace(found, status=Status.IN_CHANGE, history=(*found.history, approved))
    )


async def test_the_top_requests_are_those_waiting_and_each_boards_target_is_said(
    megan: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    # The board meets on Thursdays at 2pm; the others have no meetings set.
    weekly = Cadence(dt.date(2026, 10, 1), dt.time(14), Repeat.WEEKLY)
    await set_setup(bot, "ddc", cadence=weekly)
    await set_setup(bot, "trb", cadence=None)
    await set_setup(bot, "ictig", cadence=None)
    waiting = await put_on_list(bot, "ddc", 2)
    approved = (await put_on_list(bot, "trb", 1))[0]
    await _approve(bot, approved)
    await make_member(bot, "ddc", megan)
    card = await review_card(megan)
    text = all_text(card)
    assert "Top scores still waiting for a decision" in text
    assert "Highest priority open requests" not in text
    assert all(reference in text for reference in waiting)
    assert approved not in text
    facts = {f["title"]: f["value"] for f in _facts(card)}
    # The approved one was decided at once by the Technical Review Board: in time.
    assert facts["Board decision"].startswith(
        "1 of 1 met the target: the next meeting, or 20 working days for a board without meetings."
    )
    assert facts["IT triage"].startswith("3 of 3 met the target of 5 working days.")
    async with http.get(bot.url + links(card)["Open the pack"]) as response:
        page = await response.text()
    assert (
        "A board with meetings set should decide at its next meeting: the first one whose "
        "agenda goes out after the request reaches its list. Its reminders use the same "
        "deadline. Boards measured this way: Digital, Data and Customer Board. Any other "
        "board has 20 working days (the DEADLINE_BOARD_DAYS setting)."
    ) in page
    assert "The next meeting (20 working days without meetings)" in page
    assert "highest-scoring requests waiting for a decision" in page


def _facts(card: dict[str, Any]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "FactSet":
                found.extend(node["facts"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_the_other_wordings_and_a_named_quarter_work(alex: TeamsUser) -> None:
    for typed in ("quarterly review", "quarterly pack", "Roadmap review this quarter"):
        assert THIS_QUARTER in all_text(await review_card(alex, typed))
    for typed in ("roadmap review last quarter", "quarterly review Q2 2026-27"):
        text = all_text(await review_card(alex, typed))
        assert "Quarter 2 of 2026 to 2027 (July to September 2026)" in text
        assert "Figures as at 30 September 2026" in text
        assert "not ended yet" not in text


async def test_people_not_on_the_board_are_told_who_can(megan: TeamsUser) -> None:
    replies = await megan.say("roadmap review")
    assert replies[-1].get("text") == WHO_MAY
    assert not replies[-1].get("attachments")


async def test_a_quarter_not_understood_gets_an_example(alex: TeamsUser) -> None:
    replies = await alex.say("roadmap review soon please")
    assert replies[-1].get("text") == NOT_UNDERSTOOD
    assert "roadmap review Q2 2026-27" in NOT_UNDERSTOOD


async def test_a_quarter_not_started_is_refused_plainly(alex: TeamsUser) -> None:
    replies = await alex.say("roadmap review Q1 2027-28")
    said = str(replies[-1].get("text"))
    assert said.startswith("Quarter 1 of 2027 to 2028 (April to June 2027) has not started yet.")


async def test_the_button_shows_the_quarter_before(alex: TeamsUser, megan: TeamsUser) -> None:
    card = await review_card(alex)
    button = find_action(card, "See Q2 2026-27")
    before = invoke_card(await alex.press(button["verb"], button["data"]))
    assert "Quarter 2 of 2026 to 2027" in all_text(before)
    # Card data says which quarter, never who: someone not on the board is refused.
    assert invoke_message(await megan.press(button["verb"], button["data"])) == WHO_MAY


async def test_forged_quarters_on_the_button_are_refused(alex: TeamsUser) -> None:
    for data in ({}, {"quarter": "2026-q9"}, {"quarter": 20262}, {"quarter": "x" * 5000}):
        said = invoke_message(await alex.press("roadmap.review", data))
        assert said == "That button does not name a quarter I know. Type roadmap review."


async def test_the_pack_is_a_printable_page_with_tables_and_charts(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    await to_board(alex, megan)
    await put_on_list(bot, "trb", 2)
    path = links(await review_card(alex))["Open the pack"]
    async with http.get(bot.url + path) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-store"
        assert "img-src data:" in response.headers["Content-Security-Policy"]
        page = await response.text()
    assert '<html lang="en-GB">' in page
    headings = re.findall(r"<(h[1-3])>([^<]*)</h[1-3]>", page)
    assert headings[0] == ("h1", f"Quarterly roadmap review: {THIS_QUARTER}")
    assert [level for level, _ in headings[1:]] == ["h2"] * (len(headings) - 1)
    titles = [title for _, title in headings]
    for section in (
        "Requests by theme",
        "Requests on the roadmap: now, next and later",
        "Requests by status",
        "Requests by board",
        "What moved in the quarter",
        "Time in each stage against its target",
        "Benefits expected against recorded",
        "Value against effort",
    ):
        assert section in titles
    assert "every request that was still open when this pack was made" in page
    assert "3 requests in all" in page
    assert "No benefits have been recorded yet." in page
    assert "<caption>Requests by board</caption>" in page
    assert '<th scope="row">Technical Review Board</th><td>2</td>' in page
    assert '<th scope="col">Slowest (90th percentile)</th>' in page
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"', page)
    assert len(images) == 3
    assert any(alt.startswith("Value against effort chart of 3 requests.") for alt in images)
    assert "Bar chart of requests by theme. People and skills: 0," in images[0]
    assert "DEADLINE_BOARD_DAYS" in page
    async with http.head(bot.url + path) as response:
        assert response.status == 200


async def test_the_pdf_has_the_same_pack(
    alex: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    await put_on_list(bot, "ddc", 2)
    path = links(await review_card(alex))["Download the PDF"]
    assert path.endswith(".pdf")
    async with http.get(bot.url + path) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert "roadmap-review-2026-q3.pdf" in response.headers["Content-Disposition"]
        body = await response.read()
    assert body.startswith(b"%PDF-")
    assert body.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type /Page\b", body))
    assert pages >= 3
    assert b"/Lang (en-GB)" in body


async def test_unknown_links_are_not_found(bot: BotServer, http: aiohttp.ClientSession) -> None:
    for path in (
        "/boards/packs/" + "A" * 32,
        "/boards/packs/" + "A" * 32 + ".pdf",
        "/boards/packs/short",
        "/boards/packs/" + "A" * 31 + "!",
    ):
        async with http.get(bot.url + path) as response:
            assert response.status == 404, path
            assert "Page not found" in await response.text()


async def test_a_link_stops_working_after_the_days_set(
    alex: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    path = links(await review_card(alex))["Open the pack"]
    bot.clock.advance(dt.timedelta(days=89, hours=23))
    async with http.get(bot.url + path) as response:
        assert response.status == 200
    bot.clock.advance(dt.timedelta(hours=1))
    async with http.get(bot.url + path) as response:
        assert response.status == 404
        assert "it has expired" in await response.text()


async def test_axe_finds_nothing_wrong_with_the_pack_on_screen_or_in_print(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer
) -> None:
    await to_board(alex, megan)
    path = links(await review_card(alex))["Open the pack"]
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            # The pack allows no scripts (its Content-Security-Policy): axe is let in here only.
            context = await browser.new_context(bypass_csp=True)
            page = await context.new_page()
            await block_outside(page)
            response = await page.goto(bot.url + path)
            assert response is not None and response.status == 200
            found: list[Any] = []
            for media in ("screen", "print"):
                await page.emulate_media(media=media)
                await page.add_script_tag(path=str(AXE))
                result = await page.evaluate(
                    "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
                )
                assert result["passes"], "axe ran its checks"
                found += [(media, v["id"], v["help"]) for v in result["violations"]]
        finally:
            await browser.close()
    assert found == []
