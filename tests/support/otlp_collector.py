"""A local OpenTelemetry collector (OTLP over HTTP, protobuf) — FOR TESTS ONLY.

An aiohttp server on 127.0.0.1 answering POST /v1/traces and POST /v1/metrics as a real
collector does, keeping what arrives: each span flattened to a `Span` (name, kind,
attributes, status), and the names of the metrics with the attributes of each data point.
Point a bot at it with OTEL_EXPORTER_OTLP_ENDPOINT=collector.url.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

PROTOBUF = "application/x-protobuf"


@dataclass(frozen=True)
class Span:
    name: str
    attributes: dict[str, Any]
    error: bool  # status ERROR
    service: str  # the resource's service.name
    trace_id: str
    events: tuple[dict[str, Any], ...] = ()
    kind: str = ""  # SERVER, CLIENT, INTERNAL, PRODUCER or CONSUMER


@dataclass
class Collector:
    spans: list[Span] = field(default_factory=list)
    # metric name -> the attributes of each data point received for it
    metrics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    exports: int = 0
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/traces", self._traces)
        app.router.add_post("/v1/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _traces(self, request: web.Request) -> web.Response:
        export = ExportTraceServiceRequest()
        export.ParseFromString(await request.read())
        self.exports += 1
        for resource_spans in export.resource_spans:
            service = str(_attributes(resource_spans.resource.attributes).get("service.name"))
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.spans.append(
                        Span(
                            name=span.name,
                            attributes=_attributes(span.attributes),
                            error=span.status.code == span.status.STATUS_CODE_ERROR,
                            service=service,
                            trace_id=span.trace_id.hex(),
                            events=tuple(
                                {"name": e.name, **_attributes(e.attributes)} for e in span.events
                            ),
                            kind=span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
                        )
                    )
        body = ExportTraceServiceResponse().SerializeToString()
        return web.Response(body=body, content_type=PROTOBUF)

    async def _metrics(self, request: web.Request) -> web.Response:
        export = ExportMetricsServiceRequest()
        export.ParseFromString(await request.read())
        self.exports += 1
        for resource_metrics in export.resource_metrics:
            for scope in resource_metrics.scope_metrics:
                for metric in scope.metrics:
                    kind = metric.WhichOneof("data")
                    points = getattr(metric, kind).data_points if kind else []
                    self.metrics.setdefault(metric.name, []).extend(
                        _attributes(point.attributes) for point in points
                    )
        body = ExportMetricsServiceResponse().SerializeToString()
        return web.Response(body=body, content_type=PROTOBUF)

    def named(self, name: str) -> list[Span]:
        return [span for span in self.spans if span.name == name]

    async def wait_for(self, found: Callable[[], bool], timeout: float = 30.0) -> None:
        """Until `found()` is true (exports come every few seconds), or AssertionError."""
        deadline = time.monotonic() + timeout
        while not found():
            if time.monotonic() > deadline:
                raise AssertionError(f"Not received within {timeout} s; spans: {self.spans}")
            await asyncio.sleep(0.05)


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs if isinstance(pair, KeyValue)}


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    return getattr(value, kind) if kind else None
