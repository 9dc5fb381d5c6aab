"""IT triage in the Agents Playground, in a real (headless) Chromium.

A request raised in the personal chat is triaged in the team channel, and the requester sees
the update. In local mode the Playground's one user, Alex Wilber, is the admin, the whole
triage roster and the requester, so one page plays all three parts.

Two things differ from Teams, and the test works around them as a person or Teams would:

- The Playground ignores the card's `refresh` (its log says "User specific view is not
  supported yet"), so the channel card stays everyone's read-only view. The triager opens
  their view with the card's own "Open for triage", as on a Teams client without refresh.
- After each triage action two messages race to the page: the answer to the action (the
  triager's view) and the bot's in-place update of the channel message (everyone's view).
  The Playground shows whichever lands last. In Teams the triager ends with their own view,
  because the updated card refreshes for the roster; here the test hands the page the answer
  after the update, so the triager ends with their view too, every time.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, Route, expect

from bot.journeys.intake.form import STEPS
from tests.e2e import test_playground_browser as single_chat
from tests.e2e.test_playground_browser import (
    WAIT_MS,
    card_showing,
    chat_pane,
    fill_step,
    press,
    say,
    screenshot,
)

pytestmark = pytest.mark.browser

# The bot (`python -m bot`, empty data folder), the Playground and a page, as fixtures.
bot_url = single_chat.bot_url
playground_url = single_chat.playground_url
page = single_chat.page

TEST_SECONDS = 50  # the whole journey, start-up included
PERSONAL_CHAT = "Personal Chat"
CHANNEL = "My Team - General"  # a team channel in the Playground's side bar
BOT_NAME = "Test Bot"  # the Playground's name for the bot
CARD_ACTION = "**/_conversation/v1/invoke"  # where the page sends Action.Execute
TRIAGE_CARD_COPY = Path("/tmp/playground-triage-card.png")
UPDATE_COPY = Path("/tmp/playground-triage-update.png")
REFERENCE = re.compile(r"DR-\d{4}-\d{4}")
EVERYONES_VIEW = "Only the IT triage team can act on this request."
TRIAGER_ACTIONS = ["Assign to me", "Accept to board", "Reject…", "Ask for information…", "More…"]
SHOW_DETAILS = "Show details"  # the full answers and the score's workings, folded away


@pytest.fixture(autouse=True)
def roster_is_the_admins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local mode's admin, the Playground's user, is then the whole triage roster."""
    monkeypatch.delenv("TRIAGE_ROSTER", raising=False)
    monkeypatch.delenv("BOT_STORE", raising=False)


# ---- Messages the bot updates in place -----------------------------------------------


class MessageUpdates:
    """Messages updated in place, as the Playground's WebSocket tells its page."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []  # each as JSON text
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, payload: str | bytes) -> None:
        try:
            frame = json.loads(payload)
        except ValueError:
            return
        if isinstance(frame, dict) and frame.get("action") == "updateMessage":
            self.messages.append(json.dumps(frame.get("message"), ensure_ascii=False))

    async def after(self, seen: int) -> str:
        """The first update after the first `seen` ones."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while len(self.messages) <= seen:
            if time.monotonic() > deadline:
                raise AssertionError("The bot did not update the channel message in place")
            await asyncio.sleep(0.05)
        return self.messages[seen]


@asynccontextmanager
async def answer_after_update(page: Page, updates: MessageUpdates) -> AsyncIterator[list[str]]:
    """Around a triage action: the page gets the action's answer after the bot's update.

    Yields a list that then holds the update, as JSON text.
    """
    seen = len(updates.messages)
    update: list[str] = []

    async def hold(route: Route) -> None:
        answer = await route.fetch()
        try:
            update.append(await updates.after(seen))
        finally:
            await route.fulfill(response=answer)

    await page.route(CARD_ACTION, hold)
    try:
        async with page.expect_response(CARD_ACTION) as answered:
            yield update
        await (await answered.value).finished()
    finally:
        await page.unroute(CARD_ACTION, hold)
    assert update, "the bot updated the channel message in place"


# ---- Doing things as a person would --------------------------------------------------


async def open_conversation(page: Page, name: str) -> None:
    """Open a chat or a channel from the side bar; only a channel has a "Post" button."""
    await page.get_by_role("treeitem", name=name, exact=True).click()
    post = page.get_by_role("button", name="Post", exact=True)
    if name == CHANNEL:
        await expect(post).to_be_visible()
    else:
        await expect(post).to_have_count(0)


async def post_in_channel(page: Page, text: str) -> None:
    """A new channel post reaches the bot only if it @mentions the bot."""
    box = page.locator('[data-lexical-editor="true"]').first  # "Start a new post"
    await box.click()
    await box.press_sequentially("@" + BOT_NAME.split()[0])
    await page.get_by_role("menuitem").filter(has_text=BOT_NAME).click()
    await box.press_sequentially(f" {text}")
    await page.get_by_role("button", name="Post", exact=True).click()


def channel_post(page: Page, text: str) -> Locator:
    """The innermost channel post, with its thread of replies, that shows `text`."""
    return page.get_by_role("group").filter(has_text=text).last


async def raise_request(page: Page) -> str:
    """Fill in the form in the personal chat and send it; returns the reference."""
    chat = chat_pane(page)
    await say(page, "new request")
    for step in STEPS:
        card = await card_showing(chat, f"Step {step.number} of {len(STEPS)}")
        await fill_step(page, card, step)
        await press(card, "Next")
    await press(await card_showing(chat, "Check your answers before sending"), "Send request")
    confirmation = await card_showing(chat, "Your reference is DR-")
    found = REFERENCE.search(await confirmation.inner_text())
    assert found, "the confirmation gives the reference"
    return found.group()


def buttons(card: Locator) -> Locator:
    """The card's own buttons (a ShowCard's buttons show only once it is opened)."""
    return card.get_by_role("button")


# ---- The journey ---------------------------------------------------------------------


async def test_a_request_raised_in_the_personal_chat_is_triaged_in_the_channel(
    playground_url: str, page: Page, tmp_path: Path
) -> None:
    updates = MessageUpdates(page)
    async with asyncio.timeout(TEST_SECONDS):
        await page.goto(playground_url)
        welcome = chat_pane(page).locator(".ac-adaptiveCard").first
        await expect(welcome).to_be_visible(timeout=WAIT_MS)

        # An admin makes the team's General channel the IT triage channel.
        await open_conversation(page, CHANNEL)
        await post_in_channel(page, "register triage")
        thread = channel_post(page, "This channel is now the IT triage channel")  # a reply
        await expect(thread).to_contain_text(f"{BOT_NAME} register triage", timeout=WAIT_MS)

        # Someone raises a request in their personal chat with the bot.
        await open_conversation(page, PERSONAL_CHAT)
        reference = await raise_request(page)

        # The request is posted in the channel as everyone's read-only view. The card asks
        # Teams to refresh it for the roster; the Playground says it cannot.
        await open_conversation(page, CHANNEL)
        cards = page.locator(".ac-adaptiveCard").filter(has_text=f"request {reference}")
        card = cards.first
        await expect(card).to_contain_text(EVERYONES_VIEW, timeout=WAIT_MS)
        await expect(buttons(card)).to_have_text([SHOW_DETAILS, "Open for triage"])
        not_refreshed = page.get_by_text("User specific view is not supported yet")
        await expect(not_refreshed.first).to_be_visible()

        # A triager opens their view and takes the request.
        await card.get_by_role("button", name="Open for triage", exact=True).click()
        await expect(buttons(card)).to_have_text([SHOW_DETAILS, *TRIAGER_ACTIONS], timeout=WAIT_MS)
        await expect(card).not_to_contain_text(EVERYONES_VIEW)
        async with answer_after_update(page, updates) as update:
            await card.get_by_role("button", name="Assign to me", exact=True).click()
        assert "Who has it: Alex Wilber" in update[0] and EVERYONES_VIEW in update[0]
        await expect(card).to_contain_text("Who has it: Alex Wilber")
        await expect(card).to_contain_text("Status: Being triaged by IT.")
        history = card.get_by_text("Alex Wilber assigned it. Now: being triaged by IT")
        await expect(history).to_be_hidden()
        await card.get_by_role("button", name=SHOW_DETAILS, exact=True).click()
        await expect(history).to_be_visible()
        await expect(card.get_by_text("Named senior sponsor", exact=True)).to_be_visible()
        await expect(buttons(card)).to_contain_text(["Accept to board"])
        await expect(cards).to_have_count(1)  # updated in place, not posted again
        await screenshot(card, tmp_path / "triage-card.png", TRIAGE_CARD_COPY)

        # They accept it to the board.
        async with answer_after_update(page, updates) as update:
            await card.get_by_role("button", name="Accept to board", exact=True).click()
        assert "Status: With the board." in update[0] and EVERYONES_VIEW in update[0]
        await expect(card).to_contain_text("Status: With the board.")
        await expect(card).to_contain_text("With the board: Digital, Data and Customer Board")
        await card.get_by_role("button", name=SHOW_DETAILS, exact=True).click()
        await expect(card).to_contain_text(
            "Alex Wilber accepted it to the board. Now: with the board"
        )
        await expect(cards).to_have_count(1)

        # The requester hears about both changes in their personal chat.
        await open_conversation(page, PERSONAL_CHAT)
        chat = chat_pane(page)
        told = chat.locator(".ac-adaptiveCard").filter(has_text=f"Update on {reference}")
        await expect(told).to_have_count(2, timeout=WAIT_MS)
        await expect(told.first).to_contain_text("Status: Being triaged by IT.")
        await expect(told.last).to_contain_text("Status: With the board.")
        await expect(told.last).to_contain_text(f"Your request {reference} has a new status")
        await screenshot(told.last, tmp_path / "triage-update.png", UPDATE_COPY)
