"""Create the SharePoint lists the bot needs, safely and repeatably.

Provisioning only ever adds: missing lists, missing columns, missing indexes and
missing config items. It never deletes or renames, and never overwrites a config
item an admin has edited, so running it again is always safe and changes nothing.

    python -m graph_clients.provision          # make the site match graph_clients/schema.py
    python -m graph_clients.provision --check  # only say what would change (exit 3 if anything)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import httpx
from azure.core.exceptions import AzureError
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.boolean_column import BooleanColumn
from msgraph.generated.models.choice_column import ChoiceColumn
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

from bot.domain import codec, governance
from bot.settings import SettingsError
from graph_clients import schema
from graph_clients.client import (
    GraphUnavailable,
    RetryPolicy,
    build_graph_client,
    with_retries,
)
from graph_clients.config import GraphSettings, load_graph_settings
from graph_clients.credentials import build_credential

T = TypeVar("T")
NOTHING_TO_CHANGE = "Nothing to change: every list, column and index is in place."
EXIT_OK, EXIT_GRAPH_FAILED, EXIT_BAD_SETTINGS, EXIT_WOULD_CHANGE = 0, 1, 2, 3


class ProvisionError(Exception):
    """A Graph call failed for good; the message says which and what to check."""


def config_seed() -> dict[str, Any]:
    """The DFD Config items on a new site, in the same JSON forms the SQLite store uses."""
    return {
        "boards": [dataclasses.asdict(b) for b in governance.DEFAULT_BOARDS],
        "processes": [dataclasses.asdict(p) for p in governance.DEFAULT_PROCESSES],
        "matrix": codec.matrix_to_dict(governance.DEFAULT_MATRIX),
        "routing_rules": codec.rules_to_list(tuple(governance.DEFAULT_RULES)),
    }


@dataclass
class ProvisionReport:
    applied: bool = True  # False for --check: what follows is what *would* change
    lists_created: list[str] = field(default_factory=list)
    columns_added: list[tuple[str, str]] = field(default_factory=list)  # (list, column)
    columns_indexed: list[tuple[str, str]] = field(default_factory=list)
    columns_made_unique: list[tuple[str, str]] = field(default_factory=list)
    columns_described: list[tuple[str, str]] = field(default_factory=list)  # had none
    config_seeded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.lists_created
            or self.columns_added
            or self.columns_indexed
            or self.columns_made_unique
            or self.columns_described
            or self.config_seeded
        )

    def summary(self) -> str:
        verb = self._verb
        lines = []
        if self.lists_created:
            created = verb("Created lists", "Would create lists")
            lines.append(f"{created}: {', '.join(self.lists_created)}.")
        for name, pairs in (
            (verb("Added columns to", "Would add columns to"), self.columns_added),
            (verb("Turned on indexing in", "Would turn on indexing in"), self.columns_indexed),
            (
                verb("Made values unique in", "Would make values unique in"),
                self.columns_made_unique,
            ),
            (verb("Described columns in", "Would describe columns in"), self.columns_described),
        ):
            for list_name, columns in _by_list(pairs).items():
                lines.append(f"{name} {list_name}: {', '.join(columns)}.")
        if self.config_seeded:
            seeded = verb("Seeded", "Would seed")
            lines.append(f"{seeded} {schema.CONFIG.name} with: {', '.join(self.config_seeded)}.")
        lines = lines or [NOTHING_TO_CHANGE]
        return "\n".join(lines + [f"Left alone: {warning}" for warning in self.warnings])

    def _verb(self, done: str, todo: str) -> str:
        return done if self.applied else todo


def _by_list(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for list_name, column in pairs:
        grouped.setdefault(list_name, []).append(column)
    return grouped


def column_definition(column: schema.Column) -> ColumnDefinition:
    """The Graph column for a schema column: the type facet, whether it is indexed, and
    its description (who edits it, so makers see it)."""
    definition = ColumnDefinition(
        name=column.name,
        display_name=column.display_name,
        description=column.description,
        indexed=column.indexed or column.unique,
        enforce_unique_values=column.unique,
    )
    if column.type == "text":
        definition.text = TextColumn()
    elif column.type == "note":
        # Plain text: the JSON columns must not come back wrapped in HTML.
        definition.text = TextColumn(allow_multiple_lines=True, text_type="plain")
    elif column.type == "number":
        definition.number = NumberColumn()
    elif column.type == "boolean":
        definition.boolean = BooleanColumn()
    elif column.type == "choice":
        # Only the schema's values: makers filter and group on them.
        definition.choice = ChoiceColumn(
            allow_text_entry=False, choices=list(column.choices), display_as="dropDownMenu"
        )
    else:
        definition.date_time = DateTimeColumn(format="dateTime")
    return definition


def column_type(definition: ColumnDefinition) -> schema.ColumnType | None:
    """The schema type of an existing column, or None for types the schema never uses."""
    if definition.text is not None:
        return "note" if definition.text.allow_multiple_lines else "text"
    if definition.number is not None:
        return "number"
    if definition.boolean is not None:
        return "boolean"
    if definition.date_time is not None:
        return "dateTime"
    if definition.choice is not None:
        return "choice"
    return None


def _describe(error: APIError) -> str:
    status = error.response_status_code
    detail = ""
    if isinstance(error, ODataError) and error.error is not None:
        detail = f" ({error.error.code}: {error.error.message})"
    hint = {
        401: " The app could not sign in: check GRAPH_TENANT_ID, GRAPH_CLIENT_ID and the secret.",
        403: " The app has no write permission on this site. Grant it with Sites.Selected, "
        "as deploy/sharepoint.md describes.",
        404: " Check GRAPH_SITE_ID.",
    }.get(status or 0, "")
    return f"Microsoft Graph answered HTTP {status}{detail}.{hint}"


class _Site:
    """One SharePoint site's lists, with every call made through the retry policy."""

    def __init__(self, client: GraphServiceClient, site_id: str, policy: RetryPolicy) -> None:
        self._site = client.sites.by_site_id(site_id)
        self._policy = policy

    async def _call(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        try:
            return await with_retries(call, self._policy, what=what)
        except GraphUnavailable as error:
            raise ProvisionError(
                f"{what} failed: Microsoft Graph was still busy or unavailable after "
                "retrying. Try again in a few minutes."
            ) from error
        except APIError as error:
            raise ProvisionError(f"{what} failed. {_describe(error)}") from error
        except AzureError as error:  # raised by azure-identity while getting a token
            reason = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
            raise ProvisionError(
                f"{what} failed: the app could not get a token for Microsoft Graph ({reason}). "
                "Check GRAPH_TENANT_ID, GRAPH_CLIENT_ID and the secret, certificate or managed "
                "identity."
            ) from error

    async def _all(self, builder: Any, what: str, config: Any = None) -> list[Any]:
        """Every page of a collection, following @odata.nextLink."""
        page = await self._call(partial(builder.get, request_configuration=config), what)
        values = list(page.value or []) if page else []
        while page is not None and page.odata_next_link:
            page = await self._call(builder.with_url(page.odata_next_link).get, what)
            values.extend(page.value or [] if page else [])
        return values

    async def lists(self) -> list[List_]:
        return await self._all(self._site.lists, "Reading the site's lists")

    async def create_list(self, spec: schema.ListSpec) -> str:
        body = List_(
            display_name=spec.name,
            description=spec.description,
            list_=ListInfo(template="genericList"),
        )
        created = await self._call(partial(self._site.lists.post, body), f"Creating {spec.name}")
        if created is None or not created.id:
            raise ProvisionError(f"Creating {spec.name} failed: Graph did not return its id.")
        return created.id

    async def columns(self, list_id: str, list_name: str) -> list[ColumnDefinition]:
        columns = self._site.lists.by_list_id(list_id).columns
        return await self._all(columns, f"Reading the columns of {list_name}")

    async def add_column(self, list_id: str, list_name: str, column: schema.Column) -> None:
        post = self._site.lists.by_list_id(list_id).columns.post
        await self._call(
            partial(post, column_definition(column)), f"Adding {column.name} to {list_name}"
        )

    async def index_column(self, list_id: str, list_name: str, column_id: str, name: str) -> None:
        column = self._site.lists.by_list_id(list_id).columns.by_column_definition_id(column_id)
        body = ColumnDefinition(indexed=True)
        await self._call(partial(column.patch, body), f"Indexing {name} in {list_name}")

    async def make_unique(self, list_id: str, list_name: str, column_id: str, name: str) -> None:
        column = self._site.lists.by_list_id(list_id).columns.by_column_definition_id(column_id)
        body = ColumnDefinition(indexed=True, enforce_unique_values=True)
        await self._call(partial(column.patch, body), f"Making {name} unique in {list_name}")

    async def describe_column(
        self, list_id: str, list_name: str, column_id: str, column: schema.Column
    ) -> None:
        builder = self._site.lists.by_list_id(list_id).columns.by_column_definition_id(column_id)
        body = ColumnDefinition(description=column.description)
        await self._call(partial(builder.patch, body), f"Describing {column.name} in {list_name}")

    async def items(self, list_id: str, list_name: str) -> list[ListItem]:
        query = ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters(expand=["fields"])
        items = self._site.lists.by_list_id(list_id).items
        config = RequestConfiguration(query_parameters=query)
        return await self._all(items, f"Reading the items of {list_name}", config)

    async def add_item(self, list_id: str, list_name: str, fields: dict[str, Any]) -> None:
        body = ListItem(fields=FieldValueSet(additional_data=fields))
        post = self._site.lists.by_list_id(list_id).items.post
        await self._call(partial(post, body), f"Adding {fields['Title']} to {list_name}")


async def provision(
    client: GraphServiceClient,
    site_id: str,
    lists: Sequence[schema.ListSpec] = schema.LISTS,
    policy: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, so one shared default is safe
    *,
    dry_run: bool = False,
) -> ProvisionReport:
    """Add whatever the site is missing; with dry_run, only report it."""
    site = _Site(client, site_id, policy)
    report = ProvisionReport(applied=not dry_run)
    existing = {found.display_name: found.id for found in await site.lists()}
    for spec in lists:
        list_id = existing.get(spec.name)
        if list_id is None:
            report.lists_created.append(spec.name)
            list_id = None if dry_run else await site.create_list(spec)
        await _ensure_columns(site, spec, list_id, report)
        if spec.name == schema.CONFIG.name:
            await _seed_config(site, spec.name, list_id, report)
    return report


async def _ensure_columns(
    site: _Site, spec: schema.ListSpec, list_id: str | None, report: ProvisionReport
) -> None:
    present = {c.name: c for c in await site.columns(list_id, spec.name)} if list_id else {}
    for column in spec.columns:
        found = present.get(column.name)
        if found is None:
            report.columns_added.append((spec.name, column.name))
            if report.applied and list_id:
                await site.add_column(list_id, spec.name, column)
            continue
        kind = column_type(found)
        if kind is not None and kind != column.type:
            report.warnings.append(
                f"{spec.name} {column.name} is a {kind} column but the schema says "
                f"{column.type}. Provisioning never changes or deletes a column; "
                "fix it by hand if it matters."
            )
        if column.indexed and not found.indexed:
            report.columns_indexed.append((spec.name, column.name))
            if report.applied and list_id and found.id:
                await site.index_column(list_id, spec.name, found.id, column.name)
        if column.unique and not found.enforce_unique_values:
            report.columns_made_unique.append((spec.name, column.name))
            if report.applied and list_id and found.id:
                await site.make_unique(list_id, spec.name, found.id, column.name)
        await _ensure_description(site, spec, list_id, column, found, report)


async def _ensure_description(
    site: _Site,
    spec: schema.ListSpec,
    list_id: str | None,
    column: schema.Column,
    found: ColumnDefinition,
    report: ProvisionReport,
) -> None:
    """An empty description is filled in; one someone wrote is only noted, never changed."""
    if not column.description or (found.description or "") == column.description:
        return
    if found.description:
        report.warnings.append(
            f"{spec.name} {column.name} has its own description; the schema's says: "
            f"{column.description}"
        )
        return
    report.columns_described.append((spec.name, column.name))
    if report.applied and list_id and found.id:
        await site.describe_column(list_id, spec.name, found.id, column)


async def _seed_config(
    site: _Site, list_name: str, list_id: str | None, report: ProvisionReport
) -> None:
    """Add a config item only for a missing key: an admin's edits always win."""
    present: set[str] = set()
    for item in await site.items(list_id, list_name) if list_id else []:
        fields = item.fields.additional_data if item.fields else {}
        present.update(str(fields[k]) for k in ("ConfigKey", "Title") if fields.get(k))
    for key, value in config_seed().items():
        if key in present:
            continue
        report.config_seeded.append(key)
        if report.applied and list_id:
            value_json = json.dumps(value, indent=2, ensure_ascii=False)
            fields = {"Title": key, "ConfigKey": key, "ValueJson": value_json}
            await site.add_item(list_id, list_name, fields)


@contextlib.asynccontextmanager
async def open_graph_client(credential: Any, base_url: str) -> AsyncIterator[GraphServiceClient]:
    """The real client, with its connections closed afterwards.

    msgraph-core wraps the httpx transport in one whose aclose() does nothing, so closing
    the httpx client leaves the pool open; the pool is closed here through our own handle.
    """
    pool = httpx.AsyncHTTPTransport()
    http = httpx.AsyncClient(transport=pool, timeout=httpx.Timeout(30.0, connect=10.0))
    try:
        yield build_graph_client(credential, base_url, http)
    finally:
        await http.aclose()
        await pool.aclose()


async def _run(settings: GraphSettings, credential: Any, dry_run: bool) -> ProvisionReport:
    owned = credential is None
    if owned:
        try:
            credential = build_credential(settings)
        except (ValueError, OSError) as error:
            raise ProvisionError(
                "Could not load the certificate in GRAPH_CERTIFICATE_PATH. Check the file and "
                "GRAPH_CERTIFICATE_PASSWORD."
            ) from error
    try:
        async with open_graph_client(credential, settings.base_url) as client:
            return await provision(client, settings.site_id, dry_run=dry_run)
    finally:
        if owned:
            await credential.close()


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    credential: Any = None,
) -> int:
    """The command line. `credential` replaces the one the settings describe (for tests)."""
    parser = argparse.ArgumentParser(
        prog="python -m graph_clients.provision",
        description="Create the Digital Front Door SharePoint lists, columns and config.",
    )
    parser.add_argument("--check", action="store_true", help="only report what would change")
    args = parser.parse_args(argv)
    try:
        settings = load_graph_settings(env)
    except SettingsError as error:
        print("The Microsoft Graph settings need fixing:", file=sys.stderr)
        for problem in error.problems:
            print(f"- {problem}", file=sys.stderr)
        return EXIT_BAD_SETTINGS
    try:
        report = asyncio.run(_run(settings, credential, dry_run=args.check))
    except ProvisionError as error:
        print(f"Provisioning stopped. {error}", file=sys.stderr)
        return EXIT_GRAPH_FAILED
    print(report.summary())
    return EXIT_WOULD_CHANGE if args.check and report.changed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
