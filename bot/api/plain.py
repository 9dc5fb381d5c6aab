"""pydantic's errors in plain English: what to enter, not what went wrong inside.

Every error type our models can raise has its own sentence; anything else gets a
general one. No sentence repeats what the caller sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

DATE = "Enter a date like 2027-03-31."
DATE_TIME = "Enter a date and time with a time zone, like 2027-03-31T09:30:00Z."
WHOLE = "Enter a whole number, like 25."
NUMBER = "Enter a number, like 2.5."
LIST = "Enter a list of values."
OBJECT = "Enter a group of fields, in curly brackets { }."
WEB = "Enter a web address that starts with https://."

# One sentence for each error type that needs nothing from the error's context.
FIXED: dict[str, str] = {
    "missing": "Enter a value.",
    "missing_argument": "Enter a value.",
    "extra_forbidden": "We do not know this field. Check its spelling, or remove it.",
    "unexpected_keyword_argument": "We do not know this field. Check its spelling, or remove it.",
    "none_required": "Leave this out.",
    "bool_type": "Enter true or false.",
    "bool_parsing": "Enter true or false.",
    "int_type": WHOLE,
    "int_parsing": WHOLE,
    "int_from_float": WHOLE,
    "int_parsing_size": "This number is too big.",
    "float_type": NUMBER,
    "float_parsing": NUMBER,
    "finite_number": NUMBER,
    "decimal_type": NUMBER,
    "decimal_parsing": NUMBER,
    "string_type": "Enter text.",
    "string_unicode": "Enter text.",
    "string_sub_type": "Enter text.",
    "bytes_type": "Enter text.",
    "string_pattern_mismatch": "This is not in the right form. Check it against the example.",
    "date_type": DATE,
    "date_parsing": DATE,
    "date_from_datetime_parsing": DATE,
    "date_from_datetime_inexact": "Enter a date without a time, like 2027-03-31.",
    "date_past": "Enter a date in the past.",
    "date_future": "Enter a date in the future.",
    "datetime_type": DATE_TIME,
    "datetime_parsing": DATE_TIME,
    "datetime_from_date_parsing": DATE_TIME,
    "datetime_object_invalid": DATE_TIME,
    "datetime_past": "Enter a date and time in the past.",
    "datetime_future": "Enter a date and time in the future.",
    "timezone_aware": "Add a time zone, like Z for UTC: 2027-03-31T09:30:00Z.",
    "timezone_naive": "Leave out the time zone.",
    "time_type": "Enter a time like 09:30.",
    "time_parsing": "Enter a time like 09:30.",
    "list_type": LIST,
    "tuple_type": LIST,
    "set_type": LIST,
    "frozen_set_type": LIST,
    "iterable_type": LIST,
    "dict_type": OBJECT,
    "model_type": OBJECT,
    "model_attributes_type": OBJECT,
    "dataclass_type": OBJECT,
    "uuid_type": "Enter an id like 6f1d3c2a-0b7e-4c8d-9a51-2e4f6a8b0c1d.",
    "uuid_parsing": "Enter an id like 6f1d3c2a-0b7e-4c8d-9a51-2e4f6a8b0c1d.",
    "url_type": WEB,
    "url_parsing": WEB,
    "url_syntax_violation": WEB,
    "json_invalid": "Enter valid JSON.",
    "json_type": "Enter valid JSON.",
    "recursion_loop": "This is nested too deeply.",
    "recursion_depth_exceeded": "This is nested too deeply.",
    "string_not_ascii": "Use only plain letters, numbers and punctuation.",
    "mapping_type": OBJECT,
    "frozen_dict_type": OBJECT,
    "ordered_dict_type": OBJECT,
    "deque_type": LIST,
    "set_item_not_hashable": "Each value in this list must be text or a number.",
    "time_delta_type": "Enter a length of time, like PT2H for two hours.",
    "time_delta_parsing": "Enter a length of time, like PT2H for two hours.",
    "uuid_version": "Enter an id like 6f1d3c2a-0b7e-4c8d-9a51-2e4f6a8b0c1d.",
    "timezone_offset": "Give the time in UTC, like 2027-03-31T09:30:00Z.",
    "frozen_field": "This cannot be changed.",
    "frozen_instance": "This cannot be changed.",
}


def _choices(expected: Any) -> str:
    """pydantic's "'a', 'b' or 'c'" as "a, b or c"."""
    return str(expected).replace("'", "")


def _as_date(limit: Any) -> str | None:
    """A date or date-time bound as the caller must type it (ISO), or None for a number.
    pydantic gives date bounds as ISO text already."""
    if isinstance(limit, dt.date):
        return limit.isoformat().replace("+00:00", "Z")
    if isinstance(limit, str) and limit[:1].isdigit() and "-" in limit:
        return limit
    return None


def _number(limit: Any) -> str:
    return str(int(limit)) if isinstance(limit, float) and limit.is_integer() else str(limit)


BOUNDS = {  # error type -> (its key in the context, for a number, for a date)
    "greater_than": ("gt", "Enter a number greater than {}.", "after"),
    "greater_than_equal": ("ge", "Enter a number of at least {}.", "on or after"),
    "less_than": ("lt", "Enter a number less than {}.", "before"),
    "less_than_equal": ("le", "Enter a number of at most {}.", "on or before"),
}


def _bound(kind: str, ctx: dict[str, Any]) -> str:
    name, as_number, as_date = BOUNDS[kind]
    limit = ctx.get(name)
    when = _as_date(limit)
    if when is not None:
        noun = "date and time" if "T" in when else "date"
        return f"Enter a {noun} {as_date} {when}."
    return as_number.format(_number(limit))


def _sized(kind: str, ctx: dict[str, Any]) -> str | None:
    if kind == "string_too_long":
        return f"Use {ctx.get('max_length')} characters or fewer."
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "Enter a value." if least == 1 else f"Use at least {least} characters."
    if kind == "too_long":
        most = ctx.get("max_length")
        return "Enter only one value." if most == 1 else f"Enter {most} values or fewer."
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return "Enter at least one value." if least == 1 else f"Enter at least {least} values."
    if kind in ("bytes_too_long", "bytes_too_short"):
        return _sized(kind.replace("bytes", "string"), ctx)
    if kind == "decimal_max_digits":
        return f"Use {ctx.get('max_digits')} digits or fewer."
    if kind == "decimal_max_places":
        return f"Use {ctx.get('decimal_places')} digits or fewer after the decimal point."
    if kind == "decimal_whole_digits":
        return f"Use {ctx.get('whole_digits')} digits or fewer before the decimal point."
    if kind == "url_too_long":
        return f"Use a web address of {ctx.get('max_length')} characters or fewer."
    return None


def plain_message(item: Any) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) as a plain sentence."""
    kind = str(item.get("type", ""))
    ctx = item.get("ctx") or {}
    if kind in FIXED:
        return FIXED[kind]
    if kind in ("enum", "literal_error"):
        return f"Choose one of: {_choices(ctx.get('expected', ''))}."
    if kind in BOUNDS:
        return _bound(kind, ctx)
    if kind == "multiple_of":
        return f"Enter a multiple of {ctx.get('multiple_of')}."
    sized = _sized(kind, ctx)
    if sized is not None:
        return sized
    if kind == "url_scheme":
        return f"Enter a web address that starts with {_choices(ctx.get('expected_schemes'))}."
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return f"Say which kind this is ({ctx.get('discriminator', 'its kind')})."
    if kind in ("value_error", "assertion_error"):
        # Our own validators raise these with a sentence meant for the caller.
        return str(ctx.get("error", "")) or "This value is not valid."
    return "This value is not valid."
