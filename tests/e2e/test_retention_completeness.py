"""Retention leaves nothing of her once every period has passed: a person who has used
every journey (tests/e2e/everything_person.py), and a colleague's withdrawn request that
names her, seven years on (past every default period, leap days included). An admin types
`run retention now`; every kind of record the story made is counted as changed, and none
of her name, ids, email address, phone number or the phrases she typed is left in any
SQLite file in DATA_DIR or any SharePoint list item, but in a board's decision (a public
record, kept by design) and a process map (no retention period, by design:
docs/data-protection.md). A second run a day later changes nothing, and the requests
stay, anonymised, so the boards' counts do not change.

The daily loop, on two instances sharing a DATA_DIR, is tested in test_retention_job.py
(test_two_instances_run_it_once).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from bot.domain.retention import RetentionKind, years
from tests.e2e.boards import press_on, raise_with, triage_view
from tests.e2e.conftest import in_channel
from tests.e2e.everything_person import (  # noqa: F401  (mode is a fixture)
    AAD,
    ADMIN_AAD,
    NAME,
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
from tests.e2e.journey import GOOD_ANSWERS
from tests.e2e.test_form import press
from tests.support.cards import all_text
from tests.support.teams import BotServer, Connector, TeamsUser, card_of, invoke_card

WITHDRAWN_PHRASE = "PRIYA-WITHDRAWN-7731"
# A colleague's request that names her, withdrawn with a reason that names her too.
WITHDRAWN_ANSWERS: dict[int, dict[str, Any]] = {
    **GOOD_ANSWERS,
    1: {
        **GOOD_ANSWERS[1],
        "title": "Garden waste bookings",
        "problem": f"{NAME} books garden waste by hand. {WITHDRAWN_PHRASE}",
    },
}
WITHDRAW_REASON = f"{NAME} found another way. {WITHDRAWN_PHRASE}"
# Where something of hers may stay, by design: a board's decision (a public record) and a
# process map (no retention period: docs/data-protection.md).
DECISIONS = ("boards.sqlite3:decisions", "list:DFD Decisions")
# Her sign-up as a digital champion: a role she still holds, with no retention period (as a
# community's lead). Not in docs/data-protection.md's retention tables: the lead decides.
CHAMPIONS = "communities.sqlite3:champions"


def now_runs(bot: BotServer) -> list[dict[str, int]]:
    """The counts of each `run retention now`, oldest first."""
    with sqlite3.connect(core_db(bot)) as db:
        found = db.execute(
            "SELECT key, data FROM records WHERE kind = 'retention.run' ORDER BY seq"
        ).fetchall()
    return [json.loads(data)["counts"] for key, data in found if ":now:" in key]


async def withdrawn_request(megan: TeamsUser) -> str:
    """Megan raises a request naming Priya, then withdraws it, giving a reason."""
    reference = await raise_with(megan, WITHDRAWN_ANSWERS)
    asks = card_of((await megan.say(f"withdraw {reference}"))[-1])
    done = await press(megan, asks, "Withdraw request", {"withdrawReason": WITHDRAW_REASON})
    assert "withdrawn" in all_text(done).lower(), all_text(done)
    return reference


async def open_request(megan: TeamsUser, admin: TeamsUser) -> str:
    """A request still with IT triage, assigned (a history entry): past the AUDIT period
    only its history changes."""
    reference = await raise_with(megan, GOOD_ANSWERS)
    view = await triage_view(admin, reference)
    assigned = invoke_card(
        await press_on(in_channel(admin), view, "Assign", {"assignee": ADMIN_AAD})
    )
    assert "Assigned to" in all_text(assigned), all_text(assigned)
    return reference


async def run_now(admin: TeamsUser) -> str:
    card = card_of((await admin.say("run retention now"))[-1])
    text = all_text(card)
    assert "The retention job has run" in text, text
    return text


def is_decision(cell: Cell) -> bool:
    return cell.where.endswith(DECISIONS[0]) or cell.where == DECISIONS[1]


def is_process_map(cell: Cell) -> bool:
    return cell.row.get("kind") == "process_map" or cell.where == "list:DFD Automation Backlog"


def leftovers(cells: list[Cell]) -> list[tuple[Cell, list[str]]]:
    words = [*forbidden(), WITHDRAWN_PHRASE]
    return [(cell, found) for cell in cells if (found := found_in(cell.text, words))]


async def test_seven_years_on_retention_leaves_nothing_of_her_but_by_design(
    tmp_path: Path,
    mode: str,  # noqa: F811  (the fixture imported above)
    connector: Connector,
    http: aiohttp.ClientSession,
) -> None:
    async with everything_bot(tmp_path, mode) as (bot, fake):
        priya, admin, megan = people(http, bot, connector)
        seeded = await use_everything(bot, priya, admin, megan)
        withdrawn = await withdrawn_request(megan)
        still_open = await open_request(megan, admin)
        await bot.settled()
        if fake is not None:
            await writes_done(http, bot)
        before = requests_rows(bot)
        items_before = len(fake.list_items("DFD Requests")) if fake else 0
        data_dir = Path(bot.env["DATA_DIR"])
        held = leftovers([*scan_sqlite(data_dir), *scan_lists(fake)])
        assert held, "nothing of hers was stored: the scan would prove nothing"
        assert before[seeded.reference]["status"] == "delivered", before[seeded.reference]
        assert before[withdrawn]["status"] == "withdrawn", before[withdrawn]

        bot.clock.advance(dt.timedelta(days=years(7)))
        first_text = await run_now(admin)
        await bot.settled()
        if fake is not None:
            await writes_done(http, bot)
        cells = [*scan_sqlite(data_dir), *scan_lists(fake)]
        after = requests_rows(bot)
        items_after = len(fake.list_items("DFD Requests")) if fake else 0

        bot.clock.advance(dt.timedelta(days=1))
        second_text = await run_now(admin)
        await bot.settled()
        if fake is not None:
            await writes_done(http, bot)
        first, second = now_runs(bot)

    problems: list[str] = []
    # 2. Every kind the story made records of was changed, and the card says so.
    for kind in RetentionKind:
        if first.get(kind.value, 0) <= 0:
            problems.append(f"the first run changed no {kind.value}: {first}")
    if "Nothing was past its period" in first_text:
        problems.append(f"the first run's card says nothing changed: {first_text[:300]}")

    # 3. Nothing of hers is left, but in a board's decision or a process map.
    for cell, found in leftovers(cells):
        if is_decision(cell) or is_process_map(cell) or cell.where.endswith(CHAMPIONS):
            continue
        problems.append(f"{found} left at {cell}")
    decision_cells = [(c, found) for c, found in leftovers(cells) if is_decision(c)]
    if not decision_cells:
        problems.append("no board decision names her: the exception was not tested")
    # What a decision keeps is what the board typed about her (her name as delivery
    # owner), in the decision records themselves: nothing she typed, none of her ids.
    problems += [
        f"a decision keeps {found}: {cell}"
        for cell, found in decision_cells
        if set(found) - {NAME, NAME.split()[-1]}
    ]

    # 4. A second run a day later changes nothing.
    if any(second.values()):
        problems.append(f"the second run changed {second}")
    if "Nothing was past its period" not in second_text:
        problems.append(f"the second run's card: {second_text[:300]}")

    # 5. The requests stay, anonymised: the counts do not change.
    if set(after) != set(before):
        problems.append(f"requests were {sorted(before)}, now {sorted(after)}")
    if items_after != items_before:
        problems.append(f"the DFD Requests list had {items_before} items, now {items_after}")
    if after.get(still_open, {}).get("status") != before[still_open]["status"]:
        problems.append(f"the open request {still_open} changed status")
    for reference in (seeded.reference, withdrawn):
        requester = after.get(reference, {}).get("requester_id")
        if requester in ("", None, AAD, TEAMS_ID, "user-id-1", megan.aad_object_id):
            problems.append(f"{reference}'s requester is {requester!r}")
    if PHRASES["problem"] in json.dumps(after.get(seeded.reference, {})):
        problems.append(f"{seeded.reference} keeps her problem text")
    assert not problems, f"{len(problems)} problems after retention:\n" + "\n".join(problems[:80])
