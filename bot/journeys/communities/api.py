"""The communities journey in the REST API: the questions still waiting for an answer,
and the communities of practice, a page at a time.

"Waiting" means what the `questions` command in a community's channel shows: sent to a
community, with no answer the asker can use yet. Who asked is not shown: the channel's
card does not show it either.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from pydantic import Field

from bot.api.models import ApiModel, PageOf
from bot.api.operations import (
    REQUESTS_READ,
    ApiCall,
    ApiOperation,
    ApiResult,
    FieldProblem,
    Problem,
)
from bot.api.paging import NOT_OURS, PageQuery, cursor, next_link, read_cursor
from bot.api.problems import invalid
from bot.domain.communities import AnswerKind, Community, Question, QuestionStatus
from bot.journey import JourneyContext, Part
from bot.journeys.communities.nudging import working_time
from bot.journeys.communities.shared import Shared

_QUESTION = re.compile(r"Q-[0-9]{4}-[0-9]{4,9}")


class QuestionsQuery(PageQuery):
    community: str | None = Field(
        default=None,
        max_length=100,
        description="Only this community's questions: its id, like 'power-platform'. "
        "Leave it out for every community.",
    )


class QuestionOut(ApiModel):
    """A question waiting for an answer, as the community's channel shows it."""

    reference: str = Field(description="The question's reference, like Q-2026-0042.")
    community: str = Field(description="The id of the community it was sent to.")
    community_name: str = Field(description="The name of the community it was sent to.")
    text: str = Field(description="The question, as it was asked.")
    service_area: str = Field(description="Where the person who asked works.")
    asked_at: dt.datetime = Field(description="When it was asked (UTC).")
    sent_at: dt.datetime = Field(description="When it was sent to the community (UTC).")
    working_hours_waiting: float = Field(
        description="How long it has waited since it was sent, in working hours."
    )
    answers: int = Field(description="How many answers it has had so far.")
    claimed_by: str = Field(
        description="Champions who said they will call to help, by name. Empty if none."
    )


class QuestionPage(PageOf[QuestionOut]):
    pass


class CommunityOut(ApiModel):
    id: str = Field(description="The community's id, like 'power-platform'.")
    name: str = Field(description="The community's name.")
    description: str = Field(description="What it helps with.")
    lead_name: str = Field(description="The name of its lead. Empty if none is named yet.")
    channel_registered: bool = Field(description="True if it has a Teams channel set up.")


class CommunityPage(PageOf[CommunityOut]):
    pass


# ---- Questions ------------------------------------------------------------------------------


def unknown_community(given: str, communities: list[Community]) -> Problem:
    ids = ", ".join(sorted(c.id for c in communities))
    return invalid(
        FieldProblem(
            "community",
            f"There is no community '{given[:40]}'. Use one of these ids: {ids}.",
        )
    )


async def question_out(
    shared: Shared, question: Question, names: dict[str, str], now: dt.datetime
) -> QuestionOut:
    answers = await (await shared.store()).answers(question.reference)
    sent = question.routed_at or question.asked_at
    hours = working_time(shared).working_hours_between(sent, now)
    claimed = [a.champion_name for a in answers if a.kind is AnswerKind.CALL]
    return QuestionOut(
        reference=question.reference,
        community=question.community_id,
        community_name=names.get(question.community_id, question.community_id),
        text=question.text,
        service_area=question.service_area,
        asked_at=question.asked_at,
        sent_at=sent,
        working_hours_waiting=round(hours, 1),
        answers=len(answers),
        claimed_by=", ".join(dict.fromkeys(claimed)),
    )


def _community(given: str | None, communities: list[Community]) -> str | None:
    """The community asked for (None for every one); 422 for one there is not."""
    community = (given or "").strip() or None
    if community is not None and community not in {c.id for c in communities}:
        raise unknown_community(community, communities)
    return community


def _question_after(given: str | None) -> str:
    """The reference the page before ended at ("" for the first page); 422 for a cursor
    not of this list."""
    after = read_cursor("questions", given, 1)
    if after is not None and not _QUESTION.fullmatch(after[0]):
        raise invalid(FieldProblem("after", NOT_OURS))
    return after[0] if after else ""


def _next_questions(
    call: ApiCall, community: str | None, top: int, found: list[Question]
) -> str | None:
    """The next page's link, when more were found than a page shows."""
    if len(found) <= top:
        return None
    after = cursor("questions", found[top - 1].reference)
    return next_link(call, "/questions", community=community, top=top, after=after)


def _next_communities(call: ApiCall, top: int, ordered: list[Community]) -> str | None:
    """The next page's link, when there are more than a page shows."""
    if len(ordered) <= top:
        return None
    last = ordered[top - 1]
    after = cursor("communities", last.name, last.id)
    return next_link(call, "/communities", top=top, after=after)


class CommunitiesApi:
    """The handlers of the communities journey's operations: one method per operation."""

    def __init__(self, ctx: JourneyContext, shared: Shared) -> None:
        self.ctx = ctx
        self.shared = shared

    async def list_waiting(self, call: ApiCall) -> ApiResult:
        query = cast(QuestionsQuery, call.query)
        store = await self.shared.store()
        communities = await store.communities()
        names = {c.id: c.name for c in communities}
        community = _community(query.community, communities)
        found = await store.questions(
            status=QuestionStatus.OPEN.value,
            community_id=community,
            limit=query.top + 1,
            after=_question_after(query.after),
        )
        now = self.ctx.now()
        link = _next_questions(call, community, query.top, found)
        value = [await question_out(self.shared, q, names, now) for q in found[: query.top]]
        return ApiResult(200, QuestionPage(value=value, next_link=link))

    async def list_communities(self, call: ApiCall) -> ApiResult:
        query = cast(PageQuery, call.query)
        store = await self.shared.store()
        ordered = sorted(await store.communities(), key=lambda c: (c.name, c.id))
        after = read_cursor("communities", query.after, 2)
        if after is not None:
            ordered = [c for c in ordered if (c.name, c.id) > after]
        link = _next_communities(call, query.top, ordered)
        value = [await self._community_out(c) for c in ordered[: query.top]]
        return ApiResult(200, CommunityPage(value=value, next_link=link))

    async def _community_out(self, community: Community) -> CommunityOut:
        channel = await self.ctx.store.channel(self.shared.channel_purpose(community.id))
        return CommunityOut(
            id=community.id,
            name=community.name,
            description=community.description,
            lead_name=community.lead_name,
            channel_registered=channel is not None,
        )


def operations(ctx: JourneyContext, shared: Shared) -> tuple[ApiOperation, ...]:
    api = CommunitiesApi(ctx, shared)
    return (
        ApiOperation(
            operation_id="ListWaitingQuestions",
            method="GET",
            path="/questions",
            summary="List questions waiting for an answer",
            description="Lists the questions sent to a community that are still waiting "
            "for an answer, oldest first, a page at a time. Who asked is not shown.",
            tag="Questions",
            handler=api.list_waiting,
            role=REQUESTS_READ,
            query=QuestionsQuery,
            response=QuestionPage,
            param_visibility={"top": "advanced", "after": "internal"},
            problems={422: "There is no community with that id, or the page is not this list's."},
            dynamic_values={"community": ("ListCommunities", "id", "name")},
        ),
        ApiOperation(
            operation_id="ListCommunities",
            method="GET",
            path="/communities",
            summary="List communities",
            description="Lists the communities of practice, with their lead and whether "
            "they have a Teams channel set up.",
            tag="Questions",
            handler=api.list_communities,
            role=REQUESTS_READ,
            query=PageQuery,
            response=CommunityPage,
            param_visibility={"top": "advanced", "after": "internal"},
            problems={422: "The page asked for is not one of this list's."},
        ),
    )


def part(ctx: JourneyContext, shared: Shared) -> Part:
    return Part(operations=operations(ctx, shared))
