"""Building the real msgraph-sdk client, and the one retry policy every Graph call uses.

The SDK's own RetryHandler is left out of the middleware: it retries forever-ish on
its own terms and hides throttling from us. Instead `with_retries` honours
Retry-After on 429 and 503, backs off exponentially with full jitter on other
transient failures, and gives up within a bounded number of tries and total time.

Retry-After binds every caller, not just the one that was told: a `ThrottleGate`, one per
Graph connection, remembers until when Graph asked to be left alone, and no call starts
before then. A caller with a person waiting says how long it may wait (`waiting_at_most`);
if the gate stays shut longer, it gets GraphUnavailable at once, and nothing is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from kiota_abstractions.api_error import APIError
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import BaseMiddleware, RetryHandler
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory
from opentelemetry.trace import SpanKind

from bot.telemetry.correlation import correlation_id, new_correlation_id
from bot.telemetry.metrics import instruments
from bot.telemetry.steps import measured
from bot.telemetry.tracing import failed

logger = logging.getLogger(__name__)

T = TypeVar("T")
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})


class GraphUnavailable(Exception):
    """Graph still failed after every retry the policy allows, or asked not to be called yet."""


class ThrottleGate:
    """Until when Graph asked not to be called (Retry-After), for every caller alike.

    Also whether Graph answered the last call at all, for /readyz. `now` and `sleep` are
    injectable so tests can stand at any moment without waiting.
    """

    def __init__(
        self,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._now = now
        self._sleep = sleep
        self._open_at = 0.0
        self.reachable = True

    def hold(self, seconds: float) -> None:
        """Graph said Retry-After `seconds`: nobody calls before then."""
        self._open_at = max(self._open_at, self._now() + seconds)

    def shut_for(self) -> float:
        return max(0.0, self._open_at - self._now())

    async def enter(self, can_wait: float, what: str) -> float:
        """Wait until Graph may be called, if that is within `can_wait` seconds; returns the
        seconds waited. Raises GraphUnavailable at once, sending nothing, if it is not."""
        waited = 0.0
        while (left := self.shut_for()) > 0:  # another caller may be told to wait longer
            if waited + left > can_wait:
                raise GraphUnavailable(
                    f"{what} not sent: Graph asked for no calls for another {left:.1f} s"
                )
            await self._sleep(left)
            waited += left
        return waited


# How long the caller can wait, in all, for the gate and for retries: a person waiting on a
# turn sets it with `waiting_at_most`; background work leaves it unbounded (the policy's).
_PATIENCE: contextvars.ContextVar[float] = contextvars.ContextVar(
    "graph_patience", default=float("inf")
)


@contextlib.contextmanager
def waiting_at_most(seconds: float) -> Iterator[None]:
    """Graph calls made inside wait for the gate and retries at most `seconds` in all."""
    token = _PATIENCE.set(min(seconds, _PATIENCE.get()))
    try:
        yield
    finally:
        _PATIENCE.reset(token)


@dataclass(frozen=True)
class RetryPolicy:
    max_tries: int = 5
    max_total_seconds: float = 30.0
    base_delay: float = 0.5
    max_delay: float = 8.0
    # Retry-After is honoured up to this; a longer ask means "give up and queue".
    max_retry_after: float = 30.0
    # Shared by every call on one Graph connection (see graph_clients.wiring); none: per call.
    gate: ThrottleGate | None = field(default=None, compare=False)


def new_http_client(timeout: float = 30.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=10.0))


async def close_http_client(http: httpx.AsyncClient) -> None:
    """msgraph-core's transport wrapper has no aclose(): close the pool it wraps as well."""
    wrapped = getattr(http._transport, "transport", None)
    await http.aclose()
    if isinstance(wrapped, httpx.AsyncBaseTransport):
        await wrapped.aclose()


def build_graph_client(
    credential: Any,
    base_url: str = "https://graph.microsoft.com/v1.0",
    http: httpx.AsyncClient | None = None,
) -> GraphServiceClient:
    """The real SDK client. Pass `http` to be able to close it (`await http.aclose()`)."""
    host = urlsplit(base_url).hostname or "graph.microsoft.com"
    middleware = [
        m
        for m in KiotaClientFactory.get_default_middleware(None)
        if not isinstance(m, RetryHandler)
    ]
    middleware.append(TracedRequests())  # last: one span for each request that goes out
    transport = GraphClientFactory.create_with_custom_middleware(
        middleware, client=http or new_http_client()
    )
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=[GRAPH_SCOPE], allowed_hosts=[host]
    )
    adapter = GraphRequestAdapter(auth, client=transport)
    adapter.base_url = base_url.rstrip("/")
    return GraphServiceClient(request_adapter=adapter)


# Words of Graph's own paths, kept in a span's path; every other segment (a site, list or
# item id, a list's name, a person's id or address) becomes {id}.
_PATH_WORDS = frozenset(
    {
        "v1.0",
        "beta",
        "$batch",
        "sites",
        "lists",
        "items",
        "fields",
        "columns",
        "contentTypes",
        "groups",
        "transitiveMembers",
        "members",
        "users",
        "teamwork",
        "installedApps",
        "chats",
        "teams",
        "appCatalogs",
        "teamsApps",
        "teamsApp",
    }
)


def path_template(path: str) -> str:
    """The request's path with every id replaced: `/v1.0/sites/{id}/lists/{id}/items`."""
    return "/".join(part if not part or part in _PATH_WORDS else "{id}" for part in path.split("/"))


class TracedRequests(BaseMiddleware):
    """Each request to Graph carries the turn's or job's correlation id as
    `client-request-id` (so Graph's logs can be matched to ours), and is one "graph <METHOD>"
    span with its path template and status code. No query: a $filter may quote a name.

    The span is a CLIENT span with OpenTelemetry's HTTP attributes, so Application Insights
    shows it as an HTTP dependency of the turn or job. Its `url.full` is the template too
    (every id replaced), never the address as sent."""

    async def send(
        self, request: httpx.Request, transport: httpx.AsyncBaseTransport
    ) -> httpx.Response:
        request.headers["client-request-id"] = correlation_id() or new_correlation_id()
        template = path_template(request.url.path)
        labels = {"dfd.graph.method": request.method, "dfd.graph.path": template}
        url = request.url
        where = f"{url.host}:{url.port}" if url.port else url.host  # the port when not usual
        attributes = {
            "http.request.method": request.method,
            "server.address": url.host,
            "server.port": url.port or (443 if url.scheme == "https" else 80),
            "url.scheme": url.scheme,
            "url.template": template,
            "url.full": f"{url.scheme}://{where}{template}",
        }
        calls, duration = instruments().graph_calls, instruments().graph_duration
        with measured(
            f"graph {request.method}",
            calls,
            duration,
            labels,
            kind=SpanKind.CLIENT,
            attributes=attributes,
        ) as step:
            response = await super().send(request, transport)
            step.note(**{"dfd.status_code": response.status_code})
            step.describe(**{"http.response.status_code": response.status_code})
            if response.status_code >= 400:
                failed(GraphAnswered(response.status_code), step.span)
            return response


class GraphAnswered(Exception):
    """Graph answered with an error status (for a span's status, not raised)."""


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Retry-After as seconds, from either form the header may take."""
    if not headers:
        return None
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


def _status(error: BaseException) -> int | None:
    if isinstance(error, APIError):
        return error.response_status_code
    return None


def is_transient(error: BaseException) -> bool:
    if isinstance(error, httpx.TransportError | asyncio.TimeoutError | ConnectionError):
        return True
    status = _status(error)
    return status in TRANSIENT_STATUS


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    what: str = "Graph call",
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    idempotent: bool = True,
) -> T:
    """Run `call`, retrying transient failures within the policy's bounds.

    A call that is not idempotent (creating an item) is retried only on 429 and 503,
    which say the request was not processed. After a dropped connection or a timeout it
    may have been, so the caller must look before it tries again.

    With a gate on the policy, every try first waits for the gate, and a Retry-After
    shuts the gate for everyone (even when this caller gives up rather than wait).
    """
    gate = policy.gate
    budget = min(policy.max_total_seconds, _PATIENCE.get())
    started = time.monotonic()
    waited = 0.0
    for attempt in range(1, policy.max_tries + 1):
        if gate is not None:
            elapsed = max(time.monotonic() - started, waited)
            waited += await gate.enter(budget - elapsed, what)
        try:
            result = await call()
        except Exception as error:
            if not is_transient(error):
                _answered(gate, True)
                raise
            _answered(gate, False)
            asked = _retry_after(error)
            if gate is not None and asked is not None:
                gate.hold(asked)
            if not idempotent and _status(error) not in (429, 503):
                raise
            delay = _delay(error, attempt, policy)
            elapsed = max(time.monotonic() - started, waited)
            if attempt == policy.max_tries or delay is None or elapsed + delay > budget:
                raise GraphUnavailable(f"{what} failed after {attempt} tries: {error!r}") from error
            logger.warning(
                "%s failed (%s); try %d again in %.2f s",
                what,
                _status(error) or type(error).__name__,
                attempt + 1,
                delay,
            )
            if gate is None or asked is None:  # the gate itself waits out a Retry-After
                await sleep(delay)
                waited += delay
        else:
            _answered(gate, True)
            return result
    raise AssertionError("unreachable")


def _answered(gate: ThrottleGate | None, reachable: bool) -> None:
    if gate is not None:
        gate.reachable = reachable


def _retry_after(error: BaseException) -> float | None:
    if _status(error) not in (429, 503):
        return None
    return retry_after_seconds(getattr(error, "response_headers", None))


def _delay(error: BaseException, attempt: int, policy: RetryPolicy) -> float | None:
    asked = _retry_after(error)
    if asked is not None:
        return asked if asked <= policy.max_retry_after else None
    # Exponential backoff with full jitter: spreads retries from many callers.
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return random.uniform(0, ceiling)


async def read_json_page(
    adapter: Any,
    info: Any,
    policy: RetryPolicy,
    what: str,
    missing: type[Exception],
) -> dict[str, Any]:
    """One page of a list read as raw JSON (a `RequestInformation` sent through the Graph
    client's request adapter), retried within `policy`. A list that is not there (404)
    raises `missing()`; an answer that is not a JSON object raises GraphUnavailable."""
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    async def get() -> Any:
        # "XXX" is Kiota's key for "any error status": Graph's errors read as ODataError.
        return await adapter.send_primitive_async(info, "bytes", {"XXX": ODataError})

    try:
        raw = await with_retries(get, policy, f"Read {what}")
    except APIError as error:
        if error.response_status_code == 404:
            raise missing() from error
        raise
    page = json.loads(raw) if raw else {}
    if not isinstance(page, dict):
        raise GraphUnavailable(f"Graph answered the read of {what} with something else")
    return page
