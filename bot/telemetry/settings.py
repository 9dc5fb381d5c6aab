"""Telemetry settings, read with the others (bot/settings.py) and checked at start-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

LOG_FORMATS = ("json", "text")
SERVICE_NAME_DEFAULT = "digital-front-door"
# An Application Insights connection string is Name=value pairs separated by semicolons,
# as the Azure portal shows it. It must have the resource's InstrumentationKey (a GUID);
# the addresses in it, if given, must be https. Checked here because the exporting library
# stops the process with a traceback on a string it cannot read.
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CONNECTION_ADDRESSES = {"ingestionendpoint": "IngestionEndpoint", "liveendpoint": "LiveEndpoint"}
_CONNECTION_HELP = (
    " Copy it whole from the Application Insights resource's Overview page in the Azure portal."
)
_SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


@dataclass(frozen=True)
class TelemetrySettings:
    # APPLICATIONINSIGHTS_CONNECTION_STRING: export to Application Insights. A secret-ish
    # value: never shown back in a message.
    connection_string: str = ""
    # OTEL_EXPORTER_OTLP_ENDPOINT: export over OTLP/HTTP to this collector instead.
    otlp_endpoint: str = ""
    # OTEL_SERVICE_NAME: the role name shown in Application Insights.
    service_name: str = SERVICE_NAME_DEFAULT
    # LOG_FORMAT: json (one JSON object a line; the default in m365 mode) or text (local).
    log_format: str = "text"

    @property
    def exporting(self) -> bool:
        return bool(self.connection_string or self.otlp_endpoint)

    def __repr__(self) -> str:  # never the connection string, in logs or tracebacks
        where = "application insights" if self.connection_string else self.otlp_endpoint or "off"
        return (
            f"TelemetrySettings(export={where!r}, service_name={self.service_name!r}, "
            f"log_format={self.log_format!r})"
        )


def load_telemetry_settings(
    env: Mapping[str, str], mode: str, problems: list[str]
) -> TelemetrySettings:
    """Every bad value adds one plain sentence to `problems`; the defaults are used for it."""
    connection = _connection_string(env.get("APPLICATIONINSIGHTS_CONNECTION_STRING", ""), problems)
    endpoint = _otlp_endpoint(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""), problems)
    if connection and endpoint:
        problems.append(
            "Set APPLICATIONINSIGHTS_CONNECTION_STRING or OTEL_EXPORTER_OTLP_ENDPOINT, not both: "
            "telemetry goes to one place."
        )
        endpoint = ""
    return TelemetrySettings(
        connection_string=connection,
        otlp_endpoint=endpoint,
        service_name=_service_name(env.get("OTEL_SERVICE_NAME", ""), problems),
        log_format=_log_format(env.get("LOG_FORMAT", ""), mode, problems),
    )


def _connection_string(raw: str, problems: list[str]) -> str:
    """The connection string tidied (spaces around names and values dropped, the key in lower
    case), or "" with one sentence in `problems`. The value is never quoted back: it may be a
    secret pasted in the wrong place."""
    value = raw.strip()
    if not value:
        return ""
    problem = _connection_problem(value)
    if problem:
        problems.append(f"APPLICATIONINSIGHTS_CONNECTION_STRING {problem}{_CONNECTION_HELP}")
        return ""
    pairs = [tuple(part.strip() for part in pair.split("=")) for pair in value.split(";")]
    return ";".join(
        f"{name}={text.lower() if name.lower() == 'instrumentationkey' else text}"
        for name, text in pairs
    )


def _connection_problem(value: str) -> str:
    """What is wrong with a connection string, as the end of a sentence, or ""."""
    fields: dict[str, str] = {}
    for pair in value.split(";"):
        name, equals, text = (part.strip() for part in pair.partition("="))
        if not equals or not name or not text or "=" in text:
            return (
                "is not an Application Insights connection string: it must be Name=value "
                "pairs separated by semicolons, such as InstrumentationKey=<a GUID>;"
                "IngestionEndpoint=https://<region>.in.applicationinsights.azure.com/, with "
                "no empty part and no semicolon at the end."
            )
        fields[name.lower()] = text
    key = fields.get("instrumentationkey")
    if key is None:
        return "has no InstrumentationKey: it must contain InstrumentationKey=<a GUID>."
    if not _GUID.match(key.lower()):
        return (
            "has an InstrumentationKey that is not a GUID: it must look like "
            "00000000-0000-0000-0000-000000000000."
        )
    for field, name in _CONNECTION_ADDRESSES.items():
        if field in fields and not _https_address(fields[field]):
            return (
                f"has {name}= set to something that is not an https address: it must look "
                "like https://uksouth-1.in.applicationinsights.azure.com/."
            )
    authorization = fields.get("authorization")
    if authorization is not None and authorization.lower() != "ikey":
        return "has an Authorization other than ikey: remove Authorization= from it."
    return ""


def _https_address(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and bool(parts.hostname)
        and not (parts.username or parts.password or parts.query or parts.fragment)
    )


def _otlp_endpoint(raw: str, problems: list[str]) -> str:
    value = raw.strip()
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(
            "OTEL_EXPORTER_OTLP_ENDPOINT must be the http or https address of an OpenTelemetry "
            "collector, such as http://127.0.0.1:4318."
            + ("" if "@" in value else f" It is '{value[:80]}'.")
        )
        return ""
    if parts.query or parts.fragment or parts.username or parts.password:
        problems.append(
            "OTEL_EXPORTER_OTLP_ENDPOINT must be a plain address with no user name, password, "
            "? or #, such as http://127.0.0.1:4318."
        )
        return ""
    return value.rstrip("/")


def _service_name(raw: str, problems: list[str]) -> str:
    value = raw.strip()
    if not value:
        return SERVICE_NAME_DEFAULT
    if not _SERVICE_NAME.match(value):
        problems.append(
            "OTEL_SERVICE_NAME must be 1 to 63 letters, digits, dots, dashes or underscores, "
            f"such as {SERVICE_NAME_DEFAULT}. It is '{value[:80]}'."
        )
        return SERVICE_NAME_DEFAULT
    return value


def _log_format(raw: str, mode: str, problems: list[str]) -> str:
    value = raw.strip().lower()
    if not value:
        return "json" if mode == "m365" else "text"
    if value not in LOG_FORMATS:
        problems.append(f"LOG_FORMAT must be 'json' or 'text'. It is '{raw.strip()[:40]}'.")
        return "text"
    return value
