"""Configuration is checked at start-up, with a plain message for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import PLAYGROUND_DEFAULT_USER, SettingsError, is_loopback, load_settings

GUID = "11111111-2222-3333-4444-555555555555"


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    return raised.value.problems


def test_defaults_are_local_anonymous_loopback_with_the_playground_user_as_admin() -> None:
    settings = load_settings({})
    assert (settings.mode, settings.host, settings.port) == ("local", "127.0.0.1", 3978)
    assert settings.anonymous
    assert settings.admin_ids == {PLAYGROUND_DEFAULT_USER}
    assert settings.data_dir == Path("data").resolve()


def test_anonymous_mode_refuses_a_non_loopback_host() -> None:
    found = problems({"HOST": "0.0.0.0"})
    assert any("not a loopback address" in p for p in found)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_are_recognised(host: str) -> None:
    assert is_loopback(host)
    assert load_settings({"HOST": host}).host == host


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "example.org", ""])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host or "x")


@pytest.mark.parametrize("port", ["0", "65536", "abc", "-1", "80.5", "99999999999999999999"])
def test_bad_ports_are_explained(port: str) -> None:
    assert any("PORT must be a whole number" in p for p in problems({"PORT": port}))


def test_m365_mode_needs_a_client_id_tenant_and_secret() -> None:
    found = problems({"BOT_MODE": "m365"})
    assert any("CLIENT_ID is required in m365 mode" in p for p in found)
    found = problems({"BOT_MODE": "m365", "CLIENT_ID": GUID})
    assert any("TENANT_ID is required" in p for p in found)
    assert any("CLIENT_SECRET is required" in p for p in found)


def test_a_client_id_must_be_a_guid() -> None:
    found = problems({"CLIENT_ID": "my-bot", "TENANT_ID": GUID, "CLIENT_SECRET": "s"})
    assert any("CLIENT_ID must be" in p for p in found)


def test_with_a_client_id_tokens_are_required_and_any_host_is_allowed() -> None:
    settings = load_settings(
        {"CLIENT_ID": GUID, "TENANT_ID": GUID, "CLIENT_SECRET": "s", "HOST": "0.0.0.0"}
    )
    assert not settings.anonymous
    assert settings.allowed_tenants == {GUID}


def test_unknown_mode_and_log_level_are_explained() -> None:
    found = problems({"BOT_MODE": "cloud", "LOG_LEVEL": "LOUD"})
    assert any("BOT_MODE must be 'local' or 'm365'" in p for p in found)
    assert any("LOG_LEVEL must be" in p for p in found)


def test_admin_ids_must_be_guids() -> None:
    found = problems({"ADMIN_IDS": f"{GUID}, bob@example.org"})
    assert any("bob@example.org" in p for p in found)
    assert load_settings({"ADMIN_IDS": f"{GUID};{GUID.upper()}"}).admin_ids >= {GUID}


def test_data_dir_that_is_a_file_is_explained(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert any("is not a folder" in p for p in problems({"DATA_DIR": str(a_file)}))


def test_every_problem_is_reported_at_once() -> None:
    assert len(problems({"PORT": "x", "BOT_MODE": "y", "LOG_LEVEL": "z"})) == 3


def test_a_triage_group_must_be_a_guid_and_needs_graph() -> None:
    found = problems({"TRIAGE_GROUP_ID": "it-triage", "BOT_STORE": "sqlite"})
    assert any("TRIAGE_GROUP_ID must be" in p for p in found)
    assert any("use it with BOT_STORE=sharepoint" in p for p in found)
    assert load_settings({"TRIAGE_GROUP_ID": GUID}).triage_group_id == GUID


def test_a_bad_triage_roster_is_explained() -> None:
    assert any("TRIAGE_ROSTER" in p for p in problems({"TRIAGE_ROSTER": "tess@example.org"}))


# A Key Vault reference App Service could not resolve ------------------------------------

REFERENCE = (
    "@Microsoft.KeyVault(SecretUri=https://dfd-kv.vault.azure.net/secrets/bot-client-secret)"
)


def unresolved(name: str) -> str:
    return (
        f"{name} is still a Key Vault reference: App Service could not read the secret. "
        "Check the managed identity has Key Vault Secrets User on it, then restart."
    )


def test_a_client_secret_still_a_key_vault_reference_is_refused_in_plain_words() -> None:
    env = {"BOT_MODE": "m365", "CLIENT_ID": GUID, "TENANT_ID": GUID, "CLIENT_SECRET": REFERENCE}
    found = problems(env)
    assert unresolved("CLIENT_SECRET") in found
    assert not any("vault.azure.net" in p for p in found), "the reference is not repeated"


@pytest.mark.parametrize(
    "name",
    ["SERVICE_DESK_CONTACT", "APPLICATIONINSIGHTS_CONNECTION_STRING", "GRAPH_CLIENT_SECRET"],
)
def test_any_setting_still_a_key_vault_reference_is_refused(name: str) -> None:
    found = problems({name: f"  {REFERENCE.lower()}"})
    assert found[0] == unresolved(name), "said first, before what the text itself breaks"
    assert found.count(unresolved(name)) == 1


def test_a_resolved_secret_and_a_value_merely_mentioning_key_vault_are_taken() -> None:
    settings = load_settings({"SERVICE_DESK_CONTACT": "Ask about @Microsoft.KeyVault( on 0123"})
    assert settings.service_desk_contact.startswith("Ask about")
