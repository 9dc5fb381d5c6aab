"""Turning telemetry on, once, from the settings: Application Insights, an OTLP collector,
or nothing at all.

The exporting libraries are imported only when telemetry is configured, so `python -m bot`
starts no slower when it is off. Our spans and measurements go through our own tracer and
meter (bot.telemetry.tracing and .metrics); the tracer provider is not made global, so
libraries that trace by themselves send nothing (the Graph SDK's HTTP layer would record
whole URLs, with the values of any $filter in them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.telemetry.metrics import METER, use_meter
from bot.telemetry.settings import TelemetrySettings
from bot.telemetry.tracing import TRACER, use_tracer

logger = logging.getLogger(__name__)

# Our loggers, the only ones whose lines go to Application Insights as traces.
LOGGER = "bot"
# Azure Monitor's automatic instrumentations: none is wanted (we have no web framework
# they know, and the HTTP client ones would record URLs and Azure SDK calls as they are).
_INSTRUMENTATIONS = (
    "azure_sdk",
    "django",
    "fastapi",
    "flask",
    "httpx",
    "httpx2",
    "psycopg2",
    "requests",
    "urllib",
    "urllib3",
)
# Seconds an export may take: a collector that is down never holds up stopping for long.
EXPORT_TIMEOUT = 5.0

_shutdown: Callable[[], None] | None = None


def configure_telemetry(settings: TelemetrySettings) -> Callable[[], None]:
    """Start exporting as `settings` say; returns what flushes and stops it. Called again,
    it changes nothing and returns the same function."""
    global _shutdown
    if _shutdown is not None:
        return _shutdown
    if settings.connection_string:
        _shutdown = _application_insights(settings)
        where = "Application Insights"
    elif settings.otlp_endpoint:
        _shutdown = _otlp(settings)
        where = f"the OpenTelemetry collector at {settings.otlp_endpoint}"
    else:
        _shutdown = _nothing
        return _shutdown
    logger.info("Sending traces and metrics to %s as %s", where, settings.service_name)
    return _shutdown


def _nothing() -> None:
    pass


def _resource(settings: TelemetrySettings) -> Any:
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    return Resource.create({SERVICE_NAME: settings.service_name})


def _tracer_provider(settings: TelemetrySettings, exporter: Any) -> Any:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=_resource(settings))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    use_tracer(provider.get_tracer(TRACER))
    return provider


def _otlp(settings: TelemetrySettings) -> Callable[[], None]:
    """Spans in batches (every 5 s, or OTEL_BSP_SCHEDULE_DELAY milliseconds) and measurements
    every minute (or OTEL_METRIC_EXPORT_INTERVAL milliseconds), as OpenTelemetry's own
    settings say."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    base = settings.otlp_endpoint
    tracing = _tracer_provider(
        settings, OTLPSpanExporter(endpoint=f"{base}/v1/traces", timeout=EXPORT_TIMEOUT)
    )
    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=f"{base}/v1/metrics", timeout=EXPORT_TIMEOUT),
    )
    meters = MeterProvider(resource=_resource(settings), metric_readers=[reader])
    use_meter(meters.get_meter(METER))

    def shutdown() -> None:
        tracing.shutdown()
        meters.shutdown()

    return shutdown


def _application_insights(settings: TelemetrySettings) -> Callable[[], None]:
    """Azure Monitor's OpenTelemetry distribution: measurements (with live metrics) and our
    log lines through `configure_azure_monitor`; our spans through its trace exporter."""
    from azure.monitor.opentelemetry import configure_azure_monitor
    from azure.monitor.opentelemetry.exporter import AzureMonitorTraceExporter
    from opentelemetry import metrics

    configure_azure_monitor(
        connection_string=settings.connection_string,
        resource=_resource(settings),
        logger_name=LOGGER,
        instrumentation_options={name: {"enabled": False} for name in _INSTRUMENTATIONS},
        disable_tracing=True,  # the global provider would take every library's spans
    )
    tracing = _tracer_provider(
        settings, AzureMonitorTraceExporter(connection_string=settings.connection_string)
    )
    use_meter(metrics.get_meter(METER))

    def shutdown() -> None:
        tracing.shutdown()
        provider = metrics.get_meter_provider()
        stop = getattr(provider, "shutdown", None)
        if stop is not None:
            stop()

    return shutdown
