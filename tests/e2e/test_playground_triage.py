"""IT triage in the Agents Playground, in a real (headless) Chromium.

A request raised in the personal chat is triaged in the team channel, and the requester sees
the update. In local mode the Playground's one user, Alex Wilber, is the admin, the whole
triage roster and the requester, so a single page plays all three parts.

Two things differ from Teams, and the test works around them where a person would:

- The Playground ignores the card's `refresh` (its log says "User specific view is not
  supported yet"), so the channel card stays everyone's read-only view. The triager opens
  their view with the card's own "Open for triage", as on a Teams client without refresh.
- After each change the bot replaces the channel message in place with everyone's view. The
  Playground does that, so the triager's view is replaced under their hand; they open it again.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from bot.domain.form import STEPS
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

# The bot, the Playground and a page, from the personal-chat test.
bot_url = single_chat.bot_url
playground_url = single_chat.playground_url
page = single_chat.page

TEST_SECONDS = 50  # the whole journey, start-up included
PERSONAL_CHAT = "Personal Chat"
CHANNEL = "My Team - General"  # a team channel in the Playground
BOT_NAME = "Test Bot"  # the Playground's name for the bot
TRIAGE_CARD_COPY = Path("/tmp/playground-triage-card.png")
UPDATE_COPY = Path("/tmp/playground-triage-update.png")
REFERENCE = re.compile(r"DR-\d{4}-\d{4}")
TRIAGER_ACTIONS = ["Assign to me", "Accept to board", "Reject…", "Ask for information…", "More…"]


@pytest.fixture(autouse=True)
def roster_is_the_admins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local mode's admin, the Playground's user, is then the whole triage roster."""
    monkeypatch.delenv("TRIAGE_ROSTER", raising=False)
    monkeypatch.delenv("BOT_STORE", raising=False)


# ---- What the Playground pushes to its page ------------------------------------------


class MessageUpdates:
    """Messages the bot updated in place, as the Playground's WebSocket tells its page."""

    def __init__(self, page: Page) -> None:
        self.frames: list[dict[str, Any]] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, payload: str | bytes) -> None:
        try:
            frame = json.loads(payload)
        except ValueError:
            return
        if isinstance(frame, dict) and frame.get("action") == "updateMessage":
            self.frames.append(frame.get("message") or {})

    def showing(self, text: str) -> list[dict[str, Any]]:
        return [m for m in self.frames if text in json.dumps(m, ensure_ascii=False)]

    async def wait_for(self, text: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_MS / 1000
        while not (found := self.showing(text)):
            if time.monotonic() > deadline:
                raise AssertionError(f"No message was updated to show {text!r}")
            await asyncio.sleep(0.05)
        return found[-1]


# ---- Doing things as a person would --------------------------------------------------


async def open_conversation(page: Page, name: str) -> None:
    """Open a chat or channel from the side bar; only a channel has a "Post" button."""
    await page.get_by_role("treeitem", name=name, exact=True).click()
    post = page.get_by_role("button", name="Post", exact=True)
    await expect(post).to_be_visible() if name == CHANNEL else await expect(post).to_have_count(0)


async def post_in_channel(page: Page, text: str) -> None:
    """A new channel post reaches the bot only if it @mentions the bot."""
    box = page.locator('[data-lexical-editor="true"]').first  # "Start a new post"
    await box.click()
    await box.press_sequentially(f"@{BOT_NAME.split()[0]}")
    await page.get_by_role("menuitem").filter(has_text=BOT_NAME).click()
    await box.press_sequentially(f" {text}")
    await page.get_by_role("button", name="Post", exact=True).click()


def channel_post(page: Page, text: str) -> Locator:
    """The innermost post (with its thread of replies) that shows `text`."""
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
    assert found, "the confirmation gives a reference"
    return found.group()


def button(card: Locator, title: str) -> Locator:
    return card.get_by_role("button", name=title, exact=True)


async def open_for_triage(card: Locator) -> None:
    """From everyone's view of the channel card to the triager's, as without `refresh`."""
    await button(card, "Open for triage").click()
    await expect(button(card, "Assign to me").or_(button(card, "Accept to board"))).to_be_visible()


# ---- The journey ---------------------------------------------------------------------


async def test_a_request_raised_in_the_personal_chat_is_triaged_in_the_channel(
    playground_url: str, page: Page, tmp_path: Path
) -> None:
    updates = MessageUpdates(page)
    async with asyncio.timeout(TEST_SECONDS):
        await page.goto(playground_url)
        await expect(chat_pane(page).locator(".ac-adaptiveCard").first).to_be_visible()

        # An admin makes the team's General channel the IT triage channel.
        await open_conversation(page, CHANNEL)
        await post_in_channel(page, "register triage")
        await expect(channel_post(page, "register triage")).to_contain_text(
            "This channel is now the IT triage channel"
        )

        # Someone raises a request in their personal chat with the bot.
        await open_conversation(page, PERSONAL_CHAT)
        reference = await raise_request(page)

        # The request is in the channel, as everyone's read-only view.
        await open_conversation(page, CHANNEL)
        cards = page.locator(".ac-adaptiveCard").filter(has_text=f"New request {reference}")
        card = cards.first
        await expect(card).to_contain_text("Only the IT triage team can act on this request.")
        await expect(card.get_by_role("button")).to_have_text(["Open for triage"])

        # A triager opens their view and takes the request.
        await open_for_triage(card)
        await expect(card.get_by_role("button")).to_have_text(TRIAGER_ACTIONS)
        async with page.expect_response("**/_conversation/v1/invoke") as answered:
            await button(card, "Assign to me").click()
        await (await answered.value).finished()
        await expect(card).to_contain_text("Assigned to Alex Wilber")
        # Everyone's copy of the channel message is replaced in place, not posted again.
        shown = await updates.wait_for("Assigned to Alex Wilber")
        assert "Only the IT triage team can act" in json.dumps(shown)
        await expect(cards).to_have_count(1)

        # That update replaced the triager's view with everyone's, so they open theirs again.
        await expect(button(card, "Open for triage")).to_be_visible()
        await open_for_triage(card)
        await expect(card).to_contain_text("Status: Being triaged by IT.")
        await expect(card).to_contain_text("History")
        await screenshot(card, tmp_path / "triage-card.png", TRIAGE_CARD_COPY)

        await button(card, "Accept to board").click()
        await expect(card).to_contain_text("Status: With the board.")
        await updates.wait_for("Status: With the board.")
        await expect(cards).to_have_count(1)

        # The requester hears about both changes in their personal chat.
        await open_conversation(page, PERSONAL_CHAT)
        chat = chat_pane(page)
        told = chat.locator(".ac-adaptiveCard").filter(has_text=f"Update on {reference}")
        await expect(told).to_have_count(2)
        await expect(told.first).to_contain_text("Status: Being triaged by IT.")
        update = await card_showing(chat, f"Update on {reference}")
        await expect(update).to_contain_text("Status: With the board.")
        await screenshot(update, tmp_path / "triage-update.png", UPDATE_COPY)
