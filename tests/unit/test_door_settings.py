"""Who may call the bot and where replies may go: settings, checked at start-up, and the
reply-address rule itself."""

from __future__ import annotations

import pytest

from bot.door import MAX_DEPTH, Refused, parse_activity, tenant_of, too_deep
from bot.reply_hosts import ReplyHosts
from bot.settings import (
    CHANNEL_METADATA,
    PLAYGROUND_ORIGINS,
    SERVICE_HOSTS,
    SettingsError,
    load_settings,
)

GUID = "11111111-2222-3333-4444-555555555555"
# One instance, its working state in DATA_DIR (STATE_STORE=azure is tested on its own).
M365 = {
    "BOT_MODE": "m365",
    "CLIENT_ID": GUID,
    "TENANT_ID": GUID,
    "CLIENT_SECRET": "s",
    "STATE_STORE": "sqlite",
}


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    return raised.value.problems


def test_by_default_only_teams_is_trusted_and_no_other_app_may_call() -> None:
    settings = load_settings(M365)
    assert settings.allowed_callers == frozenset()
    assert settings.service_hosts == frozenset(SERVICE_HOSTS)
    assert settings.channel_metadata_url == CHANNEL_METADATA
    assert settings.allowed_origins == frozenset(), "no web page may post in m365 mode"
    assert load_settings({}).allowed_origins == frozenset(PLAYGROUND_ORIGINS)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"ALLOWED_CALLER_IDS": "my-app"}, "ALLOWED_CALLER_IDS must list"),
        ({"BOT_OPENID_METADATA": "http://login.example/x"}, "BOT_OPENID_METADATA must be an https"),
        ({"ENTRA_OPENID_METADATA": "ftp://x/y"}, "ENTRA_OPENID_METADATA must be an https"),
        ({"ALLOWED_SERVICE_HOSTS": "https://smba.trafficmanager.net/uk"}, "ALLOWED_SERVICE_HOSTS"),
        ({"ALLOWED_SERVICE_HOSTS": "smba_traffic!.net"}, "ALLOWED_SERVICE_HOSTS"),
        ({"ALLOWED_ORIGINS": "javascript:alert(1)"}, "ALLOWED_ORIGINS must list"),
    ],
)
def test_bad_security_settings_are_explained(env: dict[str, str], says: str) -> None:
    found = problems({**M365, **env})
    assert any(p.startswith(says) for p in found), found


def test_sovereign_clouds_set_their_own_hosts_and_metadata() -> None:
    settings = load_settings(
        {
            **M365,
            "ALLOWED_SERVICE_HOSTS": "smba.infra.gov.teams.microsoft.us, botframework.azure.us",
            "BOT_OPENID_METADATA": "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
            "ALLOWED_CALLER_IDS": GUID.upper(),
        }
    )
    assert settings.service_hosts == {"smba.infra.gov.teams.microsoft.us", "botframework.azure.us"}
    assert settings.allowed_callers == {GUID}
    assert load_settings({**M365, "BOT_OPENID_METADATA": "http://127.0.0.1:9/x"}), "loopback http"


TEAMS = ReplyHosts(frozenset(SERVICE_HOSTS), loopback_only=False)
LOCAL = ReplyHosts(frozenset(SERVICE_HOSTS), loopback_only=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net/uk/",
        "https://SMBA.trafficmanager.net/amer/",
        "https://europe.webchat.botframework.com/",
    ],
)
def test_replies_may_go_to_teams(url: str) -> None:
    assert TEAMS.allows(url)
    assert not LOCAL.allows(url), "locally only loopback"


@pytest.mark.parametrize(
    "url",
    [
        "https://anyone.blob.core.windows.net/",
        "https://council.sharepoint.com/",
        "http://smba.trafficmanager.net/uk/",
        "https://smba.trafficmanager.net.evil.example/",
        "https://evilbotframework.com/",
        "https://user:secret@smba.trafficmanager.net/",
        "https://smba.trafficmanager.net:99999/",
        "https://127.0.0.1/",
        "",
        None,
        42,
        "x" * 3000,
    ],
)
def test_replies_never_go_anywhere_else(url: object) -> None:
    assert not TEAMS.allows(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:3978/", "http://localhost:56150/_connector"])
def test_locally_replies_go_to_loopback(url: str) -> None:
    assert LOCAL.allows(url)
    assert not TEAMS.allows(url)
    assert LOCAL.allows_reference({"serviceUrl": url})
    assert not LOCAL.allows_reference({"serviceUrl": "https://anyone.blob.core.windows.net/"})


def test_json_deeper_than_the_limit_is_refused() -> None:
    assert not too_deep([[]] * 3)
    nested: object = "leaf"
    for _ in range(MAX_DEPTH):
        nested = [nested]
    assert too_deep(nested)
    with pytest.raises(Refused) as raised:
        parse_activity(b"[" * 50_000 + b"]" * 50_000)
    assert raised.value.status == 400


@pytest.mark.parametrize(
    ("activity", "tenant"),
    [
        ({"channelData": {"tenant": {"id": "ABC"}}}, "abc"),
        ({"conversation": {"tenantId": "def"}}, "def"),
        ({"channelData": "nonsense", "conversation": ["x"]}, ""),
        ({}, ""),
    ],
)
def test_the_tenant_is_read_from_channel_data_then_the_conversation(
    activity: dict[str, object], tenant: str
) -> None:
    assert tenant_of(activity) == tenant
