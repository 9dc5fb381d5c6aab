"""Spans for turns, card actions, Graph calls, outbound sends and scheduled jobs.

Our spans come from our own tracer, which `configure_telemetry` points at the exporting
provider. It is not made the global provider, so libraries that trace on their own (the
Graph SDK's HTTP layer records whole URLs, with any names in a $filter) stay silent.
Until then, and whenever telemetry is off, the tracer is the API's no-op one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from bot.telemetry.correlation import correlation_id

TRACER = "digital_front_door"
CORRELATION_ID = "dfd.correlation_id"

_tracer: trace.Tracer = trace.NoOpTracer()


def use_tracer(tracer: trace.Tracer) -> None:
    """Where spans go from now on (set once, by configure_telemetry)."""
    global _tracer
    _tracer = tracer


def enabled() -> bool:
    """Whether spans are recorded: work done only for a span can be skipped when not."""
    return not isinstance(_tracer, trace.NoOpTracer)


@contextmanager
def span(
    name: str, kind: trace.SpanKind = trace.SpanKind.INTERNAL, **attributes: Any
) -> Iterator[trace.Span]:
    """A span named `name` with the current correlation id and `attributes` (never
    personal data); an exception marks it failed and goes on up. `kind` says what the span
    is to Application Insights: SERVER is a request, CLIENT a call out (a dependency)."""
    if not enabled():
        yield trace.INVALID_SPAN
        return
    attributes[CORRELATION_ID] = correlation_id()
    with _tracer.start_as_current_span(
        name,
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as current:
        try:
            yield current
        except BaseException as error:
            failed(error, current)
            raise


def failed(error: BaseException, current: trace.Span | None = None) -> None:
    """Mark the span (the current one by default) as failed by `error`. Only the type of
    the error is kept: its message may quote what someone typed."""
    current = current or trace.get_current_span()
    if not current.is_recording():
        return
    kind = type(error).__name__
    current.set_status(Status(StatusCode.ERROR, kind))
    current.add_event("exception", {"exception.type": kind})


def has_failed(current: trace.Span) -> bool:
    status = getattr(current, "status", None)
    return status is not None and status.status_code is StatusCode.ERROR
