"""A local stand-in for Microsoft Graph v1.0 SharePoint lists — FOR TESTS ONLY.

`FakeGraph` is an aiohttp server on 127.0.0.1 that answers the parts of Graph the bot uses
for SharePoint lists, generically (any list, any columns):

- the Entra ID client-credentials token endpoint, `POST /{tenant}/oauth2/v2.0/token`;
- `GET /v1.0/sites/{site-id}`;
- lists: list (with `$filter`), create, get (by id or display name), delete;
- columns: list, create, get, update (e.g. `{"indexed": true}`), delete;
- items: list (`$expand=fields`, `$filter`, `$orderby`, `$top`, `$select`, paging through
  `@odata.nextLink`), get, create, update fields (`If-Match`), delete (`If-Match`);
- `POST /v1.0/$batch` (at most 20 sub-requests, `dependsOn`);
- Entra groups added with `add_group`: `GET /v1.0/groups/{id}/transitiveMembers` (`$select`,
  `$top` up to 999, server-driven paging through `@odata.nextLink`, nested groups expanded);
- faults: throttling (429 + `Retry-After`), outages (503), dropped connections, latency.

SharePoint realism kept on purpose, because real code trips on it:

- filtering or ordering on a column that is not indexed answers 400 unless the request
  carries `Prefer: HonorNonIndexedQueriesWarningMayFailRandomly` (the built-in Title column is
  not indexed; `id` is);
- text comparisons in `$filter`/`$orderby` are case-insensitive, as SharePoint's are;
- field names in item bodies and filters are case-sensitive internal names; an unknown one
  is a 400;
- single-line text holds at most 255 characters (the column's `text.maxLength`);
- dateTime values are stored in UTC to the second and returned as `YYYY-MM-DDTHH:MM:SSZ`;
- fields whose value is null are left out of `fields`;
- a column with `enforceUniqueValues` must be indexed, and refuses an item whose value
  another item has (409, as SharePoint does; text compared without case).

State lives in memory, one store per `FakeGraph`. Every handler changes state without
awaiting in between, so concurrent requests on the server's event loop cannot interleave
half-done changes.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import datetime as dt
import json
import operator
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = ["FakeGraph", "Faults", "FilterError", "Recorded", "parse_filter"]

PREFER_NON_INDEXED = "HonorNonIndexedQueriesWarningMayFailRandomly"
MAX_BATCH = 20
MAX_FILTER_LENGTH = 4000
MAX_FILTER_DEPTH = 40
MAX_TOP = 5000
GROUP_DEFAULT_TOP = 100  # directory objects: Graph's default page, and its largest $top
GROUP_MAX_TOP = 999
JSON_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)


@dataclass
class Faults:
    """Faults injected into Graph requests (never into the token endpoint).

    One counter numbers every Graph operation: each plain request and each `$batch`
    sub-request (the `$batch` envelope itself is not counted). For operation number N the
    checks run in this order: `drop_every`, `unavailable`, `throttle_every`, `fail_every`.
    """

    throttle_every: int = 0  # every Nth operation answers 429 TooManyRequests
    retry_after: str = "1"  # Retry-After sent with 429 (and with 503 if retry_after_on_503)
    unavailable: bool = False  # every Graph request answers 503 (token endpoint still works)
    retry_after_on_503: bool = True
    fail_every: int = 0  # every Nth operation answers 503 serviceNotAvailable
    drop_every: int = 0  # every Nth operation: the connection is closed with no response
    latency: float = 0.0  # seconds slept before answering every Graph HTTP request


UNIQUE_CONFLICT_MESSAGE = (
    "The list item could not be added or updated because duplicate values were found in "
    "the following field(s) in the list: {names}."
)


@dataclass
class Recorded:
    """One Graph request, or one `$batch` sub-request (`batch=True`), as it arrived."""

    method: str
    path: str  # decoded, always starting "/v1.0/"
    query: str  # decoded query string without "?", "" when none
    status: int  # 0 while in progress, and for dropped connections
    at: float  # time.monotonic() on arrival
    batch: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # the JSON body as it arrived, decoded; None if none or not JSON


# --------------------------------------------------------------------------------------
# Errors and responses


class GraphError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class FilterError(ValueError):
    """A `$filter` or `$orderby` expression that does not parse."""


@dataclass
class _Resp:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class _Drop(Exception):
    """The connection is to be closed without an answer."""


def _bad(message: str, code: str = "invalidRequest") -> GraphError:
    return GraphError(400, code, message)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------
# $filter parsing (hand-written recursive descent; never eval)

_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?"
)
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*")
_COMPARISONS = ("eq", "ne", "lt", "gt", "le", "ge")
_KEYWORDS = {"and", "or", "not", *_COMPARISONS}
_FUNCTIONS = ("startswith",)
_ORDERING = {"lt": operator.lt, "gt": operator.gt, "le": operator.le, "ge": operator.ge}


@dataclass(frozen=True)
class _Tok:
    kind: str  # "(" ")" "," "str" "num" "dt" "bool" "null" "name" "kw"
    value: Any
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "(),":
            toks.append(_Tok(c, c, i))
            i += 1
        elif c == "'":
            j, out = i + 1, []
            while True:
                if j >= n:
                    raise FilterError(f"unterminated string literal at position {i}")
                if text[j] == "'":
                    if j + 1 < n and text[j + 1] == "'":
                        out.append("'")
                        j += 2
                        continue
                    break
                out.append(text[j])
                j += 1
            toks.append(_Tok("str", "".join(out), i))
            i = j + 1
        elif c.isdigit() or (c == "-" and i + 1 < n and text[i + 1].isdigit()):
            m = _DATETIME_RE.match(text, i) if c != "-" else None
            if m and (m.end() == n or not (text[m.end()].isalnum() or text[m.end()] in "_.")):
                toks.append(_Tok("dt", m.group(), i))
                i = m.end()
                continue
            m = _NUMBER_RE.match(text, i)
            assert m is not None
            if m.end() < n and (text[m.end()].isalpha() or text[m.end()] == "_"):
                raise FilterError(f"bad number at position {i}")
            s = m.group()
            toks.append(_Tok("num", float(s) if any(ch in s for ch in ".eE") else int(s), i))
            i = m.end()
        else:
            m = _NAME_RE.match(text, i)
            if not m:
                raise FilterError(f"unexpected character {c!r} at position {i}")
            word = m.group()
            low = word.lower()
            if low in ("true", "false"):
                toks.append(_Tok("bool", low == "true", i))
            elif low == "null":
                toks.append(_Tok("null", None, i))
            elif low in _KEYWORDS:
                toks.append(_Tok("kw", low, i))
            else:
                toks.append(_Tok("name", word, i))
            i = m.end()
    return toks


# AST nodes, as tuples:
#   ("and", a, b) ("or", a, b) ("not", a)
#   ("cmp", op, name, literal_token)          name is the property path, e.g. "fields/Title"
#   ("startswith", name, literal_token)
#   ("true",)                                 matches everything (empty filter)


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_FILTER_LENGTH:
            raise FilterError("filter too long")
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise FilterError("unexpected end of filter")
        self.i += 1
        return tok

    def expect(self, kind: str) -> _Tok:
        tok = self.take()
        if tok.kind != kind:
            raise FilterError(f"expected {kind!r} at position {tok.pos}")
        return tok

    def is_kw(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "kw" and tok.value == word

    def parse(self) -> tuple:
        if not self.toks:
            return ("true",)
        node = self.parse_or()
        extra = self.peek()
        if extra is not None:
            raise FilterError(f"unexpected token at position {extra.pos}")
        return node

    def parse_or(self) -> tuple:
        self.depth += 1
        if self.depth > MAX_FILTER_DEPTH:
            raise FilterError("filter nested too deeply")
        node = self.parse_and()
        while self.is_kw("or"):
            self.take()
            node = ("or", node, self.parse_and())
        self.depth -= 1
        return node

    def parse_and(self) -> tuple:
        node = self.parse_unary()
        while self.is_kw("and"):
            self.take()
            node = ("and", node, self.parse_unary())
        return node

    def parse_unary(self) -> tuple:
        if self.is_kw("not"):
            self.take()
            self.depth += 1
            if self.depth > MAX_FILTER_DEPTH:
                raise FilterError("filter nested too deeply")
            node = ("not", self.parse_unary())
            self.depth -= 1
            return node
        return self.parse_primary()

    def parse_primary(self) -> tuple:
        tok = self.peek()
        if tok is None:
            raise FilterError("unexpected end of filter")
        if tok.kind == "(":
            self.take()
            node = self.parse_or()
            self.expect(")")
            return node
        if tok.kind == "name" and tok.value.lower() in _FUNCTIONS:
            nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
            if nxt is not None and nxt.kind == "(":
                return self.parse_function()
        left = self.parse_operand()
        op = self.take()
        if op.kind != "kw" or op.value not in _COMPARISONS:
            raise FilterError(f"expected a comparison operator at position {op.pos}")
        right = self.parse_operand()
        if left.kind == "name" and right.kind != "name":
            return ("cmp", op.value, left.value, right)
        if right.kind == "name" and left.kind != "name":
            flipped = {"lt": "gt", "gt": "lt", "le": "ge", "ge": "le"}.get(op.value, op.value)
            return ("cmp", flipped, right.value, left)
        raise FilterError(f"a comparison needs one property and one literal (position {op.pos})")

    def parse_function(self) -> tuple:
        self.take()  # the name
        self.expect("(")
        prop = self.expect("name")
        self.expect(",")
        lit = self.parse_operand()
        if lit.kind != "str":
            raise FilterError("startswith needs a string literal")
        self.expect(")")
        node: tuple = ("startswith", prop.value, lit)
        if self.is_kw("eq") or self.is_kw("ne"):
            op = self.take().value
            b = self.expect("bool").value
            if (op == "eq") != b:
                node = ("not", node)
        return node

    def parse_operand(self) -> _Tok:
        tok = self.take()
        if tok.kind in ("name", "str", "num", "dt", "bool", "null"):
            return tok
        raise FilterError(f"expected a property or a literal at position {tok.pos}")


def parse_filter(text: str) -> tuple:
    """Parse an OData `$filter` expression into a small AST; raises FilterError."""
    return _Parser(text).parse()


def _filter_names(node: tuple) -> list[str]:
    kind = node[0]
    if kind in ("and", "or"):
        return _filter_names(node[1]) + _filter_names(node[2])
    if kind == "not":
        return _filter_names(node[1])
    if kind == "cmp":
        return [node[2]]
    if kind == "startswith":
        return [node[1]]
    return []


def _parse_orderby(text: str) -> list[tuple[str, bool]]:
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or not _NAME_RE.fullmatch(words[0]):
            raise FilterError(f"bad $orderby clause {part.strip()!r}")
        desc = False
        if len(words) == 2:
            if words[1].lower() not in ("asc", "desc"):
                raise FilterError(f"bad $orderby direction {words[1]!r}")
            desc = words[1].lower() == "desc"
        keys.append((words[0], desc))
    return keys


def _split_top_level(text: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if cur:
        parts.append("".join(cur).strip())
    return [p for p in parts if p]


def _parse_expand(text: str) -> dict[str, list[str] | None]:
    """`fields($select=A,B),columns` -> {"fields": ["A", "B"], "columns": None}."""
    out: dict[str, list[str] | None] = {}
    for part in _split_top_level(text):
        m = re.fullmatch(r"(\w+)\s*(?:\((.*)\))?", part, re.S)
        if not m:
            raise _bad(f"Invalid $expand clause '{part}'", "BadRequest")
        select: list[str] | None = None
        if m.group(2):
            for opt in m.group(2).split(";"):
                key, _, value = opt.partition("=")
                if key.strip().lstrip("$").lower() == "select":
                    select = [s.strip() for s in value.split(",") if s.strip()]
        out[m.group(1).lower()] = select
    return out


# --------------------------------------------------------------------------------------
# The store

_BUILTIN_COLUMN_IDS = {
    "Title": "fa564e0f-0c70-4ab9-b863-0177e6ddd247",
    "ID": "1d22ea11-1e32-424e-89ab-9fedbadb6ce1",
    "ContentType": "c042a256-787d-4a6f-8a8a-cf6ab767f12d",
    "Modified": "28cf69c5-fa48-462a-b5cd-27b6f9d2bd5f",
    "Created": "8c06beca-0777-48f7-91c7-6da68bc07b69",
    "Author": "1df5e554-ec7e-46a6-901d-d85a3881cb18",
    "Editor": "d31655d1-1d5b-4511-95a1-7a09e9b75bf2",
    "Attachments": "67df98f4-9dec-48ff-a553-29bece9c5bf4",
}
_TYPE_FACETS = (
    "boolean",
    "calculated",
    "choice",
    "contentApprovalStatus",
    "currency",
    "dateTime",
    "geolocation",
    "hyperlinkOrPicture",
    "lookup",
    "number",
    "personOrGroup",
    "term",
    "text",
    "thumbnail",
)
_COLUMN_PROPERTIES = {
    *_TYPE_FACETS,
    "columnGroup",
    "defaultValue",
    "description",
    "displayName",
    "enforceUniqueValues",
    "hidden",
    "id",
    "indexed",
    "isDeletable",
    "isReorderable",
    "isSealed",
    "name",
    "propagateChanges",
    "readOnly",
    "required",
    "sourceColumn",
    "sourceContentType",
    "type",
    "validation",
}
_COLUMN_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
# Read-only names that appear in `fields` but cannot be written.
_READ_ONLY_FIELDS = {
    "id",
    "ID",
    "ContentType",
    "Created",
    "Modified",
    "Author",
    "Editor",
    "AuthorLookupId",
    "EditorLookupId",
    "Attachments",
    "Edit",
    "LinkTitle",
    "LinkTitleNoMenu",
    "ItemChildCount",
    "FolderChildCount",
    "_UIVersionString",
}


@dataclass
class _Column:
    data: dict[str, Any]
    builtin: bool = False

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def kind(self) -> str:
        for facet in _TYPE_FACETS:
            if facet in self.data:
                return facet
        return "text"

    @property
    def indexed(self) -> bool:
        return bool(self.data.get("indexed"))


@dataclass
class _Item:
    id: int
    guid: str
    version: int
    created: str
    modified: str
    values: dict[str, Any]
    # Whose change made the current version: the app, or a person in the list view.
    editor: str = "Digital Front Door"

    @property
    def etag(self) -> str:
        return f'"{self.guid},{self.version}"'


@dataclass
class _Group:
    users: list[str]
    groups: list[str]  # ids of nested groups, each one a _Group of its own


@dataclass
class _List:
    id: str
    display_name: str
    description: str
    template: str
    created: str
    modified: str
    columns: list[_Column]
    items: dict[int, _Item] = field(default_factory=dict)
    next_id: int = 1
    version: int = 1

    def column(self, name: str) -> _Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None


def _builtin_columns() -> list[_Column]:
    def col(name: str, facet: str, facet_value: dict[str, Any], **extra: Any) -> _Column:
        data = {
            "columnGroup": "Custom Columns" if name == "Title" else "_Hidden",
            "description": "",
            "displayName": name,
            "enforceUniqueValues": False,
            "hidden": False,
            "id": _BUILTIN_COLUMN_IDS[name],
            "indexed": False,
            "name": name,
            "readOnly": name != "Title",
            "required": False,
            facet: facet_value,
        }
        data.update(extra)
        return _Column(data, builtin=True)

    text = {"allowMultipleLines": False, "appendChangesToExistingText": False}
    return [
        col("Title", "text", {**text, "linesForEditing": 0, "maxLength": 255}),
        col("ID", "number", {}, indexed=True),
        col("ContentType", "text", dict(text)),
        col("Modified", "dateTime", {"displayAs": "default", "format": "dateTime"}),
        col("Created", "dateTime", {"displayAs": "default", "format": "dateTime"}),
        col("Author", "personOrGroup", {"allowMultipleSelection": False}),
        col("Editor", "personOrGroup", {"allowMultipleSelection": False}),
        col("Attachments", "boolean", {}),
    ]


def _normalise_datetime(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise _bad(f"Invalid value for field '{name}': expected an ISO 8601 date and time")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad(
            f"Invalid value for field '{name}': expected an ISO 8601 date and time"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _coerce_value(col: _Column, value: Any) -> Any:
    """A value as the column stores it; raises GraphError (400) for a wrong type."""
    if value is None:
        return None
    name, kind = col.name, col.kind
    if kind in ("text", "choice"):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _bad(f"Invalid value for field '{name}': expected a string")
        value = str(value)
        facet = col.data.get("text") or {}
        if kind == "text" and not facet.get("allowMultipleLines"):
            limit = int(facet.get("maxLength") or 255)
            if len(value) > limit:
                raise _bad(
                    f"The value for field '{name}' is longer than {limit} characters, "
                    "the most a single line of text column can hold"
                )
        return value
    if kind in ("number", "currency"):
        if isinstance(value, bool):
            raise _bad(f"Invalid value for field '{name}': expected a number")
        if isinstance(value, int | float):
            return value
        if isinstance(value, str):
            try:
                num = float(value)
            except ValueError:
                raise _bad(f"Invalid value for field '{name}': expected a number") from None
            return int(num) if num.is_integer() and "." not in value else num
        raise _bad(f"Invalid value for field '{name}': expected a number")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise _bad(f"Invalid value for field '{name}': expected a boolean")
    if kind == "dateTime":
        return _normalise_datetime(value, name)
    return value  # other column types are stored as given


def _etag_matches(header: str, etag: str) -> bool:
    for candidate in header.split('",'):
        c = candidate.strip()
        if c == "*":
            return True
        if c.startswith("W/"):
            c = c[2:]
        if c.strip('"') == etag.strip('"'):
            return True
    return False


# --------------------------------------------------------------------------------------
# The server


class FakeGraph:
    """A fake Microsoft Graph for SharePoint lists. See the module docstring."""

    def __init__(
        self,
        *,
        site_id: str = (
            "contoso.sharepoint.com,11111111-1111-1111-1111-111111111111,"
            "22222222-2222-2222-2222-222222222222"
        ),
        tenant_id: str = "33333333-3333-3333-3333-333333333333",
        page_size: int = 200,
        require_secret: tuple[str, str] | None = None,
    ) -> None:
        self.site_id = site_id
        self.tenant_id = tenant_id
        self.page_size = page_size
        # (client_id, client_secret) the token endpoint insists on; None accepts anything.
        self.require_secret = require_secret
        self.faults = Faults()
        self.requests: list[Recorded] = []
        self.token_requests = 0  # answered calls to the token endpoint
        self.url = ""
        self.graph_url = ""
        self.token_url = ""
        self._hostname = site_id.split(",")[0]
        self._site_created = _now()
        self._lists: dict[str, _List] = {}
        self._groups: dict[str, _Group] = {}
        self._display_names: dict[str, str] = {}  # user id (lower case) -> displayName
        self._tokens: set[str] = set()
        self._counter = 0
        self._runner: web.AppRunner | None = None

    # ---- lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._entry)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        port = runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self.graph_url = f"{self.url}/v1.0"
        self.token_url = f"{self.url}/{self.tenant_id}/oauth2/v2.0/token"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGraph:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- helpers for tests

    def issue_token(self) -> str:
        """A bearer token the server accepts, without going through the token endpoint."""
        token = "fake-graph." + secrets.token_urlsafe(24)
        self._tokens.add(token)
        return token

    def revoke_tokens(self) -> None:
        """Forget every issued token, so requests get 401 until a new token is fetched."""
        self._tokens.clear()

    def list_items(self, display_name: str) -> list[dict]:
        """The `fields` of every item of a list, in id order, as Graph would return them."""
        lst = self._find_list(display_name)
        return [self._fields_json(lst, lst.items[i]) for i in sorted(lst.items)]

    def edit_as_person(
        self, display_name: str, reference: str, fields: dict[str, Any], editor: str
    ) -> None:
        """A person changes an item in the list view (or a Power App does, as them): new
        values, a new version and ETag, and Graph's lastModifiedBy names them."""
        lst = self._find_list(display_name)
        item = next(i for i in lst.items.values() if i.values.get("Reference") == reference)
        item.values.update(fields)
        item.version += 1
        item.modified = _now()
        item.editor = editor
        lst.modified = item.modified

    def list_columns(self, display_name: str) -> list[dict]:
        """The columnDefinition of every column of a list, built-in ones first."""
        return [json.loads(json.dumps(c.data)) for c in self._find_list(display_name).columns]

    def remove_columns(self, display_name: str, *names: str) -> None:
        """Take columns out of a list, as on a site provisioned by an earlier version."""
        lst = self._find_list(display_name)
        lst.columns = [c for c in lst.columns if c.name not in names]
        for item in lst.items.values():
            for name in names:
                item.values.pop(name, None)

    def remove_list(self, display_name: str) -> None:
        """Take a list off the site, as on a site provisioned by an earlier version."""
        del self._lists[self._find_list(display_name).id]

    def add_group(
        self,
        group_id: str,
        member_ids: list[str],
        nested: dict[str, list[str]] | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        """An Entra group whose members are the users `member_ids` and the groups in `nested`
        (nested group id -> its user ids). Nested groups can be read on their own too, and a
        nested id naming a group added before replaces that group's members. `names` gives
        users' displayName, sent when `$select` asks for it."""
        for user_id, name in (names or {}).items():
            self._display_names[user_id.lower()] = name
        for nested_id, users in (nested or {}).items():
            self._groups[nested_id.lower()] = _Group(list(users), [])
        self._groups[group_id.lower()] = _Group(list(member_ids), list(nested or {}))

    def graph_requests(self, since: float = 0) -> list[Recorded]:
        """Recorded Graph requests and sub-requests that arrived at or after `since`."""
        return [r for r in self.requests if r.at >= since]

    def reset_counters(self) -> None:
        """Start fault counting again from zero (the next operation is number 1)."""
        self._counter = 0

    def is_new(self) -> bool:
        """Nothing asked of it and nothing set on it yet: no lists, groups, requests or faults."""
        return (
            not self._lists
            and not self._groups
            and not self._display_names
            and not self.requests
            and self.token_requests == 0
            and self.faults == Faults()
        )

    def copy_state(self) -> dict[str, Any]:
        """A deep copy of what the server holds, for `load_state` on another server."""
        return copy.deepcopy(
            {
                "lists": self._lists,
                "requests": self.requests,
                "token_requests": self.token_requests,
                "tokens": self._tokens,
                "counter": self._counter,
            }
        )

    def load_state(self, state: dict[str, Any]) -> None:
        """Hold what `copy_state` copied (from a server with the same site and tenant)."""
        state = copy.deepcopy(state)
        self._lists = state["lists"]
        self.requests = state["requests"]
        self.token_requests = state["token_requests"]
        self._tokens = state["tokens"]
        self._counter = state["counter"]

    def _find_list(self, display_name: str) -> _List:
        lst = self._lookup_list(display_name)
        if lst is None:
            raise KeyError(display_name)
        return lst

    # ---- HTTP entry

    async def _entry(self, request: web.Request) -> web.StreamResponse:
        path = unquote(request.rel_url.raw_path)
        if request.method == "POST" and path == f"/{self.tenant_id}/oauth2/v2.0/token":
            return await self._token(request)
        if re.fullmatch(r"/[^/]+/oauth2/v2\.0/token", path):
            return self._json_response(
                _Resp(
                    400,
                    {
                        "error": "invalid_request",
                        "error_description": f"AADSTS90002: Tenant '{path.split('/')[1]}' "
                        "not found.",
                    },
                )
            )
        if path == "/v1.0" or path.startswith("/v1.0/"):
            return await self._graph_http(request, path)
        return self._json_response(
            self._error_resp(GraphError(404, "NotFound", f"No route for {path}"), None)
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        grant = form.get("grant_type")
        client_id = str(form.get("client_id") or "")
        secret = str(form.get("client_secret") or "")
        assertion = form.get("client_assertion")
        scope = str(form.get("scope") or "")

        def err(status: int, code: str, text: str) -> web.Response:
            return self._json_response(
                _Resp(status, {"error": code, "error_description": text, "error_codes": []})
            )

        if grant != "client_credentials":
            return err(400, "unsupported_grant_type", "AADSTS70003: unsupported grant_type")
        if not client_id:
            return err(400, "invalid_request", "AADSTS900144: 'client_id' is required.")
        if not secret and not assertion:
            return err(
                401, "invalid_client", "AADSTS7000218: client_assertion or client_secret needed"
            )
        if not scope.endswith("/.default"):
            return err(400, "invalid_scope", "AADSTS1002012: scope must end with /.default")
        if self.require_secret is not None and (client_id, secret) != self.require_secret:
            return err(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        self.token_requests += 1
        return self._json_response(
            _Resp(
                200,
                {
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "ext_expires_in": 3599,
                    "access_token": self.issue_token(),
                },
            )
        )

    async def _graph_http(self, request: web.Request, path: str) -> web.StreamResponse:
        raw_query = request.rel_url.raw_query_string
        rec = Recorded(
            request.method,
            path,
            unquote(raw_query),
            0,
            time.monotonic(),
            headers=dict(request.headers),
        )
        self.requests.append(rec)
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        body = await request.read()
        with contextlib.suppress(ValueError):
            rec.body = json.loads(body) if body else None
        headers = CIMultiDict(request.headers)
        client_request_id = headers.get("client-request-id")
        try:
            if path == "/v1.0/$batch" and request.method == "POST":
                resp = await self._batch_http(headers, body)
            else:
                resp = self._operation(request.method, path, raw_query, headers, body, rec)
        except _Drop:
            rec.status = 0
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # never reaches the client
        rec.status = resp.status
        resp.headers.setdefault("client-request-id", client_request_id or str(uuid.uuid4()))
        return self._json_response(resp)

    def _json_response(self, resp: _Resp) -> web.Response:
        headers = {"Cache-Control": "no-store, no-cache", **resp.headers}
        if resp.body is None:
            return web.Response(status=resp.status, headers=headers)
        text = json.dumps(resp.body)
        headers.setdefault("Content-Type", JSON_CONTENT_TYPE)
        return web.Response(status=resp.status, body=text.encode(), headers=headers)

    # ---- faults, auth, errors

    def _fault(self) -> _Resp | None:
        """Counts one operation and answers the fault it is due, if any; may raise _Drop."""
        f = self.faults
        self._counter += 1
        n = self._counter
        if f.drop_every > 0 and n % f.drop_every == 0:
            raise _Drop
        if f.unavailable:
            return self._unavailable()
        if f.throttle_every > 0 and n % f.throttle_every == 0:
            err = GraphError(
                429,
                "TooManyRequests",
                "Too many requests. The request has been throttled.",
                {"Retry-After": f.retry_after},
            )
            return self._error_resp(err, None)
        if f.fail_every > 0 and n % f.fail_every == 0:
            return self._unavailable()
        return None

    def _unavailable(self) -> _Resp:
        headers = {"Retry-After": self.faults.retry_after} if self.faults.retry_after_on_503 else {}
        err = GraphError(
            503, "serviceNotAvailable", "The service is temporarily unavailable.", headers
        )
        return self._error_resp(err, None)

    def _check_auth(self, headers: CIMultiDict[str] | CIMultiDictProxy[str]) -> None:
        auth = headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if not auth:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        if scheme.lower() != "bearer" or token.strip() not in self._tokens:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.")

    def _error_resp(self, err: GraphError, client_request_id: str | None) -> _Resp:
        request_id = str(uuid.uuid4())
        body = {
            "error": {
                "code": err.code,
                "message": err.message,
                "innerError": {
                    "date": _now().rstrip("Z"),
                    "request-id": request_id,
                    "client-request-id": client_request_id or request_id,
                },
            }
        }
        return _Resp(err.status, body, {"request-id": request_id, **err.headers})

    # ---- one operation (a plain request or a $batch sub-request)

    def _operation(
        self,
        method: str,
        path: str,
        raw_query: str,
        headers: CIMultiDict[str],
        body: bytes | Any,
        rec: Recorded,
        *,
        authenticated: bool = False,
    ) -> _Resp:
        fault = self._fault()
        if fault is not None:
            rec.status = fault.status
            return fault
        try:
            if not authenticated:
                self._check_auth(headers)
            payload = self._payload(method, headers, body)
            query = {k.lstrip("$").lower(): v for k, v in parse_qsl(raw_query, True)}
            resp = self._route(method, path, query, headers, payload)
        except GraphError as err:
            resp = self._error_resp(err, headers.get("client-request-id"))
        rec.status = resp.status
        return resp

    def _payload(self, method: str, headers: CIMultiDict[str], body: bytes | Any) -> Any:
        if method not in ("POST", "PATCH", "PUT"):
            return None
        if not isinstance(body, bytes | bytearray):
            return body  # already decoded ($batch)
        if not body.strip():
            return None
        ctype = headers.get("Content-Type", "").lower()
        if "json" not in ctype:
            raise _bad(
                "Unable to read JSON request payload. Please ensure Content-Type header is "
                "set and payload is of valid JSON format.",
                "BadRequest",
            )
        try:
            return json.loads(body)
        except ValueError:
            raise _bad(
                "Unable to read JSON request payload. Please ensure Content-Type header is "
                "set and payload is of valid JSON format.",
                "BadRequest",
            ) from None

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: CIMultiDict[str],
        payload: Any,
    ) -> _Resp:
        segs = [s for s in path.split("/")[2:] if s != ""]  # drop "", "v1.0"
        if segs and segs[0] == "groups":
            return self._route_groups(method, segs[1:], query)
        if not segs or segs[0] != "sites":
            seg = segs[0] if segs else ""
            raise _bad(f"Resource not found for the segment '{seg}'.", "BadRequest")
        if len(segs) == 1:
            raise _bad("Listing sites is not supported by this fake.", "BadRequest")
        self._site(segs[1])
        rest = segs[2:]
        table: list[tuple[tuple[str, ...], dict[str, Callable[..., _Resp]]]] = [
            ((), {"GET": self._get_site}),
            (("lists",), {"GET": self._get_lists, "POST": self._post_list}),
            (("lists", "*"), {"GET": self._get_list, "DELETE": self._delete_list}),
            (("lists", "*", "columns"), {"GET": self._get_columns, "POST": self._post_column}),
            (
                ("lists", "*", "columns", "*"),
                {
                    "GET": self._get_column,
                    "PATCH": self._patch_column,
                    "DELETE": self._delete_column,
                },
            ),
            (("lists", "*", "items"), {"GET": self._get_items, "POST": self._post_item}),
            (
                ("lists", "*", "items", "*"),
                {"GET": self._get_item, "PATCH": self._patch_item, "DELETE": self._delete_item},
            ),
            (
                ("lists", "*", "items", "*", "fields"),
                {"GET": self._get_fields, "PATCH": self._patch_fields},
            ),
        ]
        for pattern, methods in table:
            if len(pattern) == len(rest) and all(
                p == "*" or p == r for p, r in zip(pattern, rest, strict=True)
            ):
                handler = methods.get(method)
                if handler is None:
                    raise GraphError(
                        405, "BadRequest", f"The HTTP method '{method}' is not supported."
                    )
                args = [r for p, r in zip(pattern, rest, strict=True) if p == "*"]
                return handler(*args, query=query, headers=headers, payload=payload)
        seg = rest[-1] if rest else segs[-1]
        raise _bad(f"Resource not found for the segment '{seg}'.", "BadRequest")

    # ---- groups

    def _route_groups(self, method: str, rest: list[str], query: dict[str, str]) -> _Resp:
        if len(rest) != 2 or rest[1].lower() != "transitivemembers":
            seg = rest[-1] if rest else "groups"
            raise _bad(f"Resource not found for the segment '{seg}'.", "BadRequest")
        if method != "GET":
            raise GraphError(405, "BadRequest", f"The HTTP method '{method}' is not supported.")
        return self._get_transitive_members(rest[0], query)

    def _transitive_members(self, group_id: str) -> list[dict[str, str]]:
        """Users and groups under `group_id`, each once, nested groups walked breadth-first."""
        seen = {group_id.lower()}
        members: list[dict[str, str]] = []
        users: set[str] = set()
        queue = [group_id.lower()]
        while queue:
            group = self._groups.get(queue.pop(0))
            if group is None:
                continue
            for user in group.users:
                if user.lower() not in users:
                    users.add(user.lower())
                    members.append({"@odata.type": "#microsoft.graph.user", "id": user})
            for nested in group.groups:
                if nested.lower() not in seen:
                    seen.add(nested.lower())
                    queue.append(nested.lower())
                    members.append({"@odata.type": "#microsoft.graph.group", "id": nested})
        return members

    def _get_transitive_members(self, group_id: str, query: dict[str, str]) -> _Resp:
        if group_id.lower() not in self._groups:
            raise GraphError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{group_id}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        top = GROUP_DEFAULT_TOP
        if query.get("top"):
            raw = query["top"]
            if not raw.isdigit() or not 1 <= int(raw) <= GROUP_MAX_TOP:
                raise _bad(
                    f"Invalid page size specified: '{raw}'. Must be between 1 and "
                    f"{GROUP_MAX_TOP} inclusive.",
                    "Request_BadRequest",
                )
            top = int(raw)
        page = min(top, self.page_size)  # Graph may send fewer than $top: follow nextLink
        start = 0
        if query.get("skiptoken"):
            try:
                start = int(base64.b64decode(query["skiptoken"], validate=True).decode())
            except (binascii.Error, ValueError, UnicodeDecodeError):
                raise _bad("Invalid $skiptoken", "Request_BadRequest") from None
        members = self._transitive_members(group_id)
        select = [s.strip() for s in query.get("select", "").split(",") if s.strip()]
        shown = members[start : start + page]
        if "displayName" in select:
            shown = [{**m, "displayName": self._display_names.get(m["id"].lower())} for m in shown]
        body: dict[str, Any] = {
            "@odata.context": f"{self.graph_url}/$metadata#directoryObjects"
            + (f"({','.join(select)})" if select else ""),
            "value": shown,
        }
        if start + page < len(members):
            params = {f"${k}": v for k, v in query.items() if k == "select"}
            params["$top"] = str(top)
            params["$skiptoken"] = base64.b64encode(str(start + page).encode()).decode()
            body["@odata.nextLink"] = (
                f"{self.graph_url}/groups/{group_id}/transitiveMembers?"
                + urlencode(params, quote_via=quote, safe="$/,")
            )
        return _Resp(200, body)

    # ---- sites

    def _site(self, site_ref: str) -> None:
        ref = site_ref.lower()
        if ref in (self.site_id.lower(), "root", self._hostname.lower()):
            return
        raise GraphError(404, "itemNotFound", "Requested site could not be found")

    def _site_json(self) -> dict[str, Any]:
        return {
            "@odata.context": f"{self.graph_url}/$metadata#sites/$entity",
            "createdDateTime": self._site_created,
            "description": "",
            "id": self.site_id,
            "lastModifiedDateTime": self._site_created,
            "name": "DigitalFrontDoor",
            "webUrl": f"https://{self._hostname}/sites/DigitalFrontDoor",
            "displayName": "Digital Front Door",
            "root": {},
            "siteCollection": {"hostname": self._hostname},
        }

    def _get_site(self, **_: Any) -> _Resp:
        return _Resp(200, self._site_json())

    # ---- lists

    def _lookup_list(self, ref: str) -> _List | None:
        low = ref.lower()
        for lst in self._lists.values():
            if lst.id == low or lst.display_name.lower() == low:
                return lst
        return None

    def _list(self, ref: str) -> _List:
        lst = self._lookup_list(ref)
        if lst is None:
            raise GraphError(404, "itemNotFound", "The specified list was not found")
        return lst

    def _list_json(self, lst: _List, expand: dict[str, list[str] | None] | None = None) -> dict:
        web_url = f"https://{self._hostname}/sites/DigitalFrontDoor/Lists/{quote(lst.display_name)}"
        out: dict[str, Any] = {
            "@odata.etag": f'"{lst.id},{lst.version}"',
            "createdDateTime": lst.created,
            "description": lst.description,
            "eTag": f'"{lst.id},{lst.version}"',
            "id": lst.id,
            "lastModifiedDateTime": lst.modified,
            "name": lst.display_name,
            "webUrl": web_url,
            "displayName": lst.display_name,
            "createdBy": {"user": {"displayName": "System Account"}},
            "parentReference": {"siteId": self.site_id},
            "list": {"contentTypesEnabled": False, "hidden": False, "template": lst.template},
        }
        if expand and "columns" in expand:
            out["columns"] = [json.loads(json.dumps(c.data)) for c in lst.columns]
        return out

    def _get_lists(self, *, query: dict[str, str], **_: Any) -> _Resp:
        lists = list(self._lists.values())
        if query.get("filter"):
            try:
                ast = parse_filter(query["filter"])
            except FilterError as exc:
                raise _bad(f"Invalid filter clause: {exc}") from None
            for name in _filter_names(ast):
                if name not in ("displayName", "name", "id"):
                    raise _bad("The provided filter statement is not supported")

            def getter(lst: _List, name: str) -> tuple[str, Any]:
                value = {"displayName": lst.display_name, "name": lst.display_name}.get(name)
                return "text", lst.id if name == "id" else value

            lists = [x for x in lists if _evaluate(ast, lambda n, x=x: getter(x, n))]
        if query.get("top"):
            lists = lists[: _parse_top(query["top"])]
        expand = _parse_expand(query.get("expand", ""))
        body = {
            "@odata.context": f"{self.graph_url}/$metadata#sites('{self.site_id}')/lists",
            "value": [self._list_json(x, expand) for x in lists],
        }
        return _Resp(200, body)

    def _get_list(self, list_ref: str, *, query: dict[str, str], **_: Any) -> _Resp:
        expand = _parse_expand(query.get("expand", ""))
        return _Resp(200, self._list_json(self._list(list_ref), expand))

    def _delete_list(self, list_ref: str, **_: Any) -> _Resp:
        lst = self._list(list_ref)
        del self._lists[lst.id]
        return _Resp(204)

    def _post_list(self, *, payload: Any, **_: Any) -> _Resp:
        if not isinstance(payload, dict):
            raise _bad("The request body must be a JSON object", "BadRequest")
        name = payload.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise _bad("The list's displayName is required")
        if self._lookup_list(name) is not None:
            raise GraphError(
                409,
                "nameAlreadyExists",
                "A list, survey, discussion board, or document library with the specified "
                "title already exists in this Web site.  Please choose another title.",
            )
        columns = _builtin_columns()
        for definition in payload.get("columns") or []:
            column = _new_column(definition)
            if any(c.name.lower() == column.name.lower() for c in columns):
                raise GraphError(
                    409, "nameAlreadyExists", f'A duplicate field name "{column.name}" was found.'
                )
            columns.append(column)
        info = payload.get("list") or {}
        now = _now()
        lst = _List(
            id=str(uuid.uuid4()),
            display_name=name,
            description=str(payload.get("description") or ""),
            template=str(info.get("template") or "genericList"),
            created=now,
            modified=now,
            columns=columns,
        )
        self._lists[lst.id] = lst
        return _Resp(201, self._list_json(lst))

    # ---- columns

    def _column(self, lst: _List, ref: str) -> _Column:
        for col in lst.columns:
            if str(col.data["id"]).lower() == ref.lower() or col.name == ref:
                return col
        raise GraphError(404, "itemNotFound", "The specified column was not found")

    def _get_columns(self, list_ref: str, **_: Any) -> _Resp:
        lst = self._list(list_ref)
        body = {
            "@odata.context": f"{self.graph_url}/$metadata#sites('{self.site_id}')/lists"
            f"('{lst.id}')/columns",
            "value": [json.loads(json.dumps(c.data)) for c in lst.columns],
        }
        return _Resp(200, body)

    def _get_column(self, list_ref: str, column_ref: str, **_: Any) -> _Resp:
        col = self._column(self._list(list_ref), column_ref)
        return _Resp(200, json.loads(json.dumps(col.data)))

    def _post_column(self, list_ref: str, *, payload: Any, **_: Any) -> _Resp:
        lst = self._list(list_ref)
        column = _new_column(payload)
        if any(c.name.lower() == column.name.lower() for c in lst.columns):
            raise GraphError(
                409, "nameAlreadyExists", f'A duplicate field name "{column.name}" was found.'
            )
        _check_unique_column(lst, column)
        lst.columns.append(column)
        lst.modified = _now()
        return _Resp(201, json.loads(json.dumps(column.data)))

    def _patch_column(self, list_ref: str, column_ref: str, *, payload: Any, **_: Any) -> _Resp:
        lst = self._list(list_ref)
        col = self._column(lst, column_ref)
        if not isinstance(payload, dict):
            raise _bad("The request body must be a JSON object", "BadRequest")
        changes = {k: v for k, v in payload.items() if not k.startswith("@")}
        _check_column_properties(changes)
        for key in ("id", "name"):
            if key in changes and changes[key] != col.data[key]:
                raise _bad(f"The column's {key} cannot be changed")
        facets = [k for k in changes if k in _TYPE_FACETS]
        if facets and facets != [col.kind]:
            raise _bad("A column's type cannot be changed")
        before = json.loads(json.dumps(col.data))
        for key, value in changes.items():
            if key == col.kind and isinstance(value, dict):
                col.data[key] = {**col.data[key], **value}
            else:
                col.data[key] = value
        try:
            _check_unique_column(lst, col)
        except GraphError:
            col.data.update(before)
            raise
        lst.modified = _now()
        return _Resp(200, json.loads(json.dumps(col.data)))

    def _delete_column(self, list_ref: str, column_ref: str, **_: Any) -> _Resp:
        lst = self._list(list_ref)
        col = self._column(lst, column_ref)
        if col.builtin:
            raise GraphError(403, "accessDenied", "This column cannot be deleted")
        lst.columns.remove(col)
        for item in lst.items.values():
            item.values.pop(col.name, None)
        return _Resp(204)

    # ---- items

    def _item(self, lst: _List, ref: str) -> _Item:
        if ref.isdigit() and int(ref) in lst.items:
            return lst.items[int(ref)]
        raise GraphError(404, "itemNotFound", "The specified list item was not found")

    def _fields_json(self, lst: _List, item: _Item, select: list[str] | None = None) -> dict:
        title = item.values.get("Title")
        out: dict[str, Any] = {"@odata.etag": item.etag}
        if title is not None:
            out["Title"] = title
        builtins: dict[str, Any] = {
            "id": str(item.id),
            "ContentType": "Item",
            "Modified": item.modified,
            "Created": item.created,
            "AuthorLookupId": "7",
            "EditorLookupId": "7",
            "_UIVersionString": f"{item.version}.0",
            "Attachments": False,
            "Edit": "",
            "LinkTitleNoMenu": title if title is not None else "",
            "LinkTitle": title if title is not None else "",
            "ItemChildCount": "0",
            "FolderChildCount": "0",
        }
        out.update(builtins)
        for col in lst.columns:
            if not col.builtin and item.values.get(col.name) is not None:
                out[col.name] = item.values[col.name]
        if select is not None:
            keep = {"@odata.etag", "id", *select}
            out = {k: v for k, v in out.items() if k in keep}
        return out

    def _item_json(
        self, lst: _List, item: _Item, expand: dict[str, list[str] | None] | None = None
    ) -> dict:
        web_url = (
            f"https://{self._hostname}/sites/DigitalFrontDoor/Lists/"
            f"{quote(lst.display_name)}/{item.id}_.000"
        )
        out: dict[str, Any] = {
            "@odata.etag": item.etag,
            "createdDateTime": item.created,
            "eTag": item.etag,
            "id": str(item.id),
            "lastModifiedDateTime": item.modified,
            "webUrl": web_url,
            "createdBy": {"user": {"displayName": "Digital Front Door"}},
            "lastModifiedBy": {"user": {"displayName": item.editor}},
            "parentReference": {"id": lst.id, "siteId": self.site_id},
            "contentType": {"id": "0x0100", "name": "Item"},
        }
        if expand is not None and "fields" in expand:
            out["fields@odata.context"] = (
                f"{self.graph_url}/$metadata#sites('{self.site_id}')/lists('{lst.id}')"
                f"/items('{item.id}')/fields/$entity"
            )
            out["fields"] = self._fields_json(lst, item, expand["fields"])
        return out

    def _resolve_field(self, lst: _List, name: str) -> tuple[str, _Column | None]:
        """`fields/X` -> ("X", column); raises 400 for other properties or unknown fields."""
        prefix, _, field_name = name.partition("/")
        if prefix != "fields" or not field_name or "/" in field_name:
            raise _bad("The provided filter statement is not supported")
        if field_name in ("id", "ID"):
            return "id", None
        col = lst.column(field_name)
        if col is None:
            raise _bad(f"Field '{field_name}' is not recognized")
        return field_name, col

    def _value_getter(self, lst: _List) -> Callable[[_Item, str], tuple[str, Any]]:
        def get(item: _Item, name: str) -> tuple[str, Any]:
            field_name, col = self._resolve_field(lst, name)
            if col is None:
                return "number", item.id
            if field_name == "Created":
                return "dateTime", item.created
            if field_name == "Modified":
                return "dateTime", item.modified
            return col.kind, item.values.get(field_name)

        return get

    def _check_indexed(self, lst: _List, names: list[str], headers: CIMultiDict[str]) -> None:
        prefer = ",".join(headers.getall("Prefer", [])).lower()
        allowed = PREFER_NON_INDEXED.lower() in prefer
        for name in names:
            field_name, col = self._resolve_field(lst, name)
            if col is not None and not col.indexed and not allowed:
                raise _bad(
                    f"Field '{field_name}' cannot be referenced in filter or orderby as it is "
                    f"not indexed. Provide the 'Prefer: {PREFER_NON_INDEXED}' header to allow "
                    "this, but be warned that such queries may fail on large lists."
                )

    def _get_items(
        self, list_ref: str, *, query: dict[str, str], headers: CIMultiDict[str], **_: Any
    ) -> _Resp:
        lst = self._list(list_ref)
        try:
            ast = parse_filter(query.get("filter", ""))
            order = _parse_orderby(query["orderby"]) if query.get("orderby") else []
        except FilterError as exc:
            raise _bad(f"Invalid filter clause: {exc}") from None
        self._check_indexed(lst, _filter_names(ast) + [name for name, _ in order], headers)
        get = self._value_getter(lst)
        items = [lst.items[i] for i in sorted(lst.items)]
        items = [it for it in items if _evaluate(ast, lambda n, it=it: get(it, n))]
        for name, desc in reversed(order):  # stable sorts, last key first
            items.sort(key=lambda it, name=name: _sort_key(*get(it, name)), reverse=desc)
        page = _parse_top(query["top"]) if query.get("top") else self.page_size
        start = 0
        if query.get("skiptoken"):
            start = _decode_skiptoken(query["skiptoken"], items, bool(order))
        chunk = items[start : start + page]
        expand = _parse_expand(query.get("expand", ""))
        value = [self._item_json(lst, it, expand) for it in chunk]
        if query.get("select"):
            keep = {"@odata.etag", "id", "fields", "fields@odata.context"}
            keep |= {s.strip() for s in query["select"].split(",")}
            value = [{k: v for k, v in it.items() if k in keep} for it in value]
        body: dict[str, Any] = {
            "@odata.context": f"{self.graph_url}/$metadata#sites('{self.site_id}')/lists"
            f"('{lst.id}')/items",
            "value": value,
        }
        if start + page < len(items):
            last = chunk[-1]
            token = base64.b64encode(
                f"Paged=TRUE&p_ID={last.id}&p_Index={start + page}".encode()
            ).decode()
            params = {
                f"${k}": v
                for k, v in query.items()
                if k in ("expand", "filter", "orderby", "select")
            }
            params["$top"] = str(page)
            params["$skiptoken"] = token
            body["@odata.nextLink"] = (
                f"{self.graph_url}/sites/{self.site_id}/lists/{lst.id}/items?"
                + urlencode(params, quote_via=quote, safe="$/',()")
            )
        return _Resp(200, body)

    def _get_item(self, list_ref: str, item_ref: str, *, query: dict[str, str], **_: Any) -> _Resp:
        lst = self._list(list_ref)
        expand = _parse_expand(query.get("expand", ""))
        return _Resp(200, self._item_json(lst, self._item(lst, item_ref), expand))

    def _get_fields(self, list_ref: str, item_ref: str, **_: Any) -> _Resp:
        lst = self._list(list_ref)
        return _Resp(200, self._fields_json(lst, self._item(lst, item_ref)))

    def _validated_fields(self, lst: _List, fields: Any) -> dict[str, Any]:
        if not isinstance(fields, dict):
            raise _bad("The 'fields' property must be a JSON object")
        out: dict[str, Any] = {}
        for name, value in fields.items():
            if name.startswith("@"):
                continue  # OData annotations such as @odata.type / @odata.etag
            col = lst.column(name)
            if name in _READ_ONLY_FIELDS or (col is not None and col.data.get("readOnly")):
                raise _bad(f"Field '{name}' is read-only")
            if col is None:
                raise _bad(f"Field '{name}' is not recognized")
            out[name] = _coerce_value(col, value)
        return out

    def _post_item(self, list_ref: str, *, payload: Any, **_: Any) -> _Resp:
        lst = self._list(list_ref)
        if not isinstance(payload, dict):
            raise _bad("The request body must be a JSON object", "BadRequest")
        values = self._validated_fields(lst, payload.get("fields") or {})
        _check_unique(lst, None, values)
        now = _now()
        item = _Item(lst.next_id, str(uuid.uuid4()), 1, now, now, values)
        lst.items[item.id] = item
        lst.next_id += 1
        lst.modified = now
        return _Resp(201, self._item_json(lst, item, {"fields": None}))

    def _check_if_match(self, item: _Item, headers: CIMultiDict[str]) -> None:
        if_match = headers.get("If-Match")
        if if_match is not None and not _etag_matches(if_match, item.etag):
            raise GraphError(
                412,
                "preconditionFailed",
                f"The request ETag value '{if_match}' does not match the object's ETag value "
                f"'{item.etag}'.",
            )

    def _update(self, lst: _List, item: _Item, fields: Any, headers: CIMultiDict[str]) -> None:
        self._check_if_match(item, headers)
        values = self._validated_fields(lst, fields)
        _check_unique(lst, item, values)
        for name, value in values.items():
            if value is None:
                item.values.pop(name, None)
            else:
                item.values[name] = value
        item.version += 1
        item.modified = _now()
        item.editor = "Digital Front Door"
        lst.modified = item.modified

    def _patch_fields(
        self, list_ref: str, item_ref: str, *, payload: Any, headers: CIMultiDict[str], **_: Any
    ) -> _Resp:
        lst = self._list(list_ref)
        item = self._item(lst, item_ref)
        self._update(lst, item, payload if payload is not None else {}, headers)
        return _Resp(200, self._fields_json(lst, item))

    def _patch_item(
        self, list_ref: str, item_ref: str, *, payload: Any, headers: CIMultiDict[str], **_: Any
    ) -> _Resp:
        lst = self._list(list_ref)
        item = self._item(lst, item_ref)
        if not isinstance(payload, dict):
            raise _bad("The request body must be a JSON object", "BadRequest")
        self._update(lst, item, payload.get("fields") or {}, headers)
        return _Resp(200, self._item_json(lst, item, {"fields": None}))

    def _delete_item(
        self, list_ref: str, item_ref: str, *, headers: CIMultiDict[str], **_: Any
    ) -> _Resp:
        lst = self._list(list_ref)
        item = self._item(lst, item_ref)
        self._check_if_match(item, headers)
        del lst.items[item.id]
        lst.modified = _now()
        return _Resp(204)

    # ---- $batch

    async def _batch_http(self, headers: CIMultiDict[str], body: bytes) -> _Resp:
        if self.faults.unavailable:
            return self._unavailable()
        try:
            self._check_auth(headers)
            payload = self._payload("POST", headers, body)
            requests = _validate_batch(payload)
        except GraphError as err:
            return self._error_resp(err, headers.get("client-request-id"))

        status: dict[str, int] = {}
        responses: list[dict[str, Any]] = []
        pending = list(requests)
        for _ in range(len(requests)):  # bounded: one request runs per pass
            ready = next(
                (r for r in pending if all(d in status for d in r.get("dependsOn") or [])), None
            )
            if ready is None:
                break
            pending.remove(ready)
            rid = ready["id"]
            failed = [d for d in ready.get("dependsOn") or [] if status[d] >= 400]
            if failed:
                status[rid] = 424
                err = GraphError(424, "FailedDependency", "A request this one depends on failed.")
                resp = self._error_resp(err, None)
            else:
                resp = self._batch_one(ready)
                status[rid] = resp.status
            item: dict[str, Any] = {"id": rid, "status": resp.status, "headers": resp.headers}
            if resp.body is not None:
                item["headers"] = {"Content-Type": JSON_CONTENT_TYPE, **resp.headers}
                item["body"] = resp.body
            responses.append(item)
        return _Resp(200, {"responses": responses})

    def _batch_one(self, sub: dict[str, Any]) -> _Resp:
        method = str(sub["method"]).upper()
        url = str(sub["url"])
        parts = urlsplit(url)
        path = unquote(parts.path)
        # an absolute URL (msgraph-sdk's BatchRequestItem may send one) keeps its /v1.0
        path = ("/" if parts.scheme else "/v1.0/") + path.lstrip("/")
        headers = CIMultiDict({str(k): str(v) for k, v in (sub.get("headers") or {}).items()})
        rec = Recorded(method, path, unquote(parts.query), 0, time.monotonic(), True, dict(headers))
        self.requests.append(rec)
        body = sub.get("body")
        if isinstance(body, str):  # base64, for a body that is not a JSON object
            try:
                body = json.loads(base64.b64decode(body, validate=True))
            except (binascii.Error, ValueError):
                body = None
        rec.body = body
        if body is not None and "Content-Type" not in headers:
            rec.status = 400
            return self._error_resp(
                _bad("A request with a body needs a Content-Type header", "BadRequest"), None
            )
        if not path.startswith("/v1.0/"):
            rec.status = 400
            seg = path.split("/")[1] if path.count("/") else path
            return self._error_resp(
                _bad(f"Resource not found for the segment '{seg}'.", "BadRequest"), None
            )
        return self._operation(method, path, parts.query, headers, body, rec, authenticated=True)


# --------------------------------------------------------------------------------------
# Pieces used by the handlers


def _check_column_properties(definition: dict[str, Any]) -> None:
    for key in definition:
        if not key.startswith("@") and key not in _COLUMN_PROPERTIES:
            raise _bad(
                f"The property '{key}' does not exist on type "
                "'microsoft.graph.columnDefinition'. Make sure to only use property names "
                "that are defined by the type or mark the type as open type.",
                "BadRequest",
            )


def _new_column(definition: Any) -> _Column:
    if not isinstance(definition, dict):
        raise _bad("A columnDefinition must be a JSON object", "BadRequest")
    data = {k: v for k, v in definition.items() if not k.startswith("@") and v is not None}
    _check_column_properties(data)
    name = data.get("name")
    if not isinstance(name, str) or not _COLUMN_NAME_RE.fullmatch(name):
        raise _bad(f"Invalid column name {name!r}: use letters, digits and underscores")
    facets = [k for k in data if k in _TYPE_FACETS]
    if len(facets) != 1:
        raise _bad(f"Column '{name}' must have exactly one type, found {facets or 'none'}")
    facet = facets[0]
    if not isinstance(data[facet], dict):
        raise _bad(f"Column '{name}': '{facet}' must be a JSON object")
    if facet == "text":
        data["text"] = {
            "allowMultipleLines": False,
            "appendChangesToExistingText": False,
            "linesForEditing": 0,
            "maxLength": 255,
            **data["text"],
        }
    column = {
        "columnGroup": "Custom Columns",
        "description": "",
        "displayName": name,
        "enforceUniqueValues": False,
        "hidden": False,
        "indexed": False,
        "readOnly": False,
        "required": False,
        **data,
        "id": str(uuid.uuid4()),
    }
    return _Column(column)


def _unique_key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _check_unique(lst: _List, item: _Item | None, values: dict[str, Any]) -> None:
    """409 if a column enforcing unique values would hold a value another item has."""
    clashes = []
    for name, value in values.items():
        col = lst.column(name)
        if value is None or col is None or not col.data.get("enforceUniqueValues"):
            continue
        key = _unique_key(value)
        if any(
            other is not item and _unique_key(other.values.get(name)) == key
            for other in lst.items.values()
        ):
            clashes.append(name)
    if clashes:
        raise GraphError(
            409, "nameAlreadyExists", UNIQUE_CONFLICT_MESSAGE.format(names=", ".join(clashes))
        )


def _check_unique_column(lst: _List, col: _Column) -> None:
    """Unique values need an index, and a column holding duplicates cannot become unique."""
    if not col.data.get("enforceUniqueValues"):
        return
    if not col.indexed:
        raise _bad(f"The column '{col.name}' must be indexed to enforce unique values.")
    seen: set[Any] = set()
    for item in lst.items.values():
        value = item.values.get(col.name)
        if value is None:
            continue
        if _unique_key(value) in seen:
            raise _bad(
                f"The column '{col.name}' cannot enforce unique values: some items have "
                "the same value in it."
            )
        seen.add(_unique_key(value))


def _validate_batch(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("requests"), list):
        raise _bad("Invalid batch payload format.", "BadRequest")
    requests = payload["requests"]
    if not requests:
        raise _bad("Invalid batch payload format: no requests.", "BadRequest")
    if len(requests) > MAX_BATCH:
        raise _bad(f"Too many requests in the batch: the limit is {MAX_BATCH}.", "BadRequest")
    seen: set[str] = set()
    for r in requests:
        if not isinstance(r, dict):
            raise _bad("Invalid batch payload format.", "BadRequest")
        for key in ("id", "method", "url"):
            if not isinstance(r.get(key), str) or not r[key]:
                raise _bad(f"Every request in a batch needs a '{key}'.", "BadRequest")
        if r["id"] in seen:
            raise _bad(f"Duplicate request id '{r['id']}' in the batch.", "BadRequest")
        seen.add(r["id"])
        if r.get("headers") is not None and not isinstance(r["headers"], dict):
            raise _bad("A request's headers must be a JSON object.", "BadRequest")
        deps = r.get("dependsOn")
        if deps is not None and (
            not isinstance(deps, list) or not all(isinstance(d, str) for d in deps)
        ):
            raise _bad("dependsOn must be a list of request ids.", "BadRequest")
    for r in requests:
        for dep in r.get("dependsOn") or []:
            if dep not in seen or dep == r["id"]:
                raise _bad(f"dependsOn names an unknown request '{dep}'.", "BadRequest")
    # reject cycles: repeatedly remove requests whose dependencies are all removed
    left = {r["id"]: set(r.get("dependsOn") or []) for r in requests}
    for _ in range(len(requests)):
        free = [rid for rid, deps in left.items() if not deps & left.keys()]
        for rid in free:
            del left[rid]
        if not free:
            break
    if left:
        raise _bad("The dependsOn of the batch form a cycle.", "BadRequest")
    return requests


def _parse_top(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise _bad(f"Invalid $top value '{value}'", "BadRequest")
    return min(int(value), MAX_TOP)


def _decode_skiptoken(token: str, items: list[_Item], ordered: bool) -> int:
    try:
        decoded = base64.b64decode(token, validate=True).decode()
        params = dict(parse_qsl(decoded))
        last_id, index = int(params["p_ID"]), int(params["p_Index"])
    except (binascii.Error, ValueError, KeyError, UnicodeDecodeError):
        raise _bad("Invalid $skiptoken", "BadRequest") from None
    if ordered:
        return index
    # in id order, continue after the last id seen (robust to deletions in between)
    return next((i for i, it in enumerate(items) if it.id > last_id), len(items))


def _coerce_literal(kind: str, tok: _Tok) -> Any:
    """A filter literal as a value comparable with a column of `kind`."""
    if tok.kind == "null":
        return None
    value = tok.value
    if kind in ("number", "currency"):
        if tok.kind == "num":
            return value
        if tok.kind == "str":
            try:
                return float(value)
            except ValueError:
                pass
        raise _bad(f"The literal {value!r} is not a number")
    if kind == "boolean":
        if tok.kind == "bool":
            return value
        if tok.kind == "num" and value in (0, 1):
            return bool(value)
        if tok.kind == "str" and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        raise _bad(f"The literal {value!r} is not a boolean")
    if kind == "dateTime":
        if tok.kind in ("str", "dt"):
            return _normalise_datetime(value, "literal")
        raise _bad(f"The literal {value!r} is not a date and time")
    if tok.kind == "bool":
        return "true" if value else "false"
    if tok.kind == "num":
        return str(value)
    return str(value).casefold()


def _norm(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("text", "choice"):
        return str(value).casefold()
    return value


def _evaluate(node: tuple, get: Callable[[str], tuple[str, Any]]) -> bool:
    kind = node[0]
    if kind == "true":
        return True
    if kind == "and":
        return _evaluate(node[1], get) and _evaluate(node[2], get)
    if kind == "or":
        return _evaluate(node[1], get) or _evaluate(node[2], get)
    if kind == "not":
        return not _evaluate(node[1], get)
    if kind == "startswith":
        col_kind, value = get(node[1])
        if value is None:
            return False
        return str(value).casefold().startswith(str(node[2].value).casefold())
    _, op, name, tok = node
    col_kind, value = get(name)
    value = _norm(col_kind, value)
    lit = _coerce_literal(col_kind, tok)
    if op == "eq":
        return value == lit
    if op == "ne":
        return value != lit
    if value is None or lit is None:
        return False
    try:
        return bool(_ORDERING[op](value, lit))
    except TypeError:
        raise _bad(f"Cannot compare field '{name}' with {tok.value!r}") from None


def _sort_key(kind: str, value: Any) -> tuple[int, Any]:
    # nulls first in ascending order, as SharePoint sorts empty values first
    if value is None:
        return (0, 0)
    return (1, _norm(kind, value))


# --------------------------------------------------------------------------------------
# Teams app installation for a person (H2, issue 11)


class FakeTeamsGraph(FakeGraph):
    """FakeGraph that also installs Teams apps for people:
    POST /v1.0/users/{id}/teamwork/installedApps with
    {"teamsApp@odata.bind": ".../appCatalogs/teamsApps/{app id}"}: 201, or 409 when it is
    already installed, 404 for an app not in the catalogue or an unknown person."""

    def __init__(self, *, catalog: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.catalog = set(catalog)  # app ids in the organisation's app catalogue
        self.people: set[str] | None = None  # None: every user id exists
        self.installed: dict[str, set[str]] = {}  # user id -> app ids

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: CIMultiDict[str],
        payload: Any,
    ) -> _Resp:
        segs = [s for s in path.split("/")[2:] if s != ""]
        if len(segs) == 4 and segs[0] == "users" and segs[2:] == ["teamwork", "installedApps"]:
            if method != "POST":
                raise GraphError(405, "BadRequest", f"The HTTP method '{method}' is not supported.")
            return self._install_app(segs[1], payload)
        return super()._route(method, path, query, headers, payload)

    def _install_app(self, user_id: str, payload: Any) -> _Resp:
        bind = str((payload or {}).get("teamsApp@odata.bind", ""))
        app_id = bind.rsplit("/appCatalogs/teamsApps/", 1)[-1] if "/appCatalogs/" in bind else ""
        if not app_id:
            raise _bad("teamsApp@odata.bind is required.", "BadRequest")
        if app_id not in self.catalog:
            raise GraphError(404, "NotFound", f"App '{app_id}' is not in the app catalog.")
        if self.people is not None and user_id.lower() not in self.people:
            raise GraphError(404, "Request_ResourceNotFound", f"User '{user_id}' not found.")
        apps = self.installed.setdefault(user_id.lower(), set())
        if app_id in apps:
            raise GraphError(409, "Conflict", "App is already installed for this user.")
        apps.add(app_id)
        return _Resp(201)
