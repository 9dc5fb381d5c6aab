"""One measured step: a span, a count by outcome and (when asked) a timing, together.

Turns, card actions, Graph calls, sends and scheduled jobs are each one step. A scheduled
job's run is also its own correlation id, as a turn is (see bot.telemetry.turns).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.metrics import Counter, Histogram

from bot.telemetry.correlation import correlated
from bot.telemetry.metrics import instruments
from bot.telemetry.tracing import has_failed, span

OUTCOME = "dfd.outcome"


class Step:
    """The span of a step and the labels its count and timing will carry."""

    def __init__(self, current: trace.Span, labels: dict[str, Any]) -> None:
        self.span = current
        self.labels = labels

    def note(self, **attributes: Any) -> None:
        """Attributes found out during the step, on the span and the measurements."""
        self.labels.update(attributes)
        self.span.set_attributes(attributes)

    def describe(self, **attributes: Any) -> None:
        """Attributes for the span only (OpenTelemetry's HTTP ones), not the measurements."""
        self.span.set_attributes(attributes)


@contextmanager
def measured(
    name: str,
    count: Counter,
    duration: Histogram | None = None,
    labels: Mapping[str, Any] | None = None,
    kind: trace.SpanKind = trace.SpanKind.INTERNAL,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Step]:
    """A span `name` of `kind` with `labels` and `attributes` (the span's alone) on it;
    after it, `count` one by `labels` and the outcome ("ok" or "error"), and `duration`
    the seconds it took."""
    started = time.perf_counter()
    step = Step(trace.INVALID_SPAN, dict(labels or {}))
    outcome = "error"
    try:
        with span(name, kind, **{**(attributes or {}), **step.labels}) as current:
            step.span = current
            try:
                yield step
            except BaseException:
                current.set_attribute(OUTCOME, outcome)
                raise
            outcome = "error" if has_failed(current) else "ok"
            current.set_attribute(OUTCOME, outcome)
    finally:
        step.labels[OUTCOME] = outcome
        count.add(1, step.labels)
        if duration is not None:
            duration.record(time.perf_counter() - started, step.labels)


@contextmanager
def job(name: str) -> Iterator[Step]:
    """One run of a scheduled job (a journey's loop), under its own correlation id."""
    with correlated(), measured("job", instruments().jobs, labels={"dfd.job": name}) as step:
        yield step


@contextmanager
def card_action(verb: str) -> Iterator[Step]:
    """One press of a card's button, by its verb."""
    with measured("card_action", instruments().card_actions, labels={"dfd.verb": verb}) as step:
        yield step


@contextmanager
def send(what: str, server: str = "") -> Iterator[Step]:
    """One message (or new chat) sent to Teams outside a turn, retries included: a call
    out (CLIENT) to `server`, the host of the conversation's serviceUrl."""
    with measured(
        "send",
        instruments().sends,
        labels={"dfd.send": what},
        kind=trace.SpanKind.CLIENT,
        attributes={"server.address": server} if server else None,
    ) as step:
        yield step
