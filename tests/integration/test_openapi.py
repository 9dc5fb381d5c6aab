"""The OpenAPI 3.1 document: served by the running bot, valid, generated from the same
operations that serve the API, and complete enough for a maker or a tool to rely on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal

import aiohttp
import pytest
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
from pydantic import Field

from bot import journeys
from bot.api.models import ApiModel, PageOf
from bot.api.openapi import PROBLEM_JSON, document
from bot.api.operations import (
    REQUESTS_READ,
    REQUESTS_WRITE,
    ApiCall,
    ApiOperation,
    ApiResult,
    Trigger,
)
from tests.support.api import API_ENV
from tests.support.teams import BotServer

EVERY_OPERATION_ANSWERS = ("401", "403", "429", "500")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotServer]:
    server = BotServer(tmp_path / "data", env={**API_ENV})
    await server.start()
    yield server
    await server.stop()


async def served(bot: BotServer) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/api/v1/openapi.json") as got:
        assert got.status == 200
        assert got.content_type == "application/json"
        body: dict[str, Any] = await got.json()
        return body


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        found: dict[str, Any] = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return found
    return schema


async def test_the_served_document_is_valid_openapi_31_made_from_the_declared_operations(
    bot: BotServer,
) -> None:
    doc = await served(bot)
    OpenAPIV31SpecValidator(doc).validate()
    assert doc["openapi"] == "3.1.0"
    assert doc == document(journeys.declared_operations(), server_url=bot.url)
    assert doc["servers"] == [{"url": bot.url}]


async def test_every_declared_operation_is_described_for_makers(bot: BotServer) -> None:
    doc = await served(bot)
    described = {op["operationId"]: (path, method) for path, method, op in operations(doc)}
    declared = journeys.declared_operations()
    assert len(described) == len(declared), "an operationId is used twice"
    for op in declared:
        assert described[op.operation_id] == (op.full_path, op.method.lower())
    for _, _, op in operations(doc):
        assert op["summary"].strip() and op["description"].strip(), op["operationId"]
        assert op["tags"] and all(tag["description"] for tag in doc["tags"])
        for param in op["parameters"]:
            assert param["description"].strip(), (op["operationId"], param["name"])


async def test_every_schema_property_says_what_it_is(bot: BotServer) -> None:
    doc = await served(bot)
    missing = [
        f"{name}.{prop}"
        for name, schema in doc["components"]["schemas"].items()
        for prop, spec in schema.get("properties", {}).items()
        if not spec.get("description", "").strip()
    ]
    assert missing == []


async def test_every_operation_documents_its_problems(bot: BotServer) -> None:
    doc = await served(bot)
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    for _, _, op in operations(doc):
        answers = op["responses"]
        for status in (*EVERY_OPERATION_ANSWERS, "400", "422"):
            content = answers[status]["content"]
            assert list(content) == [PROBLEM_JSON], (op["operationId"], status)
            assert content[PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
            assert answers[status]["description"]
        assert "Retry-After" in answers["429"]["headers"]
        successes = [status for status in answers if status.startswith("2")]
        assert len(successes) == 1, op["operationId"]
        if successes == ["201"]:
            assert "Location" in answers["201"]["headers"]
        assert op["security"] == [{"entra": []}, {"apiKey": []}]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["apiKey"] == {
        "type": "apiKey",
        "description": schemes["apiKey"]["description"],
        "in": "header",
        "name": "X-API-Key",
    }
    flow = schemes["entra"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"].startswith("https://login.microsoftonline.com/")
    assert flow["tokenUrl"].endswith("/oauth2/v2.0/token")
    assert len(flow["scopes"]) == 1


async def test_the_document_needs_no_key(bot: BotServer) -> None:
    """Tools and the maker portal read it before they have a connection."""
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/api/v1/openapi.json") as got:
        assert got.status == 200


# The machinery, on operations made for the test: every option an operation can declare
# reaches the document.


class Colour(ApiModel):
    name: str = Field(description="The colour's name.")
    hex: str = Field(description="The colour as #RRGGBB.")


class ColourPage(PageOf[Colour]):
    pass


class ColourQuery(ApiModel):
    shade: Literal["light", "dark"] | None = Field(default=None, description="Light or dark.")
    tags: list[Literal["warm", "cool"]] = Field(default_factory=list, description="Tags.")
    top: int = Field(default=25, ge=1, le=100, description="How many on a page.")
    after: str = Field(default="", max_length=200, description="Where the last page ended.")


class SubscriptionIn(ApiModel):
    notification_url: str = Field(description="Where to send each event.")
    board: str = Field(default="", description="Only this board's decisions.")


class SubscriptionOut(ApiModel):
    id: str = Field(description="The subscription's id.")


class ColourPainted(ApiModel):
    colour: Colour = Field(description="The colour painted.")
    painted_at: str = Field(description="When.")


async def nothing(call: ApiCall) -> ApiResult:
    return ApiResult(204)


LIST = ApiOperation(
    operation_id="ListColours",
    method="GET",
    path="/colours",
    summary="List colours",
    description="Lists colours.",
    tag="Colours",
    handler=nothing,
    role=REQUESTS_READ,
    query=ColourQuery,
    response=ColourPage,
    param_visibility={"shade": "important"},
)
PAINT = ApiOperation(
    operation_id="PaintColour",
    method="POST",
    path="/colours",
    summary="Paint a colour",
    description="Paints one.",
    tag="Colours",
    handler=nothing,
    role=REQUESTS_WRITE,
    person=True,
    body=Colour,
    response=Colour,
    status=201,
    idempotent=True,
)
ON_PAINTED = ApiOperation(
    operation_id="OnColourPainted",
    method="POST",
    path="/subscriptions/colour-painted",
    summary="When a colour is painted",
    description="Starts a flow when a colour is painted.",
    tag="Flows",
    handler=nothing,
    body=SubscriptionIn,
    response=SubscriptionOut,
    status=201,
    trigger=Trigger(ColourPainted, "DeleteSubscription", "When a colour is painted"),
    dynamic_values={"board": ("ListColours", "name", "hex")},
    param_visibility={"board": "advanced"},
)
DELETE = ApiOperation(
    operation_id="DeleteSubscription",
    method="DELETE",
    path="/subscriptions/{id}",
    summary="Delete a subscription",
    description="Stops sending events.",
    tag="Flows",
    handler=nothing,
    status=204,
    visibility="internal",
)
MADE_UP = (LIST, PAINT, ON_PAINTED, DELETE)


def test_every_declared_option_reaches_the_document() -> None:
    doc = document(MADE_UP, server_url="https://dfd.example.org")
    OpenAPIV31SpecValidator(doc).validate()
    listing = doc["paths"]["/api/v1/colours"]["get"]
    params = {param["name"]: param for param in listing["parameters"]}
    shade = {"enum": ["light", "dark"], "type": "string", "title": "Shade"}
    assert params["shade"]["schema"] == shade
    assert params["shade"]["x-ms-visibility"] == "important"
    assert params["tags"]["schema"]["items"]["enum"] == ["warm", "cool"]
    assert params["tags"]["explode"] is True
    assert params["top"]["schema"] == {
        "default": 25,
        "maximum": 100,
        "minimum": 1,
        "title": "Top",
        "type": "integer",
    }
    assert params["top"]["x-ms-visibility"] == "advanced"
    assert params["after"]["x-ms-visibility"] == "advanced"
    assert params["after"]["schema"]["maxLength"] == 200
    assert listing["x-ms-pageable"] == {"nextLinkName": "nextLink"}
    assert "403" in listing["responses"] and "404" not in listing["responses"]
    assert "Requests.Read" in listing["responses"]["403"]["description"]

    paint = doc["paths"]["/api/v1/colours"]["post"]
    assert paint["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Colour")
    assert "Location" in paint["responses"]["201"]["headers"]
    key = {p["name"]: p for p in paint["parameters"]}["Idempotency-Key"]
    assert key["in"] == "header" and key["required"] is False
    assert key["x-ms-visibility"] == "advanced"
    assert {"409", "413", "415", "422"} <= set(paint["responses"])
    assert "signed-in person" in paint["responses"]["403"]["description"]
    assert "x-ms-pageable" not in paint

    trigger = doc["paths"]["/api/v1/subscriptions/colour-painted"]["post"]
    assert trigger["x-ms-trigger"] == "single"
    assert trigger["x-ms-notification-content"]["schema"] == {
        "$ref": "#/components/schemas/ColourPainted"
    }
    body = doc["components"]["schemas"]["SubscriptionIn"]["properties"]["board"]
    assert body["x-ms-visibility"] == "advanced"
    assert body["x-ms-dynamic-values"] == {
        "operationId": "ListColours",
        "value-collection": "value",
        "value-path": "name",
        "value-title": "hex",
    }
    hook = doc["webhooks"]["OnColourPainted"]["post"]
    assert hook["summary"] == "When a colour is painted"
    signed = {p["name"] for p in hook["parameters"] if p["in"] == "header" and p["required"]}
    assert signed == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert {"200", "410", "429", "500"} <= set(hook["responses"])
    assert hook["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ColourPainted"
    }

    delete = doc["paths"]["/api/v1/subscriptions/{id}"]["delete"]
    assert delete["x-ms-visibility"] == "internal"
    assert "content" not in delete["responses"]["204"]
    assert delete["parameters"][0]["in"] == "path" and delete["parameters"][0]["description"]
    assert "404" in delete["responses"]
    assert [tag["name"] for tag in doc["tags"]] == ["Colours", "Flows"]


def test_in_m365_mode_the_document_names_the_real_sign_in() -> None:
    tenant = "11111111-2222-3333-4444-555555555555"
    doc = document(MADE_UP, tenant_id=tenant, audience="api://dfd-api")
    OpenAPIV31SpecValidator(doc).validate()
    flow = doc["components"]["securitySchemes"]["entra"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == (
        f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"
    )
    assert flow["tokenUrl"] == f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
    assert list(flow["scopes"]) == ["api://dfd-api/access_as_user"]
    placeholders = document(MADE_UP)["components"]["securitySchemes"]["entra"]
    assert "YOUR-TENANT-ID" in placeholders["flows"]["authorizationCode"]["tokenUrl"]
