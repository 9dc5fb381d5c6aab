"""Paging for every list in the API: opaque cursors (`after`) and next-page links.

A cursor is a position in one list, made by us: the list's kind and the keys of the last
item of the page before, as base64url JSON. A cursor of another list, or one we did not
make, is refused (422, field `after`) rather than quietly starting again.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import urlencode

from pydantic import Field

from bot.api.models import ApiModel
from bot.api.operations import API_PREFIX, ApiCall, FieldProblem
from bot.api.problems import invalid

PAGE_MOST = 100  # the most any list gives on one page
NOT_OURS = "This is not from a page of this list. Leave it out to start again."


def cursor(kind: str, *keys: str) -> str:
    said = json.dumps([kind, *keys], separators=(",", ":"))
    return base64.urlsafe_b64encode(said.encode()).decode().rstrip("=")


def read_cursor(kind: str, given: str | None, count: int) -> tuple[str, ...] | None:
    """The `count` keys a cursor of list `kind` holds; None for no cursor; 422 otherwise."""
    if not given:
        return None
    try:
        said = json.loads(base64.urlsafe_b64decode(given + "=" * (-len(given) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        said = None
    if (
        not isinstance(said, list)
        or len(said) != count + 1
        or said[0] != kind
        or not all(isinstance(key, str) for key in said[1:])
    ):
        raise invalid(FieldProblem("after", NOT_OURS))
    return tuple(said[1:])


def next_link(call: ApiCall, path: str, **params: str | int | None) -> str:
    """The address of the next page: `path` under /api/v1 with the same filters."""
    given = {name: value for name, value in params.items() if value not in (None, "")}
    return f"{call.base_url}{API_PREFIX}{path}?{urlencode(given, doseq=True)}"


class PageQuery(ApiModel):
    """What every list takes: how many on a page, and where the page starts. A list
    with filters adds them to a subclass."""

    top: int = Field(default=25, ge=1, le=PAGE_MOST, description="How many on a page (1 to 100).")
    after: str | None = Field(
        default=None,
        max_length=400,
        description="Where the next page starts: leave it out for the first page. The "
        "nextLink of a page has it.",
    )
