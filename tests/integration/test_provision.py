"""Provisioning the SharePoint lists with the real msgraph-sdk over HTTP, against the
local fake Graph server: it builds everything from nothing, only ever adds, and is
safe to run again and again."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from azure.core.credentials import AccessToken

from bot.domain import codec, governance
from graph_clients import schema
from graph_clients.provision import (
    NOTHING_TO_CHANGE,
    config_seed,
    main,
    open_graph_client,
    provision,
)
from tests.support.fake_graph import FakeGraph

GraphServiceClient = Any  # the real msgraph-sdk client; only graph_clients imports msgraph

ROOT = Path(__file__).resolve().parents[2]
GUID = "11111111-2222-3333-4444-555555555555"
WRITES = ("POST", "PATCH", "PUT", "DELETE")
FACET = {
    "text": "text",
    "note": "text",
    "number": "number",
    "boolean": "boolean",
    "choice": "choice",
}


class FakeCredential:
    """Hands out the fake server's tokens, as a client credential would."""

    def __init__(self, fake: FakeGraph) -> None:
        self._fake = fake

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._fake.issue_token(), int(time.time()) + 3600)

    async def close(self) -> None:
        return None


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(fake: FakeGraph) -> AsyncIterator[GraphServiceClient]:
    async with open_graph_client(FakeCredential(fake), fake.graph_url) as graph:
        yield graph


def columns(fake: FakeGraph, list_name: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in fake.list_columns(list_name)}


def config_items(fake: FakeGraph) -> dict[str, dict[str, Any]]:
    return {fields["ConfigKey"]: fields for fields in fake.list_items(schema.CONFIG.name)}


def writes_since(fake: FakeGraph, mark: int) -> list[Any]:
    return [r for r in fake.requests[mark:] if r.method in WRITES]


def with_columns(spec: schema.ListSpec, *columns: schema.Column) -> schema.ListSpec:
    return dataclasses.replace(spec, columns=spec.columns + columns)


def assert_matches_schema(fake: FakeGraph, spec: schema.ListSpec) -> None:
    found = columns(fake, spec.name)
    for column in spec.columns:
        assert column.name in found, f"{spec.name} has no {column.name}"
        made = found[column.name]
        assert made["displayName"] == column.display_name
        assert bool(made.get("indexed")) == column.indexed, column.name
        assert bool(made.get("enforceUniqueValues")) == column.unique, column.name
        facet = "dateTime" if column.type == "dateTime" else FACET[column.type]
        assert facet in made, f"{column.name} should be a {column.type} column: {made}"
        if column.type in ("text", "note"):
            multiline = bool(made["text"].get("allowMultipleLines"))
            assert multiline == (column.type == "note"), column.name


async def test_from_nothing_it_creates_every_list_column_and_index_and_seeds_config(
    fake: FakeGraph, client: GraphServiceClient
) -> None:
    report = await provision(client, fake.site_id)

    assert report.lists_created == [spec.name for spec in schema.LISTS]
    assert len(report.columns_added) == sum(len(spec.columns) for spec in schema.LISTS)
    for spec in schema.LISTS:
        assert_matches_schema(fake, spec)
    items = config_items(fake)
    assert sorted(items) == sorted(config_seed())
    for key, fields in items.items():
        assert fields["Title"] == key
        assert json.loads(fields["ValueJson"]) == json.loads(json.dumps(config_seed()[key]))
    # The seeded JSON reads back as the council's published governance.
    assert codec.matrix_from_dict(json.loads(items["matrix"]["ValueJson"])) == (
        governance.DEFAULT_MATRIX
    )
    rules = codec.rules_from_list(json.loads(items["routing_rules"]["ValueJson"]))
    assert rules == tuple(governance.DEFAULT_RULES)
    assert report.changed
    assert (
        "Created lists: DFD Requests, DFD Config, DFD Application catalogue, DFD Decisions, "
        "DFD Automation Backlog." in report.summary()
    )
    assert not [r for r in fake.requests if r.method == "DELETE"]


async def test_running_it_again_writes_nothing_and_says_so(
    fake: FakeGraph, client: GraphServiceClient
) -> None:
    await provision(client, fake.site_id)
    mark = len(fake.requests)

    again = await provision(client, fake.site_id)

    assert writes_since(fake, mark) == []
    assert len(fake.requests) > mark  # it did look
    assert not again.changed
    assert again.summary() == NOTHING_TO_CHANGE


async def test_a_new_column_in_the_schema_is_the_only_thing_added(
    fake: FakeGraph, client: GraphServiceClient
) -> None:
    await provision(client, fake.site_id)
    mark = len(fake.requests)
    channel = schema.Column("Channel", "Channel", "text", indexed=True)
    lists = (with_columns(schema.REQUESTS, channel), schema.CONFIG)

    report = await provision(client, fake.site_id, lists)

    posts = writes_since(fake, mark)
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in posts] == [("POST", "columns")]
    assert f"/sites/{fake.site_id}/lists/" in posts[0].path
    assert report.columns_added == [(schema.REQUESTS.name, "Channel")]
    assert (report.lists_created, report.columns_indexed, report.config_seeded) == ([], [], [])
    assert columns(fake, schema.REQUESTS.name)["Channel"]["indexed"] is True
    assert_matches_schema(fake, lists[0])


async def test_an_existing_column_that_should_be_indexed_is_patched(
    fake: FakeGraph, client: GraphServiceClient
) -> None:
    unindexed = tuple(
        dataclasses.replace(c, indexed=False, unique=False) for c in schema.REQUESTS.columns
    )
    await provision(
        client, fake.site_id, (dataclasses.replace(schema.REQUESTS, columns=unindexed),)
    )
    assert not columns(fake, schema.REQUESTS.name)["Status"].get("indexed")
    mark = len(fake.requests)

    report = await provision(client, fake.site_id, (schema.REQUESTS,))

    should_index = [c.name for c in schema.REQUESTS.columns if c.indexed]
    assert report.columns_indexed == [(schema.REQUESTS.name, name) for name in should_index]
    assert report.columns_made_unique == [(schema.REQUESTS.name, "Reference")]
    assert report.columns_added == []
    patches = writes_since(fake, mark)
    assert {r.method for r in patches} == {"PATCH"}
    assert len(patches) == len(should_index) + 1  # and Reference made unique
    assert_matches_schema(fake, schema.REQUESTS)


async def test_the_reference_column_of_an_earlier_site_is_made_unique(
    fake: FakeGraph, client: GraphServiceClient
) -> None:
    """Sites provisioned before references were enforced unique get it on the next run;
    from then on SharePoint refuses a second item with a reference it has."""
    earlier = tuple(dataclasses.replace(c, unique=False) for c in schema.REQUESTS.columns)
    await provision(client, fake.site_id, (dataclasses.replace(schema.REQUESTS, columns=earlier),))
    assert not columns(fake, schema.REQUESTS.name)["Reference"]["enforceUniqueValues"]
    mark = len(fake.requests)

    report = await provision(client, fake.site_id, (schema.REQUESTS,))

    assert report.columns_made_unique == [(schema.REQUESTS.name, "Reference")]
    assert "Made values unique in DFD Requests: Reference." in report.summary()
    [patch] = writes_since(fake, mark)
    assert patch.method == "PATCH"
    assert patch.body == {"enforceUniqueValues": True, "indexed": True}
    assert_matches_schema(fake, schema.REQUESTS)
    site = f"/sites/{fake.site_id}/lists/{schema.REQUESTS.name}/items"
    first = {"fields": {"Title": "A", "Reference": "DR-2026-0001"}}
    await admin(fake, "POST", site, first)
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}
    second = {"fields": {"Title": "B", "Reference": "dr-2026-0001"}}
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.graph_url + site, json=second, headers=headers) as response,
    ):
        assert response.status == 409, "text is compared without case, as SharePoint does"
        error = (await response.json())["error"]
    assert error["code"] == "nameAlreadyExists"
    assert "duplicate values were found" in error["message"] and "Reference" in error["message"]
    assert len(fake.list_items(schema.REQUESTS.name)) == 1


async def test_a_unique_column_must_be_indexed_and_hold_no_duplicates_already(
    fake: FakeGraph, client: GraphServiceClient
) -> None:
    """As SharePoint: a column cannot enforce unique values without an index, nor while
    two items share a value; provisioning then stops with Graph's words."""
    await provision(client, fake.site_id, (schema.REQUESTS,))
    lists = f"/sites/{fake.site_id}/lists/{schema.REQUESTS.name}"
    column = columns(fake, schema.REQUESTS.name)["Title"]
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}
    async with aiohttp.ClientSession() as session:
        body = {"enforceUniqueValues": True}
        async with session.patch(
            f"{fake.graph_url}{lists}/columns/{column['id']}", json=body, headers=headers
        ) as response:
            assert response.status == 400
            assert "must be indexed" in (await response.json())["error"]["message"]
        for title in ("Same", "same"):
            item = {"fields": {"Title": title}}
            async with session.post(
                f"{fake.graph_url}{lists}/items", json=item, headers=headers
            ) as response:
                assert response.status == 201
        body = {"enforceUniqueValues": True, "indexed": True}
        async with session.patch(
            f"{fake.graph_url}{lists}/columns/{column['id']}", json=body, headers=headers
        ) as response:
            assert response.status == 400
            assert "same value" in (await response.json())["error"]["message"]
    title = columns(fake, schema.REQUESTS.name)["Title"]
    assert not title["enforceUniqueValues"] and not title["indexed"], "nothing half done"


async def admin(fake: FakeGraph, method: str, path: str, body: dict[str, Any]) -> Any:
    """What an admin does by hand, in Graph Explorer or SharePoint: plain Graph requests."""
    headers = {"Authorization": f"Bearer {fake.issue_token()}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.graph_url + path, json=body, headers=headers) as response,
    ):
        assert response.status < 300, await response.text()
        return await response.json() if response.content_length != 0 else None


async def test_an_admins_config_items_are_never_overwritten(
    fake: FakeGraph, client: GraphServiceClient
) -> None:
    # Before the first run, an admin made DFD Config by hand with their own matrix.
    site = f"/sites/{fake.site_id}/lists"
    made = await admin(
        fake, "POST", site, {"displayName": schema.CONFIG.name, "list": {"template": "genericList"}}
    )
    config = f"{site}/{made['id']}"
    await admin(fake, "POST", f"{config}/columns", {"name": "ConfigKey", "text": {}})
    await admin(
        fake,
        "POST",
        f"{config}/columns",
        {"name": "ValueJson", "text": {"allowMultipleLines": True}},
    )
    their_matrix = json.dumps({"version": "admin-1", "criteria": []})
    fields = {"Title": "matrix", "ConfigKey": "matrix", "ValueJson": their_matrix}
    await admin(fake, "POST", f"{config}/items", {"fields": fields})

    report = await provision(client, fake.site_id)

    assert report.config_seeded == ["boards", "processes", "routing_rules"]
    assert config_items(fake)["matrix"]["ValueJson"] == their_matrix
    assert sorted(config_items(fake)) == sorted(config_seed())

    # Later the admin edits the boards; the next run leaves them alone too.
    boards = next(i for i in fake.list_items(schema.CONFIG.name) if i["ConfigKey"] == "boards")
    their_boards = json.dumps([{"key": "ddc", "name": "Renamed board", "purpose": "p"}])
    await admin(fake, "PATCH", f"{config}/items/{boards['id']}/fields", {"ValueJson": their_boards})
    mark = len(fake.requests)

    again = await provision(client, fake.site_id)

    assert again.config_seeded == []
    assert writes_since(fake, mark) == []
    assert config_items(fake)["boards"]["ValueJson"] == their_boards
    assert config_items(fake)["matrix"]["ValueJson"] == their_matrix


async def test_it_finishes_while_graph_throttles_and_waits_as_asked(
    fake: FakeGraph, client: GraphServiceClient
) -> None:
    fake.faults.throttle_every = 3
    fake.faults.retry_after = "1"

    report = await provision(client, fake.site_id, (schema.CONFIG,))

    assert report.config_seeded == list(config_seed())
    assert_matches_schema(fake, schema.CONFIG)
    assert sorted(config_items(fake)) == sorted(config_seed())  # no duplicates from retries
    log = fake.requests
    throttled = [i for i, r in enumerate(log) if r.status == 429]
    assert len(throttled) >= 3
    for i in throttled:
        retry = next(r for r in log[i + 1 :] if (r.method, r.path) == (log[i].method, log[i].path))
        assert retry.at - log[i].at >= 1.0, (log[i], retry)


# The command line -----------------------------------------------------------------


def test_bad_settings_exit_2_with_every_problem_in_plain_words() -> None:
    env = {"PATH": os.environ["PATH"], "GRAPH_TENANT_ID": "contoso", "CLIENT_SECRET": "hush-123"}
    done = subprocess.run(
        [sys.executable, "-m", "graph_clients.provision"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "GRAPH_SITE_ID is required" in done.stderr
    assert "GRAPH_TENANT_ID (or TENANT_ID) must be a GUID" in done.stderr
    assert "GRAPH_CLIENT_ID (or CLIENT_ID) is required" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "hush-123" not in done.stderr + done.stdout


def _cli_env(fake: FakeGraph, site_id: str | None = None) -> dict[str, str]:
    return {
        "GRAPH_SITE_ID": site_id or fake.site_id,
        "GRAPH_BASE_URL": fake.graph_url,
        "GRAPH_TENANT_ID": GUID,
        "GRAPH_CLIENT_ID": GUID,
        "GRAPH_CLIENT_SECRET": "unused: the credential is injected",
    }


async def test_check_reports_what_would_change_then_nothing_after_a_real_run(
    fake: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    async def run(*argv: str) -> tuple[int, str]:
        code = await asyncio.to_thread(main, list(argv), _cli_env(fake), FakeCredential(fake))
        return code, capsys.readouterr().out

    code, out = await run("--check")
    assert code == 3
    assert (
        "Would create lists: DFD Requests, DFD Config, DFD Application catalogue, "
        "DFD Decisions, DFD Automation Backlog." in out
    )
    assert "Would seed DFD Config with: boards, processes, matrix, routing_rules." in out
    assert writes_since(fake, 0) == []

    code, out = await run()
    assert code == 0
    assert (
        "Created lists: DFD Requests, DFD Config, DFD Application catalogue, DFD Decisions, "
        "DFD Automation Backlog." in out
    )

    mark = len(fake.requests)
    assert await run("--check") == (0, NOTHING_TO_CHANGE + "\n")
    assert await run() == (0, NOTHING_TO_CHANGE + "\n")
    assert writes_since(fake, mark) == []


async def test_a_graph_failure_exits_1_with_a_plain_message(
    fake: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown_site = f"localhost,{GUID},{GUID}"
    code = await asyncio.to_thread(main, [], _cli_env(fake, unknown_site), FakeCredential(fake))
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.startswith("Provisioning stopped. Reading the site's lists failed.")
    assert "HTTP 404" in captured.err
    assert "Traceback" not in captured.err + captured.out
