"""`erase <person>` leaves nothing: after an admin erases a person who has used every
journey (tests/e2e/everything_person.py), none of her name (whole or in parts), her ids, her
email address, her phone number or the phrases she typed (or IT and the board typed about
her) is anywhere: not in any table or column of any SQLite file in DATA_DIR (JSON and card
copies included), not in any item of the SharePoint lists (SharePoint mode), and not in any
log line or span of the whole run. The only exception is a record the erase card lists as
kept, with its reason (a board's decision), and the card lists exactly the records where
something of hers was kept.

Words that describe council work stay, scrubbed of her names, ids, email address and phone
number: her process map's name (and the backlog list's Title) keeps the phrase she typed
there (everything_person.SCRUBBED), and the card lists it as kept; nothing else of hers.

Her request stays as an anonymous record, so counts do not change, and the erasure is
audited without anything of hers. Only an admin can erase, and an unknown name is
answered plainly.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.boards import raise_with
from tests.e2e.everything_person import (  # noqa: F401  (mode is a fixture)
    AAD,
    ANSWERS,
    EMAIL,
    NAME,
    PHONE,
    PHRASES,
    TEAMS_ID,
    Cell,
    core_db,
    everything_bot,
    forbidden,
    found_in,
    mode,
    people,
    requests_rows,
    scan_lists,
    scan_sqlite,
    use_everything,
    writes_done,
)
from tests.e2e.test_no_personal_data import (  # noqa: F401  (captured is a fixture)
    Captured,
    captured,
    span_text,
)
from tests.support.cards import all_text, find_inputs
from tests.support.teams import BotServer, Connector, TeamsUser, card_of, find_action, invoke_card

_REFERENCE = re.compile(r"DR-\d{4}-\d{4}")
KEPT_HEADING = "What was kept, and why"
# Where a kept record may still name her: a board's decision is a public record.
KEPT_PLACES = ("boards.sqlite3:decisions", "list:DFD Decisions")


def title_of(row: dict[str, Any]) -> str:
    """A request's title, from the details kept as JSON."""
    details = json.loads(row.get("details") or "{}")
    return str(details.get("title", "")) if isinstance(details, dict) else ""


def erasure_records(bot: BotServer) -> list[str]:
    with sqlite3.connect(core_db(bot)) as db:
        rows = db.execute(
            "SELECT kind || ' ' || key || ' ' || owner_id || ' ' || data FROM records "
            "WHERE kind LIKE '%erasure%'"
        ).fetchall()
    return [str(r[0]) for r in rows]


async def erase(admin: TeamsUser, who: str) -> dict[str, Any]:
    """`erase <who>`, a reason chosen on the confirmation card, and Erase pressed: the card
    that comes back."""
    confirm = card_of((await admin.say(f"erase {who}"))[-1])
    assert "Erase" in all_text(confirm), all_text(confirm)
    choices = [i for i in find_inputs(confirm) if i.get("type") == "Input.ChoiceSet"]
    assert choices, "no reason to choose on the confirmation card"
    reason = {choices[0]["id"]: choices[0]["choices"][0]["value"]}
    button = find_action(confirm, "Erase")
    return invoke_card(await admin.press(button["verb"], button["data"], reason))


def kept_references(card: dict[str, Any]) -> set[str]:
    """The requests the erase card says were kept (after its "What was kept" heading)."""
    text = all_text(card)
    if KEPT_HEADING not in text:
        return set()
    return set(_REFERENCE.findall(text.split(KEPT_HEADING, 1)[1]))


def in_kept_place(cell: Cell) -> bool:
    return cell.where.endswith(KEPT_PLACES[0]) or cell.where == KEPT_PLACES[1]


def leftovers(cells: list[Cell]) -> list[tuple[Cell, list[str]]]:
    return [(cell, found) for cell in cells if (found := found_in(cell.text, forbidden()))]


def log_leaks(capture: Captured) -> list[str]:
    texts = [json.dumps(line) for line in capture.lines()]
    texts += [span_text(s) for s in capture.spans()]
    return [f"{found} in {text[:300]}" for text in texts if (found := found_in(text, forbidden()))]


async def test_after_erase_nothing_of_her_is_left_but_what_the_card_lists_as_kept(
    tmp_path: Path,
    mode: str,  # noqa: F811  (the fixture imported above)
    captured: Captured,  # noqa: F811  (the fixture imported above)
    connector: Connector,
    http: aiohttp.ClientSession,
) -> None:
    async with everything_bot(tmp_path, mode) as (bot, fake):
        priya, admin, megan = people(http, bot, connector)
        seeded = await use_everything(bot, priya, admin, megan)
        if fake is not None:
            await writes_done(http, bot)
        before = requests_rows(bot)
        items_before = len(fake.list_items("DFD Requests")) if fake else 0
        data_dir = Path(bot.env["DATA_DIR"])
        found_before = leftovers([*scan_sqlite(data_dir), *scan_lists(fake)])
        assert found_before, "nothing of hers was stored: the scan would prove nothing"

        answer = await erase(admin, NAME)
        await bot.settled()
        if fake is not None:
            await writes_done(http, bot)
        after = requests_rows(bot)
        items_after = len(fake.list_items("DFD Requests")) if fake else 0
        cells = [*scan_sqlite(data_dir), *scan_lists(fake)]
        audits = erasure_records(bot)

    problems: list[str] = []
    text = all_text(answer)
    if "erased" not in text:
        problems.append(f"the erase card does not say it erased: {text[:300]}")
    kept = kept_references(answer)
    left = leftovers(cells)
    # A kept record may name her only where a board's decision is kept, and only if the
    # card lists it; the card lists exactly the decisions that still name her.
    kept_left = {
        ref
        for cell, _ in left
        if in_kept_place(cell)
        for ref in _REFERENCE.findall(json.dumps(cell.row))
    }
    problems += [
        f"{found} left at {cell}"
        for cell, found in left
        if not (in_kept_place(cell) and kept & set(_REFERENCE.findall(json.dumps(cell.row))))
    ]
    if kept - kept_left:
        problems.append(f"the card lists as kept {sorted(kept - kept_left)}, which hold nothing")
    if kept_left - kept:
        problems.append(f"decisions {sorted(kept_left - kept)} still name her, unlisted")

    # Her request stays, anonymised; the count of requests does not change.
    if set(after) != set(before):
        problems.append(f"requests were {sorted(before)}, now {sorted(after)}")
    if items_after != items_before:
        problems.append(f"the DFD Requests list had {items_before} items, now {items_after}")
    mine = after.get(seeded.reference, {})
    if not mine:
        problems.append(f"her request {seeded.reference} is gone: no anonymous trace")
    elif mine.get("requester_id") in ("", None, AAD, TEAMS_ID):
        problems.append(f"her request's requester is {mine.get('requester_id')!r}")

    # Her title goes with her other words ("Request DR-…"); her process's name stays,
    # scrubbed, and the card lists the process map as kept. Her email address and phone
    # number were in both (so the scan above tested the scrubbing).
    title_before = title_of(before.get(seeded.reference, {}))
    assert EMAIL in title_before and PHONE in title_before, title_before
    if mine and title_of(mine) != f"Request {seeded.reference}":
        problems.append(f"her request's title did not go: {title_of(mine)!r}")
    if "Process map" not in text:
        problems.append(f"the card does not list her process map as kept: {text[:300]}")
    places = {
        "the process map": [c for c in cells if c.row.get("kind") == "process_map"],
        "the backlog list's Title": [
            c for c in cells if c.where == "list:DFD Automation Backlog" and c.column == "Title"
        ],
    }
    for where, found in places.items():
        if (found or where == "the process map") and not any(
            PHRASES["process"] in c.text for c in found
        ):
            problems.append(f"her process's name did not stay in {where}")
    if fake is not None and not places["the backlog list's Title"]:
        problems.append("the backlog list has no item: the process was not copied there")

    # The erasure is audited, with nothing of hers.
    if not audits:
        problems.append("no audit record of the erasure")
    problems += [
        f"the audit record names her: {a[:300]}" for a in audits if found_in(a, forbidden())
    ]

    # The whole run's logs and spans: nothing of hers, ever.
    lines = captured.lines()
    assert lines, "nothing was logged: the scan would prove nothing"
    problems += [f"log: {leak}" for leak in log_leaks(captured)]
    assert not problems, f"{len(problems)} problems after erase:\n" + "\n".join(problems[:60])


async def test_only_an_admin_can_erase_and_an_unknown_person_is_answered_plainly(
    tmp_path: Path, connector: Connector, http: aiohttp.ClientSession
) -> None:
    async with everything_bot(tmp_path, "sqlite") as (bot, _):
        priya, admin, megan = people(http, bot, connector)
        await priya.say("hello")
        reference = await raise_with(priya, ANSWERS)
        data_dir = Path(bot.env["DATA_DIR"])
        held = leftovers(list(scan_sqlite(data_dir)))
        assert held, "nothing of hers was stored"

        [refused] = await megan.say(f"erase {NAME}")
        assert not refused.get("attachments"), "a non-admin was shown the confirmation card"
        assert "Only a Digital Front Door admin" in str(refused.get("text")), refused

        # Megan presses an Erase button built by hand (or copied): refused, from who she is.
        confirm = card_of((await admin.say(f"erase {NAME}"))[-1])
        button = find_action(confirm, "Erase")
        choices = [i for i in find_inputs(confirm) if i.get("type") == "Input.ChoiceSet"]
        reason = {choices[0]["id"]: choices[0]["choices"][0]["value"]}
        forged = await megan.press(button["verb"], button["data"], reason)
        assert "Only a Digital Front Door admin" in json.dumps(forged), forged

        [unknown] = await admin.say("erase Zebulon Quartermaine")
        assert "could not find anyone called Zebulon Quartermaine" in str(unknown.get("text"))
        [nobody] = await admin.say("erase 00000000-0000-0000-0000-00000000dead")
        assert not nobody.get("attachments") or "holds nothing" in all_text(card_of(nobody))

        await bot.settled()
        still = leftovers(list(scan_sqlite(data_dir)))
        assert requests_rows(bot)[reference]["requester_id"] == AAD
        assert erasure_records(bot) == []
    assert {w for _, found in still for w in found} >= {NAME, PHRASES["problem"], EMAIL}
    assert len(still) >= len(held), "a refused erase changed something"
