"""A person raises a request in the Agents Playground, in a real (headless) Chromium.

Our bot runs as `python -m bot`, the Playground emulates Teams, and the form is filled in
through the inputs the Playground's Adaptive Cards renderer draws (Fluent UI): text boxes,
a drop-down for the directorate, radio buttons, tick boxes and a date picker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, async_playwright, expect

from bot.domain.forms import YES_NO
from bot.domain.text import long_date
from bot.journeys.intake.form import FIELDS, STEPS, FieldSpec, Step
from cards.form_card import field_label
from tests.e2e.journey import GOOD_ANSWERS
from tests.e2e.playground import (
    REPO_ROOT,
    block_outside,
    launch_chromium,
    start_playground,
    stop_playground,
)
from tests.support.ports import free_port

pytestmark = pytest.mark.browser

# A cold start imports the Agents SDK, msgraph and the Azure libraries: on a busy CI
# machine (many tests at once) that has taken more than 15 s.
BOT_START_SECONDS = 45
WAIT_MS = 10_000  # for any one thing to show up on the page
TEST_SECONDS = 90  # the whole journey, start-up included
CONFIRMATION_COPY = Path("/tmp/playground-confirmation.png")
FORM_ERROR_COPY = Path("/tmp/playground-form-error.png")
# Copies of every card on the way, to look at by hand after a run.
SHOTS = Path("/tmp/playground-journey")
REFERENCE = re.compile(r"Your reference is DR-\d{4}-\d{4}")

# Talk to the bot directly, never through a proxy from the environment.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# ---- The bot and the Playground, as real processes -----------------------------------


def wait_for_health(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + BOT_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"The bot exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with _LOOPBACK.open(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"The bot did not answer /healthz in {BOT_START_SECONDS} s:\n{log.read_text()}"
    )


@pytest.fixture
def bot_url(tmp_path: Path) -> Iterator[str]:
    """`python -m bot` in local (anonymous, loopback-only) mode with an empty data folder."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("CLIENT_ID", "ADMIN_IDS")}
    env |= {"BOT_MODE": "local", "HOST": "127.0.0.1", "PORT": str(port)}
    env["DATA_DIR"] = str(tmp_path / "data")
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_health(proc, url, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def playground_url(bot_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = start_playground(f"{bot_url}/api/messages", port, tmp_path / "playground")
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_playground(proc)


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            # A tall window, so a whole form card fits on one screenshot; a UK council's clock.
            context = await browser.new_context(
                viewport={"width": 1280, "height": 2200}, timezone_id="Europe/London"
            )
            page = await context.new_page()
            page.set_default_timeout(WAIT_MS)
            await block_outside(page)
            yield page
        finally:
            await browser.close()


# ---- Finding things on the page ------------------------------------------------------


def chat_pane(page: Page) -> Locator:
    """The open conversation: the innermost block holding both the messages and the box."""
    editor = page.locator('[data-lexical-editor="true"]')
    messages = page.locator('[aria-label="Message author"]')
    return page.locator("div").filter(has=editor).filter(has=messages).last


async def card_showing(chat: Locator, text: str) -> Locator:
    """The newest card in the chat, once it shows `text` (cards are replaced in place)."""
    card = chat.locator(".ac-adaptiveCard").last
    await expect(card).to_contain_text(text)
    return card


def choice_label(spec: FieldSpec, value: str) -> str:
    return {choice.value: choice.label for choice in spec.choices or YES_NO}[value]


def choice_title(spec: FieldSpec, value: str) -> str:
    """What the option says on the form: its label, and its meaning where it has one."""
    return {choice.value: choice.title for choice in spec.choices or YES_NO}[value]


# ---- Doing things as a person would --------------------------------------------------


async def say(page: Page, text: str) -> None:
    box = page.locator('[data-lexical-editor="true"]')
    await box.click()
    await box.press_sequentially(text)
    await box.press("Enter")


async def press(card: Locator, title: str) -> None:
    await card.get_by_role("button", name=title, exact=True).click()


def named(*words: str) -> re.Pattern[str]:
    """An accessible name that starts with these words: a required input's name goes on
    with its error message."""
    return re.compile("^" + re.escape(" ".join(words)) + r"(\s|$)")


async def fill_text(card: Locator, label: str, value: str) -> None:
    await card.get_by_label(named(label)).fill(value)


async def fill_date(card: Locator, label: str, iso_date: str) -> None:
    """Type the date into the date picker's box as a person in the UK writes it.

    The picker reads "31 March 2027" as a local date. It would read "2027-03-31" as midnight
    UTC, which is the day before west of Greenwich, and it rejects "31/03/2027".
    """
    day = dt.date.fromisoformat(iso_date)
    box = card.get_by_role("combobox", name=named(label))
    await box.fill(f"{day.day} {day:%B %Y}")
    await box.press("Tab")
    await expect(box).to_have_value(f"{day:%B} {day.day}, {day.year}")  # its own format


async def choose_one(page: Page, card: Locator, label: str, option: str) -> None:
    """A short list is drawn as radio buttons, a long one as a drop-down to open and pick from."""
    dropdown = card.get_by_role("combobox", name=named(label))
    if await dropdown.count():
        await dropdown.click()
        await page.get_by_role("option", name=option, exact=True).click()
        await expect(dropdown).to_have_value(option)
    else:
        group = card.get_by_role("radiogroup", name=named(label))
        await group.get_by_role("radio", name=option, exact=True).check()


async def choose_many(card: Locator, label: str, options: list[str]) -> None:
    """A multi-select list is drawn as tick boxes, each named by the question and its option."""
    for option in options:
        await card.get_by_role("checkbox", name=named(label, option)).check()


async def fill_step(page: Page, card: Locator, step: Step) -> None:
    """Answer every question of a step from GOOD_ANSWERS, leaving blank ones untouched."""
    answers = GOOD_ANSWERS[step.number]
    for spec in step.fields:
        value, label = answers.get(spec.name, ""), field_label(spec)
        if not value:
            continue
        elif spec.kind in ("text", "multiline", "number"):
            await fill_text(card, label, value)
        elif spec.kind == "date":
            await fill_date(card, label, value)
        elif spec.kind in ("choice", "yesno"):
            await choose_one(page, card, label, choice_label(spec, value))
        else:
            picked = [choice_title(spec, part) for part in value.split(",")]
            await choose_many(card, label, picked)


async def screenshot(card: Locator, path: Path, copy_to: Path) -> None:
    await card.scroll_into_view_if_needed()
    await card.screenshot(path=path)
    shutil.copyfile(path, copy_to)


# ---- The journey ---------------------------------------------------------------------


async def test_a_person_raises_a_request_in_the_playground(
    playground_url: str, page: Page, tmp_path: Path
) -> None:
    async with asyncio.timeout(TEST_SECONDS):
        await page.goto(playground_url)
        chat = chat_pane(page)
        await expect(chat.locator(".ac-adaptiveCard").first).to_be_visible()  # the welcome

        SHOTS.mkdir(exist_ok=True)
        await say(page, "new request")
        card = await card_showing(chat, "Step 1 of 4")

        # Next with nothing filled in: the card itself says what is missing, by the field,
        # before anything is sent (the inputs are marked required with a message).
        await press(card, "Next")
        await expect(card).to_contain_text(FIELDS["title"].missing)
        await screenshot(card, tmp_path / "client-error.png", SHOTS / "0-client-error.png")

        # Required questions answered, but not who it affects: the bot explains, next to
        # the field. (Required inputs left empty are caught by the card itself first.)
        counts = {"affected_staff", "affected_residents", "affected_businesses"}
        first = STEPS[0]
        without_counts = [spec for spec in first.fields if spec.name not in counts]
        await fill_step(page, card, dataclasses.replace(first, fields=tuple(without_counts)))
        await press(card, "Next")
        card = await card_showing(chat, "There is a problem")
        await expect(card).to_contain_text("Error: Enter how many staff")
        await screenshot(card, tmp_path / "form-error.png", FORM_ERROR_COPY)

        for step in STEPS:
            card = await card_showing(chat, f"Step {step.number} of {len(STEPS)}")
            await fill_step(page, card, step)
            await screenshot(card, tmp_path / "step.png", SHOTS / f"{step.number}-step.png")
            await press(card, "Next")

        # "Change" on the review opens that step, and Next goes straight back to the review.
        review = await card_showing(chat, "Check your answers before sending")
        await screenshot(review, tmp_path / "review.png", SHOTS / "5-review.png")
        await press(review, f"Change {STEPS[1].title.lower()}")
        card = await card_showing(chat, f"Step 2 of {len(STEPS)}")
        systems = GOOD_ANSWERS[2]["existing_systems"] + ", Microsoft Forms"
        await fill_text(card, field_label(FIELDS["existing_systems"]), systems)
        await press(card, "Next")
        review = await card_showing(chat, "Check your answers before sending")
        await expect(review).to_contain_text(systems)
        for shown in (
            GOOD_ANSWERS[1]["title"],
            choice_label(FIELDS["directorate"], GOOD_ANSWERS[1]["directorate"]),
            choice_label(FIELDS["kind"], GOOD_ANSWERS[2]["kind"]),
            choice_label(FIELDS["budget"], GOOD_ANSWERS[3]["budget"]),
            long_date(dt.date.fromisoformat(GOOD_ANSWERS[3]["needed_by"])),
            *(choice_label(FIELDS["drivers"], d) for d in GOOD_ANSWERS[4]["drivers"].split(",")),
        ):
            await expect(review).to_contain_text(shown)
        await press(review, "Send request")

        confirmation = await card_showing(chat, "Your reference is DR-")
        await expect(confirmation).to_contain_text(REFERENCE)
        await expect(confirmation).to_contain_text("Priority score")
        await screenshot(confirmation, tmp_path / "confirmation.png", CONFIRMATION_COPY)
        shutil.copyfile(CONFIRMATION_COPY, SHOTS / "6-confirmation.png")
        await press(confirmation, "Show score details")
        await expect(confirmation).to_contain_text("Microsoft Forms: on the council's platforms")
        await screenshot(confirmation, tmp_path / "scores.png", SHOTS / "7-score-details.png")

        # Discarding a draft asks first, then says so; the form is not swapped for help.
        await say(page, "new request")
        card = await card_showing(chat, "Step 1 of 4")
        await press(card, "Discard draft")
        await expect(card).to_contain_text("You cannot get them back")
        await screenshot(card, tmp_path / "discard.png", SHOTS / "8-discard-asks.png")
        await press(card, "Yes, delete this draft")
        deleted = await card_showing(chat, "Draft deleted")
        await screenshot(deleted, tmp_path / "deleted.png", SHOTS / "9-draft-deleted.png")
