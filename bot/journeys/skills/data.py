"""What the skills journey keeps, all as records of the generic record store, so it works
on every store (SQLite, Azure Storage, SharePoint mode) and on several instances:

- "skills_framework": one record per version of the framework, key "v<n>", data
  {"version": n, "framework": <framework.json's layout>}. The highest version wins; the
  seed (version 1) is used while none is kept.
- "skills_baseline": one record per baseline, key its name folded to lower case, data
  {"name": str, "opened_at": ISO time}. The newest is open; "First baseline" is opened
  on first use.
- "skills_assessment": one record per skills check sent, key the check's draft id,
  owner the person, data {"baseline": name, "role_family": key, "directorate": str,
  "service_area": str, "levels": {area key: 1..4}, "framework_version": n}.

The reports read these through `load_framework`, `frameworks`, `assessments` and
`baselines`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from bot.journeys.skills.framework import (
    Framework,
    FrameworkProblems,
    parse_framework,
    seed_framework,
    to_data,
)
from bot.ports import Record, RecordStore

logger = logging.getLogger(__name__)

FRAMEWORK = "skills_framework"
BASELINE = "skills_baseline"
ASSESSMENT = "skills_assessment"
FIRST_BASELINE = "First baseline"
PAGE = 500


async def _all(store: RecordStore, kind: str) -> list[Record]:
    """Every record of a kind, oldest first, read a page at a time."""
    found: list[Record] = []
    after = 0
    while page := await store.records(kind, after, PAGE):
        found.extend(page)
        after = page[-1].seq
    return found


async def frameworks(store: RecordStore) -> list[Framework]:
    """Every usable version of the framework, oldest first, the seed included."""
    found = {1: seed_framework()}
    for record in await _all(store, FRAMEWORK):
        version = record.data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 2:
            continue
        try:
            found[version] = parse_framework(record.data.get("framework"), version)
        except FrameworkProblems as problems:
            # Kept by an older version of the bot, or edited by hand: not used.
            logger.warning("Skills framework version %s is not usable: %s", version, problems)
    return [found[version] for version in sorted(found)]


async def load_framework(store: RecordStore) -> Framework:
    """The framework in use now: the newest usable version."""
    return (await frameworks(store))[-1]


async def save_framework(
    store: RecordStore, framework: Framework, owner_id: str, now: dt.datetime
) -> bool:
    """Keep a new version. False if that version was kept already (someone else saved a
    change at the same moment): nothing is overwritten."""
    data = {"version": framework.version, "framework": to_data(framework)}
    return await store.add_record(Record(FRAMEWORK, f"v{framework.version}", owner_id, now, data))


async def assessments(store: RecordStore) -> list[Record]:
    """Every skills check sent, oldest first."""
    return await _all(store, ASSESSMENT)


async def baselines(store: RecordStore) -> list[Record]:
    """Every baseline opened, oldest first: the last is the one open now."""
    return await _all(store, BASELINE)


def baseline_key(name: str) -> str:
    return " ".join(name.split()).casefold()


async def open_baseline(store: RecordStore, name: str, owner_id: str, now: dt.datetime) -> bool:
    """Open a new baseline: False if one of that name was opened before."""
    data: dict[str, Any] = {"name": name, "opened_at": now.isoformat()}
    return await store.add_record(Record(BASELINE, baseline_key(name), owner_id, now, data))


async def current_baseline(store: RecordStore, now: dt.datetime) -> str:
    """The name of the baseline open now, opening the first one if there is none yet."""
    kept = await baselines(store)
    if not kept:
        await open_baseline(store, FIRST_BASELINE, "", now)
        kept = await baselines(store)
    return str(kept[-1].data.get("name") or FIRST_BASELINE)
