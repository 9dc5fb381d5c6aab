"""Telemetry settings, read with the others (bot/settings.py) and checked at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LOG_FORMATS = ("json", "text")


@dataclass(frozen=True)
class TelemetrySettings:
    # APPLICATIONINSIGHTS_CONNECTION_STRING: export to Application Insights. A secret-ish
    # value: never shown back in a message.
    connection_string: str = ""
    # OTEL_EXPORTER_OTLP_ENDPOINT: export over OTLP/HTTP to this collector instead.
    otlp_endpoint: str = ""
    # OTEL_SERVICE_NAME: the role name shown in Application Insights.
    service_name: str = "digital-front-door"
    # LOG_FORMAT: json (one JSON object a line; the default in m365 mode) or text (local).
    log_format: str = "text"

    @property
    def exporting(self) -> bool:
        return bool(self.connection_string or self.otlp_endpoint)


def load_telemetry_settings(
    env: Mapping[str, str], mode: str, problems: list[str]
) -> TelemetrySettings:
    """Filled in by the observability helper: every bad value adds one plain sentence."""
    raise NotImplementedError
