"""`my data` shows everything: a person who has used every journey downloads what the
product holds about her, and every field that holds her data is in it.

The expected set is not a list written by hand: after the story (tests/e2e/everything_person.py)
the test reads every value of every table of every SQLite file in DATA_DIR (and, in SharePoint
mode, every field of every list item), keeps each value that holds one of her ids, her name,
her email address or a phrase she (or IT, about her) typed, and looks for it in the file. So a
field added later, and left out of its journey's `held`, fails this test.

Copies kept only so that a card press is answered once (`handled_invokes`), send-once keys
(`sent_notifications`), the SharePoint outbox, the API's 24-hour replay store and the download
link itself are not records about her, and a score's reasons are worked out from her answers;
for those the test asks only that anything she typed in them is in the file somewhere.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.e2e.everything_person import (
    AAD,
    ABOUT_HER,
    EMAIL,
    NAME,
    PHONE,
    PHRASES,
    SAID_ONLY,
    TEAMS_ID,
    Cell,
    everything_bot,
    found_in,
    leaves,
    people,
    scan_lists,
    scan_sqlite,
    use_everything,
    writes_done,
)
from tests.support.cards import all_text
from tests.support.teams import Connector, TeamsUser, card_of, iter_actions

# Not records about a person: operational copies and keys (see the module's docstring).
OPERATIONAL = {
    "handled_invokes",
    "sent_notifications",
    "graph_outbox",
    "graph_items",
    "idempotency_keys",
}
# Worked out from other fields (the score's reasons quote the answers they scored): what
# they quote must be in the file, not the sentence around it.
DERIVED = {("requests", "score_detail"), ("DFD Requests", "ScoreJson")}
IDENTITY = {AAD.casefold(), TEAMS_ID.casefold(), NAME.casefold(), EMAIL.casefold()}
TYPED = [*PHRASES.values(), *ABOUT_HER.values(), EMAIL, PHONE, SAID_ONLY]
_WHEN = re.compile(r"^\d{4}-\d\d-\d\d([T ][\d:.]+)?(Z|[+-]\d\d:?\d\d)?$")


def normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def table_of(cell: Cell) -> str:
    return cell.where.split(":", 1)[1]


def is_operational(cell: Cell) -> bool:
    if table_of(cell) in OPERATIONAL:
        return True
    # The download link `my data` made is the privacy journey's own record, not hers.
    kind = cell.row.get("kind", "")
    return table_of(cell) == "records" and kind.startswith(("privacy", "my_data"))


def about_her(text: str) -> bool:
    return bool(found_in(text, [AAD, TEAMS_ID, NAME, EMAIL, *TYPED]))


# ---- Getting the file, as she would ----------------------------------------------------


def download_link(card: dict[str, Any], kind: str) -> str:
    """The link of the card's "Download as JSON" (or CSV) button."""
    for action in iter_actions(card):
        title = str(action.get("title", ""))
        if kind.casefold() in title.casefold() and action.get("url"):
            return str(action["url"])
    titles = [a.get("title") for a in iter_actions(card)]
    raise AssertionError(f"No {kind} download link on the card. Buttons: {titles}")


def on_bot(url: str, bot_url: str) -> str:
    """The link, sent to the test's bot (the bot's public address may differ)."""
    parts = urlsplit(url)
    return f"{bot_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")


async def unlock_card(priya: TeamsUser, since: int, timeout: float = 5.0) -> dict[str, Any]:
    """The card the bot sends her after someone opens her link: a "Yes" button on it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for sent in reversed(priya.connector.sent[since:]):
            for attachment in sent.activity.get("attachments") or []:
                content = attachment.get("content") or {}
                if any(str(a.get("title", "")).startswith("Yes") for a in iter_actions(content)):
                    return dict(content)
        await asyncio.sleep(0.02)
    raise AssertionError("No card came to her chat to unlock the download")


async def download(priya: TeamsUser, kind: str) -> tuple[str, str]:
    """`my data`, open the link in a browser, say yes in Teams, and fetch the file.
    Returns (content type, body)."""
    replies = await priya.say("my data")
    card = card_of(replies[-1])
    url = on_bot(download_link(card, kind), priya.bot.url)
    jar = aiohttp.CookieJar(unsafe=True)  # the bot is on 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        since = len(priya.connector.sent)
        async with browser.get(url) as response:
            page = await response.text()
            assert response.status == 200, (response.status, page[:500])
        assert not about_her(page), "the page shows something of hers before it is unlocked"
        unlock = await unlock_card(priya, since)
        codes = set(re.findall(r"\b\d{4,8}\b", all_text(unlock))) & set(
            re.findall(r"\b\d{4,8}\b", page)
        )
        assert codes, "the card in Teams and the page show no code in common"
        yes = next(a for a in iter_actions(unlock) if str(a.get("title", "")).startswith("Yes"))
        await priya.press(yes["verb"], yes.get("data") or {})
        deadline = time.monotonic() + 10
        while True:
            async with browser.get(url) as response:
                body = await response.text()
                kind_of = response.headers.get("Content-Type", "")
            if "json" in kind_of or "csv" in kind_of:
                return kind_of, body
            assert time.monotonic() < deadline, f"still locked after yes: {body[:300]}"
            await asyncio.sleep(0.1)


def held_of(export: Any) -> list[dict[str, Any]]:
    held = export.get("held") if isinstance(export, dict) else export
    assert isinstance(held, list) and held, f"no held list in the file: {str(export)[:300]}"
    return held


def export_text(held: list[dict[str, Any]]) -> str:
    """Every string in the held list (labels, keys and values), whitespace made plain."""
    return normal("\n".join(leaves(json.dumps(held))))


# ---- What the stores hold about her ----------------------------------------------------


def missing_fields(cells: list[Cell], shown: str) -> list[str]:
    """Each stored value about her (a string of it, if it is JSON) that the file lacks.

    - Free text that names her or holds what she typed: the text itself must be in the file.
    - A value that is only an id or her name (an owner column, say): the record it is in must
      be in the file, by something else of that record (a reference, a key, its words), and
      a record made only of who she is (the people row) must show each of her ids.
    """
    missing: list[str] = []
    seen: set[tuple[str, int]] = set()
    for cell in cells:
        if is_operational(cell) or not about_her(cell.text):
            continue
        if (table_of(cell), cell.column) in DERIVED:
            continue
        for leaf in leaves(cell.text):
            if not about_her(leaf):
                continue
            if normal(leaf) in IDENTITY:
                if (cell.where, cell.row_id) in seen:
                    continue
                seen.add((cell.where, cell.row_id))
                if not record_shown(cell, shown):
                    missing.append(f"{cell}  (the record is not in the file)")
            elif normal(leaf) not in shown:
                missing.append(f"{cell}  (missing: {leaf[:200]!r})")
    return missing


def record_shown(cell: Cell, shown: str) -> bool:
    others = [
        leaf
        for text in cell.row.values()
        for leaf in leaves(text)
        if normal(leaf) not in IDENTITY and len(leaf.strip()) >= 6 and not _WHEN.match(leaf)
    ]
    if not others:  # only who she is: each of it must be shown
        return all(
            normal(leaf) in shown
            for text in cell.row.values()
            for leaf in leaves(text)
            if normal(leaf) in IDENTITY
        )
    return any(normal(leaf) in shown for leaf in others)


def missing_typed(cells: list[Cell], shown: str) -> list[str]:
    """Anything she typed (or IT typed about her) found anywhere stored, not in the file."""
    return [
        f"{word!r}, stored at {cell}"
        for cell in cells
        for word in found_in(cell.text, TYPED)
        if word.casefold() not in shown
    ]


@pytest.fixture(params=["sqlite", "sharepoint"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_my_data_shows_every_field_held_about_a_person_who_used_every_journey(
    tmp_path: Path, mode: str, connector: Connector, http: aiohttp.ClientSession
) -> None:
    async with everything_bot(tmp_path, mode) as (bot, fake):
        priya, admin, megan = people(http, bot, connector)
        seeded = await use_everything(bot, priya, admin, megan)
        if fake is not None:
            await writes_done(http, bot)

        _, body = await download(priya, "JSON")
        held = held_of(json.loads(body))
        shown = export_text(held)
        cells = [*scan_sqlite(Path(bot.env["DATA_DIR"])), *scan_lists(fake)]

    # What she gave, each piece by itself, and her request by its reference; then field by
    # field, from the stores themselves. Every gap is listed at once.
    stored = {w for c in cells for w in found_in(c.text, [*PHRASES.values()])}
    # The story really kept something of hers in every journey. (With no catalogue on the
    # SharePoint site, nothing can fit, so no "none fit" reason is asked for there.)
    unkept = set(PHRASES.values()) - stored - ({PHRASES["none_fit"]} if fake else set())
    assert not unkept, f"the story kept none of these: {sorted(unkept)}"
    problems = [
        f"phrase {key} ({p}) is not in the file"
        for key, p in PHRASES.items()
        if p in stored and p.casefold() not in shown
    ]
    problems += [
        f"what IT or the board wrote about her ({w}) is not in the file"
        for w in ABOUT_HER.values()
        if w.casefold() not in shown
    ]
    problems += [
        f"{w} is not in the file"
        for w in (NAME, EMAIL, PHONE, seeded.reference)
        if w.casefold() not in shown
    ]
    assert [c for c in cells if about_her(c.text)], "the scan found nothing: it proves nothing"
    problems += missing_fields(cells, shown)
    problems += missing_typed(cells, shown)
    assert not problems, f"{len(problems)} gaps in the file:\n" + "\n".join(problems[:60])


async def test_the_csv_file_holds_what_she_typed_and_no_cell_is_a_formula(
    tmp_path: Path, connector: Connector, http: aiohttp.ClientSession
) -> None:
    async with everything_bot(tmp_path, "sqlite") as (bot, _):
        priya, admin, megan = people(http, bot, connector)
        await use_everything(bot, priya, admin, megan)
        _, body = await download(priya, "CSV")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) > 1, body[:300]
    text = normal("\n".join(cell for row in rows for cell in row))
    absent = [phrase for phrase in PHRASES.values() if phrase.casefold() not in text]
    assert not absent, f"phrases she typed are not in the CSV file: {absent}"
    formulas = [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@")]
    assert not formulas, f"cells that a spreadsheet would run as formulas: {formulas[:5]}"
