"""The early-engagement pack's web page, fetched over HTTP from the running service: a
printable document behind an unguessable link, and nothing for anyone without it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from playwright.async_api import async_playwright

from tests.e2e.playground import REPO_ROOT, block_outside, launch_chromium
from tests.e2e.procurement import (
    CHECKLIST_ANSWERS,
    at_checklist,
    engagement_row,
    make_pack,
    pack_link,
    shown_values,
)
from tests.e2e.test_procurement_checklist import PROCUREMENT, about, posted, register
from tests.support.cards import all_text
from tests.support.teams import (
    BotServer,
    Connector,
    TeamsUser,
    card_of,
    find_action,
    invoke_card,
)

AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]

HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
}


async def made_pack(megan: TeamsUser) -> tuple[str, str]:
    """A pack made over HTTP: its path on the service, and the request's reference."""
    engagement_id, offer = await at_checklist(megan)
    ready = await make_pack(megan, offer)
    reference = (engagement_row(megan, engagement_id) or {})["reference"]
    return urlsplit(pack_link(ready)).path, reference


async def test_the_pack_is_a_printable_page_with_everything_in_it(
    megan: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    path, reference = await made_pack(megan)
    async with http.get(bot.url + path) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        for name, value in HEADERS.items():
            assert response.headers[name] == value, name
        page = await response.text()
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in page
    assert "<script" not in page and "@media print" in page
    for expected in (
        reference,
        "Early-engagement pack: Book garden waste collections online",
        "Megan Bowen",
        "Place",  # the directorate
        "Short title",  # the request's answers, with the form's questions
        "Supplier or product name",
        "Pay360",
        "out of 100",  # the score
        "What the search showed",  # the catalogue check
        "none of these fit, because: None of them take bookings.",
        "Sample data",  # local mode's catalogue is the sample one
        "Which systems must it work with?",
        "Academy, SharePoint",
        "The supplier&#x27;s cloud",
        "£45,000",
        "1 April 2027",
        "31 March 2030",
        "Open questions",
        "A data protection impact assessment (DPIA) is needed.",
        "Procurement and the Technical Review Board review it.",
    ):
        assert expected in page, expected


@pytest.mark.parametrize(
    "token",
    [
        "A" * 32,  # the right shape, but no pack has it
        "short",
        "A" * 33,
        "%3Cscript%3E" + "A" * 20,
        "..%2F..%2Fdigital-front-door.sqlite3",
    ],
)
async def test_a_link_to_no_pack_gets_a_plain_not_found_page(
    megan: TeamsUser, bot: BotServer, http: aiohttp.ClientSession, token: str
) -> None:
    await made_pack(megan)
    async with http.get(f"{bot.url}/procurement/packs/{token}") as response:
        assert response.status == 404
        assert response.headers["Content-Type"].startswith("text/html")
        page = await response.text()
    assert "Page not found" in page
    assert "Early-engagement pack:" not in page


async def test_the_pack_can_only_be_read(
    megan: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    path, _ = await made_pack(megan)
    for method in ("POST", "PUT", "DELETE"):
        async with http.request(method, bot.url + path) as response:
            assert response.status == 405, method
    async with http.head(bot.url + path) as response:  # as for any web page: headers only
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert await response.read() == b""


async def test_axe_finds_nothing_wrong_with_the_pack_on_screen_or_in_print(
    megan: TeamsUser, bot: BotServer
) -> None:
    path, _ = await made_pack(megan)
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


async def made_again(megan: TeamsUser) -> dict[str, Any]:
    """Type checklist, go through the answers kept, and press Make the pack."""
    card = card_of((await megan.say("checklist"))[-1])
    for _ in CHECKLIST_ANSWERS:  # each page sends what its inputs hold
        action = find_action(card, "Next")
        card = invoke_card(await megan.press(action["verb"], action["data"], shown_values(card)))
    button = find_action(card, "Make the pack")
    return invoke_card(await megan.press(button["verb"], button["data"]))


async def test_a_pack_link_expires_and_making_the_pack_again_gives_a_new_one(
    alex: TeamsUser, megan: TeamsUser, bot: BotServer, http: aiohttp.ClientSession
) -> None:
    await register(alex)
    path, reference = await made_pack(megan)
    bot.clock.advance(dt.timedelta(days=89, hours=23))
    async with http.get(bot.url + path) as response:
        assert response.status == 200
    bot.clock.advance(dt.timedelta(hours=1))  # 90 days after the pack was made
    async with http.get(bot.url + path) as response:
        assert response.status == 410
        assert response.headers["Cache-Control"] == "no-store"
        page = await response.text()
    assert "This link has expired" in page and "works for 90 days" in page
    assert "they type checklist, check their answers and press Make the pack" in page
    assert reference not in page and "Early-engagement pack:" not in page
    ready = await made_again(megan)
    assert "Its old link had expired, so it has a new link." in all_text(ready)
    new_path = urlsplit(pack_link(ready)).path
    assert new_path != path
    async with http.get(bot.url + new_path) as response:
        assert response.status == 200
        assert reference in await response.text()
    async with http.get(bot.url + path) as response:
        assert response.status == 404  # the old link no longer works
    await bot.settled()
    told = about(posted(megan.connector, PROCUREMENT), reference)
    assert len(told) == 2
    assert "It has a new link, because the old one had expired." in all_text(told[1])
    assert urlsplit(pack_link(told[1])).path == new_path


async def test_how_long_a_pack_link_works_is_a_setting(
    tmp_path: Path, http: aiohttp.ClientSession, connector: Connector
) -> None:
    server = BotServer(tmp_path / "short", env={"PROCUREMENT_PACK_DAYS": "1"})
    await server.start()
    try:
        megan = TeamsUser(
            http,
            server,
            connector,
            user_id="user-id-1",
            name="Megan Bowen",
            aad_object_id="00000000-0000-0000-0000-0000000000021",
        )
        path, _ = await made_pack(megan)
        server.clock.advance(dt.timedelta(days=1))
        async with http.get(server.url + path) as response:
            assert response.status == 410
            assert "works for 1 day after the pack is made" in await response.text()
    finally:
        await server.stop()
