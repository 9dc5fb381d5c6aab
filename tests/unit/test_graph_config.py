"""The Graph settings are checked up front, with a plain message for each bad value,
and the credential they describe is built without asking for a token."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from azure.identity.aio import (
    CertificateCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from bot.settings import SettingsError
from graph_clients.config import GraphSettings, load_graph_settings
from graph_clients.credentials import build_credential

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "66666666-7777-8888-9999-000000000000"
SITE = f"contoso.sharepoint.com,{TENANT},{CLIENT}"
SECRET = "s3cr3t-value-never-shown"
PASSWORD = "cert-password-never-shown"


def ok_env(**extra: str) -> dict[str, str]:
    env = {
        "GRAPH_SITE_ID": SITE,
        "GRAPH_TENANT_ID": TENANT,
        "GRAPH_CLIENT_ID": CLIENT,
        "GRAPH_CLIENT_SECRET": SECRET,
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v != "<unset>"}


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_graph_settings(env)
    return raised.value.problems


def one_problem(env: dict[str, str], expected: str) -> str:
    found = problems(env)
    assert len(found) == 1, found
    assert expected in found[0], found
    return found[0]


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A real self-signed certificate and key, as CertificateCredential reads them."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Digital Front Door test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "dfd.pem"
    encryption = serialization.BestAvailableEncryption(PASSWORD.encode())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    path.write_bytes(key_pem + cert.public_bytes(serialization.Encoding.PEM))
    return path


# Good settings ------------------------------------------------------------------


def test_a_client_secret_setup_is_accepted_with_the_public_graph_defaults() -> None:
    settings = load_graph_settings(ok_env())
    assert settings == GraphSettings(
        tenant_id=TENANT,
        client_id=CLIENT,
        client_secret=SECRET,
        certificate_path="",
        certificate_password="",
        managed_identity=False,
        managed_identity_client_id="",
        site_id=SITE,
        base_url="https://graph.microsoft.com/v1.0",
        authority_host="https://login.microsoftonline.com",
    )


def test_the_bots_own_tenant_client_and_secret_are_the_defaults() -> None:
    env = {"GRAPH_SITE_ID": SITE, "TENANT_ID": TENANT, "CLIENT_ID": CLIENT, "CLIENT_SECRET": SECRET}
    settings = load_graph_settings(env)
    assert (settings.tenant_id, settings.client_id, settings.client_secret) == (
        TENANT,
        CLIENT,
        SECRET,
    )


def test_graph_values_win_over_the_bots_own() -> None:
    other = "99999999-8888-7777-6666-555555555555"
    env = ok_env(TENANT_ID=other, CLIENT_ID=other, CLIENT_SECRET="the-bots-secret")
    settings = load_graph_settings(env)
    assert (settings.tenant_id, settings.client_id, settings.client_secret) == (
        TENANT,
        CLIENT,
        SECRET,
    )


def test_the_bots_secret_is_only_a_fallback_when_another_way_is_chosen() -> None:
    env = ok_env(GRAPH_CLIENT_SECRET="<unset>", CLIENT_SECRET=SECRET, GRAPH_MANAGED_IDENTITY="true")
    settings = load_graph_settings(env)
    assert settings.managed_identity
    assert settings.client_secret == ""


def test_managed_identity_needs_no_tenant_or_client_id() -> None:
    env = {
        "GRAPH_SITE_ID": SITE,
        "GRAPH_MANAGED_IDENTITY": "true",
        "GRAPH_MANAGED_IDENTITY_CLIENT_ID": CLIENT,
    }
    settings = load_graph_settings(env)
    assert settings.managed_identity
    assert settings.managed_identity_client_id == CLIENT


def test_plain_http_is_allowed_only_for_a_local_test_server() -> None:
    for url in ("http://127.0.0.1:8123/v1.0", "http://localhost:8123/v1.0/"):
        assert load_graph_settings(ok_env(GRAPH_BASE_URL=url)).base_url == url.rstrip("/")


def test_a_certificate_file_that_exists_is_accepted(certificate: Path) -> None:
    env = ok_env(
        GRAPH_CLIENT_SECRET="<unset>",
        GRAPH_CERTIFICATE_PATH=str(certificate),
        GRAPH_CERTIFICATE_PASSWORD=PASSWORD,
    )
    settings = load_graph_settings(env)
    assert settings.certificate_path == str(certificate)
    assert settings.certificate_password == PASSWORD


# Bad settings, one message each ---------------------------------------------------


def test_the_site_id_is_required() -> None:
    one_problem(ok_env(GRAPH_SITE_ID="<unset>"), "GRAPH_SITE_ID is required")


@pytest.mark.parametrize(
    "site_id",
    [
        "contoso.sharepoint.com",
        "https://contoso.sharepoint.com/sites/digital",
        f"contoso.sharepoint.com,{TENANT}",
        f"contoso.sharepoint.com,{TENANT},not-a-guid",
        f",{TENANT},{CLIENT}",
    ],
)
def test_a_site_id_must_have_the_graph_shape(site_id: str) -> None:
    message = one_problem(ok_env(GRAPH_SITE_ID=site_id), "GRAPH_SITE_ID must be a Graph site id")
    assert "GET https://graph.microsoft.com/v1.0/sites/" in message


@pytest.mark.parametrize("name", ["GRAPH_TENANT_ID", "GRAPH_CLIENT_ID"])
def test_tenant_and_client_ids_must_be_guids(name: str) -> None:
    one_problem(ok_env(**{name: "contoso"}), f"{name} (or {name[6:]}) must be a GUID")


@pytest.mark.parametrize("name", ["GRAPH_TENANT_ID", "GRAPH_CLIENT_ID"])
def test_a_secret_needs_a_tenant_and_client_id(name: str) -> None:
    one_problem(ok_env(**{name: "<unset>"}), "is required to sign in with GRAPH_CLIENT_SECRET")


def test_no_way_to_sign_in_is_explained() -> None:
    one_problem(ok_env(GRAPH_CLIENT_SECRET="<unset>"), "Choose one way for the app to sign in")


def test_two_ways_to_sign_in_are_refused(certificate: Path) -> None:
    env = ok_env(GRAPH_CERTIFICATE_PATH=str(certificate), GRAPH_MANAGED_IDENTITY="true")
    message = one_problem(env, "not 3")
    assert "GRAPH_CLIENT_SECRET, GRAPH_CERTIFICATE_PATH, GRAPH_MANAGED_IDENTITY" in message


def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.pem")
    env = ok_env(GRAPH_CLIENT_SECRET="<unset>", GRAPH_CERTIFICATE_PATH=missing)
    one_problem(env, f"'{missing}' is not one")


def test_a_certificate_password_without_a_certificate_is_explained() -> None:
    one_problem(ok_env(GRAPH_CERTIFICATE_PASSWORD=PASSWORD), "GRAPH_CERTIFICATE_PATH is not")


def test_managed_identity_must_be_true_or_false() -> None:
    one_problem(ok_env(GRAPH_MANAGED_IDENTITY="maybe"), "must be 'true' or 'false'")


def test_a_user_assigned_identity_id_must_be_a_guid() -> None:
    env = {
        "GRAPH_SITE_ID": SITE,
        "GRAPH_MANAGED_IDENTITY": "true",
        "GRAPH_MANAGED_IDENTITY_CLIENT_ID": "my-identity",
    }
    one_problem(env, "GRAPH_MANAGED_IDENTITY_CLIENT_ID must be a GUID")


def test_a_user_assigned_identity_id_without_managed_identity_is_explained() -> None:
    env = ok_env(GRAPH_MANAGED_IDENTITY_CLIENT_ID=CLIENT)
    one_problem(env, "GRAPH_MANAGED_IDENTITY is not 'true'")


@pytest.mark.parametrize(
    "url",
    [
        "http://graph.microsoft.com/v1.0",
        "http://10.0.0.5/v1.0",
        "ftp://127.0.0.1/v1.0",
        "graph.microsoft.com/v1.0",
    ],
)
def test_the_graph_address_must_be_https_unless_local(url: str) -> None:
    one_problem(ok_env(GRAPH_BASE_URL=url), "GRAPH_BASE_URL must be an https address")


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000", "login.microsoftonline.com"])
def test_the_authority_must_be_https_even_locally(url: str) -> None:
    one_problem(ok_env(GRAPH_AUTHORITY_HOST=url), "GRAPH_AUTHORITY_HOST must be an https address")


def test_a_persons_read_waits_half_a_second_for_graph_unless_told() -> None:
    assert load_graph_settings(ok_env()).read_wait == 0.4
    assert load_graph_settings(ok_env(GRAPH_READ_WAIT="1.5")).read_wait == 1.5


@pytest.mark.parametrize("value", ["soon", "0", "-1", "6", "nan", "inf"])
def test_the_read_wait_must_be_a_short_number_of_seconds(value: str) -> None:
    found = one_problem(ok_env(GRAPH_READ_WAIT=value), "GRAPH_READ_WAIT must be a number")
    assert f"It is '{value}'." in found


def test_every_problem_is_reported_at_once() -> None:
    env = {"GRAPH_TENANT_ID": "x", "GRAPH_BASE_URL": "http://example.org", "GRAPH_CLIENT_ID": "y"}
    found = problems(env)
    assert len(found) == 5, found
    assert [p.split()[0] for p in found] == [
        "GRAPH_SITE_ID",
        "Choose",
        "GRAPH_TENANT_ID",
        "GRAPH_CLIENT_ID",
        "GRAPH_BASE_URL",
    ]


# Secrets stay secret ------------------------------------------------------------


def test_secrets_are_not_in_the_repr(certificate: Path) -> None:
    secret = load_graph_settings(ok_env())
    cert = load_graph_settings(
        ok_env(
            GRAPH_CLIENT_SECRET="<unset>",
            GRAPH_CERTIFICATE_PATH=str(certificate),
            GRAPH_CERTIFICATE_PASSWORD=PASSWORD,
        )
    )
    for settings in (secret, cert):
        for text in (repr(settings), str(settings)):
            assert SECRET not in text
            assert PASSWORD not in text
            assert SITE in text  # the repr is still useful


def test_secrets_are_not_in_any_problem(tmp_path: Path) -> None:
    env = ok_env(
        GRAPH_CLIENT_ID=SECRET,  # a secret pasted into the wrong variable
        GRAPH_CERTIFICATE_PATH=str(tmp_path / "missing.pem"),
        GRAPH_CERTIFICATE_PASSWORD=PASSWORD,
        GRAPH_MANAGED_IDENTITY_CLIENT_ID=SECRET,
    )
    found = problems(env)
    assert len(found) >= 3
    assert not [p for p in found if SECRET in p or PASSWORD in p]


# Credentials --------------------------------------------------------------------


async def test_a_client_secret_gives_a_client_secret_credential() -> None:
    credential = build_credential(load_graph_settings(ok_env()))
    assert isinstance(credential, ClientSecretCredential)
    await credential.close()


async def test_a_certificate_gives_a_certificate_credential(certificate: Path) -> None:
    env = ok_env(
        GRAPH_CLIENT_SECRET="<unset>",
        GRAPH_CERTIFICATE_PATH=str(certificate),
        GRAPH_CERTIFICATE_PASSWORD=PASSWORD,
    )
    credential = build_credential(load_graph_settings(env))
    assert isinstance(credential, CertificateCredential)
    await credential.close()


async def test_a_wrong_certificate_password_is_caught_when_the_credential_is_built(
    certificate: Path,
) -> None:
    env = ok_env(
        GRAPH_CLIENT_SECRET="<unset>",
        GRAPH_CERTIFICATE_PATH=str(certificate),
        GRAPH_CERTIFICATE_PASSWORD="wrong",
    )
    with pytest.raises(ValueError):
        build_credential(load_graph_settings(env))


@pytest.mark.parametrize("identity_client_id", ["", CLIENT])
async def test_managed_identity_gives_a_managed_identity_credential(
    identity_client_id: str,
) -> None:
    env = {"GRAPH_SITE_ID": SITE, "GRAPH_MANAGED_IDENTITY": "true"}
    if identity_client_id:
        env["GRAPH_MANAGED_IDENTITY_CLIENT_ID"] = identity_client_id
    credential = build_credential(load_graph_settings(env))
    assert isinstance(credential, ManagedIdentityCredential)
    await credential.close()


async def test_the_authority_host_reaches_the_credential() -> None:
    env = ok_env(GRAPH_AUTHORITY_HOST="https://login.microsoftonline.us")
    credential = build_credential(load_graph_settings(env))
    # No public accessor; the private client is checked only to prove the setting is used.
    assert "login.microsoftonline.us" in str(credential._client._authority)  # type: ignore[attr-defined]
    await credential.close()
