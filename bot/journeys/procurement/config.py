"""The procurement journey's settings: read from the environment, checked at start-up.

Every value has a default a council can start with; a bad value stops the bot with a
plain sentence naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ProcurementConfig:
    # System owners are told this many months before a contract ends.
    renewal_months: int = 9
    # A renewal with no change in scope takes the lighter path (Procurement only, no
    # Technical Review Board review). False: every engagement gets the full review.
    light_renewals: bool = True
    # The bot's address as people reach it, for the pack's link ("" until read).
    public_url: str = "http://127.0.0.1:3978"
    # A pack's link works for this many days after the pack is made; making the pack
    # again after that gives a new link.
    pack_days: int = 90


_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def load_settings(env: Mapping[str, str], problems: list[str]) -> ProcurementConfig:
    defaults = ProcurementConfig()
    months = defaults.renewal_months
    raw = env.get("PROCUREMENT_RENEWAL_MONTHS", "").strip()
    if raw:
        if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 36:
            months = int(raw)
        else:
            problems.append(
                "PROCUREMENT_RENEWAL_MONTHS must be a whole number of months from 1 to 36, "
                f"such as 9. It is '{raw}'."
            )
    light = defaults.light_renewals
    raw = env.get("PROCUREMENT_LIGHT_RENEWALS", "").strip().lower()
    if raw:
        if raw in _TRUE | _FALSE:
            light = raw in _TRUE
        else:
            problems.append(
                "PROCUREMENT_LIGHT_RENEWALS must be true or false. It is "
                f"'{env['PROCUREMENT_LIGHT_RENEWALS']}'."
            )
    pack_days = defaults.pack_days
    raw = env.get("PROCUREMENT_PACK_DAYS", "").strip()
    if raw:
        if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 3650:
            pack_days = int(raw)
        else:
            problems.append(
                "PROCUREMENT_PACK_DAYS must be a whole number of days from 1 to 3650, "
                f"such as 90. It is '{raw}'."
            )
    host = env.get("HOST", "").strip() or "127.0.0.1"
    port = env.get("PORT", "").strip() or "3978"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address, as a web address writes it
    url = env.get("PUBLIC_BASE_URL", "").strip().rstrip("/") or f"http://{host}:{port}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        problems.append(
            "PUBLIC_BASE_URL must be the bot's web address as people reach it, such as "
            f"https://dfd.example.gov.uk. It is '{url}'."
        )
        url = defaults.public_url
    return ProcurementConfig(
        renewal_months=months, light_renewals=light, public_url=url, pack_days=pack_days
    )
