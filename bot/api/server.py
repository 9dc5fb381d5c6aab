"""Serving the REST API: one route per declared operation, every call through the same
steps.

In order: failed sign-ins from the caller's address (API key only; too many: 429), who
is calling (token or API key), the app role and whether a person must be calling, the caller's rate
limit, the path, the query and the body checked against the operation's models, the
`Idempotency-Key` (a retried create returns the first result), then the journey's
handler. Every error is a problem document (bot.api.problems), under /api/v1/ even for
an address or a method we do not serve; no stack trace ever reaches a caller.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from bot.api.inputs import field_problems as field_problems  # for journeys' own checks
from bot.api.inputs import parse_body, parse_query
from bot.api.operations import (
    API_PREFIX,
    ApiCall,
    ApiCaller,
    ApiOperation,
    ApiResult,
    FieldProblem,
    Problem,
)
from bot.api.plain import plain_message as plain_message  # for journeys' own checks
from bot.api.problems import STANDARD, invalid, problem_response, standard
from bot.api.ratelimit import FAILED_SIGN_INS_PER_MINUTE, TokenBuckets
from bot.errors import NotAllowed, NotFound

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_PATH_PART = 100  # characters in one part of an address, like a reference
MAX_KEY = 200  # characters in an Idempotency-Key
INSTANCE_SHOWN = 300  # characters of the address repeated in a problem's `instance`


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
    body: str  # the JSON sent the first time ("" for none)
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


def too_many(wait: float) -> Problem:
    seconds = max(1, math.ceil(wait))
    unit = "second" if seconds == 1 else "seconds"
    return standard(
        429,
        f"Too many requests. Wait {seconds} {unit}, then try again.",
        headers={"Retry-After": str(seconds)},
    )


@dataclass
class ApiServer:
    auth: ApiAuth
    limiter: RateLimiter
    idempotency: IdempotencyStore
    public_base_url: str = ""  # PUBLIC_BASE_URL, if set: links are made with it
    # Failed sign-ins by the address they come from: an API key cannot be guessed quickly.
    failures: TokenBuckets = field(default_factory=lambda: TokenBuckets(FAILED_SIGN_INS_PER_MINUTE))
    running: dict[tuple[str, str], ApiOperation] = field(default_factory=dict)
    # Only for the API key (local mode, loopback): Entra tokens cannot be guessed, and
    # behind Azure's front end every caller shares a few addresses, so counting failures
    # by address there would let one broken flow lock everyone out.
    guard_failed_sign_ins: bool = True

    def start(self, operations: Iterable[ApiOperation]) -> None:
        self.running = {(op.method, op.full_path): op for op in operations}

    def stop(self) -> None:
        self.running = {}

    def base_url(self, request: web.Request) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return f"{request.scheme}://{request.host}"

    async def serve(self, request: web.Request, declared: ApiOperation) -> web.StreamResponse:
        instance = request.path[:INSTANCE_SHOWN]
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
            logger.exception("The API failed on %s %s", request.method, instance)
            return problem_response(standard(500), instance)

    async def _who(self, request: web.Request) -> ApiCaller:
        """The caller; after too many failed sign-ins from one address, nobody from it
        is let in (a right key too) until the count has gone down."""
        if not self.guard_failed_sign_ins:
            return await self.auth.caller(request)
        address = f"address:{request.remote or 'unknown'}"
        wait = self.failures.waiting(address)
        if wait is not None:
            raise too_many(wait)
        try:
            return await self.auth.caller(request)
        except Problem as problem:
            if problem.status == 401:
                self.failures.take(address)
            raise

    async def _serve(self, request: web.Request, op: ApiOperation) -> web.StreamResponse:
        caller = await self._who(request)
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
            raise too_many(wait)
        if any(len(part) > MAX_PATH_PART for part in request.match_info.values()):
            raise standard(
                400,
                f"The address is too long. Each part can have at most {MAX_PATH_PART} characters.",
            )
        query = parse_query(op, request)
        canonical, body = await parse_body(op, request)
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
        if len(key) > MAX_KEY:
            raise invalid(
                FieldProblem("Idempotency-Key", f"Use a key of {MAX_KEY} characters or fewer.")
            )
        scope = f"{caller.key}:{op.operation_id}"
        # The same key for another address (another reference) is another request.
        again = await self.idempotency.begin(scope, key, f"{request.path}\n{canonical}")
        if again is not None:
            return _replayed(again)
        try:
            result = await op.handler(call)
            response = _response(result)
        except BaseException:
            await self._abandon(scope, key)
            raise
        if result.status >= 500:
            await self._abandon(scope, key)
            return response
        remembered = Remembered(result.status, response.text or "", dict(result.headers))
        try:
            await self.idempotency.finish(scope, key, remembered)
        except Exception:  # it was done: say so, even if a retry cannot be answered from it
            logger.exception("Could not keep the answer for an Idempotency-Key")
        return response

    async def _abandon(self, scope: str, key: str) -> None:
        try:
            await self.idempotency.abandon(scope, key)
        except Exception:
            logger.exception("Could not free an Idempotency-Key after a failed call")

    def route(self, declared: ApiOperation) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self.serve(request, declared)

        return handle


def _replayed(again: Remembered) -> web.Response:
    headers = {**again.headers, "Idempotency-Replayed": "true"}
    if not again.body:
        return web.Response(status=again.status, headers=headers)
    return web.Response(
        status=again.status, text=again.body, content_type="application/json", headers=headers
    )


def _in_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _allowed(methods: Iterable[str]) -> str:
    named = sorted(methods)
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]


@web.middleware
async def api_answers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /api/v1/: a problem document for an address or a method we do not serve,
    and answers that are never kept in a cache."""
    if not _in_api(request.path):
        return await handler(request)
    instance = request.path[:INSTANCE_SHOWN]
    try:
        response = await handler(request)
    except web.HTTPMethodNotAllowed as refused:
        allow = ", ".join(sorted(refused.allowed_methods))
        said = f"This address accepts {_allowed(refused.allowed_methods)} only."
        response = problem_response(standard(405, said, headers={"Allow": allow}), instance)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        status = error.status if error.status in STANDARD else 400
        response = problem_response(standard(status), instance)
    except Exception:
        logger.exception("The API failed on %s %s", request.method, instance)
        response = problem_response(standard(500), instance)
    response.headers["Cache-Control"] = "no-store"
    return response


def mount(app: web.Application, api: ApiServer, operations: Iterable[ApiOperation]) -> None:
    """A route for each operation (HEAD too on GET ones) and the API's answers' rules."""
    app.middlewares.append(api_answers)
    for op in operations:
        if op.method == "GET":
            app.router.add_get(op.full_path, api.route(op))
        else:
            app.router.add_route(op.method, op.full_path, api.route(op))


def _response(result: ApiResult) -> web.Response:
    if result.body is None:
        return web.Response(status=result.status, headers=result.headers)
    text = json.dumps(result.body.model_dump(mode="json", by_alias=True))
    return web.Response(
        status=result.status, text=text, content_type="application/json", headers=result.headers
    )
