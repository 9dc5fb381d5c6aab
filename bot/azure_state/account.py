"""One Azure Storage account for the working state: its tables and queues.

Clients are Microsoft's asynchronous ones (azure-data-tables and azure-storage-queue), made
once and shared. A table or queue is created the first
time it is used, so a new account needs no set-up step. Names all start with STATE_PREFIX,
so two deployments (or two tests) can share one account without meeting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables.aio import TableClient, TableServiceClient
from azure.storage.queue.aio import QueueClient, QueueServiceClient

from bot.azure_state.settings import StateSettings

logger = logging.getLogger(__name__)


class AzureState:
    """The account, as the stores use it. `close` closes every client it made."""

    def __init__(self, settings: StateSettings) -> None:
        self.settings = settings
        self.prefix = settings.prefix
        self._credential: Any = None
        self._tables: TableServiceClient | None = None
        self._queues: QueueServiceClient | None = None
        self._made: dict[str, Any] = {}
        self._making = asyncio.Lock()

    def _services(self) -> tuple[TableServiceClient, QueueServiceClient]:
        if self._tables is None or self._queues is None:
            s = self.settings
            if s.connection_string:
                self._tables = TableServiceClient.from_connection_string(s.connection_string)
                self._queues = QueueServiceClient.from_connection_string(s.connection_string)
            else:
                from azure.identity.aio import DefaultAzureCredential, ManagedIdentityCredential

                self._credential = (
                    ManagedIdentityCredential(client_id=s.managed_identity_client_id)
                    if s.managed_identity_client_id
                    else DefaultAzureCredential()
                )
                self._tables = TableServiceClient(s.endpoint("table"), credential=self._credential)
                self._queues = QueueServiceClient(s.endpoint("queue"), credential=self._credential)
        return self._tables, self._queues

    def table_name(self, name: str) -> str:
        """Letters and digits only, as Table storage asks: the prefix, then the name."""
        return self.prefix + "".join(c for c in name.title() if c.isalnum())

    def queue_name(self, name: str) -> str:
        return f"{self.prefix}-{name}".lower()

    async def table(self, name: str) -> TableClient:
        """The table `name` (prefixed), created if the account does not have it yet."""
        full = self.table_name(name)
        return await self._made_once(
            f"table:{full}", lambda: self._services()[0].get_table_client(full), "create_table"
        )

    async def queue(self, name: str) -> QueueClient:
        """The queue `name` (prefixed), created if the account does not have it yet."""
        full = self.queue_name(name)
        return await self._made_once(
            f"queue:{full}", lambda: self._services()[1].get_queue_client(full), "create_queue"
        )

    async def _made_once(self, name: str, make: Callable[[], Any], create: str) -> Any:
        client = self._made.get(name)
        if client is None:
            async with self._making:
                client = self._made.get(name)
                if client is None:
                    client = make()
                    with contextlib.suppress(ResourceExistsError):
                        await getattr(client, create)()
                    self._made[name] = client
        return client

    async def ping(self) -> bool:
        """Whether the account answers (for /readyz)."""
        try:
            table = await self.table("health")
            await table.upsert_entity({"PartitionKey": "ping", "RowKey": "ping"})
        except Exception as error:
            logger.warning("Azure Storage is not answering: %r", error)
            return False
        return True

    async def close(self) -> None:
        clients = [*self._made.values(), self._tables, self._queues, self._credential]
        self._made.clear()
        self._tables = self._queues = self._credential = None
        for client in clients:
            if client is not None:
                try:
                    await client.close()
                except Exception as error:  # closing must not stop the rest closing
                    logger.debug("Closing an Azure Storage client: %r", error)
