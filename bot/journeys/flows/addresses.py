"""Where a flow may be called: the address Power Automate gives when a flow is turned on.

In m365 mode only https, and never this machine or a private network (the bot must not
be made to call its own neighbours). Locally, for tests and the Playground, only this
machine, over http or https. `address_problem` checks what an address says when a flow
subscribes; `PublicOnly` checks what its name resolves to each time a flow is called
(m365 mode), so a name that points, or later points, inside is never connected to.

An IPv6 address can carry an IPv4 one (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d,
6to4 2002:..., Teredo 2001:0:...): it is refused when the IPv4 one inside is not public,
whatever the IPv6 form is said to be. `inside` is the one test, for both checks.
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
    return inside(address)


# NAT64: the well-known prefix carries an IPv4 address in its last 32 bits (RFC 6052); the
# local-use prefix (RFC 8215) only ever reaches a private network.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # the old IPv4-compatible form, ::a.b.c.d


def inside(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True if the bot must not call `address`: not public, or an IPv6 address that
    carries an IPv4 address that is not public."""
    if not address.is_global:
        return True
    if isinstance(address, ipaddress.IPv4Address):
        return False
    if address in _NAT64_LOCAL:
        return True
    carried = [address.ipv4_mapped, address.sixtofour]
    if address.teredo is not None:
        carried += list(address.teredo)  # its server and its client
    if address in _NAT64 or address in _COMPATIBLE:
        carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return any(ipv4 is not None and not ipv4.is_global for ipv4 in carried)


_NUMERIC = re.compile(r"0x[0-9a-f]*|[0-9]+")


class PublicOnly(AbstractResolver):
    """Resolves names as usual, keeping only public addresses; none left: refused."""

    def __init__(self, resolver: AbstractResolver | None = None) -> None:
        self._resolver = resolver or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        public = [r for r in found if not inside(ipaddress.ip_address(r["host"]))]
        if not public:
            raise OSError(f"{host} is not a public address")
        return public

    async def close(self) -> None:
        await self._resolver.close()
