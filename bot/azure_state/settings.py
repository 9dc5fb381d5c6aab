"""STATE_STORE and the Azure Storage account it uses, read once with the rest of the settings.

SQLite (a file in DATA_DIR) is the default locally; Azure Storage is the default in m365 mode,
where more than one instance may run. The account is named by a connection string
(AZURE_STORAGE_CONNECTION_STRING, kept in Key Vault) or by its address
(AZURE_STORAGE_ACCOUNT_URL) with the managed identity (AZURE_CLIENT_ID picks a user-assigned
one), so no secret is needed where a managed identity works.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

STATE_STORES = ("sqlite", "azure")
PREFIX_DEFAULT = "dfd"
# Table names are letters and digits and start with a letter; queue and container names are
# lower case: a prefix that suits all three.
_PREFIX = re.compile(r"^[a-z][a-z0-9]{1,23}$")
_SERVICES = ("blob", "queue", "table")
_ACCOUNT_HOST = re.compile(r"^([a-z0-9]{3,24})\.(blob|queue|table)\.(core\.windows\.net)$")


@dataclass(frozen=True)
class StateSettings:
    kind: str = "sqlite"
    connection_string: str = ""  # AZURE_STORAGE_CONNECTION_STRING (a secret)
    account_url: str = ""  # AZURE_STORAGE_ACCOUNT_URL, used with the managed identity
    managed_identity_client_id: str = ""  # AZURE_CLIENT_ID: a user-assigned identity
    prefix: str = PREFIX_DEFAULT  # STATE_PREFIX: names of tables, queues and containers

    def endpoint(self, service: str) -> str:
        """The account's address for one service ('blob', 'queue' or 'table')."""
        parts = urlsplit(self.account_url)
        match = _ACCOUNT_HOST.match(parts.hostname or "")
        if match is None:
            return self.account_url.rstrip("/")
        account, _, suffix = match.groups()
        return f"https://{account}.{service}.{suffix}"

    def __repr__(self) -> str:  # never the connection string's key, in logs or tracebacks
        return f"StateSettings(kind={self.kind!r}, prefix={self.prefix!r})"


def load_state_settings(
    env: Mapping[str, str], mode: str, store: str, problems: list[str]
) -> StateSettings:
    # Azure is the default where several instances may run: m365 mode with SharePoint as the
    # store. A single instance (local mode, or BOT_STORE=sqlite) keeps its file.
    several = mode == "m365" and store == "sharepoint"
    kind = env.get("STATE_STORE", "").strip().lower() or ("azure" if several else "sqlite")
    if kind not in STATE_STORES:
        problems.append(f"STATE_STORE must be 'sqlite' or 'azure'. It is '{kind[:40]}'.")
        return StateSettings()
    prefix = env.get("STATE_PREFIX", "").strip() or PREFIX_DEFAULT
    if not _PREFIX.match(prefix):
        problems.append(
            "STATE_PREFIX must be 2 to 24 lower-case letters and digits, starting with a "
            f"letter, such as {PREFIX_DEFAULT}. It is '{prefix[:40]}'."
        )
    connection = env.get("AZURE_STORAGE_CONNECTION_STRING", "").strip()
    url = env.get("AZURE_STORAGE_ACCOUNT_URL", "").strip()
    identity = env.get("AZURE_CLIENT_ID", "").strip()
    if kind == "sqlite":
        return StateSettings(prefix=prefix)
    if store != "sharepoint":
        problems.append(
            "STATE_STORE=azure needs BOT_STORE=sharepoint: with BOT_STORE=sqlite the requests "
            "are kept in a file on this instance, which other instances cannot see."
        )
    if connection and url:
        problems.append(
            "Set AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL, not both."
        )
    elif not connection and not url:
        problems.append(
            "STATE_STORE=azure needs the storage account: set AZURE_STORAGE_ACCOUNT_URL "
            "(such as https://<account>.blob.core.windows.net, with the managed identity) or "
            "AZURE_STORAGE_CONNECTION_STRING. Or set STATE_STORE=sqlite for one instance."
        )
    if connection and not _connection_ok(connection):
        problems.append(
            "AZURE_STORAGE_CONNECTION_STRING is not a storage connection string. It needs "
            "AccountName and AccountKey (or a SharedAccessSignature) and the service "
            "endpoints or the account's DefaultEndpointsProtocol."
        )
    if url and not _url_ok(url):
        problems.append(
            "AZURE_STORAGE_ACCOUNT_URL must be the account's https address, such as "
            "https://<account>.blob.core.windows.net (http only on loopback), with nothing "
            f"after the address. It is '{_shown(url)}'."
        )
    return StateSettings(
        kind="azure",
        connection_string=connection,
        account_url=url,
        managed_identity_client_id=identity,
        prefix=prefix,
    )


def _connection_ok(raw: str) -> bool:
    pairs = dict(
        part.split("=", 1) for part in raw.split(";") if "=" in part and part.split("=", 1)[0]
    )
    has_secret = bool(pairs.get("AccountKey") or pairs.get("SharedAccessSignature"))
    has_place = bool(
        pairs.get("DefaultEndpointsProtocol")
        or any(f"{s.title()}Endpoint" in pairs for s in _SERVICES)
    )
    return has_secret and has_place and ("AccountName" in pairs or "SharedAccessSignature" in pairs)


def _url_ok(raw: str) -> bool:
    from bot.settings import is_loopback

    parts = urlsplit(raw)
    if not parts.hostname or parts.query or parts.fragment:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))


def _shown(url: str) -> str:
    """An address as it may be shown: never its query (a SAS token is a secret)."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url.split("?")[0][:40]
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"[:80]
