"""The human reference every request carries, like DR-2026-0042.

Only the format lives here. The counter that hands out numbers is in the store,
because it has to be atomic across bot instances.
"""

from __future__ import annotations

import re

FIRST_YEAR = 2000
LAST_YEAR = 9999

# At least 4 digits, so "DR-2026-7" is not a reference. Numbers wider than 4
# digits never start with 0, so each request has exactly one spelling. The cap
# of 9 digits keeps int() away from huge strings someone might paste.
_REFERENCE = re.compile(r"DR-([0-9]{4})-([0-9]{4}|[1-9][0-9]{4,8})", re.IGNORECASE)
# The widest number that pattern reads back, so every reference made can be parsed.
LAST_NUMBER = 999_999_999


def format_reference(year: int, number: int) -> str:
    """DR-YYYY-NNNN: the number is zero-padded to 4 digits and grows wider after 9999."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"Reference year must be {FIRST_YEAR} to {LAST_YEAR}, not {year}")
    if number < 1:
        raise ValueError(f"Reference number must be 1 or more, not {number}")
    if number > LAST_NUMBER:
        raise ValueError(f"Reference number must be {LAST_NUMBER:,} or less, not {number}")
    return f"DR-{year}-{number:04d}"


def parse_reference(text: str) -> tuple[int, int] | None:
    """(year, number) for a reference in any letter case, or None if it is not one."""
    found = _REFERENCE.fullmatch(text.strip())
    if found is None:
        return None
    year, number = int(found.group(1)), int(found.group(2))
    if year < FIRST_YEAR or number < 1:
        return None
    return year, number
