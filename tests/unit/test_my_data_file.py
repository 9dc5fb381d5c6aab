"""The `my data` file, as JSON and CSV: every field held, and no CSV cell, headings and
keys included, that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from bot.journeys.privacy.export import as_csv, as_json
from bot.privacy import Held

AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
HELD = [
    Held("feedback", "Feedback on the bot", "=key", {"Comment": "@SUM(A1)", "Rating": "4"}, AT),
    Held("+journey", "-what", "DR-2026-0001", {"\tlabel": " =1+1", "Plain": "Fine"}),
    Held("your chats and forms", "Nothing in it", "k", {}),
]


def test_the_json_holds_everything_as_it_is() -> None:
    document = json.loads(as_json({"user_id": "u1", "name": "Megan"}, AT, HELD))
    assert document["person"] == {"user_id": "u1", "name": "Megan"}
    assert document["made_at"] == "2026-11-25T10:00:00+00:00"
    assert document["held"][0] == {
        "journey": "feedback",
        "what": "Feedback on the bot",
        "key": "=key",
        "at": "2026-11-25T10:00:00+00:00",
        "fields": {"Comment": "@SUM(A1)", "Rating": "4"},
    }
    assert document["held"][1]["at"] == "" and len(document["held"]) == 3


def test_the_csv_has_one_row_per_field_and_no_formula() -> None:
    body = as_csv(HELD)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["journey", "what", "key", "at", "field", "value"]
    assert len(rows) == 1 + 2 + 2 + 1, "a thing with no fields still has its row"
    assert rows[1] == [
        "feedback",
        "Feedback on the bot",
        "'=key",
        "2026-11-25T10:00:00+00:00",
        "Comment",
        "'@SUM(A1)",
    ]
    assert rows[3][:3] == ["'+journey", "'-what", "DR-2026-0001"]
    assert rows[3][4:] == ["'\tlabel", "' =1+1"]
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), cell
