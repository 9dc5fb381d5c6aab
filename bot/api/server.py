"""Serving the REST API: one route per declared operation, every call through the same
steps.

In order: who is calling (token or API key), the app role and whether a person must be
calling, the caller's rate limit, the query and the body checked against the
operation's models, the `Idempotency-Key` (a retried create returns the first result),
then the journey's handler. Every error is a problem document (bot.api.problems); no
stack trace ever reaches a caller.
"""

from __future__ import annotations

import json
import logging
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pydantic
from aiohttp import web

from bot.api.operations import ApiCall, ApiCaller, ApiOperation, ApiResult, FieldProblem, Problem
from bot.api.problems import invalid, problem_response, standard
from bot.errors import NotAllowed, NotFound

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY = 256 * 1024


class ApiAuth(Protocol):
    async def caller(self, request: web.Request) -> ApiCaller:
        """Who is calling, or raise Problem (401 for no or a bad credential)."""
        ...


class RateLimiter(Protocol):
    def take(self, key: str) -> float | None:
        """None if `key` may call now; else the seconds to wait (for Retry-After)."""
        ...


@dataclass(frozen=True)
class Remembered:
    status: int
    body: str  # the JSON sent the first time
    headers: dict[str, str]


class IdempotencyStore(Protocol):
    async def begin(self, scope: str, key: str, fingerprint: str) -> Remembered | None:
        """None: go ahead (the key is now taken). A Remembered: answer with it again.
        Raise Problem (422) if the key was used with a different body, or (409) if the
        first call with it has not finished yet."""
        ...

    async def finish(self, scope: str, key: str, answer: Remembered) -> None: ...

    async def abandon(self, scope: str, key: str) -> None:
        """The call failed with nothing done: the key may be used again."""
        ...


@dataclass
class ApiServer:
    auth: ApiAuth
    limiter: RateLimiter
    idempotency: IdempotencyStore
    public_base_url: str = ""  # PUBLIC_BASE_URL, if set: links are made with it
    running: dict[tuple[str, str], ApiOperation] = field(default_factory=dict)

    def start(self, operations: Iterable[ApiOperation]) -> None:
        self.running = {(op.method, op.full_path): op for op in operations}

    def stop(self) -> None:
        self.running = {}

    def base_url(self, request: web.Request) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return f"{request.scheme}://{request.host}"

    async def serve(self, request: web.Request, declared: ApiOperation) -> web.StreamResponse:
        instance = request.path
        try:
            op = self.running.get((declared.method, declared.full_path))
            if op is None:
                raise standard(503)
            return await self._serve(request, op)
        except Problem as problem:
            return problem_response(problem, instance)
        except NotFound as missing:
            return problem_response(standard(404, str(missing)), instance)
        except NotAllowed as refused:
            return problem_response(standard(403, str(refused)), instance)
        except web.HTTPRequestEntityTooLarge:
            return problem_response(standard(413), instance)
        except Exception:
            logger.exception("The API failed on %s %s", request.method, request.path)
            return problem_response(standard(500), instance)

    async def _serve(self, request: web.Request, op: ApiOperation) -> web.StreamResponse:
        caller = await self.auth.caller(request)
        if op.role and op.role not in caller.roles:
            raise standard(
                403, f"You need the {op.role} role for this. Ask your IT team to assign it."
            )
        if op.person and not caller.is_person:
            raise standard(
                403,
                "This must be done by a signed-in person, not by an app on its own. "
                "Use a connection that signs in as a person.",
            )
        wait = self.limiter.take(caller.key)
        if wait is not None:
            seconds = max(1, int(wait + 0.999))
            raise standard(
                429,
                f"Too many requests. Wait {seconds} seconds, then try again.",
                headers={"Retry-After": str(seconds)},
            )
        query = parse_query(op, request)
        raw, body = await parse_body(op, request)
        call = ApiCall(
            caller=caller,
            path=dict(request.match_info),
            query=query,
            body=body,
            headers=request.headers,
            base_url=self.base_url(request),
        )
        key = request.headers.get("Idempotency-Key", "").strip()
        if not (op.idempotent and key):
            return _response(await op.handler(call))
        if len(key) > 200:
            raise invalid(FieldProblem("Idempotency-Key", "Use a key of 200 characters or fewer."))
        scope = f"{caller.key}:{op.operation_id}"
        again = await self.idempotency.begin(scope, key, raw)
        if again is not None:
            return web.Response(
                status=again.status,
                text=again.body,
                content_type="application/json",
                headers={**again.headers, "Idempotency-Replayed": "true"},
            )
        try:
            result = await op.handler(call)
        except BaseException:
            await self.idempotency.abandon(scope, key)
            raise
        response = _response(result)
        text = response.text or ""
        headers = {k: v for k, v in result.headers.items()}
        await self.idempotency.finish(scope, key, Remembered(result.status, text, headers))
        return response

    def route(self, declared: ApiOperation) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self.serve(request, declared)

        return handle


def _response(result: ApiResult) -> web.Response:
    if result.body is None:
        return web.Response(status=result.status, headers=result.headers)
    text = json.dumps(result.body.model_dump(mode="json", by_alias=True))
    return web.Response(
        status=result.status, text=text, content_type="application/json", headers=result.headers
    )


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation) if arg is not type(None))


def parse_query(op: ApiOperation, request: web.Request) -> pydantic.BaseModel | None:
    if op.query is None:
        return None
    values: dict[str, Any] = {}
    for name, info in op.query.model_fields.items():
        key = info.alias or name
        if key not in request.query:
            continue
        if _is_list(info.annotation):
            given = request.query.getall(key)
            values[key] = [part.strip() for one in given for part in one.split(",") if part.strip()]
        else:
            values[key] = request.query.getall(key)[-1]
    try:
        return op.query.model_validate(values)
    except pydantic.ValidationError as error:
        raise invalid(*field_problems(error)) from None


async def parse_body(
    op: ApiOperation, request: web.Request
) -> tuple[str, pydantic.BaseModel | None]:
    """The body's text (for idempotency) and the checked body."""
    if op.body is None:
        return "", None
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise standard(413, f"The body is too large. Send at most {MAX_BODY // 1024} KB.")
    if request.content_type != "application/json":
        raise standard(415)
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise standard(413, f"The body is too large. Send at most {MAX_BODY // 1024} KB.")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise standard(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise standard(400, "The body must be a JSON object.")
    try:
        return raw.decode("utf-8", "replace"), op.body.model_validate(data)
    except pydantic.ValidationError as error:
        raise invalid(*field_problems(error)) from None


def field_problems(error: pydantic.ValidationError) -> list[FieldProblem]:
    """Each pydantic error as a field and a plain sentence."""
    found: list[FieldProblem] = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "body"
        found.append(FieldProblem(where, plain_message(item)))
    return found


def plain_message(item: Any) -> str:
    kind = item.get("type", "")
    ctx = item.get("ctx") or {}
    if kind == "missing":
        return "Enter a value."
    if kind == "extra_forbidden":
        return "We do not know this field. Remove it."
    if kind.startswith("int") or kind.startswith("float"):
        return "Enter a whole number." if kind.startswith("int") else "Enter a number."
    if kind in ("string_too_long",):
        return f"Use {ctx.get('max_length')} characters or fewer."
    if kind in ("string_too_short",):
        return "Enter a value." if ctx.get("min_length") == 1 else "This is too short."
    if kind.startswith("string"):
        return "Enter text."
    if kind in ("enum", "literal_error"):
        return f"Choose one of: {ctx.get('expected', 'the listed values')}."
    if kind.startswith("bool"):
        return "Enter true or false."
    if kind.startswith("date") or kind.startswith("datetime"):
        return "Enter a date like 2027-03-31 (or a date and time with a time zone)."
    if kind.startswith("list") or kind.startswith("tuple"):
        return "Enter a list."
    if kind in ("greater_than_equal", "greater_than"):
        return f"Enter a number of at least {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"Enter a number of at most {ctx.get('le', ctx.get('lt'))}."
    if kind == "value_error":
        return str(ctx.get("error", "This value is not valid."))
    return "This value is not valid."
