"""The "DFD Config" list: boards, processes, matrix and routing rules, as admins keep them."""

from __future__ import annotations

import json
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.sites.item.lists.item.items.items_request_builder import (
    ItemsRequestBuilder,
)

from graph_clients.client import RetryPolicy, with_retries
from graph_clients.schema import CONFIG

KEYS = ("boards", "processes", "matrix", "routing_rules")


async def read_config(
    client: GraphServiceClient, site_id: str, policy: RetryPolicy
) -> dict[str, Any]:
    """Every config item, key to parsed JSON value. Pages through @odata.nextLink."""
    items = client.sites.by_site_id(site_id).lists.by_list_id(CONFIG.name).items
    config = RequestConfiguration(
        query_parameters=ItemsRequestBuilder.ItemsRequestBuilderGetQueryParameters(
            expand=["fields"], top=50
        )
    )

    async def first() -> Any:
        return await items.get(request_configuration=config)

    values: dict[str, Any] = {}
    page = await with_retries(first, policy, "Read DFD Config")
    for _ in range(100):  # bounded: the config list has a handful of items
        for item in (page.value or []) if page else []:
            fields = item.fields.additional_data if item.fields else {}
            key = fields.get("ConfigKey") or fields.get("Title")
            if key in KEYS:
                values[str(key)] = json.loads(fields.get("ValueJson") or "null")
        link = page.odata_next_link if page else None
        if not link:
            break

        async def more(url: str = link) -> Any:
            return await items.with_url(url).get()

        page = await with_retries(more, policy, "Read DFD Config")
    return values
