"""RFC 9457 problem documents: every error the REST API gives, in one shape.

`type` is a URN naming the kind of problem (stable, for code to test); `title` is the
same for every problem of that kind; `detail` says in plain English what happened and
what to do; `errors` lists each field that needs changing, by the name the caller sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.api.operations import FieldProblem, Problem

PROBLEM_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:digital-front-door:problem:"

# The kind, title and plain detail of a problem with no more to say than its status.
STANDARD: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "The request could not be read", "Check the request and try again."),
    401: (
        "unauthenticated",
        "Sign-in needed",
        "Send a valid token (or, locally, the API key) with the request.",
    ),
    403: ("forbidden", "Not allowed", "You do not have permission to do this."),
    404: ("not-found", "Not found", "There is nothing at this address."),
    405: ("method-not-allowed", "Method not allowed", "This address does not accept that method."),
    409: ("conflict", "Conflict", "Someone changed this at the same time. Try again."),
    413: ("too-large", "Too large", "The body is too large."),
    415: ("unsupported-media-type", "Send JSON", "Send the body as application/json."),
    422: ("validation", "Check your answers", "Some answers need changing."),
    429: ("rate-limited", "Too many requests", "Wait a moment, then try again."),
    500: (
        "server-error",
        "Something went wrong on our side",
        "Nothing was changed. Try again later. If it keeps happening, contact the IT service desk.",
    ),
    503: ("unavailable", "Not available", "The service is starting or stopping. Try again."),
}


def problem_body(problem: Problem, instance: str = "") -> dict[str, Any]:
    kind, title, detail = STANDARD.get(problem.status, ("error", "Error", ""))
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + (problem.kind or kind),
        "title": problem.title or title,
        "status": problem.status,
        "detail": problem.detail or detail or problem.title,
    }
    if instance:
        body["instance"] = instance
    if problem.errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in problem.errors]
    return body


def problem_response(problem: Problem, instance: str = "") -> web.Response:
    return web.Response(
        status=problem.status,
        text=json.dumps(problem_body(problem, instance)),
        content_type=PROBLEM_TYPE,
        headers=problem.headers,
    )


def standard(status: int, detail: str = "", headers: Mapping[str, str] | None = None) -> Problem:
    """The usual problem for a status, with this time's detail if given."""
    kind, title, plain = STANDARD[status]
    return Problem(status, title, detail or plain, kind=kind, headers=headers)


def invalid(*errors: FieldProblem, detail: str = "") -> Problem:
    """422: the listed fields need changing."""
    kind, title, plain = STANDARD[422]
    count = len(errors)
    said = detail or (plain if count != 1 else f"{errors[0].message} ({errors[0].field})")
    return Problem(422, title, said, kind=kind, errors=tuple(errors))
