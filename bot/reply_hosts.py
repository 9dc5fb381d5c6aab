"""Where the bot may send anything: Teams' channel service, and nowhere else.

The bot attaches its own access token to every reply, so a reply address on a host
anyone can create (a storage account, a SharePoint site) would hand that token out.
Locally, with no token at all, replies go only to loopback (the Agents Playground).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.settings import Settings


@dataclass(frozen=True)
class ReplyHosts:
    hosts: frozenset[str]  # a host, or a domain whose subdomains are allowed too
    loopback_only: bool  # local mode: only 127.0.0.1, ::1 or localhost

    def allows(self, url: object) -> bool:
        if not isinstance(url, str) or len(url) > 2048:
            return False
        try:
            parts = urlsplit(url.strip())
            host = (parts.hostname or "").lower().rstrip(".")
            parts.port  # noqa: B018 - a malformed port raises here
        except ValueError:
            return False
        if parts.username or parts.password or not host:
            return False
        if self.loopback_only:
            return parts.scheme in ("http", "https") and is_loopback_host(host)
        if parts.scheme != "https":
            return False
        return any(host == allowed or host.endswith("." + allowed) for allowed in self.hosts)

    def allows_reference(self, reference: Mapping[str, Any]) -> bool:
        """A stored conversation reference may be used only if its serviceUrl is allowed."""
        return self.allows(reference.get("serviceUrl"))


def is_loopback_host(host: str) -> bool:
    """A URL's host (lower case, brackets allowed) that is this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def reply_hosts_for(settings: Settings) -> ReplyHosts:
    return ReplyHosts(settings.service_hosts, loopback_only=settings.anonymous)
