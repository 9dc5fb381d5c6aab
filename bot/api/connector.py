"""The Power Platform custom connector, made from the API's own OpenAPI 3.1 document.

Power Platform reads Swagger 2.0 only, and only part of it: no `anyOf`, `oneOf` or
`const`, nullable values as `x-nullable`, parameters with a flat `type`. `swagger(doc)`
converts the document served at /api/v1/openapi.json (so the two never drift) and adds
what makers see: names (`x-ms-summary`), what to tuck away (`x-ms-visibility`), the
triggers (`x-ms-trigger`, with the flow's address marked `x-ms-notification-url`),
dropdowns (`x-ms-dynamic-values`) and paging (`x-ms-pageable`).

`python -m bot.api.connector` writes deploy/connector/apiDefinition.swagger.json and
apiProperties.json; with `--check` it only says whether they are out of date (exit 1).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

from bot.api.openapi import API_APP, LOGIN, PROBLEM_JSON, TENANT, document
from bot.api.operations import API_PREFIX

HOST = "digital-front-door.example.org"  # replaced by the bot's own host when imported
WEBSITE = "https://www.southampton.gov.uk/"
PRIVACY = "https://www.southampton.gov.uk/privacy/"
PUBLISHER = "Southampton City Council"
BRAND_COLOUR = "#1D5C8C"  # the Teams app's accent colour
CONNECTOR_CLIENT = "YOUR-CONNECTOR-CLIENT-ID"
OAUTH = "oauth2-auth"
HERE = Path(__file__).resolve().parents[2] / "deploy" / "connector"
DEFINITION = "apiDefinition.swagger.json"
PROPERTIES = "apiProperties.json"

_COMPONENTS = "#/components/schemas/"
_DEFINITIONS = "#/definitions/"
# What a Swagger 2.0 schema may hold; anything else from JSON Schema 2020-12 is dropped.
_SCHEMA_KEYS = {
    "$ref", "format", "title", "description", "default", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
    "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required",
    "enum", "type", "items", "allOf", "properties", "additionalProperties", "readOnly",
    "example",
}  # fmt: skip
# What a Swagger 2.0 query, path or header parameter may hold besides name and place.
_PARAM_KEYS = {
    "type", "format", "items", "collectionFormat", "default", "maximum", "exclusiveMaximum",
    "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems",
    "minItems", "uniqueItems", "enum", "multipleOf",
}  # fmt: skip


def swagger(doc: dict[str, Any]) -> dict[str, Any]:
    """The Swagger 2.0 connector definition for an OpenAPI 3.1 document."""
    definitions = {name: schema2(s) for name, s in doc["components"]["schemas"].items()}
    paths: dict[str, Any] = {}
    for path, methods in doc["paths"].items():
        short = path.removeprefix(API_PREFIX) or "/"
        for method, op in methods.items():
            paths.setdefault(short, {})[method] = _operation(op, definitions)
    return {
        "swagger": "2.0",
        "info": {
            "title": doc["info"]["title"],
            "description": doc["info"]["description"],
            "version": doc["info"]["version"],
            "contact": {"name": PUBLISHER, "url": WEBSITE},
        },
        "host": HOST,
        "basePath": API_PREFIX,
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json", PROBLEM_JSON],
        "tags": doc.get("tags", []),
        "paths": paths,
        "definitions": definitions,
        "parameters": {},
        "responses": {},
        "securityDefinitions": {
            OAUTH: {
                "type": "oauth2",
                "flow": "accessCode",
                "authorizationUrl": f"{LOGIN}/common/oauth2/authorize",
                "tokenUrl": f"{LOGIN}/common/oauth2/authorize",
                "scopes": {},
            }
        },
        "security": [{OAUTH: []}],
        "x-ms-connector-metadata": [
            {"propertyName": "Website", "propertyValue": WEBSITE},
            {"propertyName": "Privacy policy", "propertyValue": PRIVACY},
            {"propertyName": "Categories", "propertyValue": "Productivity;Collaboration"},
        ],
    }


def api_properties() -> dict[str, Any]:
    """How a connection signs in: Microsoft Entra (the `aad` identity provider), for
    the API's app registration. Placeholders only: no secret is ever written here."""
    return {
        "properties": {
            "connectionParameters": {
                "token": {
                    "type": "oauthSetting",
                    "oAuthSettings": {
                        "identityProvider": "aad",
                        "clientId": CONNECTOR_CLIENT,
                        "scopes": [],
                        "redirectMode": "GlobalPerConnector",
                        "redirectUrl": "https://global.consent.azure-apim.net/redirect",
                        "properties": {
                            "IsFirstParty": "False",
                            "AzureActiveDirectoryResourceId": API_APP,
                            "IsOnbehalfofLoginSupported": False,
                        },
                        "customParameters": {
                            "loginUri": {"value": LOGIN},
                            "tenantId": {"value": TENANT},
                            "resourceUri": {"value": API_APP},
                            "enableOnbehalfOfLogin": {"value": "false"},
                        },
                    },
                    "uiDefinition": {
                        "displayName": "Sign in with your council account",
                        "description": "Sign in with your council Microsoft account.",
                        "tooltip": "Your council Microsoft account",
                        "constraints": {"required": "true"},
                    },
                }
            },
            "iconBrandColor": BRAND_COLOUR,
            "capabilities": [],
            "publisher": PUBLISHER,
            "stackOwner": PUBLISHER,
        }
    }


def _operation(op: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op["operationId"],
        "summary": op["summary"],
        "description": op["description"],
        "tags": op.get("tags", []),
    }
    params = [_parameter(p) for p in op.get("parameters", [])]
    body = op.get("requestBody")
    if body is not None:
        schema = schema2(body["content"]["application/json"]["schema"])
        if "x-ms-trigger" in op:
            schema = _notification_body(schema, definitions)
        params.append(
            {
                "name": "body",
                "in": "body",
                "required": bool(body.get("required")),
                "schema": schema,
            }
        )
    out["parameters"] = params
    out["responses"] = {
        status: _response(answer) for status, answer in op.get("responses", {}).items()
    }
    if "x-ms-trigger" in op:
        # Power Automate reads what each call to the flow carries from the trigger's
        # success response: the payload, not the subscription.
        success = min(out["responses"], key=int)
        content = op["x-ms-notification-content"]
        out["responses"][success]["schema"] = schema2(content["schema"])
        out["x-ms-trigger"] = op["x-ms-trigger"]
    out["security"] = [{OAUTH: []}]
    for key in ("x-ms-visibility", "x-ms-pageable"):
        if key in op:
            out[key] = op[key]
    return out


def _notification_body(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """The trigger's body inline, its `notificationUrl` filled in by Power Automate."""
    if "$ref" in schema:
        schema = copy.deepcopy(definitions[schema["$ref"].removeprefix(_DEFINITIONS)])
    url = schema.get("properties", {}).get("notificationUrl")
    if url is not None:
        url["x-ms-notification-url"] = True
        url["x-ms-visibility"] = "internal"
    return schema


def _response(answer: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": answer["description"]}
    content = next(iter(answer.get("content", {}).values()), None)
    if content is not None:
        out["schema"] = schema2(content["schema"])
    headers = answer.get("headers", {})
    if headers:
        out["headers"] = {
            name: {"description": h.get("description", ""), **_flat(schema2(h["schema"]))}
            for name, h in headers.items()
        }
    return out


def _parameter(param: dict[str, Any]) -> dict[str, Any]:
    schema = schema2(param.get("schema", {}))
    out: dict[str, Any] = {
        "name": param["name"],
        "in": param["in"],
        "required": bool(param.get("required")),
        "description": param.get("description", ""),
    }
    title = schema.get("title") or schema.get("x-ms-summary")
    if title:
        out["x-ms-summary"] = title
    out.update(_flat(schema))
    if out.get("type") == "array":
        out["collectionFormat"] = "csv"
    if "example" in schema:
        out["x-example"] = schema["example"]
    for key in ("x-ms-visibility", "x-ms-dynamic-values"):
        if key in param:
            out[key] = param[key]
    return out


def _flat(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's or a header's schema, flat as Swagger 2.0 wants (objects as text)."""
    if schema.get("type") not in ("string", "integer", "number", "boolean", "array"):
        return {"type": "string"}
    flat = {key: value for key, value in schema.items() if key in _PARAM_KEYS}
    if "items" in flat:
        items = _flat(flat["items"])
        flat["items"] = items
    return flat


def schema2(schema: Any) -> Any:
    """One JSON Schema 2020-12 schema as a Swagger 2.0 schema Power Platform can read."""
    if not isinstance(schema, dict):
        return schema
    schema = _one_of_nullable(schema)
    if "$ref" in schema:
        return {"$ref": schema["$ref"].replace(_COMPONENTS, _DEFINITIONS)}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: _property(prop) for name, prop in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = schema2(value)
        elif key == "allOf":
            out[key] = [schema2(part) for part in value]
        elif key == "const":
            out["enum"] = [value]
        elif key == "examples":
            if value:
                out["example"] = value[0]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out[key.replace("exclusive", "").lower()] = value
            out[key] = True
        elif key == "enum":
            out[key] = [item for item in value if item is not None]
        elif key == "default" and value is None:
            continue
        elif key in _SCHEMA_KEYS or key.startswith("x-"):
            out[key] = value
    if isinstance(out.get("type"), list):
        kinds = [kind for kind in out["type"] if kind != "null"]
        out["type"] = kinds[0] if len(kinds) == 1 else "string"
    return out


def _one_of_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, null]` (pydantic's `X | None`) as X with `x-nullable`; a choice of
    several kinds becomes a value of any kind, described in words."""
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if not options:
            continue
        rest = {k: v for k, v in schema.items() if k != key}
        kept = [o for o in options if o.get("type") != "null"]
        nullable = len(kept) < len(options)
        if len(kept) == 1:
            merged = {**kept[0], **rest} if "$ref" not in kept[0] else {"$ref": kept[0]["$ref"]}
        else:
            merged = rest
        if nullable and "$ref" not in merged:
            merged["x-nullable"] = True
        return merged
    if isinstance(schema.get("type"), list) and "null" in schema["type"]:
        return {**schema, "x-nullable": True}
    return schema


def _property(prop: dict[str, Any]) -> dict[str, Any]:
    out = schema2(prop)
    if "$ref" in out:
        return out
    title = prop.get("title") or prop.get("description", "")
    if title:
        out["x-ms-summary"] = title
        out.pop("title", None)
    return out


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def files() -> dict[str, str]:
    """The connector's files, by name, as they should be in deploy/connector."""
    from bot import journeys

    doc = document(journeys.declared_operations())
    return {DEFINITION: render(swagger(doc)), PROPERTIES: render(api_properties())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.api.connector",
        description="Write the Power Platform custom connector's files from the API's code.",
    )
    parser.add_argument(
        "--check", action="store_true", help="only check that the files are up to date"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="the folder (deploy/connector)")
    args = parser.parse_args(argv)
    wanted = files()
    if args.check:
        stale = [
            name
            for name, text in wanted.items()
            if not (args.out / name).is_file()
            or (args.out / name).read_text(encoding="utf-8") != text
        ]
        if stale:
            print(
                f"The connector files are out of date: {', '.join(stale)} in {args.out}. "
                "Run python -m bot.api.connector to write them again, then commit them.",
                file=sys.stderr,
            )
            return 1
        print(f"The connector files in {args.out} are up to date.")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in wanted.items():
        (args.out / name).write_text(text, encoding="utf-8")
    print(f"Wrote {', '.join(wanted)} in {args.out}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
