"""The `my data` file: everything held about a person, as JSON or CSV, made fresh each
time it is downloaded. Pure functions: what is held in, bytes out.

In the CSV every cell, headings and labels included, goes through `safe_cell`, so a
spreadsheet never runs a value someone typed as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

from bot.domain.cells import safe_cell
from bot.privacy import Held

CSV_COLUMNS = ("journey", "what", "key", "at", "field", "value")


def _at(held: Held) -> str:
    return held.at.isoformat() if held.at is not None else ""


def as_json(person: dict[str, str], made_at: dt.datetime, held: Sequence[Held]) -> bytes:
    document: dict[str, Any] = {
        "person": person,
        "made_at": made_at.isoformat(),
        "held": [
            {
                "journey": item.journey,
                "what": item.what,
                "key": item.key,
                "at": _at(item),
                "fields": dict(item.fields),
            }
            for item in held
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def as_csv(held: Sequence[Held]) -> bytes:
    """One row for each field of each thing held; a thing with no fields still gets a row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(column) for column in CSV_COLUMNS])
    for item in held:
        head = [item.journey, item.what, item.key, _at(item)]
        pairs = list(item.fields.items()) or [("", "")]
        for label, value in pairs:
            writer.writerow([safe_cell(cell) for cell in (*head, label, value)])
    # A byte order mark, so Excel reads the names in UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
