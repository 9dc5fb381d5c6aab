"""The OpenAPI 3.1 document, generated from the operations the journeys declare.

Nothing here is written by hand per operation: paths, parameters, bodies, responses,
webhooks and schemas all come from `ApiOperation` and its pydantic models, so the
document is the API. What Power Platform needs besides (which parameters to tuck away,
which operations are triggers, where dropdowns get their values, paging) travels as
`x-ms-*` extensions, and `bot.api.connector` turns the same document into the Swagger
2.0 custom connector.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pydantic
from pydantic import Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from bot.api.models import ApiModel
from bot.api.operations import ApiOperation

TITLE = "Digital Front Door"  # also the connector's name: 30 characters at most
VERSION = "1.0.0"
DESCRIPTION = (
    "Digital requests, board decisions and community questions from Southampton City "
    "Council's Digital Front Door. Raise and follow requests, record board decisions, "
    "send cards in Teams, and start a flow when a request is created, when its status "
    "changes or when a board decides."
)
REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"

# The Entra endpoints a connection signs in with. The tenant and the API's app
# registration differ per council: deploy/api.md says what to put in their place.
TENANT = "YOUR-TENANT-ID"
API_APP = "api://YOUR-API-CLIENT-ID"
SCOPE_NAME = "access_as_user"  # the API registration's delegated scope (deploy/api.md)
LOGIN = "https://login.microsoftonline.com"
API_KEY_HEADER = "X-API-Key"

TAGS: dict[str, str] = {
    "Requests": "Digital requests: list them, get one with its history, raise one, withdraw one.",
    "Decisions": "Board decisions on requests.",
    "Boards": "The boards that decide on requests.",
    "Questions": "Questions people asked a community, and those still waiting for an answer.",
    "Communities": "Communities of practice and their digital champions.",
    "Flows": "Triggers that start a flow when something happens.",
    "Subscriptions": "Triggers that start a flow when something happens.",
    "Messages": "Cards a flow sends in Teams, to a person or a channel.",
    "Processes": "Mapped processes, and the automation backlog made from them.",
}

PATH_PARAMS: dict[str, tuple[str, str]] = {
    "reference": ("Reference", "The request's reference, like DR-2026-0042."),
    "id": ("Subscription id", "The subscription's id, from the address it was created with."),
}

SUCCESS: dict[int, str] = {
    200: "Done.",
    201: "Created.",
    202: "Accepted. It will be sent shortly.",
    204: "Done. There is nothing to return.",
}

# Paging parameters: a maker seldom sets them (Power Automate follows nextLink itself
# when the action's pagination is on).
PAGING = ("top", "after")


class ProblemField(ApiModel):
    """One field that needs changing."""

    field: str = Field(description="The field as you sent it, like details.title.")
    message: str = Field(description="What to change, in plain words.")


class Problem(ApiModel):
    """What went wrong (RFC 9457). Every error the service gives has this shape."""

    type: str = Field(description="The kind of problem, as a stable name for code to check.")
    title: str = Field(description="A short title, the same for every problem of its kind.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What happened this time and what to do, in plain words.")
    instance: str = Field(default="", description="The address that was called.")
    errors: list[ProblemField] = Field(
        default_factory=list, description="Each field that needs changing, if any."
    )


def document(
    operations: Iterable[ApiOperation],
    server_url: str = "/",
    *,
    tenant_id: str = "",
    audience: str = "",
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for `operations`, served from `server_url`. In m365 mode
    `tenant_id` and `audience` (the API's App ID URI) name the real Entra endpoints and
    scope; without them the document shows placeholders, as the connector's files do."""
    ops = list(operations)
    refs, schemas = _schemas(ops)
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.full_path, {})[op.method.lower()] = _operation(op, refs)
    _mark_body_fields(ops, refs, schemas)
    used_tags = list(dict.fromkeys(op.tag for op in ops))
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": server_url}],
        "tags": [{"name": tag, "description": TAGS.get(tag, "")} for tag in used_tags],
        "security": _security(),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": _security_schemes(tenant_id or TENANT, audience or API_APP),
        },
    }
    webhooks = {op.operation_id: _webhook(op, refs) for op in ops if op.trigger is not None}
    if webhooks:
        doc["webhooks"] = webhooks
    return doc


Refs = dict[tuple[type[pydantic.BaseModel], JsonSchemaMode], dict[str, Any]]


def _schemas(ops: list[ApiOperation]) -> tuple[Refs, dict[str, Any]]:
    """Every model's schema under components, and the $ref for each (model, mode)."""
    wanted: list[tuple[type[pydantic.BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    for op in ops:
        if op.body is not None:
            wanted.append((op.body, "validation"))
        if op.response is not None:
            wanted.append((op.response, "serialization"))
        if op.trigger is not None:
            wanted.append((op.trigger.payload, "serialization"))
    wanted = list(dict.fromkeys(wanted))
    found, defs = models_json_schema(wanted, ref_template=REF, by_alias=True)
    schemas = dict(sorted(defs.get("$defs", {}).items()))
    _title_fields(schemas)
    refs: Refs = {key: found[key] for key in wanted}
    return refs, schemas


_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_CAPITALS = {"Id": "ID", "Url": "URL", "Api": "API"}


def field_title(name: str) -> str:
    """A field's JSON name as words for a label: `notificationUrl` is "Notification URL"."""
    words = [word.capitalize() for word in _WORD.findall(name)] or [name]
    return " ".join(_CAPITALS.get(word, word) for word in words)


def _title_fields(schema: Any) -> None:
    """Give each property a readable title where pydantic made one from its JSON name
    (`notificationUrl` becomes "Notificationurl"). Titles written in a model stay."""
    if isinstance(schema, list):
        for item in schema:
            _title_fields(item)
        return
    if not isinstance(schema, dict):
        return
    for name, prop in schema.get("properties", {}).items():
        if isinstance(prop, dict) and prop.get("title") == name.title().replace("_", " "):
            prop["title"] = field_title(name)
    for value in schema.values():
        _title_fields(value)


def _ref(refs: Refs, model: type[pydantic.BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
    return {"$ref": refs[(model, mode)]["$ref"]}


def _problem(refs: Refs, description: str, headers: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": _ref(refs, Problem, "serialization")}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _operation(op: ApiOperation, refs: Refs) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
        "parameters": _parameters(op),
    }
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(refs, op.body, "validation")}},
        }
    out["responses"] = _responses(op, refs)
    out["security"] = _security()
    if op.visibility:
        out["x-ms-visibility"] = op.visibility
    if op.trigger is not None:
        out["x-ms-trigger"] = "single"
        out["x-ms-notification-content"] = {
            "description": op.trigger.summary,
            "schema": _ref(refs, op.trigger.payload, "serialization"),
        }
    if op.response is not None and _has_field(op.response, "nextLink"):
        out["x-ms-pageable"] = {"nextLinkName": "nextLink"}
    return out


def _has_field(model: type[pydantic.BaseModel], name: str) -> bool:
    return any((info.alias or key) == name for key, info in model.model_fields.items())


def _responses(op: ApiOperation, refs: Refs) -> dict[str, Any]:
    success: dict[str, Any] = {"description": SUCCESS.get(op.status, "Done.")}
    if op.response is not None and op.status != 204:
        schema = _ref(refs, op.response, "serialization")
        success["content"] = {"application/json": {"schema": schema}}
    if op.status == 201:
        success["headers"] = {
            "Location": {
                "description": "The address of what was created.",
                "schema": {"type": "string"},
            }
        }
    answers: dict[int, dict[str, Any]] = {op.status: success}
    for status, said in _problems(op).items():
        headers = {"Retry-After": _retry_after()} if status == 429 else {}
        answers[status] = _problem(refs, said, headers)
    return {str(status): answers[status] for status in sorted(answers)}


def _retry_after() -> dict[str, Any]:
    return {
        "description": "How many seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }


def _problems(op: ApiOperation) -> dict[int, str]:
    """Every problem this operation can answer with, and when."""
    refused = "The caller may not do this."
    if op.role:
        refused = f"The caller does not have the {op.role} role."
    if op.person:
        refused += " Or an app is calling on its own: this must be done by a signed-in person."
    said: dict[int, str] = {
        400: "The request could not be read.",
        401: "No valid sign-in: send a valid token (or, locally, the API key).",
        403: refused,
        422: "Some values need changing. The errors list says which, and what to change.",
        429: "Too many calls. Wait for the seconds in Retry-After, then try again.",
        500: "Something went wrong on our side. Nothing was changed. Try again later.",
        503: "The service is starting or stopping. Try again in a moment.",
    }
    if _PATH_PARAM.search(op.path):
        said[404] = "There is nothing with that reference or id."
    if op.body is not None:
        said[413] = "The body is too large."
        said[415] = "The body was not sent as application/json."
    if op.idempotent:
        said[409] = "A call with the same Idempotency-Key has not finished yet."
    return {**said, **op.problems}


_PATH_PARAM = re.compile(r"{([^}]+)}")


def _parameters(op: ApiOperation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    custom = op.extra.get("path_params", {})
    for name in _PATH_PARAM.findall(op.path):
        title, description = custom.get(name) or PATH_PARAMS.get(name, (name, f"The {name}."))
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": description,
                "schema": {"type": "string", "title": title},
            }
        )
    if op.query is not None:
        params.extend(_query_parameters(op, op.query))
    if op.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Any unique text, up to 200 characters. Send the same key when "
                "you try again, and you get the first answer back instead of a second copy.",
                "schema": {"type": "string", "title": "Idempotency key", "maxLength": 200},
                "x-ms-visibility": "advanced",
            }
        )
    return params


def _query_parameters(op: ApiOperation, model: type[pydantic.BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    _title_fields(schema)
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    found = []
    for name, prop in schema.get("properties", {}).items():
        prop = _not_null(_inline(prop, defs))
        if isinstance(prop.get("items"), dict):
            # An enumeration's docstring is written for developers, not for makers.
            prop["items"].pop("description", None)
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.pop("description", ""),
            "schema": prop,
        }
        if _is_array(prop):
            param["style"] = "form"
            param["explode"] = True
        visibility = op.param_visibility.get(name) or ("advanced" if name in PAGING else "")
        if visibility:
            param["x-ms-visibility"] = visibility
        if name in op.dynamic_values:
            param["x-ms-dynamic-values"] = _dynamic(op.dynamic_values[name])
        found.append(param)
    return found


def _is_array(schema: Mapping[str, Any]) -> bool:
    return schema.get("type") == "array"


def _inline(schema: Any, defs: Mapping[str, Any]) -> Any:
    """The schema with every local $ref replaced by what it names (query parameters
    stand alone: they have no components to point at)."""
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        named = defs[schema["$ref"].rsplit("/", 1)[-1]]
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return _inline({**named, **rest}, defs)
    return {key: _inline(value, defs) for key, value in schema.items()}


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is either sent or not: `X | None` is just X."""
    options = schema.get("anyOf")
    if not options:
        return schema
    kept = [option for option in options if option.get("type") != "null"]
    if len(kept) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    if rest.get("default", "") is None:
        rest.pop("default")
    return {**kept[0], **rest}


def _dynamic(where: tuple[str, str, str]) -> dict[str, Any]:
    operation_id, value, title = where
    return {
        "operationId": operation_id,
        "value-collection": "value",
        "value-path": value,
        "value-title": title,
    }


def _mark_body_fields(ops: list[ApiOperation], refs: Refs, schemas: dict[str, Any]) -> None:
    """Visibility and dropdowns for fields of a body, on the body's schema."""
    for op in ops:
        if op.body is None:
            continue
        name = refs[(op.body, "validation")]["$ref"].rsplit("/", 1)[-1]
        props = schemas.get(name, {}).get("properties", {})
        for field, visibility in op.param_visibility.items():
            if field in props and visibility:
                props[field]["x-ms-visibility"] = visibility
        for field, where in op.dynamic_values.items():
            if field in props:
                props[field]["x-ms-dynamic-values"] = _dynamic(where)


# How each call to a flow is signed (Standard Webhooks), for whoever checks it.
SIGNED_WITH: tuple[tuple[str, str], ...] = (
    ("webhook-id", "The event's id. A call with an id you have seen is the same event again."),
    ("webhook-timestamp", "When the call was signed, in seconds since 1 January 1970 (UTC)."),
    (
        "webhook-signature",
        "v1, then the base64 HMAC-SHA256 of id.timestamp.body, keyed with the secret given "
        "when the flow subscribed.",
    ),
)


def _webhook(op: ApiOperation, refs: Refs) -> dict[str, Any]:
    assert op.trigger is not None
    payload = _ref(refs, op.trigger.payload, "serialization")
    return {
        "post": {
            "operationId": f"{op.operation_id}Notification",
            "summary": op.trigger.summary,
            "description": "What the service sends to a flow's address, once for each event, "
            f"after the flow subscribed with {op.operation_id}.",
            "tags": [op.tag],
            "parameters": [
                {
                    "name": name,
                    "in": "header",
                    "required": True,
                    "description": said,
                    "schema": {"type": "string"},
                }
                for name, said in SIGNED_WITH
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": payload}},
            },
            "responses": {
                "200": {"description": "Received. Any 2xx answer counts as delivered."},
                "410": {"description": "The flow is gone: no more events are sent to it."},
                "429": {"description": "Too busy: the event is sent again after Retry-After."},
                "500": {"description": "Any 5xx: the event is sent again later, a few times."},
            },
        }
    }


def _security() -> list[dict[str, list[str]]]:
    return [{"entra": []}, {"apiKey": []}]


def _security_schemes(tenant: str, app: str) -> dict[str, Any]:
    return {
        "entra": {
            "type": "oauth2",
            "description": "Microsoft Entra sign-in (m365 mode). App roles in the token decide "
            "what the caller may do: Requests.Read, Requests.Write, Decisions.Write.",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": f"{LOGIN}/{tenant}/oauth2/v2.0/authorize",
                    "tokenUrl": f"{LOGIN}/{tenant}/oauth2/v2.0/token",
                    "scopes": {
                        f"{app.rstrip('/')}/{SCOPE_NAME}": "Use the Digital Front Door as the "
                        "signed-in person."
                    },
                }
            },
        },
        "apiKey": {
            "type": "apiKey",
            "description": "The API key from the bot's environment (local mode only).",
            "in": "header",
            "name": API_KEY_HEADER,
        },
    }
