"""The boards journey's settings: read from the environment, checked at start-up.

Every value has a default a council can start with; a bad value stops the bot with a
plain sentence naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


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
    # Written by H2 (deadlines) and H5 (agenda page size); the defaults stand meanwhile.
    return BoardsConfig()
