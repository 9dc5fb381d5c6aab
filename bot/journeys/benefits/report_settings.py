"""Who may see the benefits report besides admins: BENEFITS_REPORT_IDS, checked at start."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PLAYGROUND_ID = re.compile(r"^00000000-0000-0000-0000-\d{13}$")  # the Playground's users


@dataclass(frozen=True)
class ReportSettings:
    # Entra object ids of the PMO and the Digital, Data and Customer Board's people.
    reader_ids: frozenset[str] = frozenset()


def load_report_settings(env: Mapping[str, str], problems: list[str]) -> ReportSettings:
    """BENEFITS_REPORT_IDS: Entra object ids, separated by commas."""
    raw = env.get("BENEFITS_REPORT_IDS", "")
    ids = frozenset(part.strip() for part in re.split(r"[,;\s]+", raw) if part.strip())
    bad = sorted(i[:60] for i in ids if not _GUID.match(i) and not _PLAYGROUND_ID.match(i))
    if bad:
        problems.append(
            "BENEFITS_REPORT_IDS must list Entra object ids (GUIDs), separated by commas. "
            f"These are not: {', '.join(bad[:5])}."
        )
        return ReportSettings()
    return ReportSettings(reader_ids=ids)
