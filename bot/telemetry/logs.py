"""Log lines: one JSON object a line (LOG_FORMAT=json, what a log store such as Azure
Monitor reads field by field) or plain text (local), each with the correlation id of the
turn or scheduled job that wrote it.

No log line names a person. Code logs what it knows by id: a request's reference, a verb,
a count. Where a line must say which person it is about (a card that could not reach them,
say), it gives `person_ref(user_id)`: the same short code for the same person every time,
so support staff can follow one person's lines, and can work out the code of someone who
asks what the logs hold about them, but a reader of the logs cannot turn it back into a
name or an Entra id without the directory.

Every LogRecord gets its `correlation_id` when it is made (a record factory), so every
handler sees it: the root's stream handler and Azure Monitor's handler on the `bot`
logger alike. The Agents SDK's line about an Activity no route took quotes the person's
words: that text is cut out. aiohttp's access lines are our own (AccessLog): the route's
template, never the path (a pack's token is its only key) and never the query string.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import sys
from typing import IO, Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from pythonjsonlogger.json import JsonFormatter

from bot.telemetry.correlation import correlation_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s]: %(message)s"
# The LogRecord attributes a JSON line carries, and the names it gives them.
JSON_FIELDS = ("levelname", "name", "message", "correlation_id")
JSON_NAMES = {"levelname": "level", "name": "logger", "exc_info": "exception"}


def stamp_correlation_ids() -> None:
    """Make every LogRecord carry `correlation_id`: the id of the turn or job it was written
    in ("-" outside one: start-up, shut-down), set when the record is made, before any
    handler or filter sees it. Wraps the record factory in place once; calling again does
    nothing."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "stamps_correlation_ids", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.correlation_id = correlation_id() or "-"
        return record

    factory.stamps_correlation_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class CorrelationFilter(logging.Filter):
    """For a record made by a factory put in place after ours, which did not stamp it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):
            record.correlation_id = correlation_id() or "-"
        return True


# The Agents SDK's logger that warns "No route found for activity type: ... with text: ..."
# with the whole of what the person typed (bot/registry.py gives every Activity a route,
# so it should not happen; this is the defence if it does).
SDK_ROUTES_LOGGER = "microsoft_agents.hosting.core.app.agent_application"
_QUOTED_TEXT = re.compile(r"(\bwith text: ).*", re.DOTALL)
NOT_LOGGED = "[not logged]"


class QuotedTextFilter(logging.Filter):
    """Cuts out the text a log line quotes after "with text: "."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed line: its handler reports that, not this filter
            return True
        if _QUOTED_TEXT.search(message):
            record.msg, record.args = _QUOTED_TEXT.sub(r"\g<1>" + NOT_LOGGED, message), ()
        return True


def guard_records() -> None:
    """Correlation ids on every record, and the SDK's quoted text cut out. Done when this
    module is imported (the app's modules import it) and by configure_logging; again is
    harmless."""
    stamp_correlation_ids()
    sdk = logging.getLogger(SDK_ROUTES_LOGGER)
    if not any(isinstance(f, QuotedTextFilter) for f in sdk.filters):
        sdk.addFilter(QuotedTextFilter())


guard_records()


# What an access line says in place of the path of a request no route took.
NO_ROUTE = "(no route)"


def route_of(request: web.BaseRequest) -> str:
    """The template of the route a request took, such as /procurement/packs/{token}."""
    try:
        resource = request.match_info.route.resource  # type: ignore[attr-defined]
    except (AttributeError, AssertionError):  # a request that was never routed
        return NO_ROUTE
    return resource.canonical if resource is not None else NO_ROUTE


class AccessLog(AbstractAccessLogger):
    """aiohttp's access line, with nothing in it that could be a key or name a person: the
    method, the route's template, the status and the milliseconds taken; no query string,
    no address, no headers. The same values go on the record as fields, for JSON lines.
    Given to aiohttp's run_app as `access_log_class`."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        route = route_of(request)
        took = round(time * 1000, 1)
        self.logger.info(
            "%s %s %s %.1f ms",
            request.method,
            route,
            response.status,
            took,
            extra={
                "http_method": request.method,
                "http_route": route,
                "http_status": response.status,
                "duration_ms": took,
            },
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


class JsonLines(JsonFormatter):
    """python-json-logger's formatter with the time first, in UTC ISO 8601. A traceback is
    one string value, so a line is always one line."""

    def __init__(self) -> None:
        super().__init__(list(JSON_FIELDS), rename_fields=JSON_NAMES)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        created = dt.datetime.fromtimestamp(record.created, dt.UTC)
        log_data["time"] = created.isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)


# HTTP clients that log each request's whole URL at INFO: Graph's carry people's ids in a
# $filter (a person's own requests), Azure Storage's carry table keys. Graph calls are
# traced by our own spans instead; these loggers keep only warnings and errors.
URL_LOGGERS = ("httpx", "httpcore", "azure.core.pipeline.policies.http_logging_policy")


class _Ours(logging.StreamHandler[IO[str]]):
    """The handler configure_logging adds, so a second call replaces it."""


def configure_logging(
    level: str | int, fmt: str = "text", stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log line to `stream` (stderr by default) as JSON (`fmt` "json") or text,
    from `level` up. Called once at start-up; calling again replaces the first set-up.
    Returns the handler, for a test to take away with `stop_logging`."""
    guard_records()
    handler = _Ours(stream or sys.stderr)
    handler.addFilter(CorrelationFilter())
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Ours)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in URL_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    return handler


def stop_logging(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    for name in URL_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


def person_ref(user_id: str) -> str:
    """A short code for a person in a log line or span, in place of their id."""
    if not user_id:
        return "nobody"
    return "person-" + hashlib.sha256(user_id.strip().lower().encode()).hexdigest()[:12]
