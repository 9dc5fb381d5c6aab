"""Text made safe for spreadsheets: no exported cell is ever read as a formula.

A cell that starts with =, +, - or @ (or a tab or carriage return, after any spaces) can
run as a formula when a CSV is opened in Excel ("CSV injection"). Every export the
product makes (CSV, printable documents, the `my data` file) passes its cells through
`safe_cell`, which puts an apostrophe in front, as OWASP advises.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """`value` as text that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    if text.lstrip(" ").startswith(FORMULA_START):
        return "'" + text
    return text
