"""The communities journey's records read back from stored fields, shared by its SQLite
and Azure stores, and its question references (Q-YYYY-NNNN). A record's fields are
stored under its field names; here they are turned back into their types, so both stores
read alike. No storage here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from bot.domain.communities import (
    Answer,
    AnswerKind,
    Champion,
    ChampionStatus,
    Community,
    KnowledgeEntry,
    Question,
    QuestionStatus,
)
from bot.store.times import maybe_day_from, maybe_time_from, time_from

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")

_REFERENCE = re.compile(r"Q-([0-9]{4})-([0-9]{4,9})")


def format_reference(year: int, number: int) -> str:
    """Q-YYYY-NNNN: zero-padded to 4 digits, wider after 9999."""
    return f"Q-{year}-{number:04d}"


def parse_reference(reference: str) -> tuple[int, int]:
    found = _REFERENCE.fullmatch(reference.strip().upper())
    if found is None:
        raise ValueError(f"{reference!r} is not a question reference like Q-2026-0001.")
    return int(found.group(1)), int(found.group(2))


def record_from(record: type[R], fields: Mapping[str, Any], /, **read: Callable[[Any], Any]) -> R:
    """A record from its stored fields. `read` turns those not kept as they are (times,
    days, flags, lists, statuses) back into their types; a field not stored (added
    later) takes its default."""
    return record(
        **{
            f.name: read.get(f.name, _as_kept)(fields[f.name])
            for f in dataclasses.fields(record)
            if f.name in fields
        }
    )


def _as_kept(value: Any) -> Any:
    return value


def community_from(fields: Mapping[str, Any]) -> Community:
    return record_from(Community, fields, keywords=tuple)


def champion_from(fields: Mapping[str, Any]) -> Champion:
    return record_from(
        Champion,
        fields,
        status=ChampionStatus,
        volunteered_at=time_from,
        paused_until=maybe_day_from,
        paused=bool,
        unreachable=bool,
    )


def question_from(fields: Mapping[str, Any]) -> Question:
    return record_from(
        Question,
        fields,
        status=QuestionStatus,
        asked_at=time_from,
        routed_at=maybe_time_from,
        first_answer_at=maybe_time_from,
        resolved_at=maybe_time_from,
    )


def answer_from(fields: Mapping[str, Any]) -> Answer:
    return record_from(Answer, fields, kind=AnswerKind, at=time_from, best=bool)


def entry_from(fields: Mapping[str, Any]) -> KnowledgeEntry:
    return record_from(
        KnowledgeEntry,
        fields,
        tags=tuple,
        added_at=time_from,
        review_on=dt.date.fromisoformat,
        retired=bool,
    )
