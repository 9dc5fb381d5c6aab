"""STATE_STORE and the Azure Storage account: checked at start-up, one plain sentence each."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.azure_state.settings import StateSettings
from bot.settings import SettingsError, load_settings
from tests.e2e.test_service import run_bot

GUID = "11111111-2222-3333-4444-555555555555"
M365 = {"BOT_MODE": "m365", "CLIENT_ID": GUID, "TENANT_ID": GUID, "CLIENT_SECRET": "s"}
KEY = "a2V5LW5vdC1yZWFsLWJ1dC1iYXNlNjQ="
CONNECTION = (
    f"DefaultEndpointsProtocol=https;AccountName=dfdstate;AccountKey={KEY};"
    "EndpointSuffix=core.windows.net"
)
URL = "https://dfdstate.blob.core.windows.net"


def state(env: dict[str, str]) -> StateSettings:
    return load_settings(env).state


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    return raised.value.problems


def test_one_instance_keeps_its_file_by_default() -> None:
    assert state({}).kind == "sqlite"  # local mode
    assert state({**M365, "BOT_STORE": "sqlite"}).kind == "sqlite"  # a one-instance pilot


def test_m365_mode_with_sharepoint_is_on_azure_by_default_and_needs_the_account() -> None:
    said = problems({**M365, "BOT_STORE": "sharepoint"})
    assert any("STATE_STORE=azure needs the storage account" in p for p in said), said
    chosen = state({**M365, "BOT_STORE": "sharepoint", "AZURE_STORAGE_ACCOUNT_URL": URL})
    assert (chosen.kind, chosen.account_url, chosen.prefix) == ("azure", URL, "dfd")


def test_the_managed_identity_and_the_account_address_give_every_service() -> None:
    chosen = state(
        {
            **M365,
            "BOT_STORE": "sharepoint",
            "AZURE_STORAGE_ACCOUNT_URL": "https://dfdstate.table.core.windows.net/",
            "AZURE_CLIENT_ID": GUID,
        }
    )
    assert chosen.managed_identity_client_id == GUID
    assert chosen.endpoint("blob") == "https://dfdstate.blob.core.windows.net"
    assert chosen.endpoint("queue") == "https://dfdstate.queue.core.windows.net"
    assert chosen.endpoint("table") == "https://dfdstate.table.core.windows.net"


def test_a_connection_string_is_accepted_and_never_shown() -> None:
    chosen = state(
        {**M365, "BOT_STORE": "sharepoint", "AZURE_STORAGE_CONNECTION_STRING": CONNECTION}
    )
    assert chosen.connection_string == CONNECTION
    assert KEY not in repr(chosen)
    assert KEY not in repr(load_settings({**M365, "STATE_STORE": "sqlite"}))


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"STATE_STORE": "redis"}, "STATE_STORE must be 'sqlite' or 'azure'. It is 'redis'."),
        ({"STATE_PREFIX": "DFD"}, "STATE_PREFIX must be 2 to 24 lower-case letters and digits"),
        ({"STATE_PREFIX": "9lives"}, "STATE_PREFIX must be 2 to 24 lower-case letters"),
        ({"STATE_PREFIX": "d-f-d"}, "STATE_PREFIX must be 2 to 24 lower-case letters"),
        ({"STATE_PREFIX": "x" * 25}, "STATE_PREFIX must be 2 to 24 lower-case letters"),
        (
            {"STATE_STORE": "azure", "AZURE_STORAGE_ACCOUNT_URL": URL},
            "STATE_STORE=azure needs BOT_STORE=sharepoint",
        ),
    ],
)
def test_bad_choices_are_named(env: dict[str, str], said: str) -> None:
    found = problems(env)
    assert any(said in p for p in found), found


@pytest.mark.parametrize(
    ("env", "said"),
    [
        (
            {"AZURE_STORAGE_CONNECTION_STRING": CONNECTION, "AZURE_STORAGE_ACCOUNT_URL": URL},
            "Set AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL, not both.",
        ),
        (
            {"AZURE_STORAGE_CONNECTION_STRING": "AccountName=dfdstate"},
            "AZURE_STORAGE_CONNECTION_STRING is not a storage connection string",
        ),
        (
            {"AZURE_STORAGE_CONNECTION_STRING": "hello"},
            "AZURE_STORAGE_CONNECTION_STRING is not a storage connection string",
        ),
        (
            {"AZURE_STORAGE_ACCOUNT_URL": "http://dfdstate.blob.core.windows.net"},
            "AZURE_STORAGE_ACCOUNT_URL must be the account's https address",
        ),
        (
            {"AZURE_STORAGE_ACCOUNT_URL": "https://dfdstate.blob.core.windows.net/?sv=secret"},
            "AZURE_STORAGE_ACCOUNT_URL must be the account's https address",
        ),
        (
            {"AZURE_STORAGE_ACCOUNT_URL": "dfdstate"},
            "AZURE_STORAGE_ACCOUNT_URL must be the account's https address",
        ),
    ],
)
def test_a_bad_account_is_named_in_plain_words(env: dict[str, str], said: str) -> None:
    found = problems({**M365, "BOT_STORE": "sharepoint", **env})
    assert any(said in p for p in found), found
    assert not any("sv=secret" in p or KEY in p for p in found)


def test_http_is_allowed_only_on_loopback_as_for_the_emulator() -> None:
    chosen = state(
        {**M365, "BOT_STORE": "sharepoint", "AZURE_STORAGE_ACCOUNT_URL": "http://127.0.0.1:10000"}
    )
    assert chosen.endpoint("table") == "http://127.0.0.1:10000"


def test_python_m_bot_stops_with_the_reason_and_no_traceback(tmp_path: Path) -> None:
    result = run_bot(
        {
            "BOT_STORE": "sharepoint",
            "STATE_STORE": "azure",
            "AZURE_STORAGE_CONNECTION_STRING": f"AccountKey={KEY}",
            "DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 2
    assert "AZURE_STORAGE_CONNECTION_STRING is not a storage connection string" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert KEY not in result.stderr + result.stdout
