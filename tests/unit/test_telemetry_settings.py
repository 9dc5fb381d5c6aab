"""Telemetry settings: each bad value is one plain sentence, and a secret is never echoed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from bot.telemetry.settings import TelemetrySettings, load_telemetry_settings
from graph_clients.client import path_template

ROOT = Path(__file__).resolve().parents[2]
DATA = "/tmp/dfd-telemetry-settings-unused"  # never written: the bot stops before it opens
CONNECTION = (
    "InstrumentationKey=00000000-0000-0000-0000-000000000001;"
    "IngestionEndpoint=https://uksouth-1.in.applicationinsights.azure.com/"
)


def loaded(mode: str = "local", **env: str) -> tuple[TelemetrySettings, list[str]]:
    problems: list[str] = []
    return load_telemetry_settings(env, mode, problems), problems


def test_off_by_default_with_text_logs_locally_and_json_logs_in_m365() -> None:
    local, problems = loaded()
    assert not local.exporting and local.log_format == "text" and not problems
    assert local.service_name == "digital-front-door"
    m365, _ = loaded("m365")
    assert m365.log_format == "json" and not m365.exporting


def test_a_connection_string_or_an_otlp_endpoint_turns_exporting_on() -> None:
    insights, problems = loaded(APPLICATIONINSIGHTS_CONNECTION_STRING=f" {CONNECTION} ")
    assert insights.connection_string == CONNECTION and insights.exporting and not problems
    otlp, problems = loaded(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318/")
    assert otlp.otlp_endpoint == "http://127.0.0.1:4318" and otlp.exporting and not problems
    named, problems = loaded(OTEL_SERVICE_NAME="dfd-prod", LOG_FORMAT="JSON")
    assert (named.service_name, named.log_format) == ("dfd-prod", "json") and not problems


HELP = " Copy it whole from the Application Insights resource's Overview page in the Azure portal."
NOT_PAIRS = (
    "APPLICATIONINSIGHTS_CONNECTION_STRING is not an Application Insights connection string: "
    "it must be Name=value pairs separated by semicolons, such as InstrumentationKey=<a GUID>;"
    "IngestionEndpoint=https://<region>.in.applicationinsights.azure.com/, with no empty part "
    "and no semicolon at the end." + HELP
)
NO_KEY = (
    "APPLICATIONINSIGHTS_CONNECTION_STRING has no InstrumentationKey: it must contain "
    "InstrumentationKey=<a GUID>." + HELP
)
NOT_A_GUID = (
    "APPLICATIONINSIGHTS_CONNECTION_STRING has an InstrumentationKey that is not a GUID: it "
    "must look like 00000000-0000-0000-0000-000000000000." + HELP
)
INGESTION_NOT_HTTPS = (
    "APPLICATIONINSIGHTS_CONNECTION_STRING has IngestionEndpoint= set to something that is "
    "not an https address: it must look like https://uksouth-1.in.applicationinsights.azure.com/."
    + HELP
)
KEY = "InstrumentationKey=00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("SharedAccessKey=s3cr3t-v4lue", NO_KEY),
        ("InstrumentationKey=", NOT_PAIRS),
        ("InstrumentationKey=s3cr3t-v4lue", NOT_A_GUID),
        ("InstrumentationKey=abc", NOT_A_GUID),
        ("InstrumentationKey={00000000-0000-0000-0000-000000000001}", NOT_A_GUID),
        ("IngestionEndpoint=https://x/", NO_KEY),
        ("IngestionEndpoint=https://s3cr3t-v4lue.example/", NO_KEY),
        (f"{KEY};IngestionEndpoint=http://uksouth.example/", INGESTION_NOT_HTTPS),
        (f"{KEY};IngestionEndpoint=s3cr3t-v4lue", INGESTION_NOT_HTTPS),
        (f"{KEY};IngestionEndpoint=https://user:s3cr3t-v4lue@x/", INGESTION_NOT_HTTPS),
        (
            f"{KEY};LiveEndpoint=ftp://x/",
            INGESTION_NOT_HTTPS.replace("IngestionEndpoint", "LiveEndpoint"),
        ),
        (
            f"{KEY};Authorization=s3cr3t-v4lue",
            "APPLICATIONINSIGHTS_CONNECTION_STRING has an Authorization other than ikey: remove "
            "Authorization= from it." + HELP,
        ),
        (f"{KEY};", NOT_PAIRS),
        (f"{KEY};;IngestionEndpoint=https://x/", NOT_PAIRS),
        (f"{KEY};s3cr3t-v4lue", NOT_PAIRS),
        (f"{KEY};ApplicationId=a=s3cr3t-v4lue", NOT_PAIRS),
        ("s3cr3t-v4lue", NOT_PAIRS),
    ],
)
def test_a_malformed_connection_string_is_one_sentence_that_never_echoes_it(
    value: str, problem: str
) -> None:
    settings, problems = loaded(APPLICATIONINSIGHTS_CONNECTION_STRING=value)
    assert problems == [problem]
    assert not settings.exporting
    assert "s3cr3t" not in problems[0]


def test_a_connection_string_as_the_portal_shows_it_is_accepted_and_tidied() -> None:
    portal = (
        "InstrumentationKey=0A1B2C3D-0000-4000-8000-00000000000F; "
        "IngestionEndpoint=https://uksouth-1.in.applicationinsights.azure.com/;"
        "LiveEndpoint=https://uksouth.livediagnostics.monitor.azure.com/;"
        "ApplicationId=11111111-2222-3333-4444-555555555555"
    )
    settings, problems = loaded(APPLICATIONINSIGHTS_CONNECTION_STRING=portal)
    assert not problems
    # The key in lower case, as the exporting library insists; nothing else changed.
    assert settings.connection_string == portal.replace("; ", ";").replace(
        "0A1B2C3D-0000-4000-8000-00000000000F", "0a1b2c3d-0000-4000-8000-00000000000f"
    )
    assert loaded(APPLICATIONINSIGHTS_CONNECTION_STRING=f"{KEY};Authorization=ikey")[1] == []


def test_every_accepted_connection_string_is_one_the_exporter_can_read() -> None:
    from azure.monitor.opentelemetry.exporter._connection_string_parser import (
        ConnectionStringParser,
    )

    for value in (CONNECTION, f" {KEY} ", f"{KEY};IngestionEndpoint=https://x.example/"):
        settings, problems = loaded(APPLICATIONINSIGHTS_CONNECTION_STRING=value)
        assert not problems
        parsed = ConnectionStringParser(settings.connection_string)
        assert parsed.instrumentation_key == KEY.partition("=")[2]


def run_bot(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m bot` in local mode with `env` and no telemetry setting of the caller's."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "APPLICATION"))}
    with socket.socket() as taken:  # if it did get as far as listening, it stops there
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        return subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env={**base, "PORT": str(port), "HOST": "127.0.0.1", "DATA_DIR": DATA, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.mark.parametrize(
    "value", ["InstrumentationKey=abc", "IngestionEndpoint=https://x/", "s3cr3t-v4lue"]
)
def test_python_m_bot_stops_with_one_sentence_on_a_malformed_connection_string(
    value: str,
) -> None:
    ran = run_bot({"APPLICATIONINSIGHTS_CONNECTION_STRING": value})
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr and value not in ran.stderr
    assert ran.stderr.splitlines()[0] == (
        "Digital Front Door cannot start. Fix these settings and try again:"
    )
    assert ran.stderr.splitlines()[1].startswith("  - APPLICATIONINSIGHTS_CONNECTION_STRING ")


def test_python_m_bot_stops_with_one_sentence_when_telemetry_cannot_be_turned_on() -> None:
    # Settings of OpenTelemetry's own that the bot does not check: the SDK refuses them.
    ran = run_bot(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
            "OTEL_BSP_MAX_QUEUE_SIZE": "10",
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "20",
        }
    )
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr
    assert ran.stderr.strip().splitlines() == [
        "Digital Front Door cannot start: telemetry could not be turned on (ValueError). Check "
        "APPLICATIONINSIGHTS_CONNECTION_STRING, OTEL_EXPORTER_OTLP_ENDPOINT and any other OTEL_ "
        "setting, or unset them to run without telemetry."
    ]


def test_the_connection_string_never_shows_in_the_settings_repr() -> None:
    settings, _ = loaded(APPLICATIONINSIGHTS_CONNECTION_STRING=CONNECTION)
    assert "InstrumentationKey" not in repr(settings)
    assert "00000000-0000-0000-0000-000000000001" not in repr(settings)


@pytest.mark.parametrize(
    "endpoint", ["127.0.0.1:4318", "ftp://collector", "http://", "http://host:port", "collector"]
)
def test_an_otlp_endpoint_that_is_not_an_http_address_is_one_plain_sentence(endpoint: str) -> None:
    settings, problems = loaded(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint)
    assert not settings.exporting
    assert len(problems) == 1
    assert problems[0].startswith(
        "OTEL_EXPORTER_OTLP_ENDPOINT must be the http or https address of an OpenTelemetry "
        "collector, such as http://127.0.0.1:4318."
    )


def test_an_otlp_endpoint_with_a_password_is_refused_and_not_echoed() -> None:
    _, problems = loaded(OTEL_EXPORTER_OTLP_ENDPOINT="https://user:hunter2@collector:4318")
    assert len(problems) == 1 and "hunter2" not in problems[0]
    _, problems = loaded(OTEL_EXPORTER_OTLP_ENDPOINT="user:hunter2@collector")
    assert len(problems) == 1 and "hunter2" not in problems[0]


def test_both_places_at_once_is_refused() -> None:
    _, problems = loaded(
        APPLICATIONINSIGHTS_CONNECTION_STRING=CONNECTION,
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318",
    )
    assert problems == [
        "Set APPLICATIONINSIGHTS_CONNECTION_STRING or OTEL_EXPORTER_OTLP_ENDPOINT, not both: "
        "telemetry goes to one place."
    ]


def test_a_bad_service_name_and_log_format_each_get_a_sentence() -> None:
    settings, problems = loaded(OTEL_SERVICE_NAME="front door!", LOG_FORMAT="xml")
    assert problems == [
        "OTEL_SERVICE_NAME must be 1 to 63 letters, digits, dots, dashes or underscores, "
        "such as digital-front-door. It is 'front door!'.",
        "LOG_FORMAT must be 'json' or 'text'. It is 'xml'.",
    ]
    assert (settings.service_name, settings.log_format) == ("digital-front-door", "text")


def test_the_bots_settings_carry_telemetry_and_report_its_problems() -> None:
    settings = load_settings({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert settings.telemetry.otlp_endpoint == "http://127.0.0.1:4318"
    with pytest.raises(SettingsError) as refused:
        load_settings({"LOG_FORMAT": "yaml"})
    assert "LOG_FORMAT must be 'json' or 'text'. It is 'yaml'." in refused.value.problems


def test_graph_paths_keep_graphs_words_and_hide_every_id_or_name() -> None:
    site = "contoso.sharepoint.com,1111,2222"
    assert (
        path_template(f"/v1.0/sites/{site}/lists/DFD Requests/items/42/fields")
        == "/v1.0/sites/{id}/lists/{id}/items/{id}/fields"
    )
    assert path_template("/v1.0/users/zebedee@council.example/teamwork/installedApps") == (
        "/v1.0/users/{id}/teamwork/installedApps"
    )
    assert path_template("/v1.0/$batch") == "/v1.0/$batch"
