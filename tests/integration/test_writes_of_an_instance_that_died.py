"""A change queued after an instance died mid-write reaches SharePoint, not lost as an edit.

An instance writes where a request's triage card is (TriagePosted, TriageMessageId) and
dies after SharePoint took that write, before its journal noted the new ETag. IT triage
then assigns the request. The instance that takes the writes over holds an ETag older
than SharePoint's: the item changed only by the bot's own write, not by a person in the
list, so the assignment must be written, not dropped as "not applied".
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.azure_state.account import AzureState
from bot.azure_state.journal import AzureJournal
from bot.azure_state.working import AzureWorkingState
from bot.domain.model import Status
from graph_clients.schema import REQUESTS
from graph_clients.store import SharePointStore
from graph_clients.wiring import open_sharepoint_store
from tests.integration.test_azure_outbox import takes_over_after_the_hold
from tests.integration.test_store_contract import new_request, triaged
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect

NOW = dt.datetime(2031, 3, 4, 9, 30, tzinfo=dt.UTC)
ONE_SECOND = dt.timedelta(seconds=1)


async def test_an_assignment_after_a_dead_instances_unnoted_write_reaches_sharepoint(
    azure_state: AzureState, fake: FakeGraph
) -> None:
    clock = SettableClock(NOW)
    accounts = [AzureState(azure_state.settings) for _ in range(2)]
    stores: list[SharePointStore] = []
    for account in accounts:
        journal = AzureJournal(account, clock, visibility=ONE_SECOND)
        working = AzureWorkingState(account, clock)
        stores.append(await open_sharepoint_store(journal, working, clock, connect(fake)))
    dies, takes_over = stores
    dying = dies.journal
    assert isinstance(dying, AzureJournal)
    try:
        added = [await dies.add(new_request(f"u{n}")) for n in range(2)]
        await dies.write_pending()
        assert await dies.pending_writes() == 0
        for n, request in enumerate(added):
            await dies.journal.mark_triage_posted(request.reference, f"message-{n}")

        async def dead(*_: object) -> None:
            raise ConnectionResetError("the instance stopped here")

        dying.outbox_done = dead  # type: ignore[method-assign]
        with pytest.raises(ConnectionResetError):
            await dies.write_pending()
        assert all(item["TriagePosted"] for item in fake.list_items(REQUESTS.name))
        dying._held.clear()  # it died: nothing is given back

        for request in added:  # IT triage takes each, through the instance still up
            current = await takes_over.get(request.reference)
            assert current is not None
            await takes_over.update(triaged(current, Status.IN_TRIAGE, "alex"))
        await takes_over_after_the_hold(takes_over, clock)
        in_journal = [await takes_over.journal.get(r.reference) for r in added]
    finally:
        for store, account in zip(stores, accounts, strict=True):
            await store.close()
            await account.close()
    assigned = {
        item["Reference"]: item.get("AssigneeId") for item in fake.list_items(REQUESTS.name)
    }
    assert assigned == dict.fromkeys((r.reference for r in added), "alex")
    assert all(r is not None and r.assignee_id == "alex" for r in in_journal)
