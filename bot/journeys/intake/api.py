"""Raise a digital request through the REST API: the chat form's questions as one JSON
body, its checks and words, and the same scoring, routing and news as a request sent
in chat.

Every answer is optional in the body's model, so that the form itself says what is
missing or wrong, field by field and all at once, in the words the chat uses.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import pydantic
from pydantic import ConfigDict
from pydantic.alias_generators import to_camel

from bot.api.models import ApiModel, RequestWithHistory, request_with_history
from bot.api.operations import REQUESTS_WRITE, ApiCall, ApiOperation, ApiResult, FieldProblem
from bot.api.problems import invalid
from bot.domain.forms import NO, YES, FieldSpec
from bot.domain.model import RequestDetails, Requester
from bot.journey import REQUEST_SUBMITTED, JourneyContext
from bot.journeys.intake import usecases
from bot.journeys.intake.form import STEPS, validate_all

# Every question of the form, the one asked only about a past contract end date too.
QUESTIONS: dict[str, FieldSpec] = {spec.name: spec for step in STEPS for spec in step.fields}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def json_name(name: str) -> str:
    return to_camel(name)


def _values(spec: FieldSpec) -> list[str]:
    return [choice.value for choice in spec.choices or ()]


def _schema(spec: FieldSpec) -> dict[str, Any]:
    """What the answer to a question looks like in JSON, for the OpenAPI document."""
    match spec.kind:
        case "number":
            return {"type": "integer", "minimum": spec.minimum, "maximum": spec.maximum}
        case "yesno":
            return {"type": "boolean"}
        case "date":
            return {"type": "string", "format": "date"}
        case "choice":
            return {"type": "string", "enum": _values(spec)}
        case "multichoice":
            return {"type": "array", "items": {"type": "string", "enum": _values(spec)}}
    return {"type": "string", "maxLength": spec.max_length}


def _describe(spec: FieldSpec) -> str:
    said = spec.help
    if spec.kind == "date":
        said = said.replace("31 March 2027", "2027-03-31")
    if spec.shown_when is not None:
        said = f"Needed only when the contract end date has passed. {said}"
    return said or spec.label


def _field_schema(spec: FieldSpec) -> Callable[[dict[str, Any]], None]:
    def shape(schema: dict[str, Any]) -> None:
        schema.pop("default", None)  # left out is fine: the form says if it is needed
        schema.update(_schema(spec))

    return shape


def _required(schema: dict[str, Any]) -> None:
    schema["required"] = [
        json_name(spec.name)
        for spec in QUESTIONS.values()
        if spec.required and spec.shown_when is None
    ]


class _Answers(ApiModel):
    model_config = ConfigDict(json_schema_extra=_required)


_ANSWERS: dict[str, Any] = {
    name: (
        Any,
        pydantic.Field(
            default=None,
            title=spec.label,
            description=_describe(spec),
            json_schema_extra=_field_schema(spec),
        ),
    )
    for name, spec in QUESTIONS.items()
}
NewRequestIn: type[ApiModel] = pydantic.create_model(
    "NewRequestIn",
    __base__=_Answers,
    __doc__="A new digital request: the answers to the request form's questions.",
    **_ANSWERS,
)


def _iso_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text.strip()):
        return False
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def _wrong_type(spec: FieldSpec) -> str:
    match spec.kind:
        case "number":
            return f"Enter {spec.noun} as a whole number, like {spec.example}."
        case "yesno":
            return f"Enter true or false to say {spec.noun}."
        case "date":
            return f"Enter {spec.noun} as a date, like 2027-03-31."
        case "multichoice":
            return f'Enter {spec.noun} as a list, like ["{_values(spec)[0]}"].'
    return f"Enter {spec.noun} as text."


def _raw(spec: FieldSpec, value: object) -> str | None:
    """An answer as the string a chat draft keeps; None if its JSON type is wrong."""
    if value is None:
        return ""
    match spec.kind:
        case "text" | "multiline" | "choice" if isinstance(value, str):
            return value
        case "date" if isinstance(value, str) and _iso_date(value):
            return value
        case "number" if isinstance(value, int) and not isinstance(value, bool):
            return str(value) if value.bit_length() <= 64 else None
        case "number" if isinstance(value, float) and value.is_integer():
            return str(int(value))
        case "yesno" if isinstance(value, bool):
            return YES if value else NO
        case "multichoice" if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ",".join(value)
    return None


def _listed(values: list[str] | tuple[str, ...]) -> str:
    """Values for a sentence: quoted when one has a comma in it ("Communities, Culture
    and Homes"), so where each ends is clear."""
    if any("," in value for value in values):
        return ", ".join(f'"{value}"' for value in values)
    return ", ".join(values)


def _in_api_words(spec: FieldSpec, message: str) -> str:
    """The form's message, with the options named where a card would list them."""
    if spec.kind == "choice" and message.startswith("Choose one of the options listed"):
        return "Choose one of: " + _listed(_values(spec)) + "."
    if spec.kind == "multichoice" and message.startswith("Choose only from the options listed"):
        return "Choose only from: " + _listed(_values(spec)) + "."
    return message if message.endswith((".", "?", "!")) else message + "."


def checked_answers(body: Mapping[str, object], today: dt.date) -> RequestDetails:
    """The request's typed details, or Problem (422) naming every answer to change."""
    raw = {name: _raw(spec, body.get(name)) for name, spec in QUESTIONS.items()}
    problems = {name: _wrong_type(QUESTIONS[name]) for name, value in raw.items() if value is None}
    answers = {name: value or "" for name, value in raw.items()}
    details, errors = validate_all(answers, today)
    for name, message in errors.items():
        problems.setdefault(name, _in_api_words(QUESTIONS[name], message))
    if problems or details is None:
        order = list(QUESTIONS)
        raise invalid(
            *(
                FieldProblem(json_name(name), problems[name])
                for name in sorted(problems, key=order.index)
            )
        )
    return details


def operations(ctx: JourneyContext) -> tuple[ApiOperation, ...]:
    async def create_request(call: ApiCall) -> ApiResult:
        assert call.body is not None
        now = ctx.now()
        details = checked_answers(dict(call.body), now.date())
        caller = call.caller
        requester = Requester(
            user_id=caller.user_id, name=caller.name, aad_object_id=caller.user_id
        )
        # A fresh draft each time: a retry is recognised by its Idempotency-Key.
        stored = await usecases.score_route_store(
            ctx.store, ctx.store, details, requester, uuid.uuid4().hex, now
        )
        ctx.events.publish(REQUEST_SUBMITTED, stored)
        gov = await ctx.store.governance()
        names = {key: board.name for key, board in gov.boards.items()}
        shown = request_with_history(stored, names, call.base_url)
        return ApiResult(201, shown, headers={"Location": shown.link})

    return (
        ApiOperation(
            operation_id="CreateRequest",
            method="POST",
            path="/requests",
            summary="Raise a request",
            description="Raises a digital request as the signed-in person, with the same "
            "questions as the request form in Teams. It gets a reference, a priority score "
            "and a board, and goes to IT triage, just like a request sent in Teams. If an "
            "answer needs changing, you get every answer to change at once. Send an "
            "Idempotency-Key header so that trying again does not raise it twice.",
            tag="Requests",
            handler=create_request,
            role=REQUESTS_WRITE,
            person=True,
            body=NewRequestIn,
            response=RequestWithHistory,
            status=201,
            idempotent=True,
            problems={422: "An answer is missing or needs changing."},
        ),
    )
