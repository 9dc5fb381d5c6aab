"""The boards journey's settings: read from the environment, checked at start-up.

Every value has a default a council can start with; a bad value stops the bot with a
plain sentence naming the variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class BoardsConfig:
    # Who hears when triage misses its target (Entra object ids); none: the admins.
    triage_lead_ids: frozenset[str] = frozenset()
    agenda_page_size: int = 8  # requests per agenda card page
    # The bot's address as people reach it, for the quarterly pack's link.
    public_url: str = "http://127.0.0.1:3978"
    pack_days: int = 90  # a quarterly pack's link works this many days


def load_settings(env: Mapping[str, str], problems: list[str]) -> BoardsConfig:
    """TRIAGE_LEAD_IDS, BOARD_AGENDA_PAGE_SIZE, BOARD_PACK_DAYS and PUBLIC_BASE_URL (shared
    with procurement). The stages' targets (DEADLINE_*) are the bot's own settings
    (`bot/settings.py`), given to every journey as `ctx.targets`."""
    defaults = BoardsConfig()
    values: dict[str, Any] = {"public_url": _public_url(env, problems)}
    leads = _ids("TRIAGE_LEAD_IDS", env.get("TRIAGE_LEAD_IDS", ""), problems)
    if leads:
        values["triage_lead_ids"] = leads
    # (variable, field, fewest, most, unit): whole numbers, each checked the same way.
    numbers = (
        ("BOARD_PACK_DAYS", "pack_days", 1, 3650, "days"),
        ("BOARD_AGENDA_PAGE_SIZE", "agenda_page_size", 1, 25, "requests"),
    )
    for name, attribute, low, high, unit in numbers:
        number = _whole(name, env.get(name, ""), low, high, unit, problems)
        if number is not None:
            values[attribute] = number
    return replace(defaults, **values)


_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# The Agents Playground's demo users have ids one digit too long to be GUIDs.
_PLAYGROUND_ID = re.compile(r"^00000000-0000-0000-0000-\d{13}$")


def _ids(name: str, raw: str, problems: list[str]) -> frozenset[str]:
    ids = frozenset(part.strip() for part in re.split(r"[,;\s]+", raw) if part.strip())
    bad = sorted(i[:60] for i in ids if not _GUID.match(i) and not _PLAYGROUND_ID.match(i))
    if bad:
        problems.append(
            f"{name} must list Entra object ids (GUIDs), separated by commas. "
            f"These are not: {', '.join(bad[:5])}."
        )
        return frozenset()
    return ids


def _whole(name: str, raw: str, low: int, high: int, unit: str, problems: list[str]) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    problems.append(
        f"{name} must be a whole number of {unit} from {low} to {high}. It is '{raw[:60]}'."
    )
    return None


def _public_url(env: Mapping[str, str], problems: list[str]) -> str:
    """PUBLIC_BASE_URL, read as procurement reads it (one sentence if both find it bad)."""
    host = env.get("HOST", "").strip() or "127.0.0.1"
    port = env.get("PORT", "").strip() or "3978"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address, as a web address writes it
    url = env.get("PUBLIC_BASE_URL", "").strip().rstrip("/") or f"http://{host}:{port}"
    try:
        parts = urlsplit(url)
        good = parts.scheme in ("http", "https") and bool(parts.hostname)
        good = good and not parts.query and not parts.fragment
    except ValueError:  # a bracket left open, say
        good = False
    if not good:
        problem = (
            "PUBLIC_BASE_URL must be the bot's web address as people reach it, such as "
            f"https://dfd.example.gov.uk. It is '{url}'."
        )
        if problem not in problems:
            problems.append(problem)
        return BoardsConfig().public_url
    return url
