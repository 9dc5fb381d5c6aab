"""Configuration: environment variables read once into a frozen, checked object."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.api.settings import ApiSettings, load_api_settings
from bot.azure_state.settings import StateSettings, load_state_settings
from bot.telemetry.settings import TelemetrySettings, load_telemetry_settings

# The Microsoft 365 Agents Playground's default user (Alex Wilber). In local mode
# they are an admin, so a person can try every journey straight away.
PLAYGROUND_DEFAULT_USER = "00000000-0000-0000-0000-0000000000020"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# The Agents Playground's demo users have ids one digit too long to be GUIDs.
_PLAYGROUND_ID = re.compile(r"^00000000-0000-0000-0000-\d{13}$")
MODES = ("local", "m365")
CHANNEL_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
ENTRA_METADATA = "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
# Teams' channel service and the Bot Framework's own hosts.
SERVICE_HOSTS = ("smba.trafficmanager.net", "botframework.com")
# The Agents Playground's page, the one web page allowed to reach a local bot.
PLAYGROUND_ORIGINS = ("http://localhost:56150", "http://127.0.0.1:56150")
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
)
STORES = ("sqlite", "sharepoint")


class SettingsError(Exception):
    """Every problem found in the configuration, each in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    mode: str
    host: str
    port: int
    data_dir: Path
    client_id: str
    tenant_id: str
    client_secret: str
    admin_ids: frozenset[str]
    allowed_tenants: frozenset[str]
    log_level: str
    store: str = "sqlite"
    triage_roster: frozenset[str] = frozenset()
    # Names given in TRIAGE_ROSTER as id:Name, so anyone on it can be assigned before
    # they have ever used the bot: (id, name) pairs.
    triage_names: tuple[tuple[str, str], ...] = ()
    triage_group_id: str = ""
    # Who may call /api/messages besides Teams' channel service (Entra app ids), and
    # where each issuer publishes its signing keys.
    allowed_callers: frozenset[str] = frozenset()
    channel_metadata_url: str = CHANNEL_METADATA
    entra_metadata_url: str = ENTRA_METADATA
    # Where replies may go (m365 mode; locally only loopback), and which web pages may
    # post to the bot (locally, the Agents Playground).
    service_hosts: frozenset[str] = frozenset(SERVICE_HOSTS)
    allowed_origins: frozenset[str] = frozenset()
    # How to reach the IT service desk, for messages that are IT problems, not requests.
    service_desk_contact: str = ""
    # Each journey's own settings, read and checked by the journey (its `load_settings`),
    # by journey name.
    journeys: Mapping[str, Any] = field(default_factory=dict)
    # The bot's app id in the organisation's Teams app catalogue (m365 mode): the bot
    # installs itself for a person through Graph before starting a chat with them.
    teams_app_id: str = ""
    # The target time of each stage of a request, in working days (DEADLINE_*): triage,
    # an answer to a question, and a board's decision when the board has no meetings set.
    deadline_triage_days: int = 5
    deadline_question_days: int = 10
    deadline_board_days: int = 20
    # The REST API under /api/v1/ (API_* settings).
    api: ApiSettings = field(default_factory=ApiSettings)
    # Where the working state is kept (STATE_STORE and the Azure Storage account).
    state: StateSettings = field(default_factory=StateSettings)
    # Traces, metrics and log lines (APPLICATIONINSIGHTS_CONNECTION_STRING, OTEL_*, LOG_FORMAT).
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)

    @property
    def anonymous(self) -> bool:
        """No client id means no tokens: only ever allowed locally, on loopback."""
        return not self.client_id

    @property
    def database_path(self) -> Path:
        return self.data_dir / "digital-front-door.sqlite3"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split_ids(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in re.split(r"[,;\s]+", raw) if part.strip())


ROSTER_NAME_MAX = 120


def _roster(raw: str, problems: list[str]) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """TRIAGE_ROSTER: ids, or id:Name entries, separated by commas or semicolons.

    Plain ids may also be separated by spaces, as before names were allowed."""
    ids: set[str] = set()
    names: dict[str, str] = {}
    for entry in (part.strip() for part in re.split(r"[,;\n]+", raw)):
        if not entry:
            continue
        if ":" not in entry:
            ids.update(entry.split())
            continue
        user_id, _, name = (piece.strip() for piece in entry.partition(":"))
        name = " ".join(name.split())
        if not user_id:
            problems.append(
                f"TRIAGE_ROSTER entry '{entry}' has no id before the colon. "
                "Write it as id:Name, where id is the person's Entra object id."
            )
            continue
        if not name:
            problems.append(
                f"TRIAGE_ROSTER entry '{entry}' has no name after the colon. "
                "Write it as id:Name, or give just the id."
            )
        elif len(name) > ROSTER_NAME_MAX or not name.isprintable():
            problems.append(
                f"TRIAGE_ROSTER entry for '{user_id}' has a name that is too long or has "
                f"characters that cannot be shown. Keep names to {ROSTER_NAME_MAX} letters."
            )
        elif names.get(user_id, name) != name:
            problems.append(f"TRIAGE_ROSTER gives '{user_id}' two different names.")
        else:
            names[user_id] = name
        ids.add(user_id)
    return frozenset(ids), tuple(sorted(names.items()))


SERVICE_DESK_MAX = 300
# Characters Teams would read as Markdown or HTML. A plain web address is fine.
_MARKUP = re.compile(r"[<>\[\]*`]")


def _service_desk(raw: str, problems: list[str]) -> str:
    """SERVICE_DESK_CONTACT: plain words, such as a phone number and where to go online."""
    contact = " ".join(raw.split())
    if len(contact) > SERVICE_DESK_MAX:
        problems.append(
            f"SERVICE_DESK_CONTACT is {len(contact)} characters long. Keep it to "
            f"{SERVICE_DESK_MAX} characters or fewer."
        )
    elif not raw.strip().isprintable():
        problems.append(
            "SERVICE_DESK_CONTACT has control characters, such as a tab or a line break. "
            "Write it as plain words on one line."
        )
    elif _MARKUP.search(contact):
        problems.append(
            "SERVICE_DESK_CONTACT must be plain words, without HTML or Markdown "
            "(no < > [ ] * or `). A plain web address is fine."
        )
    return contact


def _port(raw: str, problems: list[str]) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        problems.append(f"PORT must be a whole number from 1 to 65535. It is '{raw}'.")
        return 0
    return int(raw)


# Each stage's target: (variable, default, most allowed), in working days from 1.
DEADLINES = (
    ("DEADLINE_TRIAGE_DAYS", 5, 60),
    ("DEADLINE_QUESTION_DAYS", 10, 60),
    ("DEADLINE_BOARD_DAYS", 20, 120),
)


def _deadline_days(env: Mapping[str, str], problems: list[str]) -> tuple[int, ...]:
    """DEADLINE_*: whole numbers of working days; a bad one is named in a plain sentence."""
    days = []
    for name, default, most in DEADLINES:
        raw = env.get(name, "").strip()
        if raw and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= most:
            days.append(int(raw))
            continue
        if raw:
            problems.append(
                f"{name} must be a whole number of working days from 1 to {most}, "
                f"such as {default}. It is '{raw[:60]}'."
            )
        days.append(default)
    return tuple(days)


def _check_ids(name: str, ids: frozenset[str], problems: list[str]) -> None:
    bad = sorted(i for i in ids if not _GUID.match(i) and not _PLAYGROUND_ID.match(i))
    if bad:
        problems.append(
            f"{name} must list Entra object ids (GUIDs). These are not: {', '.join(bad)}."
        )


def _check_auth(mode: str, host: str, client_id: str, env: Mapping[str, str], p: list[str]) -> None:
    if client_id and not _GUID.match(client_id):
        p.append("CLIENT_ID must be the bot's Entra application (client) id, a GUID.")
    if not client_id and mode == "m365":
        p.append("CLIENT_ID is required in m365 mode: every message must carry a valid token.")
    if not client_id and not is_loopback(host):
        p.append(
            f"HOST is '{host}', which is not a loopback address. Without CLIENT_ID the bot "
            "accepts messages without a token, so it only listens on 127.0.0.1 or localhost. "
            "Set CLIENT_ID, TENANT_ID and CLIENT_SECRET to listen on other addresses."
        )
    if client_id and not env.get("TENANT_ID", "").strip():
        p.append("TENANT_ID is required when CLIENT_ID is set (single-tenant app registration).")
    if client_id and not env.get("CLIENT_SECRET", "").strip():
        p.append("CLIENT_SECRET is required when CLIENT_ID is set. Set it in the environment.")


def _metadata_url(name: str, raw: str, default: str, problems: list[str]) -> str:
    url = raw.strip() or default
    parts = urlsplit(url.replace("{tenant}", "tenant"))
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and is_loopback(parts.hostname or "")
    )
    if not secure or not parts.hostname:
        problems.append(
            f"{name} must be an https address of OpenID metadata (http only on loopback). "
            f"It is '{url}'."
        )
    return url


def _service_hosts(raw: str, problems: list[str]) -> frozenset[str]:
    hosts = frozenset(h.lower().rstrip(".") for h in _split_ids(raw)) if raw.strip() else None
    if hosts is None:
        return frozenset(SERVICE_HOSTS)
    bad = sorted(h for h in hosts if not _HOST_NAME.match(h))
    if bad or not hosts:
        problems.append(
            "ALLOWED_SERVICE_HOSTS must list host names such as smba.trafficmanager.net, "
            f"without https:// or paths. These are not: {', '.join(bad)}."
        )
    return hosts


def _origins(mode: str, raw: str, problems: list[str]) -> frozenset[str]:
    if not raw.strip():
        return frozenset(PLAYGROUND_ORIGINS) if mode == "local" else frozenset()
    origins = frozenset(o.rstrip("/").lower() for o in _split_ids(raw))
    bad = sorted(o for o in origins if not re.match(r"^https?://[a-z0-9.\-\[\]:]+$", o))
    if bad:
        problems.append(
            "ALLOWED_ORIGINS must list web origins such as http://localhost:56150. "
            f"These are not: {', '.join(bad)}."
        )
    return origins


# App Service puts a setting's value in place of "@Microsoft.KeyVault(...)" when it can read
# the secret; when it cannot, the app gets the reference itself, as text.
KEY_VAULT_REFERENCE = "@microsoft.keyvault("
# Read by graph_clients/config.py after these settings: checked here too, so the bot stops
# at the first check with the right reason.
_READ_LATER = ("GRAPH_CLIENT_SECRET", "GRAPH_CERTIFICATE_PASSWORD")


class _Resolved(Mapping[str, str]):
    """The environment, as load_settings reads it: a setting that is still a Key Vault
    reference is a problem, whichever setting it is."""

    def __init__(self, env: Mapping[str, str], problems: list[str]) -> None:
        self._env = env
        self._problems = problems
        self._told: set[str] = set()

    def __getitem__(self, name: str) -> str:
        value = self._env[name]
        if (
            isinstance(value, str)
            and value.strip().lower().startswith(KEY_VAULT_REFERENCE)
            and name not in self._told
        ):
            self._told.add(name)
            self._problems.append(
                f"{name} is still a Key Vault reference: App Service could not read the "
                "secret. Check the managed identity has Key Vault Secrets User on it, "
                "then restart."
            )
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._env)

    def __len__(self) -> int:
        return len(self._env)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    problems: list[str] = []
    env = _Resolved(os.environ if env is None else env, problems)
    for name in _READ_LATER:
        env.get(name)
    mode = env.get("BOT_MODE", "local").strip().lower() or "local"
    if mode not in MODES:
        problems.append(f"BOT_MODE must be 'local' or 'm365'. It is '{mode}'.")
    host = env.get("HOST", "127.0.0.1").strip() or "127.0.0.1"
    port = _port(env.get("PORT", "3978").strip() or "3978", problems)
    client_id = env.get("CLIENT_ID", "").strip()
    _check_auth(mode, host, client_id, env, problems)
    admins = _split_ids(env.get("ADMIN_IDS", ""))
    _check_ids("ADMIN_IDS", admins, problems)
    if mode == "local" and not admins:
        admins = frozenset({PLAYGROUND_DEFAULT_USER})
    tenants = _split_ids(env.get("ALLOWED_TENANTS", env.get("TENANT_ID", "")))
    _check_ids("ALLOWED_TENANTS", tenants, problems)
    roster, roster_names = _roster(env.get("TRIAGE_ROSTER", ""), problems)
    _check_ids("TRIAGE_ROSTER", roster, problems)
    group = env.get("TRIAGE_GROUP_ID", "").strip()
    if group and not _GUID.match(group):
        problems.append("TRIAGE_GROUP_ID must be the Entra group's object id, a GUID.")
    if group and env.get("BOT_STORE", "").strip().lower() == "sqlite":
        problems.append("TRIAGE_GROUP_ID needs Microsoft Graph: use it with BOT_STORE=sharepoint.")
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR. It is '{log_level}'.")
    store = env.get("BOT_STORE", "").strip().lower() or (
        "sharepoint" if mode == "m365" else "sqlite"
    )
    if store not in STORES:
        problems.append(f"BOT_STORE must be 'sqlite' or 'sharepoint'. It is '{store}'.")
    data_dir = Path(env.get("DATA_DIR", "").strip() or "data").resolve()
    if data_dir.exists() and not data_dir.is_dir():
        problems.append(f"DATA_DIR '{data_dir}' exists but is not a folder.")
    callers = frozenset(i.lower() for i in _split_ids(env.get("ALLOWED_CALLER_IDS", "")))
    _check_ids("ALLOWED_CALLER_IDS", callers, problems)
    channel_metadata = _metadata_url(
        "BOT_OPENID_METADATA", env.get("BOT_OPENID_METADATA", ""), CHANNEL_METADATA, problems
    )
    entra_metadata = _metadata_url(
        "ENTRA_OPENID_METADATA", env.get("ENTRA_OPENID_METADATA", ""), ENTRA_METADATA, problems
    )
    service_hosts = _service_hosts(env.get("ALLOWED_SERVICE_HOSTS", ""), problems)
    origins = _origins(mode, env.get("ALLOWED_ORIGINS", ""), problems)
    service_desk = _service_desk(env.get("SERVICE_DESK_CONTACT", ""), problems)
    teams_app_id = _teams_app_id(env.get("TEAMS_APP_ID", ""), store, problems)
    triage_days, question_days, board_days = _deadline_days(env, problems)
    from bot.journeys import load_journey_settings  # the journeys import this module

    journey_settings = load_journey_settings(env, problems)
    api = load_api_settings(env, mode, client_id, next(iter(sorted(admins)), ""), problems)
    state = load_state_settings(env, mode, store, problems)
    telemetry = load_telemetry_settings(env, mode, problems)
    if problems:
        raise SettingsError(problems)
    return Settings(
        mode=mode,
        host=host,
        port=port,
        data_dir=data_dir,
        client_id=client_id,
        tenant_id=env.get("TENANT_ID", "").strip(),
        client_secret=env.get("CLIENT_SECRET", "").strip(),
        admin_ids=admins,
        allowed_tenants=tenants,
        log_level=log_level,
        store=store,
        triage_roster=roster or admins,
        triage_names=roster_names,
        triage_group_id=group,
        allowed_callers=callers,
        channel_metadata_url=channel_metadata,
        entra_metadata_url=entra_metadata,
        service_hosts=service_hosts,
        allowed_origins=origins,
        service_desk_contact=service_desk,
        journeys=journey_settings,
        teams_app_id=teams_app_id,
        deadline_triage_days=triage_days,
        deadline_question_days=question_days,
        deadline_board_days=board_days,
        api=api,
        state=state,
        telemetry=telemetry,
    )


def _teams_app_id(raw: str, store: str, problems: list[str]) -> str:
    app_id = raw.strip()
    if app_id and not _GUID.match(app_id):
        problems.append(
            "TEAMS_APP_ID must be the app's id in your Teams app catalogue, a GUID. "
            f"It is '{app_id[:60]}'."
        )
    if app_id and store != "sharepoint":
        problems.append("TEAMS_APP_ID needs Microsoft Graph: use it with BOT_STORE=sharepoint.")
    return app_id
