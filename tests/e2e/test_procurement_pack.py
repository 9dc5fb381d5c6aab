"""The early-engagement pack's web page, fetched over HTTP from the running service: a
printable document behind an unguessable link, and nothing for anyone without it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from playwright.async_api import async_playwright

from tests.e2e.playground import REPO_ROOT, block_outside, launch_chromium
from tests.e2e.procurement import at_checklist, engagement_row, make_pack, pack_link
from tests.support.teams import BotServer, TeamsUser

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
    for method in ("HEAD", "POST", "PUT", "DELETE"):
        async with http.request(method, bot.url + path) as response:
            assert response.status == 405, method


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
