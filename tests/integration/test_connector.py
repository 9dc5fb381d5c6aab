"""The Power Platform custom connector: made from the API's own document by one
command, committed, valid Swagger 2.0, and written the way Power Platform reads it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator.validation import OpenAPIV2SpecValidator
from pydantic import Field

from bot import journeys
from bot.api.connector import DEFINITION, HERE, PROPERTIES, api_properties, files, swagger
from bot.api.models import ApiModel, PageOf
from bot.api.openapi import document
from bot.api.operations import REQUESTS_READ, ApiCall, ApiOperation, ApiResult, Trigger

ROOT = Path(__file__).resolve().parents[2]
PASCAL = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$")
# What Power Platform cannot read in a connector's schemas.
UNREADABLE = {"anyOf", "oneOf", "const", "$defs", "examples", "prefixItems", "nullable"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.api.connector", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def committed() -> dict[str, Any]:
    definition: dict[str, Any] = json.loads((HERE / DEFINITION).read_text(encoding="utf-8"))
    return definition


def operations(definition: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in definition["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def keys_in(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from keys_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_in(inner)


def test_the_committed_files_are_what_the_code_makes() -> None:
    for name, text in files().items():
        assert (HERE / name).read_text(encoding="utf-8") == text, (
            f"deploy/connector/{name} is out of date: run python -m bot.api.connector"
        )
    checked = run("--check")
    assert checked.returncode == 0, checked.stderr
    assert "up to date" in checked.stdout


def test_the_check_fails_in_plain_words_when_a_file_drifts(tmp_path: Path) -> None:
    written = run("--out", str(tmp_path))
    assert written.returncode == 0, written.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [DEFINITION, PROPERTIES]
    assert run("--check", "--out", str(tmp_path)).returncode == 0
    text = (tmp_path / DEFINITION).read_text(encoding="utf-8")
    assert text.endswith("}\n") and text.startswith('{\n  "swagger": "2.0",')
    (tmp_path / DEFINITION).write_text(text.replace("List requests", "List things"), "utf-8")
    drifted = run("--check", "--out", str(tmp_path))
    assert drifted.returncode == 1
    assert "out of date: apiDefinition.swagger.json" in drifted.stderr
    assert "Run python -m bot.api.connector" in drifted.stderr
    assert "Traceback" not in drifted.stderr
    (tmp_path / PROPERTIES).unlink()
    assert "apiProperties.json" in run("--check", "--out", str(tmp_path)).stderr


def test_the_definition_is_valid_swagger_20_power_platform_can_read() -> None:
    definition = committed()
    OpenAPIV2SpecValidator(definition).validate()
    assert definition["swagger"] == "2.0"
    assert definition["basePath"] == "/api/v1"
    assert definition["schemes"] == ["https"]
    left = {key for key, _ in keys_in(definition) if key in UNREADABLE}
    assert left == set()
    refs = [value for key, value in keys_in(definition) if key == "$ref"]
    assert refs and all(ref.startswith("#/definitions/") for ref in refs)
    assert all(ref.removeprefix("#/definitions/") in definition["definitions"] for ref in refs)
    kinds = [value for key, value in keys_in(definition["definitions"]) if key == "type"]
    # (a property named "type" holds a schema, a dict: only a list is wrong)
    assert not any(isinstance(kind, list) for kind in kinds), "a type list is left"
    oauth = definition["securityDefinitions"]["oauth2-auth"]
    assert oauth["type"] == "oauth2" and oauth["flow"] == "accessCode"
    meta = {m["propertyName"]: m["propertyValue"] for m in definition["x-ms-connector-metadata"]}
    assert set(meta) == {"Website", "Privacy policy", "Categories"}


def test_names_and_words_follow_power_platforms_string_guidance() -> None:
    """Microsoft's connector string guidance: a title of 30 characters at most without
    the word API; summaries under 80 characters, no slash, ending in a letter or digit;
    operation ids in PascalCase and unique."""
    definition = committed()
    info = definition["info"]
    assert len(info["title"]) <= 30
    assert not re.search(r"\bAPI\b", info["title"] + info["description"])
    ids = [op["operationId"] for _, _, op in operations(definition)]
    assert len(ids) == len(set(ids))
    for _, _, op in operations(definition):
        assert PASCAL.match(op["operationId"]), op["operationId"]
        summary = op["summary"]
        assert len(summary) < 80 and "/" not in summary, summary
        assert summary[-1].isalnum() and summary[0].isupper(), summary
        assert op["description"].strip()
        for param in op["parameters"]:
            if param["in"] != "body":
                assert param["x-ms-summary"] and param["description"], param
    for name, schema in definition["definitions"].items():
        for prop, spec in schema.get("properties", {}).items():
            if "$ref" not in spec:
                assert spec.get("x-ms-summary") and spec.get("description"), f"{name}.{prop}"
    labels = [value for key, value in keys_in(definition) if key == "x-ms-summary"]
    assert labels and all(0 < len(label) <= 80 for label in labels)


def test_triggers_paging_and_what_makers_do_not_need_to_see() -> None:
    definition = committed()
    declared = {op.operation_id: op for op in journeys.declared_operations()}
    by_id = {op["operationId"]: (path, op) for path, _, op in operations(definition)}
    for op_id, op in declared.items():
        _, exported = by_id[op_id]
        if op.trigger is not None:
            assert exported["x-ms-trigger"] == "single"
            body = next(p for p in exported["parameters"] if p["in"] == "body")["schema"]
            url = body["properties"]["notificationUrl"]
            assert url["x-ms-notification-url"] is True and url["x-ms-visibility"] == "internal"
            success = exported["responses"][str(op.status)]
            assert success["schema"] == {"$ref": f"#/definitions/{op.trigger.payload.__name__}"}
            assert "Location" in success["headers"]
            assert op.trigger.delete_operation in by_id
        else:
            assert "x-ms-trigger" not in exported
        for param in exported["parameters"]:
            if param["name"] in ("after", "Idempotency-Key"):
                assert param["x-ms-visibility"] in ("advanced", "internal")
            if param.get("x-ms-visibility") == "internal":
                assert not param["required"] or "default" in param, (op_id, param)
        if op.visibility:
            assert exported["x-ms-visibility"] == op.visibility
        if op.response is not None and "nextLink" in json.dumps(
            op.response.model_json_schema(by_alias=True)
        ):
            assert exported["x-ms-pageable"] == {"nextLinkName": "nextLink"}, op_id
    if "DeleteSubscription" in by_id:
        assert by_id["DeleteSubscription"][1]["x-ms-visibility"] == "internal"


def test_the_connection_signs_in_with_entra_and_holds_no_secret() -> None:
    written = json.loads((HERE / PROPERTIES).read_text(encoding="utf-8"))
    assert written == api_properties()
    props = written["properties"]
    oauth = props["connectionParameters"]["token"]["oAuthSettings"]
    assert props["connectionParameters"]["token"]["type"] == "oauthSetting"
    assert oauth["identityProvider"] == "aad"
    assert oauth["clientId"] and oauth["customParameters"]["resourceUri"]["value"]
    assert "scopes" in oauth
    assert not any("secret" in key.lower() for key, _ in keys_in(written))
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", props["iconBrandColor"])
    assert props["publisher"] and props["stackOwner"]


# The conversion itself, on operations made for the test (whatever the journeys declare).


class Shade(ApiModel):
    key: str = Field(description="The shade's key.")
    name: str = Field(description="The shade's name.")
    note: str | None = Field(default=None, description="A note.", examples=["Soft"])
    level: int | None = Field(default=None, gt=0, description="How deep.")


class ShadePage(PageOf[Shade]):
    pass


class ShadeQuery(ApiModel):
    kind: str | None = Field(default=None, description="Only this kind.", max_length=10)
    after: str = Field(default="", description="Where the last page ended.")


class Subscribe(ApiModel):
    notification_url: str = Field(description="Where to send each event.")


class Painted(ApiModel):
    shade: Shade = Field(description="The shade.")
    by: str | None = Field(description="Who painted it.")


async def nothing(call: ApiCall) -> ApiResult:
    return ApiResult(204)


MADE_UP = (
    ApiOperation(
        operation_id="ListShades",
        method="GET",
        path="/shades",
        summary="List shades",
        description="Lists shades.",
        tag="Requests",
        handler=nothing,
        role=REQUESTS_READ,
        query=ShadeQuery,
        response=ShadePage,
        dynamic_values={"kind": ("ListShades", "key", "name")},
    ),
    ApiOperation(
        operation_id="OnShadePainted",
        method="POST",
        path="/subscriptions/shade-painted",
        summary="When a shade is painted",
        description="Starts a flow.",
        tag="Flows",
        handler=nothing,
        body=Subscribe,
        status=201,
        trigger=Trigger(Painted, "DeleteSubscription", "When a shade is painted"),
    ),
)


@pytest.fixture
def exported() -> dict[str, Any]:
    definition = swagger(document(MADE_UP))
    OpenAPIV2SpecValidator(definition).validate()
    return definition


def test_nullable_values_become_x_nullable(exported: dict[str, Any]) -> None:
    note = exported["definitions"]["Shade"]["properties"]["note"]
    assert note == {
        "type": "string",
        "description": "A note.",
        "example": "Soft",
        "x-nullable": True,
        "x-ms-summary": "Note",
    }
    level = exported["definitions"]["Shade"]["properties"]["level"]
    assert level["minimum"] == 0 and level["exclusiveMinimum"] is True
    assert exported["definitions"]["Painted"]["properties"]["shade"] == {
        "$ref": "#/definitions/Shade"
    }
    assert exported["definitions"]["Painted"]["required"] == ["shade", "by"]


def test_parameters_are_flat_with_labels_and_dropdowns(exported: dict[str, Any]) -> None:
    listing = exported["paths"]["/shades"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert params["kind"] == {
        "name": "kind",
        "in": "query",
        "required": False,
        "description": "Only this kind.",
        "x-ms-summary": "Kind",
        "maxLength": 10,
        "type": "string",
        "x-ms-dynamic-values": {
            "operationId": "ListShades",
            "value-collection": "value",
            "value-path": "key",
            "value-title": "name",
        },
    }
    assert params["after"]["x-ms-visibility"] == "advanced"
    assert listing["x-ms-pageable"] == {"nextLinkName": "nextLink"}
    assert listing["responses"]["200"]["schema"] == {"$ref": "#/definitions/ShadePage"}


def test_a_trigger_carries_its_payload_and_hides_the_flows_address(
    exported: dict[str, Any],
) -> None:
    trigger = exported["paths"]["/subscriptions/shade-painted"]["post"]
    assert trigger["x-ms-trigger"] == "single"
    assert trigger["responses"]["201"]["schema"] == {"$ref": "#/definitions/Painted"}
    body = trigger["parameters"][0]
    assert body["in"] == "body" and body["schema"]["properties"]["notificationUrl"] == {
        "description": "Where to send each event.",
        "type": "string",
        "x-ms-notification-url": True,
        "x-ms-visibility": "internal",
        "x-ms-summary": "Notification URL",
    }
    assert "x-ms-notification-content" not in trigger


# ---- The maker README names only fields the connector has --------------------------------

MAKER_README = HERE / "README.md"
# An expression's chain of fields, like triggerBody()?['request']?['link'].
EXPRESSION = re.compile(r"(triggerBody\(\)|item\(\)|items\('[^']+'\))((?:\?\['[A-Za-z]+'\])+)")
# Dynamic content a step says to choose, like **Key** from **List boards**, or
# **Reason** from the trigger.
CHOSEN = re.compile(
    r"\*\*([^*]+)\*\*(?: and \*\*([^*]+)\*\*)? from (?:the (dynamic content|trigger|request in "
    r"the trigger)|\*\*([^*]+)\*\*)"
)


def _schema(definition: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = definition["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("type") == "array":
        return _schema(definition, schema["items"])
    return schema


def _answer(definition: dict[str, Any], summary: str) -> dict[str, Any] | None:
    """What the action or trigger named `summary` in Power Automate gives a flow."""
    for _, _, op in operations(definition):
        if op.get("summary") == summary:
            ok = next(code for code in op["responses"] if code.startswith("2"))
            return _schema(definition, op["responses"][ok]["schema"])
    return None


def _labels(definition: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """Names and labels of a schema's fields, and of the fields of the items it lists."""
    shown = set()
    for name, prop in schema.get("properties", {}).items():
        shown |= {name.lower(), str(prop.get("x-ms-summary", "")).lower()}
        if prop.get("type") == "array":
            shown |= _labels(definition, _schema(definition, prop))
    return shown


def test_every_field_the_maker_readme_names_is_in_the_connector() -> None:
    definition = committed()
    readme = MAKER_README.read_text(encoding="utf-8")
    everywhere = {
        name
        for schema in definition["definitions"].values()
        for name in schema.get("properties", {})
    }
    decided = _answer(definition, "When a board decides")
    assert decided is not None
    looked_at = 0
    for start, chain in EXPRESSION.findall(readme):
        names = re.findall(r"'([A-Za-z]+)'", chain)
        if start == "triggerBody()":  # the README's only trigger flow: a board decides
            schema = decided
            for name in names:
                assert name in schema.get("properties", {}), (chain, name)
                schema = _schema(definition, schema["properties"][name])
        else:
            assert set(names) <= everywhere, chain
        looked_at += 1
    for first, second, where, action in CHOSEN.findall(readme):
        if action:
            schema = _answer(definition, action)
            if schema is None:  # another connector's action, like Planner's
                continue
        elif where == "request in the trigger":
            schema = _schema(definition, decided["properties"]["request"])
        else:
            schema = decided
        for label in filter(None, (first, second)):
            assert label.lower() in _labels(definition, schema), (label, where or action)
            looked_at += 1
    assert looked_at >= 10
