"""`my data`: a person sees what the bot holds about them, and downloads it as a file
through a link that only they can open (they confirm a code in Teams) and only until it
expires. Nothing personal is on any page before they confirm, and no cell of the CSV can
run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from playwright.async_api import async_playwright

from tests.e2e.playground import REPO_ROOT, block_outside, launch_chromium
from tests.e2e.test_form import press
from tests.support.cards import all_text, assert_cards_ok
from tests.support.teams import TeamsUser, card_of, find_action, invoke_card, invoke_message

FORMULA = '=HYPERLINK("http://evil.example","Click")'
COMMENT = "-2+3 and the odd formula"
COOKIE = "dfd_my_data"
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


async def give_feedback(user: TeamsUser, comment: str) -> None:
    card = card_of((await user.say("feedback"))[-1])
    await press(user, card, "Send feedback", {"rating": "4", "comment": comment})


def link_of(card: dict[str, Any], title: str) -> str:
    """The path and query of a Download button, to open on the bot under test."""
    for action in card.get("actions", []):
        if action.get("title") == title and action.get("type") == "Action.OpenUrl":
            url = urlsplit(action["url"])
            return f"{url.path}?{url.query}"
    raise AssertionError(f"No {title!r} link on the card")


class Browser:
    """One browser: it keeps the cookie the page sets, and sends it back."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base, self.cookie = http, base, ""

    async def open(self, path: str) -> tuple[int, dict[str, str], bytes]:
        headers = {"Cookie": f"{COOKIE}={self.cookie}"} if self.cookie else {}
        async with self.http.get(self.base + path, headers=headers) as response:
            body = await response.read()
            found = response.cookies.get(COOKIE)
            if found is not None:
                self.cookie = found.value
            return response.status, dict(response.headers), body


def code_on(page: bytes) -> str:
    found = re.search(r"Your code is (\d{6})\.", page.decode())
    assert found, page.decode()
    return found.group(1)


async def question_for(user: TeamsUser, code: str) -> dict[str, Any]:
    """The card that asks `user`, in their own chat, whether the opener with `code` is them."""
    await user.bot.settled()
    for activity in reversed(user.connector.in_conversation(user.conversation_id)):
        for attachment in activity.get("attachments") or []:
            if f"shows code {code}" in all_text(attachment["content"]):
                return dict(attachment["content"])
    raise AssertionError(f"No question with code {code} in {user.name}'s chat")


async def test_my_data_lists_what_is_held_and_offers_two_files(megan: TeamsUser) -> None:
    await give_feedback(megan, "The search is slow")
    card = card_of((await megan.say("my data"))[-1])
    text = all_text(card)
    assert "What Digital Front Door holds about you" in text
    assert "Feedback on the bot" in text and "The search is slow" in text
    assert "only for you" in text and "10:30" in text, "the link works for 30 minutes"
    assert link_of(card, "Download as JSON").endswith("format=json")
    assert link_of(card, "Download as CSV").endswith("format=csv")
    assert_cards_ok([card])
    for words in ("Download my data", "subject access request.", "What data do you hold about me?"):
        assert "What Digital Front Door holds" in all_text(card_of((await megan.say(words))[-1]))


async def test_only_the_owner_unlocks_the_file_for_the_browser_that_showed_the_code(
    megan: TeamsUser, alex: TeamsUser, http: aiohttp.ClientSession
) -> None:
    await give_feedback(megan, FORMULA)
    await give_feedback(megan, COMMENT)
    card = card_of((await megan.say("my data"))[-1])
    path = link_of(card, "Download as JSON")
    browser = Browser(http, megan.bot.url)
    status, headers, page = await browser.open(path)
    assert status == 200 and browser.cookie
    assert headers["Cache-Control"] == "no-store" and "noindex" in headers["X-Robots-Tag"]
    code = code_on(page)
    assert "HYPERLINK" not in page.decode() and "Megan" not in page.decode()
    question = await question_for(megan, code)
    assert "Someone opened your data download link" in all_text(question)
    assert_cards_ok([question])
    # Opening it again before an answer: the same code, still no file.
    status, headers, again = await browser.open(path)
    assert status == 200 and code_on(again) == code
    assert "attachment" not in headers.get("Content-Disposition", "")
    # Someone else pressing Yes on Megan's card is refused, and unlocks nothing.
    yes = find_action(question, "Yes, that is me")
    refused = invoke_message(await alex.press(yes["verb"], yes["data"]))
    assert "Only the person whose data it is" in refused
    status, headers, _ = await browser.open(path)
    assert "attachment" not in headers.get("Content-Disposition", "")
    # Megan's press unlocks this browser.
    unlocked = invoke_card(await megan.press(yes["verb"], yes["data"]))
    assert f"page that shows code {code}" in all_text(unlocked)
    assert_cards_ok([unlocked])
    status, headers, body = await browser.open(path)
    assert status == 200 and headers["Content-Disposition"].startswith("attachment")
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "no-store"
    document = json.loads(body)
    assert document["person"]["user_id"] == megan.aad_object_id
    assert document["made_at"].startswith("2026-11-25T10:00")
    comments = [
        item["fields"].get("Comment")
        for item in document["held"]
        if item["what"] == "Feedback on the bot"
    ]
    assert sorted(comments) == sorted([FORMULA, COMMENT])
    assert {"journey", "what", "key", "at", "fields"} <= set(document["held"][0])
    # A browser that never showed the code gets a code of its own, not the file.
    stranger = Browser(http, megan.bot.url)
    status, headers, page = await stranger.open(path)
    assert status == 200 and "attachment" not in headers.get("Content-Disposition", "")
    assert code_on(page) != "" and b"HYPERLINK" not in page


async def test_the_csv_has_a_row_per_field_and_no_cell_runs_as_a_formula(
    megan: TeamsUser, http: aiohttp.ClientSession
) -> None:
    await give_feedback(megan, FORMULA)
    await give_feedback(megan, COMMENT)
    card = card_of((await megan.say("my data"))[-1])
    browser = Browser(http, megan.bot.url)
    _, _, page = await browser.open(link_of(card, "Download as CSV"))
    question = await question_for(megan, code_on(page))
    yes = find_action(question, "Yes, that is me")
    await megan.press(yes["verb"], yes["data"])
    status, headers, body = await browser.open(link_of(card, "Download as CSV"))
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"] == 'attachment; filename="my-data-2026-11-25.csv"'
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["journey", "what", "key", "at", "field", "value"]
    values = [row[5] for row in rows[1:] if row[4] == "Comment"]
    assert sorted(values) == sorted(["'" + FORMULA, "'" + COMMENT])
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), cell
    # The JSON link works too, for the same browser, without asking again.
    status, headers, _ = await browser.open(link_of(card, "Download as JSON"))
    assert headers["Content-Disposition"].startswith("attachment")


async def test_no_stops_the_link(megan: TeamsUser, http: aiohttp.ClientSession) -> None:
    card = card_of((await megan.say("my data"))[-1])
    path = link_of(card, "Download as JSON")
    browser = Browser(http, megan.bot.url)
    _, _, page = await browser.open(path)
    question = await question_for(megan, code_on(page))
    no = find_action(question, "No")
    stopped = invoke_card(await megan.press(no["verb"], no["data"]))
    assert "The link has stopped working" in all_text(stopped)
    assert_cards_ok([stopped])
    for who in (browser, Browser(http, megan.bot.url)):
        status, _, page = await who.open(path)
        assert status == 410 and b"no longer works" in page
    # Pressing Yes afterwards on the same card does not bring it back.
    yes = find_action(question, "Yes, that is me")
    after = invoke_card(await megan.press(yes["verb"], yes["data"]))
    assert "stopped working" in all_text(after)
    status, _, _ = await browser.open(path)
    assert status == 410


async def test_a_link_expires_and_an_unknown_link_is_not_found(
    megan: TeamsUser, http: aiohttp.ClientSession
) -> None:
    card = card_of((await megan.say("my data"))[-1])
    path = link_of(card, "Download as JSON")
    browser = Browser(http, megan.bot.url)
    _, _, page = await browser.open(path)
    question = await question_for(megan, code_on(page))
    yes = find_action(question, "Yes, that is me")
    await megan.press(yes["verb"], yes["data"])
    megan.bot.clock.advance(dt.timedelta(minutes=29, seconds=59))
    status, headers, _ = await browser.open(path)
    assert status == 200 and headers["Content-Disposition"].startswith("attachment")
    megan.bot.clock.advance(dt.timedelta(seconds=1))
    status, headers, page = await browser.open(path)
    assert status == 410 and "Content-Disposition" not in headers
    assert b"This link has expired. Type my data in the Digital Front Door bot" in page
    # A press after the link expired unlocks nothing.
    late = invoke_message(await megan.press(yes["verb"], yes["data"]))
    assert "expired" in late
    token = path.split("/")[-1].split("?")[0]
    for wrong in (
        path.replace(token, token[::-1]),
        path.replace(token, "short"),
        path.replace("format=json", "format=xml"),
    ):
        status, _, page = await Browser(http, megan.bot.url).open(wrong)
        assert status == 404 and b"Page not found" in page


async def test_forged_answers_are_refused(megan: TeamsUser) -> None:
    for bad in ({"open": "x"}, {"open": 7}, {}):
        message = invoke_message(await megan.press("privacy.unlock", bad))
        assert "card I did not send" in message, bad
    message = invoke_message(await megan.press("privacy.unlock", ["list"]))
    assert "not one I recognise" in message
    unknown = invoke_message(await megan.press("privacy.unlock", {"open": "A" * 22}))
    assert "no longer known" in unknown


async def test_too_many_browsers_stop_the_link_asking(
    megan: TeamsUser, http: aiohttp.ClientSession
) -> None:
    card = card_of((await megan.say("my data"))[-1])
    path = link_of(card, "Download as JSON")
    for _ in range(5):
        status, _, _ = await Browser(http, megan.bot.url).open(path)
        assert status == 200
    status, _, page = await Browser(http, megan.bot.url).open(path)
    assert status == 429 and b"opened too many times" in page


async def test_help_lists_my_data(megan: TeamsUser) -> None:
    text = all_text(card_of((await megan.say("help"))[-1]))
    assert "my data" in text and "See everything this bot holds about you" in text
    assert "erase" not in text and "retention" not in text.lower()


async def test_the_pages_wait_for_a_press_not_a_timer_and_axe_finds_nothing_wrong(
    megan: TeamsUser, http: aiohttp.ClientSession
) -> None:
    """Every page of a link in a real browser: the waiting page never reloads itself
    (WCAG 2.2.1); its Check again button gets the file once the owner has said yes."""
    bot = megan.bot
    path = link_of(card_of((await megan.say("my data"))[-1]), "Download as JSON")
    found: list[Any] = []
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            # The pages allow no scripts (their Content-Security-Policy): axe is let in here.
            context = await browser.new_context(bypass_csp=True)
            page = await context.new_page()
            await block_outside(page)

            async def check(name: str, response: Any, status: int) -> str:
                assert response is not None and response.status == status, name
                content = str(await response.text())
                assert "http-equiv" not in content and "Megan" not in content, name
                await page.add_script_tag(path=str(AXE))
                result = await page.evaluate(
                    "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
                )
                assert result["passes"], "axe ran its checks"
                found.extend((name, v["id"], v["help"]) for v in result["violations"])
                return content

            code = code_on((await check("waiting", await page.goto(bot.url + path), 200)).encode())
            assert "go back to Teams" in await page.inner_text("main")
            # Check again before an answer: the same page and code, no file.
            async with page.expect_navigation() as navigated:
                await page.get_by_role("button", name="Check again").click()
            again = await check("waiting again", await navigated.value, 200)
            assert code_on(again.encode()) == code
            question = await question_for(megan, code)
            yes = find_action(question, "Yes, that is me")
            await megan.press(yes["verb"], yes["data"])
            async with page.expect_download() as downloading:
                await page.get_by_role("button", name="Check again").click()
            download = await downloading.value
            assert download.suggested_filename == "my-data-2026-11-25.json"
            for name, status, where in (
                ("not found", 404, path.replace("format=json", "format=xml")),
                ("too many", 429, path),  # a new link, opened by five other browsers first
                ("stopped", 410, path),
                ("expired", 410, path),
            ):
                if name == "too many":
                    card = card_of((await megan.say("my data"))[-1])
                    where = link_of(card, "Download as CSV")
                    for _ in range(5):
                        await Browser(http, bot.url).open(where)
                if name == "stopped":
                    card = card_of((await megan.say("my data"))[-1])
                    where = link_of(card, "Download as CSV")
                    other = Browser(http, bot.url)
                    _, _, shown = await other.open(where)
                    no = find_action(await question_for(megan, code_on(shown)), "No")
                    await megan.press(no["verb"], no["data"])
                if name == "expired":
                    bot.clock.advance(dt.timedelta(minutes=31))
                await check(name, await page.goto(bot.url + where), status)
        finally:
            await browser.close()
    assert found == []


async def test_an_erase_on_one_instance_stops_the_link_on_every_instance(
    tmp_path: Any, http: aiohttp.ClientSession, connector: Any
) -> None:
    from tests.support.clock import SettableClock
    from tests.support.teams import START, BotServer

    clock = SettableClock(START)
    first = BotServer(tmp_path / "data", clock=clock)
    second = BotServer(tmp_path / "data", clock=clock)
    await first.start()
    await second.start()
    try:
        megan = TeamsUser(
            http,
            first,
            connector,
            "user-id-1",
            "Megan Bowen",
            "00000000-0000-0000-0000-0000000000021",
        )
        alex_on_second = TeamsUser(http, second, connector)
        await give_feedback(megan, "The search is slow")
        path = link_of(card_of((await megan.say("my data"))[-1]), "Download as JSON")
        browser = Browser(http, first.url)
        _, _, page = await browser.open(path)
        yes = find_action(await question_for(megan, code_on(page)), "Yes, that is me")
        invoke_card(await megan.press(yes["verb"], yes["data"]))
        _, headers, _ = await browser.open(path)
        assert headers.get("Content-Disposition", "").startswith("attachment")
        await alex_on_second.say("hello")
        confirm = card_of((await alex_on_second.say("erase Megan Bowen"))[-1])
        erase = find_action(confirm, "Erase")
        invoke_card(
            await alex_on_second.press(erase["verb"], erase["data"], {"reason": "article17"})
        )
        for server, opener in ((second, Browser(http, second.url)), (first, browser)):
            status, headers, body = await opener.open(path)
            assert status == 404, server.url
            assert "attachment" not in headers.get("Content-Disposition", "")
            assert b"Megan" not in body
    finally:
        await second.stop()
        await first.stop()
