"""Reading what a caller sent: the query string and the JSON body, checked against an
operation's pydantic models, every mistake told field by field in plain English."""

from __future__ import annotations

import json
import math
import sys
import typing
from typing import Any

import pydantic
from aiohttp import web

from bot.api.operations import ApiOperation, FieldProblem
from bot.api.plain import plain_message
from bot.api.problems import invalid, standard
from bot.door import MAX_DEPTH, too_deep

MAX_BODY = 256 * 1024
MAX_UNKNOWN = 10  # unknown query parameters named in one answer
NAME_SHOWN = 60  # characters of a caller's unknown parameter name shown back


class _NumberTooBig(ValueError):
    """A number in the body Python will not read: too many digits, or beyond a float."""


def _whole_number(said: str) -> int:
    try:
        return int(said)
    except ValueError:  # more digits than Python reads (sys.get_int_max_str_digits())
        raise _NumberTooBig(
            "A number in the body has too many digits. "
            f"Send numbers of at most {sys.get_int_max_str_digits():,} digits."
        ) from None


def _number(said: str) -> float:
    number = float(said)
    if not math.isfinite(number):  # like 1e400: too large to hold
        raise _NumberTooBig("A number in the body is too large. Check the numbers you send.")
    return number


def _not_json(said: str) -> Any:
    """NaN, Infinity and -Infinity: Python reads them, JSON does not have them."""
    raise ValueError(f"{said} is not JSON")


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation) if arg is not type(None))


def parse_query(op: ApiOperation, request: web.Request) -> pydantic.BaseModel | None:
    """The query checked against `op.query`. A list takes repeated and comma-separated
    values; a parameter we do not know is refused, so that a typo in a filter never
    quietly returns everything."""
    fields = op.query.model_fields if op.query is not None else {}
    known = {info.alias or name: info for name, info in fields.items()}
    problems = [
        FieldProblem(name[:NAME_SHOWN], "We do not know this parameter. Check its spelling.")
        for name in dict.fromkeys(request.query)
        if name not in known
    ][:MAX_UNKNOWN]
    values: dict[str, Any] = {}
    for key, info in known.items():
        given = request.query.getall(key, [])
        if not given:
            continue
        if _is_list(info.annotation):
            values[key] = [part.strip() for one in given for part in one.split(",") if part.strip()]
        elif len(given) > 1:
            problems.append(FieldProblem(key, "Give this only once."))
        else:
            values[key] = given[0]
    if problems:
        raise invalid(*problems)
    if op.query is None:
        return None
    try:
        return op.query.model_validate(values)
    except pydantic.ValidationError as error:
        raise invalid(*field_problems(error)) from None


async def parse_body(
    op: ApiOperation, request: web.Request
) -> tuple[str, pydantic.BaseModel | None]:
    """The body in a canonical form (what an Idempotency-Key is matched against: the
    same JSON with other spacing or key order is the same body) and the checked body."""
    if op.body is None:
        return "", None
    too_large = f"The body is too large. Send at most {MAX_BODY // 1024} KB."
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise standard(413, too_large)
    if not request.body_exists and _all_optional(op.body):
        # Nothing to say (withdraw with no reason, say): the same as an empty object.
        return "{}", op.body.model_validate({})
    if request.content_type != "application/json":
        raise standard(415, "Send the body as JSON, with Content-Type: application/json.")
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise standard(413, too_large)
    nested = standard(400, f"The JSON is nested too deeply (more than {MAX_DEPTH} levels).")
    try:
        data = json.loads(
            raw, parse_int=_whole_number, parse_float=_number, parse_constant=_not_json
        )
    except RecursionError:
        raise nested from None
    except _NumberTooBig as too_big:
        raise standard(400, str(too_big)) from None
    except ValueError:  # UnicodeDecodeError too
        raise standard(400, "The body is not valid JSON. Check its brackets and quotes.") from None
    if too_deep(data):
        raise nested
    if not isinstance(data, dict):
        raise standard(400, "The body must be a JSON object, in curly brackets { }.")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return canonical, op.body.model_validate(data)
    except pydantic.ValidationError as error:
        raise invalid(*field_problems(error)) from None


def field_problems(error: pydantic.ValidationError) -> list[FieldProblem]:
    """Each pydantic error as a field (dotted, as the caller named it) and a plain sentence."""
    found: list[FieldProblem] = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "body"
        found.append(FieldProblem(where, plain_message(item)))
    return found


def _all_optional(model: type[pydantic.BaseModel]) -> bool:
    return not any(info.is_required() for info in model.model_fields.values())
