"""Is the SharePoint site ready for this version of the bot? Checked once at start-up.

A site provisioned by an earlier version lacks the lists and columns added since. SharePoint
refuses every write that names a missing column, so those writes would wait in the outbox
for ever. The bot reads each list's columns once before it serves, and does not start if
anything it writes is missing, or if a column that must refuse duplicates (a request's
Reference) does not: provisioning adds or sets it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kiota_abstractions.api_error import APIError

from bot.backends import StoreNotReady
from graph_clients import schema
from graph_clients.client import with_retries

if TYPE_CHECKING:
    from graph_clients.wiring import GraphConnection

logger = logging.getLogger(__name__)
PROVISION = "python -m graph_clients.provision"
MAX_PAGES = 10  # pages of columns read per list at most; a list has a few dozen


def problems(
    missing: dict[str, Sequence[str] | None], not_unique: dict[str, Sequence[str]] | None = None
) -> list[str]:
    """Plain words for what is missing: list name -> its missing columns (None: the list);
    and for columns that should refuse a value another item has, but do not."""
    lines = []
    for name, columns in missing.items():
        if columns is None:
            lines.append(f'The list "{name}" is missing.')
        else:
            lines.append(f'The list "{name}" is missing these columns: {", ".join(columns)}.')
    for name, columns in (not_unique or {}).items():
        lines.append(
            f'In the list "{name}", these columns must not allow the same value twice, and '
            f"do: {', '.join(columns)}."
        )
    return lines


async def check_site(
    graph: GraphConnection, lists: Sequence[schema.ListSpec] = schema.LISTS
) -> bool:
    """Raises StoreNotReady naming what is missing. Returns True when every list has every
    column, False when Graph did not answer (the check could not be made; start anyway,
    as the store serves from its journal while Graph is away)."""
    try:
        found = await asyncio.gather(*(_column_names(graph, spec.name) for spec in lists))
    except Exception as error:
        logger.warning("Could not check the SharePoint lists at start-up: %r", error)
        return False
    missing: dict[str, Sequence[str] | None] = {}
    not_unique: dict[str, Sequence[str]] = {}
    for spec, names in zip(lists, found, strict=True):
        if names is None:
            missing[spec.name] = None
            continue
        absent = [column.name for column in spec.columns if column.name not in names]
        if absent:
            missing[spec.name] = absent
        loose = [c.name for c in spec.columns if c.unique and names.get(c.name) is False]
        if loose:
            not_unique[spec.name] = loose
    if missing or not_unique:
        raise StoreNotReady(
            problems(missing, not_unique),
            f"Run {PROVISION} to add or set them (it only ever adds, so it is safe to run "
            "again), then start the bot again.",
        )
    return True


async def _column_names(graph: GraphConnection, list_name: str) -> dict[str, bool] | None:
    """The internal names of a list's columns, each with whether it enforces unique
    values; None when the site has no such list."""
    site = graph.client.sites.by_site_id(graph.site_id)
    columns = site.lists.by_list_id(list_name).columns

    async def first() -> Any:
        return await columns.get()

    what = f"Reading the columns of {list_name}"
    try:
        page = await with_retries(first, graph.policy, what)
    except APIError as error:
        if error.response_status_code == 404:
            return None
        raise
    names: dict[str, bool] = {}
    base = graph.base_url.rstrip("/") + "/"
    for _ in range(MAX_PAGES):
        for column in (page.value or []) if page else []:
            if column.name:
                names[column.name] = bool(column.enforce_unique_values)
        link = page.odata_next_link if page else None
        # Our bearer token goes wherever the link points: only our Graph is followed.
        if not link or not link.startswith(base):
            break

        async def more(url: str = link) -> Any:
            return await columns.with_url(url).get()

        page = await with_retries(more, graph.policy, what)
    return names
