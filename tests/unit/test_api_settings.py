"""The API's settings are checked at start-up, with a plain sentence for each bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PLAYGROUND_DEFAULT_USER, SettingsError, load_settings

GUID = "11111111-2222-3333-4444-555555555555"
TENANT = "00000000-0000-0000-0000-0000000000aa"
KEY = "k-0123456789abcdef"
M365 = {
    "BOT_MODE": "m365",
    "BOT_STORE": "sqlite",
    "CLIENT_ID": GUID,
    "TENANT_ID": TENANT,
    "CLIENT_SECRET": "not-a-real-secret",
}


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    return raised.value.problems


def test_by_default_the_api_is_off_and_acts_as_the_playground_user() -> None:
    api = load_settings({}).api
    assert api.key == ""
    assert (api.key_user, api.key_user_name) == (PLAYGROUND_DEFAULT_USER, "Alex Wilber")
    assert (api.rate_per_minute, api.webhook_pause_after, api.audience) == (120, 5, "")


def test_every_value_can_be_set() -> None:
    api = load_settings(
        {
            "API_KEY": KEY,
            "API_KEY_USER": f" {GUID} : Tess  Ortiz ",
            "API_RATE_LIMIT": "600",
            "API_WEBHOOK_PAUSE_AFTER": "12",
        }
    ).api
    assert (api.key, api.key_user, api.key_user_name) == (KEY, GUID, "Tess Ortiz")
    assert (api.rate_per_minute, api.webhook_pause_after) == (600, 12)


def test_the_key_acts_as_the_first_admin_named_plainly_unless_it_is_the_playground_user() -> None:
    api = load_settings({"API_KEY": KEY, "ADMIN_IDS": GUID}).api
    assert (api.key_user, api.key_user_name) == (GUID, "API key user")
    api = load_settings({"API_KEY": KEY, "API_KEY_USER": GUID}).api
    assert (api.key_user, api.key_user_name) == (GUID, "API key user")
    api = load_settings({"API_KEY": KEY, "API_KEY_USER": PLAYGROUND_DEFAULT_USER}).api
    assert api.key_user_name == "Alex Wilber"


def test_in_m365_mode_the_audience_is_the_bots_app_id_uri_and_its_client_id() -> None:
    api = load_settings(M365).api
    assert api.audience == f"api://{GUID}"
    assert api.audiences() == {f"api://{GUID}", GUID}
    api = load_settings({**M365, "API_AUDIENCE": GUID.upper()}).api
    assert api.audiences() == {f"api://{GUID}", GUID}
    custom = "https://dfd.example.gov.uk/api"
    assert load_settings({**M365, "API_AUDIENCE": custom}).api.audiences() == {custom}
    assert load_settings({**M365, "API_AUDIENCE": "api://dfd-api"}).api.audience == "api://dfd-api"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"API_KEY": "short-key"}, "API_KEY is too short to be safe. Use at least 16 characters"),
        ({"API_KEY": "a key with spaces in it"}, "API_KEY must not have spaces in it"),
        ({"API_KEY": "k-0123456789\tabcdef"}, "API_KEY must not have spaces in it"),
        ({"API_RATE_LIMIT": "fast"}, "API_RATE_LIMIT must be a whole number of calls a minute"),
        ({"API_RATE_LIMIT": "0"}, "from 1 to 10,000, such as 120. It is '0'."),
        ({"API_RATE_LIMIT": "10001"}, "API_RATE_LIMIT must be a whole number"),
        ({"API_RATE_LIMIT": "-5"}, "API_RATE_LIMIT must be a whole number"),
        ({"API_RATE_LIMIT": "12.5"}, "API_RATE_LIMIT must be a whole number"),
        ({"API_RATE_LIMIT": "١٢"}, "API_RATE_LIMIT must be a whole number"),  # Arabic digits
        ({"API_WEBHOOK_PAUSE_AFTER": "0"}, "API_WEBHOOK_PAUSE_AFTER must be a whole number"),
        ({"API_WEBHOOK_PAUSE_AFTER": "101"}, "of failed calls from 1 to 100, such as 5."),
        ({"API_WEBHOOK_PAUSE_AFTER": "five"}, "API_WEBHOOK_PAUSE_AFTER must be a whole number"),
        ({"API_KEY_USER": "alex@example.org"}, "API_KEY_USER must be the Entra object id"),
        ({"API_KEY_USER": "not-a-guid:Alex"}, "It is 'not-a-guid:Alex'."),
        ({"API_KEY_USER": f"{GUID}:{'A' * 121}"}, "API_KEY_USER has a name that is too long"),
        ({"API_KEY_USER": f"{GUID}:Tess\x07Ortiz"}, "characters that cannot be shown"),
    ],
)
def test_a_bad_local_value_is_explained(env: dict[str, str], says: str) -> None:
    found = problems(env)
    assert any(says in p for p in found), found


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"API_KEY": KEY}, "API_KEY only works in local mode, without CLIENT_ID"),
        ({"API_AUDIENCE": "my api"}, "API_AUDIENCE must be the API's Application ID URI"),
        ({"API_AUDIENCE": "http://dfd.example.gov.uk"}, "API_AUDIENCE must be"),
        ({"API_AUDIENCE": "api://"}, "API_AUDIENCE must be"),
        ({"API_AUDIENCE": "dfd-api"}, "It is 'dfd-api'."),
    ],
)
def test_a_bad_m365_value_is_explained(env: dict[str, str], says: str) -> None:
    found = problems({**M365, **env})
    assert any(says in p for p in found), found


def test_an_api_key_with_a_client_id_is_refused_even_in_local_mode() -> None:
    env = {**M365, "BOT_MODE": "local", "API_KEY": KEY}
    assert any("Entra sign-ins only. Remove API_KEY." in p for p in problems(env))


def test_the_bot_will_not_start_with_a_bad_api_setting(tmp_path: Path) -> None:
    env = {**os.environ, "API_KEY": "short", "DATA_DIR": str(tmp_path), "PORT": "1"}
    ran = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 2
    assert "cannot start" in ran.stderr
    assert "API_KEY is too short to be safe. Use at least 16 characters" in ran.stderr
    assert "Traceback" not in ran.stderr
