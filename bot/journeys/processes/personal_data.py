"""What the processes journey holds about people: each version of a process map, kept as
a "process_map" record under the person who mapped it, and its copy in the SharePoint
automation backlog list (OwnerId: their Entra id).

The map describes council work, not the person, so an erase keeps it for the backlog: the
owner becomes the person's stand-in, the pain points (their own words) go, and the name,
service area and steps stay with the person's names, ids, email addresses and phone numbers
taken out (Person.scrub). The backlog list is then made to match, so no line keeps their id
or their name (its Title is the process's name), and the journey's backlog, read into
memory, is read afresh.

Maps are kept while the process is on the backlog: no retention period applies, because
the steps' roles are what the estimates count (see docs/data-protection.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bot.domain.retention import RetentionPolicy
from bot.journey import JourneyContext
from bot.journeys.processes import sharepoint
from bot.journeys.processes.mapping import KIND
from bot.ports import Record
from bot.privacy import Erased, Held, Kept, Person, Retained
from bot.privacy_records import OWNER, RecordKindData, RecordSpec

MAP = RecordSpec(
    kind=KIND,
    journey="processes",
    what="Process map you sent",
    retention=None,
    text_fields=("pain_points",),
    # Words about the work stay, without the person's names, ids, email addresses and
    # phone numbers: the backlog is about the process, not about whoever mapped it.
    scrub_fields=("name", "service_area", "steps[].who", "steps[].what", "steps[].system"),
    labels={
        OWNER: "Mapped by (your id)",
        "id": "Process id",
        "version": "Version",
        "name": "Process",
        "directorate": "Directorate",
        "service_area": "Service area",
        "steps[].who": "Who does each step",
        "steps[].what": "What they do",
        "steps[].system": "Systems used",
        "pain_points": "Pain points",
        "submitted_at": "Sent",
    },
)
BACKLOG_LINE = "Line in the automation backlog list in SharePoint"


# Why a process map stays after an erase: it is the council's, and feeds the backlog.
KEPT_MAP = (
    "A process map describes how the council works, so it stays for the automation "
    "backlog. Your name, email address and phone number have been taken out of it. Ask "
    "the Power Platform makers if you want it removed."
)


class ProcessMapData:
    """PersonalData for process maps and their SharePoint backlog lines."""

    def __init__(
        self, ctx: JourneyContext, forget: Callable[[list[Record]], Any] | None = None
    ) -> None:
        self.ctx = ctx
        self.maps = RecordKindData(ctx.store, (MAP,), after_change=forget)

    async def held(self, person: Person) -> list[Held]:
        found = await self.maps.held(person)
        for line in await self._lines():
            if person.is_them(str(line.get("owner_id", ""))):
                fields = {"Owner (your id)": str(line["owner_id"]), "Process": str(line["name"])}
                found.append(Held("processes", BACKLOG_LINE, str(line["process_id"]), fields))
        return found

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        theirs = {
            str(record.data.get("id") or record.key.split(":")[0]): str(record.data.get("name"))
            for user_id in sorted(person.ids)
            for record in await self.ctx.store.records_of(user_id)
            if record.kind == MAP.kind
        }
        done = await self.maps.erase(person, stand_in, now)
        done.kept += [
            Kept("processes", "Process map", process_id, KEPT_MAP) for process_id in sorted(theirs)
        ]
        if self.ctx.graph is not None:
            # Every time, not only when a map changed: an erase retried after Graph failed
            # still brings the list in step. Raises if Graph fails, so the erase is retried.
            await sharepoint.sync_backlog(self.ctx, await self._lines())
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        return await self.maps.retain(policy, now)

    async def _lines(self) -> list[dict[str, Any]]:
        """Each process's latest line, as the SharePoint list holds it (SharePoint mode)."""
        if self.ctx.graph is None:
            return []
        from bot.journeys.processes import latest_lines  # the journey's, which imports this

        return await latest_lines(self.ctx)
