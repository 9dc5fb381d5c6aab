"""The fake Microsoft Graph (tests/support/fake_graph.py), driven by raw aiohttp and by the
real msgraph-sdk, so tests that use it can trust it behaves like Graph for SharePoint lists."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
from azure.core.credentials import AccessToken
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.headers_collection import HeadersCollection
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.boolean_column import BooleanColumn
from msgraph.generated.models.column_definition import ColumnDefinition
from msgraph.generated.models.date_time_column import DateTimeColumn
from msgraph.generated.models.field_value_set import FieldValueSet
from msgraph.generated.models.list_ import List_
from msgraph.generated.models.list_info import ListInfo
from msgraph.generated.models.list_item import ListItem
from msgraph.generated.models.number_column import NumberColumn
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.text_column import TextColumn
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)
from msgraph.generated.sites.item.lists.lists_request_builder import ListsRequestBuilder
from msgraph.graph_request_adapter import options as graph_default_options
from msgraph_core import GraphClientFactory
from msgraph_core.requests.batch_request_content import BatchRequestContent

from tests.support.fake_graph import FakeGraph, FilterError, parse_filter

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
PREFER = {"Prefer": "HonorNonIndexedQueriesWarningMayFailRandomly"}
ETAG_RE = re.compile(r'^"[0-9a-f-]{36},(\d+)"$')

COLUMNS = [
    {"name": "Reference", "displayName": "Reference", "indexed": True, "text": {}},
    {"name": "Score", "displayName": "Priority score", "indexed": True, "number": {}},
    {"name": "Posted", "displayName": "Posted", "indexed": True, "boolean": {}},
    {"name": "SubmittedAt", "displayName": "Submitted at", "indexed": True, "dateTime": {}},
    {"name": "Board", "displayName": "Board", "text": {}},  # not indexed
    {"name": "Problem", "displayName": "Problem", "text": {"allowMultipleLines": True}},
]


# --------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    graph = FakeGraph()
    await graph.start()
    try:
        yield graph
    finally:
        await graph.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Raw:
    """Plain HTTP calls to the fake with a bearer token from its token endpoint."""

    def __init__(self, fake: FakeGraph, session: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.session = session
        self.token = ""

    async def fetch_token(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": "bot-app",
            "client_secret": "s3cret",
            "scope": GRAPH_SCOPE,
        }
        async with self.session.post(self.fake.token_url, data=form) as resp:
            assert resp.status == 200, await resp.text()
            body = await resp.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3599
        self.token = body["access_token"]
        return self.token

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        auth: bool = True,
    ) -> tuple[int, Any, dict[str, str]]:
        if auth and not self.token:
            await self.fetch_token()
        hdrs = {"Authorization": f"Bearer {self.token}"} if auth else {}
        hdrs.update(headers or {})
        url = path if path.startswith("http") else self.fake.graph_url + path
        async with self.session.request(
            method, url, json=json, headers=hdrs, params=params
        ) as resp:
            body = await resp.json() if resp.content_type == "application/json" else None
            return resp.status, body, dict(resp.headers)

    def site(self) -> str:
        return f"/sites/{self.fake.site_id}"

    async def make_list(self, name: str = "DFD Requests", columns: list | None = None) -> str:
        status, body, _ = await self(
            "POST",
            f"{self.site()}/lists",
            json={
                "displayName": name,
                "description": "Requests",
                "columns": COLUMNS if columns is None else columns,
                "list": {"template": "genericList"},
            },
        )
        assert status == 201, body
        return str(body["id"])

    async def add(self, list_id: str, **fields: Any) -> dict:
        status, body, _ = await self(
            "POST", f"{self.site()}/lists/{list_id}/items", json={"fields": fields}
        )
        assert status == 201, body
        return body


@pytest.fixture
def raw(fake: FakeGraph, http: aiohttp.ClientSession) -> Raw:
    return Raw(fake, http)


class FakeCredential:
    """The smallest async credential msgraph-sdk accepts: client credentials from the fake."""

    def __init__(self, token_url: str) -> None:
        self.token_url = token_url
        self.calls = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": "bot-app",
            "client_secret": "s3cret",
            "scope": " ".join(scopes),
        }
        async with aiohttp.ClientSession() as s, s.post(self.token_url, data=form) as resp:
            resp.raise_for_status()
            body = await resp.json()
        self.calls += 1
        return AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))

    async def close(self) -> None:
        return None


@contextlib.asynccontextmanager
async def sdk_client(
    fake: FakeGraph, *, retry: bool = True, credential: Any = None
) -> AsyncIterator[GraphServiceClient]:
    """A real GraphServiceClient pointed at the fake.

    retry=False builds the httpx client with msgraph's default middleware but a
    RetryHandlerOption(max_retries=0, should_retry=False), so 429/503/504 come straight back
    as ODataError instead of being retried (up to 3 times, honouring Retry-After) by kiota.

    The inner transport is kept and closed by hand: msgraph-core's AsyncGraphTransport (which
    GraphClientFactory wraps around it) has no aclose(), so AsyncClient.aclose() alone leaves
    sockets open (a ResourceWarning, an error under this project's pytest settings).
    """
    options = dict(graph_default_options)
    if not retry:
        options[RetryHandlerOption.get_key()] = RetryHandlerOption(
            max_retries=0, should_retry=False
        )
    transport = httpx.AsyncHTTPTransport()
    http_client = httpx.AsyncClient(
        transport=transport, trust_env=False, timeout=httpx.Timeout(100, connect=30)
    )
    http_client = GraphClientFactory.create_with_default_middleware(
        client=http_client, options=options
    )
    auth = AzureIdentityAuthenticationProvider(
        credential or FakeCredential(fake.token_url),
        scopes=[GRAPH_SCOPE],
        allowed_hosts=["127.0.0.1"],
    )
    adapter = GraphRequestAdapter(auth, client=http_client)
    adapter.base_url = fake.graph_url
    try:
        yield GraphServiceClient(request_adapter=adapter)
    finally:
        await http_client.aclose()
        await transport.aclose()


def items_query(**kwargs: Any) -> RequestConfiguration:
    headers = HeadersCollection()
    for name, value in (kwargs.pop("headers", None) or {}).items():
        headers.add(name, value)
    params = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters(**kwargs)
    return RequestConfiguration(query_parameters=params, headers=headers)


def with_headers(**headers: str) -> RequestConfiguration:
    collection = HeadersCollection()
    for name, value in headers.items():
        collection.add(name.replace("_", "-"), value)
    return RequestConfiguration(headers=collection)


# --------------------------------------------------------------------------------------
# Auth


async def test_token_endpoint_and_bearer_token_required(fake: FakeGraph, raw: Raw) -> None:
    status, body, _ = await raw("GET", raw.site(), auth=False)
    assert status == 401
    assert body["error"]["code"] == "InvalidAuthenticationToken"

    status, body, _ = await raw(
        "GET", raw.site(), auth=False, headers={"Authorization": "Bearer x"}
    )
    assert status == 401
    assert body["error"]["code"] == "InvalidAuthenticationToken"

    await raw.fetch_token()
    status, body, _ = await raw("GET", raw.site())
    assert status == 200
    assert body["id"] == fake.site_id

    # a token handed out directly works too; revoking forgets every token
    direct = fake.issue_token()
    status, _, _ = await raw(
        "GET", raw.site(), auth=False, headers={"Authorization": f"Bearer {direct}"}
    )
    assert status == 200
    fake.revoke_tokens()
    status, _, _ = await raw("GET", raw.site())
    assert status == 401
    assert [r.status for r in fake.requests] == [401, 401, 200, 200, 401]


async def test_token_endpoint_rejects_bad_forms(
    fake: FakeGraph, http: aiohttp.ClientSession
) -> None:
    async def post(url: str, **form: str) -> tuple[int, dict]:
        async with http.post(url, data=form) as resp:
            return resp.status, await resp.json()

    good = {"client_id": "a", "client_secret": "b", "scope": GRAPH_SCOPE}
    status, body = await post(fake.token_url, grant_type="password", **good)
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    status, body = await post(
        fake.token_url, grant_type="client_credentials", client_id="a", scope=GRAPH_SCOPE
    )
    assert (status, body["error"]) == (401, "invalid_client")
    status, body = await post(
        fake.token_url,
        grant_type="client_credentials",
        client_id="a",
        client_secret="b",
        scope="User.Read",
    )
    assert (status, body["error"]) == (400, "invalid_scope")
    other_tenant = fake.token_url.replace(fake.tenant_id, "44444444-4444-4444-4444-444444444444")
    status, body = await post(other_tenant, grant_type="client_credentials", **good)
    assert status == 400
    status, body = await post(
        fake.token_url,
        grant_type="client_credentials",
        client_id="a",
        client_assertion="jwt",
        scope=GRAPH_SCOPE,
    )
    assert status == 200
    assert body["access_token"]

    fake.require_secret = ("a", "right")
    status, body = await post(fake.token_url, grant_type="client_credentials", **good)
    assert (status, body["error"]) == (401, "invalid_client")
    status, body = await post(
        fake.token_url,
        grant_type="client_credentials",
        client_id="a",
        client_secret="right",
        scope=GRAPH_SCOPE,
    )
    assert status == 200
    assert fake.requests == []  # the token endpoint is not a Graph request
    assert fake.token_requests == 2


# --------------------------------------------------------------------------------------
# Sites, lists, columns (raw HTTP)


async def test_site_and_unknown_site(fake: FakeGraph, raw: Raw) -> None:
    status, body, headers = await raw("GET", raw.site())
    assert status == 200
    assert body["id"] == fake.site_id
    assert headers["Content-Type"].startswith("application/json")
    status, body, _ = await raw("GET", "/sites/contoso.sharepoint.com,x,y")
    assert status == 404
    assert body["error"]["code"] == "itemNotFound"
    assert body["error"]["innerError"]["request-id"]
    status, body, _ = await raw("GET", "/sites/contoso.sharepoint.com,x,y/lists")
    assert status == 404


async def test_lists_create_find_and_duplicate(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list("DFD Requests")
    assert re.fullmatch(r"[0-9a-f-]{36}", list_id)
    await raw.make_list("DFD Config", columns=[{"name": "ConfigKey", "text": {}, "indexed": True}])

    status, body, _ = await raw(
        "POST",
        f"{raw.site()}/lists",
        json={"displayName": "dfd requests", "list": {"template": "genericList"}},
    )
    assert status == 409
    assert body["error"]["code"] == "nameAlreadyExists"

    status, body, _ = await raw("GET", f"{raw.site()}/lists")
    assert [x["displayName"] for x in body["value"]] == ["DFD Requests", "DFD Config"]
    status, body, _ = await raw(
        "GET", f"{raw.site()}/lists", params={"$filter": "displayName eq 'DFD Config'"}
    )
    assert [x["displayName"] for x in body["value"]] == ["DFD Config"]
    assert body["value"][0]["list"]["template"] == "genericList"

    # by id, or by display name in place of the id (URL-encoded space)
    for ref in (list_id, "DFD Requests"):
        status, body, _ = await raw("GET", f"{raw.site()}/lists/{ref}")
        assert (status, body["id"]) == (200, list_id)
    status, body, _ = await raw("GET", f"{raw.site()}/lists/Nope")
    assert (status, body["error"]["code"]) == (404, "itemNotFound")

    status, body, _ = await raw(
        "GET", f"{raw.site()}/lists/{list_id}", params={"$expand": "columns"}
    )
    assert "Reference" in [c["name"] for c in body["columns"]]


async def test_columns_builtin_create_duplicate_patch(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list(columns=[])
    names = [c["name"] for c in fake.list_columns("DFD Requests")]
    assert {"Title", "ID", "Created", "Modified"} <= set(names)
    title = next(c for c in fake.list_columns("DFD Requests") if c["name"] == "Title")
    assert title["indexed"] is False
    assert title["text"]["maxLength"] == 255

    base = f"{raw.site()}/lists/{list_id}/columns"
    status, col, _ = await raw(
        "POST", base, json={"name": "Notes", "text": {"allowMultipleLines": True}}
    )
    assert status == 201
    assert col["displayName"] == "Notes"
    assert col["indexed"] is False
    assert col["text"]["allowMultipleLines"] is True
    status, body, _ = await raw("POST", base, json={"name": "Notes", "number": {}})
    assert (status, body["error"]["code"]) == (409, "nameAlreadyExists")
    # Graph has no "note" facet: a multi-line column is text with allowMultipleLines
    status, body, _ = await raw("POST", base, json={"name": "Body", "note": {}})
    assert status == 400
    status, body, _ = await raw("POST", base, json={"name": "Body"})
    assert status == 400
    status, body, _ = await raw("POST", base, json={"name": "Two", "text": {}, "number": {}})
    assert status == 400

    status, body, _ = await raw("GET", base)
    assert [c["name"] for c in body["value"]][-1] == "Notes"
    status, patched, _ = await raw("PATCH", f"{base}/{col['id']}", json={"indexed": True})
    assert (status, patched["indexed"]) == (200, True)
    assert next(c for c in fake.list_columns("DFD Requests") if c["name"] == "Notes")["indexed"]


# --------------------------------------------------------------------------------------
# Items (raw HTTP)


async def test_items_create_get_expand_and_types(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    item = await raw.add(
        list_id,
        Title="Digital form",
        Reference="DFD-2026-0001",
        Score=7.5,
        Posted=False,
        SubmittedAt="2026-11-25T10:00:00+01:00",
        Problem="line 1\nline 2",
    )
    assert item["id"] == "1"
    assert ETAG_RE.match(item["@odata.etag"]).group(1) == "1"  # type: ignore[union-attr]
    assert item["eTag"] == item["@odata.etag"] == item["fields"]["@odata.etag"]
    assert item["createdDateTime"].endswith("Z")
    fields = item["fields"]
    assert fields["id"] == "1"
    assert fields["Score"] == 7.5
    assert fields["Posted"] is False
    assert fields["SubmittedAt"] == "2026-11-25T09:00:00Z"  # stored in UTC
    assert "Board" not in fields  # null fields are left out

    base = f"{raw.site()}/lists/{list_id}/items"
    status, body, _ = await raw("GET", base)
    assert status == 200
    assert "fields" not in body["value"][0]
    status, body, _ = await raw("GET", base, params={"$expand": "fields"})
    assert body["value"][0]["fields"]["Reference"] == "DFD-2026-0001"
    status, body, _ = await raw("GET", f"{base}/1", params={"$expand": "fields(select=Reference)"})
    assert set(body["fields"]) == {"@odata.etag", "id", "Reference"}
    status, body, _ = await raw("GET", f"{base}/99")
    assert (status, body["error"]["code"]) == (404, "itemNotFound")

    status, body, _ = await raw("POST", base, json={"fields": {"Colour": "red"}})
    assert (status, body["error"]["code"]) == (400, "invalidRequest")
    assert body["error"]["message"] == "Field 'Colour' is not recognized"
    status, body, _ = await raw("POST", base, json={"fields": {"Score": "lots"}})
    assert status == 400
    status, body, _ = await raw("POST", base, json={"fields": {"Title": "x" * 256}})
    assert status == 400
    status, body, _ = await raw("POST", base, json={"fields": {"Problem": "x" * 5000}})
    assert status == 201
    assert [f["id"] for f in fake.list_items("DFD Requests")] == ["1", "2"]


async def test_patch_fields_if_match_and_delete(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    item = await raw.add(list_id, Title="A", Board="Digital")
    first = item["@odata.etag"]
    url = f"{raw.site()}/lists/{list_id}/items/1"

    status, body, _ = await raw(
        "PATCH", f"{url}/fields", json={"Board": "Data"}, headers={"If-Match": first}
    )
    assert status == 200
    assert body["Board"] == "Data"
    second = body["@odata.etag"]
    assert ETAG_RE.match(second).group(1) == "2"  # type: ignore[union-attr]

    status, body, _ = await raw(
        "PATCH", f"{url}/fields", json={"Board": "Lost"}, headers={"If-Match": first}
    )
    assert (status, body["error"]["code"]) == (412, "preconditionFailed")
    assert fake.list_items("DFD Requests")[0]["Board"] == "Data"

    status, body, _ = await raw(
        "PATCH", f"{url}/fields", json={"Board": None}, headers={"If-Match": "*"}
    )
    assert status == 200
    assert "Board" not in body
    status, body, _ = await raw("PATCH", f"{url}/fields", json={"Title": "B"})  # no If-Match
    assert (status, body["Title"]) == (200, "B")
    status, body, _ = await raw("PATCH", f"{url}/fields", json={"Created": "2020-01-01T00:00:00Z"})
    assert status == 400

    status, _, _ = await raw("DELETE", url, headers={"If-Match": second})
    assert status == 412
    status, body, _ = await raw("GET", url)
    status, _, _ = await raw("DELETE", url, headers={"If-Match": body["eTag"]})
    assert status == 204
    status, _, _ = await raw("GET", url)
    assert status == 404
    assert fake.list_items("DFD Requests") == []


async def test_filter_orderby_top_and_paging(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    for n in range(1, 8):
        await raw.add(
            list_id,
            Title=f"Request {n}",
            Reference=f"DFD-{n}",
            Score=n * 10,
            Posted=n % 2 == 0,
            SubmittedAt=f"2026-11-0{n}T09:00:00Z",
            Board="Digital" if n < 4 else "Data",
        )
    base = f"{raw.site()}/lists/{list_id}/items"

    async def refs(flt: str, **params: str) -> list[str]:
        status, body, _ = await raw(
            "GET", base, params={"$expand": "fields", "$filter": flt, **params}, headers=PREFER
        )
        assert status == 200, body
        return [x["fields"]["Reference"] for x in body["value"]]

    assert await refs("fields/Reference eq 'DFD-3'") == ["DFD-3"]
    assert await refs("fields/Reference eq 'dfd-3'") == ["DFD-3"]  # case-insensitive
    assert await refs("fields/Score ge 50") == ["DFD-5", "DFD-6", "DFD-7"]
    assert await refs("fields/Score gt 20 and fields/Score lt 50") == ["DFD-3", "DFD-4"]
    assert await refs("fields/Posted eq true and (fields/Score le 20 or fields/Score eq 60)") == [
        "DFD-2",
        "DFD-6",
    ]
    assert await refs("not (fields/Posted eq true) and fields/Score ne 10") == [
        "DFD-3",
        "DFD-5",
        "DFD-7",
    ]
    assert await refs("startswith(fields/Title,'request 1')") == ["DFD-1"]
    assert await refs("fields/SubmittedAt ge '2026-11-06T00:00:00Z'") == ["DFD-6", "DFD-7"]
    assert await refs("fields/SubmittedAt lt 2026-11-02T00:00:00Z") == ["DFD-1"]
    assert await refs("fields/Problem eq null and fields/Board eq 'Data'") == [
        "DFD-4",
        "DFD-5",
        "DFD-6",
        "DFD-7",
    ]
    assert await refs("fields/id eq 2") == ["DFD-2"]
    assert await refs("fields/Score ge 0", **{"$orderby": "fields/Score desc", "$top": "3"}) == [
        "DFD-7",
        "DFD-6",
        "DFD-5",
    ]

    # paging: absolute @odata.nextLink with a $skiptoken, followed until it runs out
    seen: list[str] = []
    url: str | None = base + "?$expand=fields&$top=3"
    pages = 0
    for _ in range(10):
        if url is None:
            break
        status, body, _ = await raw("GET", url)
        assert status == 200
        seen += [x["fields"]["Reference"] for x in body["value"]]
        url = body.get("@odata.nextLink")
        pages += 1
        if url:
            assert url.startswith(fake.graph_url) and "$skiptoken=" in url
    assert pages == 3
    assert seen == [f"DFD-{n}" for n in range(1, 8)]

    # unparseable filters are 400 invalidRequest
    for bad in (
        "fields/Score eq",
        "fields/Score eq 'x",
        "1 eq 1",
        "fields/Score bigger 3",
        "(fields/Score eq 1",
    ):
        status, body, _ = await raw("GET", base, params={"$filter": bad}, headers=PREFER)
        assert (status, body["error"]["code"]) == (400, "invalidRequest"), bad
    status, body, _ = await raw("GET", base, params={"$filter": "fields/Nope eq 1"}, headers=PREFER)
    assert status == 400


async def test_page_size_applies_without_top() -> None:
    async with FakeGraph(page_size=2) as fake, aiohttp.ClientSession() as session:
        raw = Raw(fake, session)
        list_id = await raw.make_list()
        for n in range(5):
            await raw.add(list_id, Title=str(n))
        status, body, _ = await raw("GET", f"{raw.site()}/lists/{list_id}/items")
        assert status == 200
        assert len(body["value"]) == 2
        assert body["@odata.nextLink"]


async def test_non_indexed_column_needs_prefer_header(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    await raw.add(list_id, Title="T", Board="Digital")
    base = f"{raw.site()}/lists/{list_id}/items"
    for params in (
        {"$filter": "fields/Board eq 'Digital'"},
        {"$orderby": "fields/Board"},
        {"$filter": "fields/Title eq 'T'"},
    ):
        status, body, _ = await raw("GET", base, params=params)
        assert status == 400, params
        assert body["error"]["code"] == "invalidRequest"
        assert (
            "cannot be referenced in filter or orderby as it is not indexed"
            in body["error"]["message"]
        )
        status, body, _ = await raw("GET", base, params=params, headers=PREFER)
        assert (status, len(body["value"])) == (200, 1)

    # indexing the column afterwards makes the query acceptable without the header
    board = next(c for c in fake.list_columns("DFD Requests") if c["name"] == "Board")
    status, _, _ = await raw(
        "PATCH", f"{raw.site()}/lists/{list_id}/columns/{board['id']}", json={"indexed": True}
    )
    assert status == 200
    status, body, _ = await raw("GET", base, params={"$filter": "fields/Board eq 'Digital'"})
    assert (status, len(body["value"])) == (200, 1)


async def test_filter_escaping(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    tricky = "x' or 1 eq 1 or 'y"
    for title in (tricky, "x", "y", "O'Brien"):
        await raw.add(list_id, Reference=title)
    base = f"{raw.site()}/lists/{list_id}/items"

    def literal(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    for value in (tricky, "O'Brien"):
        status, body, _ = await raw(
            "GET",
            base,
            params={"$expand": "fields", "$filter": f"fields/Reference eq {literal(value)}"},
        )
        assert status == 200
        assert [x["fields"]["Reference"] for x in body["value"]] == [value]
    # the same value pasted in without escaping is not a valid filter (and never matches all)
    status, body, _ = await raw("GET", base, params={"$filter": f"fields/Reference eq '{tricky}'"})
    assert status == 400
    assert parse_filter(f"fields/Reference eq {literal(tricky)}")[3].value == tricky
    with pytest.raises(FilterError):
        parse_filter("fields/A eq 'x' or 1 eq 1")


async def test_concurrent_creates_get_distinct_ids(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    bodies = await asyncio.gather(*(raw.add(list_id, Title=str(n)) for n in range(20)))
    assert sorted(int(b["id"]) for b in bodies) == list(range(1, 21))
    assert len(fake.list_items("DFD Requests")) == 20


async def test_unknown_routes_methods_and_deletes(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    status, body, _ = await raw("GET", "/me")
    assert (status, body["error"]["code"]) == (400, "BadRequest")
    status, body, _ = await raw("PUT", f"{raw.site()}/lists/{list_id}/items", json={})
    assert status == 405
    status, body, _ = await raw("GET", f"{raw.site()}/lists/{list_id}/items", params={"$top": "x"})
    assert status == 400
    status, body, _ = await raw(
        "POST",
        f"{raw.site()}/lists/{list_id}/items",
        json=None,
        headers={"Content-Type": "text/plain"},
    )
    assert status == 400  # an item needs a JSON body

    board = next(c for c in fake.list_columns("DFD Requests") if c["name"] == "Board")
    title = next(c for c in fake.list_columns("DFD Requests") if c["name"] == "Title")
    status, _, _ = await raw("DELETE", f"{raw.site()}/lists/{list_id}/columns/{title['id']}")
    assert status == 403
    status, _, _ = await raw("DELETE", f"{raw.site()}/lists/{list_id}/columns/{board['id']}")
    assert status == 204
    assert "Board" not in [c["name"] for c in fake.list_columns("DFD Requests")]
    status, _, _ = await raw("DELETE", f"{raw.site()}/lists/{list_id}")
    assert status == 204
    status, body, _ = await raw("GET", f"{raw.site()}/lists")
    assert body["value"] == []


# --------------------------------------------------------------------------------------
# $batch


async def test_batch_with_a_throttled_sub_request(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    fake.reset_counters()
    fake.faults.throttle_every = 2
    fake.faults.retry_after = "3"
    url = f"/sites/{fake.site_id}/lists/{list_id}/items"
    requests = [
        {
            "id": str(n),
            "method": "POST",
            "url": url,
            "headers": {"Content-Type": "application/json"},
            "body": {"fields": {"Title": f"T{n}"}},
        }
        for n in (1, 2, 3)
    ]
    since = time.monotonic()
    status, body, _ = await raw("POST", "/$batch", json={"requests": requests})
    assert status == 200
    by_id = {r["id"]: r for r in body["responses"]}
    assert [by_id[i]["status"] for i in ("1", "2", "3")] == [201, 429, 201]
    assert by_id["2"]["headers"]["Retry-After"] == "3"
    assert by_id["2"]["body"]["error"]["code"] == "TooManyRequests"
    assert by_id["1"]["body"]["fields"]["Title"] == "T1"
    assert [f["Title"] for f in fake.list_items("DFD Requests")] == ["T1", "T3"]

    recorded = fake.graph_requests(since)
    assert [(r.batch, r.status) for r in recorded] == [
        (False, 200),
        (True, 201),
        (True, 429),
        (True, 201),
    ]
    assert recorded[1].path == f"/v1.0/sites/{fake.site_id}/lists/{list_id}/items"


async def test_batch_limits_depends_on_and_reads(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    url = f"/sites/{fake.site_id}/lists/{list_id}/items"
    too_many = [{"id": str(n), "method": "GET", "url": url} for n in range(21)]
    status, body, _ = await raw("POST", "/$batch", json={"requests": too_many})
    assert status == 400
    status, body, _ = await raw(
        "POST", "/$batch", json={"requests": [{"id": "1", "method": "GET", "url": url}] * 2}
    )
    assert status == 400

    requests = [
        {
            "id": "a",
            "method": "POST",
            "url": url,
            "headers": {"Content-Type": "application/json"},
            "body": {"fields": {"Nope": 1}},
        },
        {
            "id": "b",
            "method": "POST",
            "url": url,
            "dependsOn": ["a"],
            "headers": {"Content-Type": "application/json"},
            "body": {"fields": {"Title": "B"}},
        },
        {
            "id": "c",
            "method": "GET",
            "url": url.lstrip("/") + "?$expand=fields&$filter=fields/Reference eq 'R'",
        },
        {"id": "d", "method": "DELETE", "url": url + "/42"},
    ]
    status, body, _ = await raw("POST", "/$batch", json={"requests": requests})
    by_id = {r["id"]: r for r in body["responses"]}
    assert by_id["a"]["status"] == 400
    assert by_id["b"]["status"] == 424
    assert by_id["c"]["status"] == 200
    assert by_id["c"]["body"]["value"] == []
    assert by_id["d"]["status"] == 404
    assert fake.list_items("DFD Requests") == []

    # the envelope needs a token like any Graph request
    status, body, _ = await raw("POST", "/$batch", json={"requests": requests[2:3]}, auth=False)
    assert status == 401


async def test_batch_dropped_mid_way_keeps_earlier_sub_requests(fake: FakeGraph, raw: Raw) -> None:
    list_id = await raw.make_list()
    fake.reset_counters()
    fake.faults.drop_every = 2
    url = f"/sites/{fake.site_id}/lists/{list_id}/items"
    requests = [
        {
            "id": str(n),
            "method": "POST",
            "url": url,
            "headers": {"Content-Type": "application/json"},
            "body": {"fields": {"Title": f"T{n}"}},
        }
        for n in (1, 2, 3)
    ]
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await raw("POST", "/$batch", json={"requests": requests})
    # sub-requests run in order; the one due to be dropped closes the connection, so the
    # client never learns that the first one was applied
    assert [f["Title"] for f in fake.list_items("DFD Requests")] == ["T1"]
    assert [(r.batch, r.status) for r in fake.graph_requests()][-3:] == [
        (False, 0),
        (True, 201),
        (True, 0),
    ]


# --------------------------------------------------------------------------------------
# Faults (raw HTTP)


async def test_throttle_every_sends_429_with_retry_after(fake: FakeGraph, raw: Raw) -> None:
    fake.faults.throttle_every = 3
    statuses = []
    for _ in range(6):
        status, body, headers = await raw("GET", raw.site())
        statuses.append(status)
        if status == 429:
            assert headers["Retry-After"] == "1"
            assert body["error"]["code"] == "TooManyRequests"
    assert statuses == [200, 200, 429, 200, 200, 429]
    fake.reset_counters()
    status, _, _ = await raw("GET", raw.site())
    assert status == 200
    assert [r.status for r in fake.graph_requests()][-1] == 200


async def test_unavailable_and_fail_every(fake: FakeGraph, raw: Raw) -> None:
    fake.faults.unavailable = True
    status, body, headers = await raw("GET", raw.site())  # the token endpoint still answers
    assert (status, body["error"]["code"], headers["Retry-After"]) == (
        503,
        "serviceNotAvailable",
        "1",
    )
    status, body, _ = await raw(
        "POST", "/$batch", json={"requests": [{"id": "1", "method": "GET", "url": "/sites/root"}]}
    )
    assert status == 503
    fake.faults.retry_after_on_503 = False
    status, _, headers = await raw("GET", raw.site())
    assert status == 503
    assert "Retry-After" not in headers

    fake.faults = type(fake.faults)(fail_every=2)
    fake.reset_counters()
    statuses = [(await raw("GET", raw.site()))[0] for _ in range(4)]
    assert statuses == [200, 503, 200, 503]


async def test_drop_every_closes_the_connection(fake: FakeGraph, raw: Raw) -> None:
    await raw.fetch_token()
    fake.faults.drop_every = 2
    status, _, _ = await raw("GET", raw.site())
    assert status == 200
    # Note: aiohttp's client quietly resends an idempotent request once when a *reused*
    # keep-alive connection is closed on it, so through `raw` the drop is invisible:
    status, _, _ = await raw("GET", raw.site())
    assert status == 200
    assert [r.status for r in fake.graph_requests()] == [200, 0, 200]

    # aiohttp resends an idempotent request once when the connection drops; a POST is not
    # resent, so the drop surfaces as ServerDisconnectedError (and nothing was created)
    fake.reset_counters()
    fake.faults.drop_every = 1
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await raw("POST", f"{raw.site()}/lists", json={"displayName": "Lost"})
    fake.faults.drop_every = 0
    status, body, _ = await raw("GET", f"{raw.site()}/lists")
    assert (status, body["value"]) == (200, [])
    assert [r.status for r in fake.graph_requests()] == [200, 0, 200, 0, 200]


async def test_latency(fake: FakeGraph, raw: Raw) -> None:
    await raw.fetch_token()
    fake.faults.latency = 0.2
    started = time.monotonic()
    status, _, _ = await raw("GET", raw.site())
    assert status == 200
    assert time.monotonic() - started >= 0.2


# --------------------------------------------------------------------------------------
# The real msgraph-sdk against the fake


async def test_sdk_lists_columns_items_filter_and_paging(fake: FakeGraph) -> None:
    async with sdk_client(fake) as client:
        site = await client.sites.by_site_id(fake.site_id).get()
        assert site is not None and site.id == fake.site_id

        lists = client.sites.by_site_id(fake.site_id).lists
        body = List_(
            display_name="DFD Requests",
            description="Requests",
            columns=[
                ColumnDefinition(
                    name="Reference", display_name="Reference", indexed=True, text=TextColumn()
                ),
                ColumnDefinition(name="Score", number=NumberColumn(), indexed=True),
                ColumnDefinition(name="Posted", boolean=BooleanColumn()),
                ColumnDefinition(name="SubmittedAt", date_time=DateTimeColumn(), indexed=True),
                ColumnDefinition(name="Problem", text=TextColumn(allow_multiple_lines=True)),
            ],
            list_=ListInfo(template="genericList"),
        )
        created = await lists.post(body)
        assert created is not None and created.id
        with pytest.raises(ODataError) as exc_info:
            await lists.post(
                List_(display_name="DFD Requests", list_=ListInfo(template="genericList"))
            )
        assert exc_info.value.response_status_code == 409
        assert exc_info.value.error is not None and exc_info.value.error.code == "nameAlreadyExists"

        found = await lists.get(
            RequestConfiguration(
                query_parameters=ListsRequestBuilder.ListsRequestBuilderGetQueryParameters(
                    filter="displayName eq 'DFD Requests'"
                )
            )
        )
        assert found is not None and [x.id for x in found.value or []] == [created.id]
        problem = next(c for c in fake.list_columns("DFD Requests") if c["name"] == "Problem")
        assert problem["text"]["allowMultipleLines"] is True

        items = lists.by_list_id(created.id).items
        for n in range(1, 6):
            item = await items.post(
                ListItem(
                    fields=FieldValueSet(
                        additional_data={
                            "Title": f"Request {n}",
                            "Reference": f"DFD-{n}",
                            "Score": n,
                            "Posted": n == 2,
                            "SubmittedAt": f"2026-11-2{n}T10:00:00Z",
                        }
                    )
                )
            )
            assert item is not None and item.id == str(n)
            assert (
                item.fields is not None and item.fields.additional_data["Reference"] == f"DFD-{n}"
            )

        page = await items.get(items_query(expand=["fields"], filter="fields/Reference eq 'DFD-2'"))
        assert page is not None and page.value is not None and len(page.value) == 1
        fields = page.value[0].fields
        assert fields is not None
        assert fields.additional_data["Score"] == 2
        assert fields.additional_data["Posted"] is True
        # the server sends "2026-11-22T10:00:00Z"; kiota's JSON parse node turns strings that
        # look like dates into datetime objects in additional_data
        assert fields.additional_data["SubmittedAt"] == dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC)

        # paging through @odata.nextLink with the SDK
        seen: list[str] = []
        page = await items.get(items_query(expand=["fields"], filter="fields/Score ge 1", top=2))
        for _ in range(10):
            assert page is not None
            seen += [x.fields.additional_data["Reference"] for x in page.value or [] if x.fields]
            if not page.odata_next_link:
                break
            page = await items.with_url(page.odata_next_link).get()
        assert seen == [f"DFD-{n}" for n in range(1, 6)]
        assert any("$skiptoken=" in r.query for r in fake.graph_requests())

        # a filter on a column that is not indexed: 400, unless Prefer says otherwise
        with pytest.raises(ODataError) as exc_info:
            await items.get(items_query(expand=["fields"], filter="fields/Posted eq true"))
        assert exc_info.value.response_status_code == 400
        assert exc_info.value.error is not None
        assert "not indexed" in (exc_info.value.error.message or "")
        page = await items.get(
            items_query(expand=["fields"], filter="fields/Posted eq true", headers=PREFER)
        )
        assert page is not None and [x.id for x in page.value or []] == ["2"]

        # escaping a quote inside a literal, through the SDK's query encoding
        await items.post(
            ListItem(fields=FieldValueSet(additional_data={"Reference": "x' or 1 eq 1 or 'y"}))
        )
        page = await items.get(
            items_query(expand=["fields"], filter="fields/Reference eq 'x'' or 1 eq 1 or ''y'")
        )
        assert page is not None and [x.id for x in page.value or []] == ["6"]


async def test_sdk_patch_with_if_match(fake: FakeGraph) -> None:
    async with sdk_client(fake) as client:
        lists = client.sites.by_site_id(fake.site_id).lists
        created = await lists.post(
            List_(
                display_name="DFD Config",
                columns=[
                    ColumnDefinition(name="ValueJson", text=TextColumn(allow_multiple_lines=True))
                ],
                list_=ListInfo(template="genericList"),
            )
        )
        assert created is not None and created.id
        items = lists.by_list_id("DFD Config").items  # the display name works in place of the id
        item = await items.post(
            ListItem(fields=FieldValueSet(additional_data={"Title": "boards", "ValueJson": "[]"}))
        )
        assert item is not None and item.e_tag and item.id
        etag = item.e_tag

        updated = await items.by_list_item_id(item.id).fields.patch(
            FieldValueSet(additional_data={"ValueJson": '["a"]'}), with_headers(If_Match=etag)
        )
        assert updated is not None and updated.additional_data["ValueJson"] == '["a"]'

        with pytest.raises(ODataError) as exc_info:
            await items.by_list_item_id(item.id).fields.patch(
                FieldValueSet(additional_data={"ValueJson": '["b"]'}), with_headers(If_Match=etag)
            )
        assert exc_info.value.response_status_code == 412
        assert (
            exc_info.value.error is not None and exc_info.value.error.code == "preconditionFailed"
        )
        assert fake.list_items("DFD Config")[0]["ValueJson"] == '["a"]'
        assert [
            r.headers.get("If-Match") for r in fake.graph_requests() if r.method == "PATCH"
        ] == [etag, etag]

        fresh = await items.by_list_item_id(item.id).get(items_query(expand=["fields"]))
        assert fresh is not None and fresh.e_tag and fresh.e_tag.endswith(',2"')
        await items.by_list_item_id(item.id).delete(with_headers(If_Match=fresh.e_tag))
        assert fake.list_items("DFD Config") == []


async def test_sdk_default_retry_and_how_to_turn_it_off(fake: FakeGraph) -> None:
    # msgraph-sdk's default middleware (kiota RetryHandler) retries 429/503/504 up to 3 times,
    # sleeping for Retry-After (whole seconds) when present.
    async with sdk_client(fake) as client:
        await client.sites.by_site_id(fake.site_id).get()  # operation 1
        fake.faults.throttle_every = 2
        since = time.monotonic()
        site = await client.sites.by_site_id(fake.site_id).get()  # 2 -> 429, retried as 3
        assert site is not None and site.id == fake.site_id
        recorded = fake.graph_requests(since)
        assert [r.status for r in recorded] == [429, 200]
        assert recorded[1].headers.get("Retry-Attempt") == "1"
        assert recorded[1].at - recorded[0].at >= 0.9  # it waited for Retry-After: 1

        # per request: a RetryHandlerOption in the RequestConfiguration's options
        fake.reset_counters()
        fake.faults.throttle_every = 1
        since = time.monotonic()
        with pytest.raises(ODataError) as exc_info:
            await client.sites.by_site_id(fake.site_id).get(
                RequestConfiguration(options=[RetryHandlerOption(max_retries=0)])
            )
        assert exc_info.value.response_status_code == 429
        assert exc_info.value.response_headers["retry-after"] == "1"
        assert len(fake.graph_requests(since)) == 1

    # for the whole client: build its httpx client with a RetryHandlerOption that never retries
    async with sdk_client(fake, retry=False) as client:
        fake.faults = type(fake.faults)(unavailable=True)
        since = time.monotonic()
        with pytest.raises(ODataError) as exc_info:
            await client.sites.by_site_id(fake.site_id).get()
        assert exc_info.value.response_status_code == 503
        assert (
            exc_info.value.error is not None and exc_info.value.error.code == "serviceNotAvailable"
        )
        assert len(fake.graph_requests(since)) == 1


async def test_sdk_dropped_connection_raises_httpx_error(fake: FakeGraph) -> None:
    async with sdk_client(fake, retry=False) as client:
        fake.faults.drop_every = 1
        with pytest.raises(httpx.RemoteProtocolError):
            await client.sites.by_site_id(fake.site_id).get()
        fake.faults.drop_every = 0
        site = await client.sites.by_site_id(fake.site_id).get()
        assert site is not None


async def test_sdk_without_token_gets_401(fake: FakeGraph) -> None:
    class NoToken(FakeCredential):
        async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            return AccessToken("not-issued-by-the-fake", int(time.time()) + 3600)

    async with sdk_client(fake, credential=NoToken(fake.token_url)) as client:
        with pytest.raises(ODataError) as exc_info:
            await client.sites.by_site_id(fake.site_id).get()
        assert exc_info.value.response_status_code == 401
        assert exc_info.value.error is not None
        assert exc_info.value.error.code == "InvalidAuthenticationToken"


async def test_sdk_batch_request_content(fake: FakeGraph) -> None:
    # msgraph-sdk's own $batch support (BatchRequestContent) sends absolute sub-request URLs
    # and "depends_on" (not Graph's "dependsOn"); the fake accepts the former.
    async with sdk_client(fake) as client:
        lists = client.sites.by_site_id(fake.site_id).lists
        created = await lists.post(List_(display_name="L", list_=ListInfo(template="genericList")))
        assert created is not None and created.id
        items = lists.by_list_id(created.id).items
        batch = BatchRequestContent()
        for n in range(3):
            info = items.to_post_request_information(
                ListItem(fields=FieldValueSet(additional_data={"Title": f"T{n}"}))
            )
            batch.add_request_information(info)  # its request_id argument is ignored (1.5.2)
        fake.reset_counters()
        fake.faults.throttle_every = 3
        result = await client.batch.post(batch)
        assert result is not None and result.responses is not None
        responses = list(result.responses.values())
        assert [r.status for r in responses] == [201, 201, 429]
        assert (responses[2].headers or {})["Retry-After"] == "1"
        assert [f["Title"] for f in fake.list_items("L")] == ["T0", "T1"]
