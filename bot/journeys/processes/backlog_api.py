"""The automation backlog in the REST API, for Power Platform makers: the same list as
`automation backlog` in chat, in the same order, a page at a time.

Who mapped a process is not shown. The order can change between two pages when a map is
sent in between; a page starts after the place the page before ended.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, cast

from pydantic import Field

from bot.api.models import ApiModel, PageOf
from bot.api.operations import REQUESTS_READ, ApiCall, ApiOperation, ApiResult, FieldProblem
from bot.api.paging import NOT_OURS, PageQuery, cursor, next_link, read_cursor
from bot.api.problems import invalid
from bot.domain.automation import Opportunity

if TYPE_CHECKING:
    from bot.journeys.processes.backlog import Backlog

PATH = "/automation-backlog"
_POSITION = re.compile(r"[1-9][0-9]{0,8}")


class OpportunityOut(ApiModel):
    """A process where self-service or automation could save staff time."""

    process_id: str = Field(description="The process map's id.")
    version: int = Field(description="The version of the map the estimate is for.")
    name: str = Field(description="The process's name, as the person who mapped it gave it.")
    directorate: str = Field(description="The directorate that runs it.")
    service_area: str = Field(description="The team or service that does the work.")
    kind: str = Field(
        description="What fits: self_service_form, power_automate or integration.",
    )
    kind_label: str = Field(description="What fits, in words, like A Power Automate flow.")
    hours_per_year: float = Field(description="Staff hours a year the process takes.")
    hours_saved_per_year: float = Field(
        description="Staff hours a year it could save, by the published rules."
    )
    ease: int = Field(description="How easy it is to build: 3 is quickest, 1 is the most work.")
    systems: list[str] = Field(description="The systems its steps name, in order.")
    reason: str = Field(description="Why this kind fits, in plain words.")
    explanation: list[str] = Field(description="Every figure of the estimate, explained.")
    rules_version: int = Field(description="The version of the published rules used.")
    mapped_at: dt.datetime | None = Field(
        default=None, description="When this version of the map was sent (UTC)."
    )


class OpportunityPage(PageOf[OpportunityOut]):
    pass


def opportunity_out(found: Opportunity, mapped_at: dt.datetime | None) -> OpportunityOut:
    process, estimate = found.process, found.estimate
    return OpportunityOut(
        process_id=process.id,
        version=process.version,
        name=process.name,
        directorate=process.directorate,
        service_area=process.service_area,
        kind=estimate.kind.value,
        kind_label=estimate.label,
        hours_per_year=round(estimate.hours_spent, 1),
        hours_saved_per_year=round(estimate.hours_saved, 1),
        ease=estimate.ease,
        systems=list(estimate.systems),
        reason=estimate.reason,
        explanation=list(estimate.lines),
        rules_version=estimate.rules_version,
        mapped_at=mapped_at,
    )


def _start(given: str | None) -> int:
    """How many the pages before showed (0 for the first page); 422 for a cursor that
    is not this list's."""
    after = read_cursor("automation-backlog", given, 1)
    if after is None:
        return 0
    if not _POSITION.fullmatch(after[0]):
        raise invalid(FieldProblem("after", NOT_OURS))
    return int(after[0])


def operations(backlog: Backlog) -> tuple[ApiOperation, ...]:
    async def list_backlog(call: ApiCall) -> ApiResult:
        query = cast(PageQuery, call.query)
        start = _start(query.after)
        ranked = await backlog.ranked()
        shown = ranked[start : start + query.top]
        link = None
        if start + query.top < len(ranked):
            after = cursor("automation-backlog", str(start + query.top))
            link = next_link(call, PATH, top=query.top, after=after)
        value = [opportunity_out(found, backlog.mapped_at(found.process.id)) for found in shown]
        return ApiResult(200, OpportunityPage(value=value, next_link=link))

    return (
        ApiOperation(
            operation_id="ListAutomationBacklog",
            method="GET",
            path=PATH,
            summary="List the automation backlog",
            description="Lists the processes people have mapped where self-service or "
            "automation could save staff time, most hours saved a year first, then the "
            "quickest to build. Each has its estimate, worked out by the published rules.",
            tag="Processes",
            handler=list_backlog,
            role=REQUESTS_READ,
            query=PageQuery,
            response=OpportunityPage,
            param_visibility={"top": "advanced", "after": "internal"},
            problems={422: "The page asked for is not one of this list's."},
        ),
    )
