"""The OpenAPI 3.1 document, generated from the operations the journeys declare.

Nothing here is written by hand per operation: paths, parameters, bodies, responses and
schemas all come from `ApiOperation` and its pydantic models, so the document is the
API. `bot.api.connector` turns the same document into the Swagger 2.0 custom connector.

SKELETON: helper F completes it (security schemes, triggers, problems, examples).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pydantic
from pydantic.json_schema import models_json_schema

from bot.api.operations import ApiOperation

TITLE = "Digital Front Door"
VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{([^}]+)}")


def document(operations: Iterable[ApiOperation], server_url: str = "/") -> dict[str, Any]:
    ops = list(operations)
    models: list[tuple[type[pydantic.BaseModel], Any]] = []
    for op in ops:
        for model in (op.body, op.response):
            if model is not None:
                models.append((model, "serialization" if model is op.response else "validation"))
    _, schemas = models_json_schema(models, ref_template=REF, by_alias=True)
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.full_path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {})},
    }


def _ref(model: type[pydantic.BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _operation(op: ApiOperation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
        "parameters": _parameters(op),
        "responses": {},
    }
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    success: dict[str, Any] = {"description": "Done."}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": _ref(op.response)}}
    out["responses"][str(op.status)] = success
    return out


def _parameters(op: ApiOperation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(by_alias=True, ref_template=REF)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "description": prop.get("description", ""),
                    "schema": {k: v for k, v in prop.items() if k != "description"},
                }
            )
    return params
