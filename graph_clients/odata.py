"""Values put into OData queries. Every user-supplied value goes through here."""

from __future__ import annotations


def quote(value: str) -> str:
    """A string literal for $filter: single quotes doubled, so text can never end the literal."""
    return "'" + value.replace("'", "''") + "'"


def field_eq(column: str, value: str | int | bool) -> str:
    if isinstance(value, bool):
        return f"fields/{column} eq {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"fields/{column} eq {value}"
    return f"fields/{column} eq {quote(value)}"
