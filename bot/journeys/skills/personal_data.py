"""What the skills journey holds about people (bot/journeys/skills/data.py, reports.py):

- each skills check, under the person who sent it. After an erase or past the period
  it stays under the person's stand-in (their pseudonym: one per person), with the
  levels, role family and directorate, so the closed baselines' reports count the same
  people and show the same figures. The service area is typed: on erase it stays only
  when at least SKILLS_MIN_GROUP other people (not erased) gave the same one, so it names
  a group, not the person; otherwise it is removed. A service area that few people share
  is never shown in a report, so the figures do not change. Past the period the same
  rule applies, counting anonymised people too.
- the framework versions and baselines an admin published or opened: only the link to
  the admin goes.
- each link to a printable skills report, under whoever made it: nothing but that, so it
  is deleted on erase and once it no longer works.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.domain.anonymity import DEFAULT_MIN_GROUP
from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.journeys.skills import data
from bot.journeys.skills.reports import LINK_HOURS, LINK_KIND
from bot.ports import Record
from bot.privacy import ERASED_TEXT, Erased, Held, Person, Retained, stand_in_for
from bot.privacy_records import (
    ANONYMISED_PREFIX,
    MOST_PAGES,
    OWNER,
    PAGE,
    RecordKeeper,
    RecordKindData,
    RecordSpec,
)

ASSESSMENT = RecordSpec(
    kind=data.ASSESSMENT,
    journey="skills",
    what="Digital skills check",
    retention=RetentionKind.SKILLS,
    # The service area is typed: SkillsData.erase decides whether it stays (it names a
    # group of people) or goes. Here, so `my data` shows it and another person's check
    # that names them is found.
    mention_fields=("service_area",),
    labels={
        "baseline": "Baseline",
        "role_family": "Role family",
        "directorate": "Directorate",
        "service_area": "Service area",
        "levels": "Your levels (1 to 4), by area",
        "framework_version": "Framework version",
    },
)
FRAMEWORK = RecordSpec(
    kind=data.FRAMEWORK,
    journey="skills",
    what="Digital skills framework version you published",
    retention=None,
    owner_is_person=False,
    labels={OWNER: "Published by (your id)"},
)
BASELINE = RecordSpec(
    kind=data.BASELINE,
    journey="skills",
    what="Skills baseline you opened",
    retention=None,
    owner_is_person=False,
    labels={OWNER: "Opened by (your id)"},
)
REPORT_LINK = RecordSpec(
    kind=LINK_KIND,
    journey="skills",
    what="Link to a skills report you made",
    retention=RetentionKind.SKILLS,
    on_retention="delete",
    on_erase="delete",
    expires_after=dt.timedelta(hours=LINK_HOURS),
    labels={
        OWNER: "Made by (your id)",
        "directorate": "Directorate",
        "service_area": "Service area",
        "role_family": "Role family",
        "senior": "Senior leaders' view",
    },
)
SPECS = (ASSESSMENT, FRAMEWORK, BASELINE, REPORT_LINK)


def area_key(text: str) -> str:
    """A service area as the reports group it: capitals, spaces and underscores aside."""
    return " ".join(text.replace("_", " ").split()).casefold()


class SkillsData:
    """PersonalData for the skills journey's records, with the service-area rule."""

    def __init__(
        self,
        store: RecordKeeper,
        forget_links: Callable[[list[Record]], Any] | None,
        min_group: int,
    ) -> None:
        self.store = store
        self.min_group = min_group
        self.records = RecordKindData(store, SPECS, after_change=forget_links)

    async def held(self, person: Person) -> list[Held]:
        return await self.records.held(person)

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        changed = await self._service_areas(person, stand_in)
        done = await self.records.erase(person, stand_in, now)
        # The person's own checks are counted as their owner is replaced (below); others
        # here: another person's, and theirs already under the stand-in (an erase tried
        # again).
        done.count(ASSESSMENT.what, changed)
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        await self._retained_areas(policy.cutoff(RetentionKind.SKILLS, now))
        return await self.records.retain(policy, now)

    async def _retained_areas(self, cutoff: dt.datetime) -> None:
        """Past the period, a check keeps its service area only if at least min_group
        other people (anonymised or not) gave the same one, as on erase. Done before the
        checks are anonymised, which counts them."""
        checks = await self._checks()
        givers: dict[str, set[str]] = {}
        for record in checks:
            given = str(record.data.get("service_area") or "")
            if given and given != ERASED_TEXT:
                givers.setdefault(area_key(given), set()).add(stand_in_for(record.owner_id))
        for record in checks:
            area = record.data.get("service_area")
            if record.at >= cutoff or not isinstance(area, str) or area in ("", ERASED_TEXT):
                continue
            others = givers.get(area_key(area), set()) - {stand_in_for(record.owner_id)}
            if len(others) < self.min_group:
                new = replace(record, data={**record.data, "service_area": ERASED_TEXT})
                await self.store.replace_record(new)

    async def _service_areas(self, person: Person, stand_in: str) -> int:
        """Each of the person's checks keeps its service area only if at least min_group
        other people, not erased, gave the same one; another person's check that names
        them loses the name. How many checks changed that the erase does not count: those
        not under one of the person's ids."""
        checks = await self._checks()

        def theirs(record: Record) -> bool:
            return person.is_them(record.owner_id) or record.owner_id == stand_in

        others: dict[str, set[str]] = {}
        for record in checks:
            given = str(record.data.get("service_area") or "")
            if given and not theirs(record) and not record.owner_id.startswith(ANONYMISED_PREFIX):
                others.setdefault(area_key(given), set()).add(record.owner_id)
        changed = 0
        for record in checks:
            area = record.data.get("service_area")
            if not isinstance(area, str) or not area or area == ERASED_TEXT:
                continue
            if theirs(record):
                shared = len(others.get(area_key(area), ())) >= self.min_group
                new_area = area if shared else ERASED_TEXT
            else:
                new_area = person.scrub(area) if person.named_in(area) else area
            if new_area == area:
                continue
            new = replace(record, data={**record.data, "service_area": new_area})
            if await self.store.replace_record(new):
                changed += not person.is_them(record.owner_id)
        return changed

    async def _checks(self) -> list[Record]:
        found: list[Record] = []
        after = 0
        for _ in range(MOST_PAGES):
            page = await self.store.records(data.ASSESSMENT, after_seq=after, limit=PAGE)
            found.extend(page)
            if len(page) < PAGE:
                break
            after = page[-1].seq
        return found


def skills_data(
    store: RecordKeeper,
    forget_links: Callable[[list[Record]], Any] | None = None,
    min_group: int = DEFAULT_MIN_GROUP,
) -> SkillsData:
    """`forget_links` drops the report links read so far (reports.Reports.forget);
    `min_group` is SKILLS_MIN_GROUP."""
    return SkillsData(store, forget_links, min_group)
