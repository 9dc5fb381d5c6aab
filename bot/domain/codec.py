"""Domain objects to plain JSON-able dicts and back, shared by every store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from bot.domain.model import (
    AuditEntry,
    Board,
    Budget,
    Criterion,
    DigitalRequest,
    Driver,
    FieldChange,
    Matrix,
    Process,
    RequestDetails,
    RequestKind,
    Route,
    RoutingRule,
    Score,
    ScoreLine,
    Status,
)

_DATE_FIELDS = ("contract_end", "needed_by", "statutory_deadline")


def details_to_dict(details: RequestDetails) -> dict[str, Any]:
    data = dataclasses.asdict(details)
    for name in _DATE_FIELDS:
        value = data[name]
        data[name] = value.isoformat() if value else None
    data["kind"] = details.kind.value
    data["budget"] = details.budget.value
    data["drivers"] = [d.value for d in details.drivers]
    return data


def details_from_dict(data: dict[str, Any]) -> RequestDetails:
    values = dict(data)
    for name in _DATE_FIELDS:
        values[name] = dt.date.fromisoformat(values[name]) if values.get(name) else None
    values["kind"] = RequestKind(values["kind"])
    values["budget"] = Budget(values["budget"])
    values["drivers"] = tuple(Driver(d) for d in values["drivers"])
    return RequestDetails(**values)


def score_to_dict(score: Score) -> dict[str, Any]:
    return dataclasses.asdict(score)


def score_from_dict(data: dict[str, Any]) -> Score:
    lines = tuple(ScoreLine(**line) for line in data["lines"])
    return Score(total=data["total"], matrix_version=data["matrix_version"], lines=lines)


def route_to_dict(route: Route) -> dict[str, Any]:
    return dataclasses.asdict(route)


def route_from_dict(data: dict[str, Any]) -> Route:
    return Route(**data)


def matrix_to_dict(matrix: Matrix) -> dict[str, Any]:
    return dataclasses.asdict(matrix)


def matrix_from_dict(data: dict[str, Any]) -> Matrix:
    criteria = tuple(Criterion(**c) for c in data["criteria"])
    return Matrix(version=data["version"], criteria=criteria)


def rules_to_list(rules: tuple[RoutingRule, ...]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(rule) for rule in rules]


def rules_from_list(data: list[dict[str, Any]]) -> tuple[RoutingRule, ...]:
    return tuple(RoutingRule(**rule) for rule in data)


def boards_from_list(data: list[dict[str, Any]]) -> dict[str, Board]:
    return {b["key"]: Board(**b) for b in data}


def processes_from_list(data: list[dict[str, Any]]) -> dict[str, Process]:
    return {p["key"]: Process(**p) for p in data}


def triage_to_dict(request: DigitalRequest) -> dict[str, Any]:
    """The triage part of a request: assignee, duplicate, open question, history."""
    return {
        "assignee_id": request.assignee_id,
        "assignee_name": request.assignee_name,
        "duplicate_of": request.duplicate_of,
        "question": request.question,
        "history": [_entry_to_dict(entry) for entry in request.history],
        "delivery_owner": request.delivery_owner,
        "deferred_until": request.deferred_until.isoformat() if request.deferred_until else "",
        "theme": request.theme,
        "horizon": request.horizon,
    }


def _entry_to_dict(entry: AuditEntry) -> dict[str, Any]:
    data = {
        **dataclasses.asdict(entry),
        "at": entry.at.isoformat(),
        "from_status": entry.from_status.value,
        "to_status": entry.to_status.value,
    }
    if not entry.changes:
        del data["changes"]  # most entries: kept as before edits existed
    return data


def triage_fields(data: dict[str, Any] | None) -> dict[str, Any]:
    """Keyword arguments for DigitalRequest from triage_to_dict's output (or nothing)."""
    if not data:
        return {}
    history = tuple(
        AuditEntry(
            at=dt.datetime.fromisoformat(e["at"]),
            actor_id=e["actor_id"],
            actor_name=e["actor_name"],
            action=e["action"],
            from_status=Status(e["from_status"]),
            to_status=Status(e["to_status"]),
            detail=e.get("detail", ""),
            changes=tuple(FieldChange(**c) for c in e.get("changes", ())),
        )
        for e in data.get("history", [])
    )
    return {
        "assignee_id": data.get("assignee_id", ""),
        "assignee_name": data.get("assignee_name", ""),
        "duplicate_of": data.get("duplicate_of", ""),
        "question": data.get("question", ""),
        "history": history,
        "delivery_owner": data.get("delivery_owner", ""),
        "deferred_until": (
            dt.date.fromisoformat(data["deferred_until"]) if data.get("deferred_until") else None
        ),
        "theme": data.get("theme", ""),
        "horizon": data.get("horizon", ""),
    }
