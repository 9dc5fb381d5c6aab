"""The REST API's seam: what a journey declares to serve under /api/v1/.

A journey lists its operations (`Journey.operations`) the way it lists its chat commands.
One table of them serves the API (`bot.api.server`), describes it (`bot.api.openapi`,
OpenAPI 3.1) and exports the Power Platform custom connector (`bot.api.connector`,
Swagger 2.0), so the three never drift.

An operation's handler gets an `ApiCall`: who is calling (from the validated token or
the API key, never from the body), the path values, and the query and body already
checked against their pydantic models. It returns an `ApiResult` or raises `Problem`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pydantic

# The API's app roles (the API's app registration defines them; an admin assigns them).
REQUESTS_READ = "Requests.Read"
REQUESTS_WRITE = "Requests.Write"
DECISIONS_WRITE = "Decisions.Write"
ROLES = (REQUESTS_READ, REQUESTS_WRITE, DECISIONS_WRITE)

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Visibility = Literal["", "important", "advanced", "internal"]


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field: `field` as the caller sent it (JSON name, dotted
    for nested values, like `details.title`), `message` in plain English."""

    field: str
    message: str


class Problem(Exception):
    """An RFC 9457 problem document: raise it from a handler to answer with it.

    `title` is short and the same for every problem of its kind ("Check your answers");
    `detail` says what happened this time, in plain words. `errors` lists each field
    that needs changing."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        kind: str = "",
        errors: tuple[FieldProblem, ...] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind  # the last part of the problem's type URI, like "validation"
        self.errors = errors
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class ApiCaller:
    """Who is calling, from the validated token (m365 mode) or the API key (local mode).

    `user_id` is the signed-in person's Entra object id for a delegated call, and ""
    for an app calling as itself. `key` is what rate limits and idempotency keys count by.
    """

    kind: Literal["user", "app", "key"]
    user_id: str
    name: str
    app_id: str
    tenant_id: str
    roles: frozenset[str]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.user_id or self.app_id}"

    @property
    def is_person(self) -> bool:
        return bool(self.user_id)


@dataclass(frozen=True)
class ApiCall:
    caller: ApiCaller
    path: Mapping[str, str]
    query: pydantic.BaseModel | None
    body: pydantic.BaseModel | None
    headers: Mapping[str, str]
    # The API's own address as the caller reached it (for next-page links and Location).
    base_url: str


@dataclass(frozen=True)
class ApiResult:
    status: int
    body: pydantic.BaseModel | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Trigger:
    """A webhook trigger for Power Automate (`x-ms-trigger`): the operation creates a
    subscription; Power Automate calls `delete_operation` on the Location it returned
    when the flow is turned off or deleted. `payload` is what each call to the flow
    carries."""

    payload: type[pydantic.BaseModel]
    delete_operation: str
    summary: str  # the trigger's name in Power Automate ("When a request is created")


ParamVisibility = Mapping[str, Visibility]


@dataclass(frozen=True)
class ApiOperation:
    """One operation of the REST API.

    `path` is relative to /api/v1 and uses aiohttp's `{name}` placeholders, which are
    also OpenAPI's. `role` is the app role the caller needs ("" for none beyond a valid
    caller). `person` says that a signed-in person must be calling (delegated), not an
    app on its own: creating a request or recording a decision acts as someone.
    `idempotent` lets an `Idempotency-Key` header make a retried call return the first
    result. `visibility` and `param_visibility` become `x-ms-visibility` in the connector.
    """

    operation_id: str  # PascalCase, as makers see it: "ListRequests"
    method: Method
    path: str
    summary: str  # a maker reads this in Power Automate: a short imperative phrase
    description: str
    tag: str  # "Requests", "Decisions", "Questions", "Flows", "Messages"
    handler: Callable[[ApiCall], Awaitable[ApiResult]]
    role: str = ""
    person: bool = False
    query: type[pydantic.BaseModel] | None = None
    body: type[pydantic.BaseModel] | None = None
    response: type[pydantic.BaseModel] | None = None
    status: int = 200  # the success status
    idempotent: bool = False
    visibility: Visibility = ""
    param_visibility: ParamVisibility = field(default_factory=dict)
    trigger: Trigger | None = None
    # Problems this operation can answer with besides the ones every operation can
    # (400, 401, 403, 429, 500): status -> when, for the document.
    problems: Mapping[int, str] = field(default_factory=dict)
    # Where dropdowns in the connector come from: parameter -> (operation id, value
    # field, title field), as `x-ms-dynamic-values`.
    dynamic_values: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path


API_PREFIX = "/api/v1"
