"""Observability: one correlation id per turn (and per scheduled job), JSON log lines that
carry it, and OpenTelemetry traces and metrics, exported to Application Insights (Azure
Monitor's OpenTelemetry distribution) when its connection string is set, to any OTLP
collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and otherwise off (the OpenTelemetry
API's no-op tracer: nearly free).

Nothing that names a person goes into a log line, a span or a metric: ids of requests,
verbs, journeys and counts only (tests/e2e/test_no_personal_data.py scans for it).
"""

from bot.telemetry.correlation import correlated, correlation_id
from bot.telemetry.settings import TelemetrySettings, load_telemetry_settings
from bot.telemetry.tracing import span

__all__ = [
    "TelemetrySettings",
    "correlated",
    "correlation_id",
    "load_telemetry_settings",
    "span",
]
