"""The record of processing (docs/data-protection.md) says what the code does: its
retention table is the one the code keeps, it names every SharePoint list, and every
journey that holds personal data.

The retention table is made from bot/domain/retention.py. After changing a period or a
reason there, write the table again with `python -m tests.unit.test_data_protection_doc`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.clock import SystemClock
from bot.domain.retention import DEFAULTS, RetentionKind
from bot.journey import JourneyContext
from bot.journeys import _NotRunning, load
from graph_clients.schema import LISTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-protection.md"
START = "<!-- retention table:"
END = "<!-- end of retention table -->"
ROW = re.compile(r"^\| (?P<what>[^|]+) \| (?P<days>\d+) days[^|]* \| .* \| `(?P<setting>\w+)` \|$")
DONE = {"delete": "deleted", "anonymise": "anonymised"}


def in_years(days: int) -> str:
    years, left = divmod(days, 365)
    if not years or left:
        return f"{days} days"
    return f"{days} days ({years} {'year' if years == 1 else 'years'})"


def retention_table() -> str:
    """The table as the doc must have it, from the code's defaults."""
    lines = [
        f"{START} made from bot/domain/retention.py by "
        "`python -m tests.unit.test_data_protection_doc`; do not edit by hand -->",
        "| Records | Kept for | Then | Why this period | Setting |",
        "|---|---|---|---|---|",
    ]
    for kind, rule in DEFAULTS.items():
        lines.append(
            f"| {rule.what} | {in_years(rule.days)} | {DONE[rule.action]} | {rule.reason} "
            f"| `{kind.setting}` |"
        )
    lines.append(END)
    return "\n".join(lines)


def doc_table(text: str) -> str:
    start, end = text.index(START), text.index(END) + len(END)
    return text[start:end]


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_retention_table_is_the_one_the_code_keeps(doc: str) -> None:
    assert doc_table(doc) == retention_table(), (
        "Write the table again: python -m tests.unit.test_data_protection_doc"
    )


def test_every_kind_has_its_setting_and_default_days_in_the_table(doc: str) -> None:
    rows = [ROW.match(line) for line in doc_table(doc).splitlines()]
    found = {m["setting"]: int(m["days"]) for m in rows if m}
    assert found == {kind.setting: DEFAULTS[kind].days for kind in RetentionKind}


def test_every_sharepoint_list_is_in_the_record(doc: str) -> None:
    headings = set(re.findall(r"^### 4\.\d+ SharePoint list: (.+)$", doc, re.MULTILINE))
    assert headings == {spec.name for spec in LISTS}


def test_every_journey_that_holds_personal_data_is_named(doc: str) -> None:
    inert: Any = _NotRunning()
    ctx = JourneyContext(store=inert, clock=SystemClock(), notifier=inert, admin_ids=frozenset())
    holding = [j.name for j in (register(ctx) for register in load()) if j.personal_data]
    named = re.search(r"The journeys that hold\s+personal data are (.+?)\. The others", doc, re.S)
    assert named is not None
    listed = set(re.findall(r"`(\w+)`", named[1]))
    assert set(holding) <= listed


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(text.replace(doc_table(text), retention_table()), encoding="utf-8")
    print(f"Wrote the retention table in {DOC}")
