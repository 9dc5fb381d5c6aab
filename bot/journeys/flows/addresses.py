"""Where a flow may be called: the address Power Automate gives when a flow is turned on.

In m365 mode only https, and never this machine or a private network (the bot must not
be made to call its own neighbours). Locally, for tests and the Playground, only this
machine, over http or https. `address_problem` checks what an address says when a flow
subscribes; `PublicOnly` checks what its name resolves to each time a flow is called
(m365 mode), so a name that points, or later points, inside is never connected to.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from bot.reply_hosts import is_loopback_host

MOST = 2000


def address_problem(url: str, local: bool) -> str | None:
    """None if the bot may call `url`; else what is wrong, in plain words."""
    text = url.strip()
    if not text:
        return "Enter the address to send events to."
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return "Enter a web address, like https://example.com/hook."
    if parts.scheme not in ("http", "https") or not host:
        return "Enter a web address that starts with https://."
    if parts.username or parts.password:
        return "Leave the user name and password out of the address."
    if local:
        if not is_loopback_host(host):
            return "Locally, events can only go to this machine (localhost or 127.0.0.1)."
        return None
    if parts.scheme != "https":
        return "Enter a web address that starts with https://."
    if _private(host):
        return "Events cannot go to this machine or to a private network address."
    return None


def _private(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        # A name whose last part is a number is an address a resolver may still read
        # (2130706433, 0x7f.1, 127.1): no real domain ends in a number.
        return _NUMERIC.fullmatch(host.rsplit(".", 1)[-1]) is not None
    return not address.is_global


_NUMERIC = re.compile(r"0x[0-9a-f]*|[0-9]+")


class PublicOnly(AbstractResolver):
    """Resolves names as usual, keeping only public addresses; none left: refused."""

    def __init__(self) -> None:
        self._resolver = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        public = [r for r in found if ipaddress.ip_address(r["host"]).is_global]
        if not public:
            raise OSError(f"{host} is not a public address")
        return public

    async def close(self) -> None:
        await self._resolver.close()
