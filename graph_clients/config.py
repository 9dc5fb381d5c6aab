"""How the app reaches Microsoft Graph: environment variables read once and checked.

GRAPH_* values win; the bot's own TENANT_ID, CLIENT_ID and CLIENT_SECRET are the
defaults, so one app registration can serve both the bot and its SharePoint lists.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import SettingsError, is_loopback

DEFAULT_BASE_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_READ_WAIT = 0.4
# Teams waits only seconds for a card action's answer, and the journal answers at once.
MAX_READ_WAIT = 5.0

_GUID = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
_GUID_RE = re.compile(rf"^{_GUID}$")
# A Graph site id is "{hostname},{site collection id},{web id}".
_SITE_ID_RE = re.compile(rf"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?,{_GUID},{_GUID}$")
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no", "")
_HOW_TO_FIND_SITE = (
    "Find it with GET https://graph.microsoft.com/v1.0/sites/{hostname}:/sites/{path} "
    "(see deploy/sharepoint.md)."
)


@dataclass(frozen=True)
class GraphSettings:
    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    certificate_path: str
    certificate_password: str = field(repr=False)
    managed_identity: bool
    managed_identity_client_id: str
    site_id: str
    base_url: str = DEFAULT_BASE_URL
    authority_host: str = DEFAULT_AUTHORITY_HOST
    # How long a person's read waits for Graph before the local journal answers.
    read_wait: float = DEFAULT_READ_WAIT


def _get(env: Mapping[str, str], name: str, fallback: str | None = None) -> str:
    value = env.get(name, "").strip()
    if not value and fallback:
        value = env.get(fallback, "").strip()
    return value


def _check_site_id(site_id: str, problems: list[str]) -> None:
    if not site_id:
        problems.append(
            "GRAPH_SITE_ID is required: the id of the SharePoint site that holds the lists. "
            + _HOW_TO_FIND_SITE
        )
    elif not _SITE_ID_RE.match(site_id):
        problems.append(
            f"GRAPH_SITE_ID must be a Graph site id, 'hostname,site collection id,web id', "
            f"such as 'contoso.sharepoint.com,<guid>,<guid>'. It is '{site_id}'. "
            + _HOW_TO_FIND_SITE
        )


def _check_url(name: str, url: str, allow_local_http: bool, problems: list[str]) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    local_http = allow_local_http and parts.scheme == "http" and is_loopback(host)
    if not host or not (parts.scheme == "https" or local_http):
        where = " (plain http only for 127.0.0.1 or localhost)" if allow_local_http else ""
        problems.append(f"{name} must be an https address{where}. It is '{url}'.")


def _check_guid(name: str, value: str, required: str | None, problems: list[str]) -> None:
    """Never echoes the value: a secret pasted into the wrong variable must not be shown."""
    if value and not _GUID_RE.match(value):
        problems.append(f"{name} must be a GUID such as 11111111-2222-3333-4444-555555555555.")
    elif not value and required:
        problems.append(f"{name} is required {required}.")


def _read_wait(env: Mapping[str, str], problems: list[str]) -> float:
    raw = _get(env, "GRAPH_READ_WAIT")
    if not raw:
        return DEFAULT_READ_WAIT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_READ_WAIT:  # also refuses nan and inf
        problems.append(
            f"GRAPH_READ_WAIT must be a number of seconds above 0 and at most "
            f"{MAX_READ_WAIT:g}, such as {DEFAULT_READ_WAIT}: how long a person's read waits "
            f"for Graph before the local copy answers. It is '{raw}'."
        )
    return seconds


def _managed_identity(env: Mapping[str, str], problems: list[str]) -> bool:
    raw = env.get("GRAPH_MANAGED_IDENTITY", "").strip().lower()
    if raw not in _TRUE + _FALSE:
        problems.append(f"GRAPH_MANAGED_IDENTITY must be 'true' or 'false'. It is '{raw}'.")
    return raw in _TRUE


def _auth_method(env: Mapping[str, str], managed: bool, problems: list[str]) -> str:
    """Exactly one way to sign in. CLIENT_SECRET is only the fallback when none is chosen."""
    chosen = [
        name
        for name, on in (
            ("GRAPH_CLIENT_SECRET", bool(_get(env, "GRAPH_CLIENT_SECRET"))),
            ("GRAPH_CERTIFICATE_PATH", bool(_get(env, "GRAPH_CERTIFICATE_PATH"))),
            ("GRAPH_MANAGED_IDENTITY", managed),
        )
        if on
    ]
    if len(chosen) > 1:
        problems.append(
            f"Choose one way for the app to sign in to Graph, not {len(chosen)}: "
            f"{', '.join(chosen)} are all set."
        )
        return ""
    if chosen:
        return chosen[0]
    if _get(env, "CLIENT_SECRET"):
        return "GRAPH_CLIENT_SECRET"
    problems.append(
        "Choose one way for the app to sign in to Graph: GRAPH_CLIENT_SECRET (or CLIENT_SECRET), "
        "GRAPH_CERTIFICATE_PATH, or GRAPH_MANAGED_IDENTITY=true."
    )
    return ""


def _check_certificate(env: Mapping[str, str], method: str, problems: list[str]) -> None:
    path = _get(env, "GRAPH_CERTIFICATE_PATH")
    if method == "GRAPH_CERTIFICATE_PATH" and not Path(path).is_file():
        problems.append(
            f"GRAPH_CERTIFICATE_PATH must name a certificate file. '{path}' is not one."
        )
    if _get(env, "GRAPH_CERTIFICATE_PASSWORD") and not path:
        problems.append("GRAPH_CERTIFICATE_PASSWORD is set but GRAPH_CERTIFICATE_PATH is not.")


def _check_ids(env: Mapping[str, str], method: str, problems: list[str]) -> tuple[str, str]:
    tenant_id = _get(env, "GRAPH_TENANT_ID", "TENANT_ID")
    client_id = _get(env, "GRAPH_CLIENT_ID", "CLIENT_ID")
    needs = None if method in ("GRAPH_MANAGED_IDENTITY", "") else "to sign in with " + method
    _check_guid("GRAPH_TENANT_ID (or TENANT_ID)", tenant_id, needs, problems)
    _check_guid("GRAPH_CLIENT_ID (or CLIENT_ID)", client_id, needs, problems)
    mi_client_id = _get(env, "GRAPH_MANAGED_IDENTITY_CLIENT_ID")
    _check_guid("GRAPH_MANAGED_IDENTITY_CLIENT_ID", mi_client_id, None, problems)
    if mi_client_id and method != "GRAPH_MANAGED_IDENTITY":
        problems.append(
            "GRAPH_MANAGED_IDENTITY_CLIENT_ID is set but GRAPH_MANAGED_IDENTITY is not 'true'."
        )
    return tenant_id, client_id


def load_graph_settings(env: Mapping[str, str] | None = None) -> GraphSettings:
    env = os.environ if env is None else env
    problems: list[str] = []
    site_id = _get(env, "GRAPH_SITE_ID")
    _check_site_id(site_id, problems)
    managed = _managed_identity(env, problems)
    method = _auth_method(env, managed, problems)
    _check_certificate(env, method, problems)
    tenant_id, client_id = _check_ids(env, method, problems)
    base_url = (_get(env, "GRAPH_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    _check_url("GRAPH_BASE_URL", base_url, True, problems)
    # azure-identity itself refuses an authority that is not https.
    authority = (_get(env, "GRAPH_AUTHORITY_HOST") or DEFAULT_AUTHORITY_HOST).rstrip("/")
    _check_url("GRAPH_AUTHORITY_HOST", authority, False, problems)
    read_wait = _read_wait(env, problems)
    if problems:
        raise SettingsError(problems)
    return GraphSettings(
        tenant_id=tenant_id,
        client_id=client_id,
        client_secret=_get(env, "GRAPH_CLIENT_SECRET", "CLIENT_SECRET")
        if method == "GRAPH_CLIENT_SECRET"
        else "",
        certificate_path=_get(env, "GRAPH_CERTIFICATE_PATH"),
        certificate_password=_get(env, "GRAPH_CERTIFICATE_PASSWORD"),
        managed_identity=managed,
        managed_identity_client_id=_get(env, "GRAPH_MANAGED_IDENTITY_CLIENT_ID"),
        site_id=site_id,
        base_url=base_url,
        authority_host=authority,
        read_wait=read_wait,
    )
