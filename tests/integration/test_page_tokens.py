"""'My requests' page tokens: opaque, bound to the person and the query, never a way in.

A page token travels in card data, so whoever holds a card can change it. Every store is
held to the same promises: SQLite (local mode), and SharePoint lists through the real
msgraph-sdk against the local fake Graph server. With the journal on Azure Storage
(Azurite, STATE_STORE=azure) the tokens are sealed under a key every instance shares, so a
token one instance gave is honoured by another.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet

from bot.azure_state.account import AzureState
from bot.azure_state.settings import StateSettings
from bot.backends import open_sharepoint_on_azure
from bot.page_tokens import PageTokens, SealedPageTokens, requests_of_requester, shared_page_key
from bot.ports import Page, Store
from bot.store.sqlite import SqliteStore
from graph_clients.requests_list import GraphRequests
from graph_clients.schema import REQUESTS
from graph_clients.wiring import GraphConnection
from tests.integration.test_graph_requests import request
from tests.integration.test_store_contract import NOW, new_request
from tests.support.azurite import Azurite, new_prefix
from tests.support.clock import SettableClock
from tests.support.fake_graph import FakeGraph
from tests.support.graph import connect, open_store, provisioned

ALICE = "29:1aB3-alice-teams-id"
BOB = "29:1xY9-bob-teams-id"
# Teams ids are case-sensitive; SharePoint compares text case-insensitively, so its filter
# on Alice's id also matches this other person's.
ALICE_CASE_TWIN = ALICE.upper()
PAGE = 3

Settle = Callable[[], Awaitable[None]]


class Stores:
    """A store of either kind, with its requests raised and written wherever they go."""

    def __init__(self, store: Store, settle: Settle, clock: SettableClock) -> None:
        self.store = store
        self.settle = settle
        self.clock = clock
        self.raised: dict[str, list[str]] = {}

    async def raise_requests(self, *people: str) -> None:
        for person in people:
            self.clock.advance(dt.timedelta(minutes=1))
            made = await self.store.add(new_request(person, when=self.clock.now()))
            self.raised.setdefault(person, []).append(made.reference)
        await self.settle()

    def newest_first(self, person: str) -> list[str]:
        return list(reversed(self.raised[person]))


async def open_sqlite(tmp_path: Path, clock: SettableClock) -> AsyncIterator[Stores]:
    local = SqliteStore(tmp_path / "store.sqlite3", clock)
    await local.open()

    async def nothing() -> None:
        return None

    yield Stores(local, nothing, clock)
    await local.close()


async def open_sharepoint(
    tmp_path: Path, clock: SettableClock, fake: FakeGraph
) -> AsyncIterator[Stores]:
    graph = await provisioned(fake)
    sharepoint = await open_store(fake, tmp_path, clock, graph)

    async def write() -> None:
        await sharepoint.write_pending()
        assert await sharepoint.pending_writes() == 0

    yield Stores(sharepoint, write, clock)
    await sharepoint.close()


def azure_account(azurite: Azurite, prefix: str) -> AzureState:
    """One instance's account: several on one prefix share the state, as instances do."""
    return AzureState(
        StateSettings(kind="azure", connection_string=azurite.connection_string, prefix=prefix)
    )


async def open_sharepoint_azure(
    account: AzureState, clock: SettableClock, graph: GraphConnection
) -> AsyncIterator[Stores]:
    sharepoint = await open_sharepoint_on_azure(account, clock, graph)  # closes the account

    async def write() -> None:
        for _ in range(5):
            await sharepoint.write_pending()
            if not await sharepoint.pending_writes():
                return
        raise AssertionError("writes still owed")

    yield Stores(sharepoint, write, clock)
    await sharepoint.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=["sqlite", "sharepoint"])
async def stores(
    request: pytest.FixtureRequest, tmp_path: Path, fake: FakeGraph
) -> AsyncIterator[Stores]:
    """Seven requests from Alice and five from Bob, taking turns: several pages each. (On
    Azure the tokens are sealed: their own tests are at the end.)"""
    clock = SettableClock(NOW)
    sharepoint = request.param == "sharepoint"
    opened = open_sharepoint(tmp_path, clock, fake) if sharepoint else open_sqlite(tmp_path, clock)
    async for ready in opened:
        await ready.raise_requests(*[ALICE, BOB] * 5, ALICE, ALICE)
        yield ready


async def first_page(store: Store, person: str, page_size: int = PAGE) -> Page:
    return await store.for_requester(person, None, page_size)


async def every_page(store: Store, person: str) -> list[Page]:
    pages: list[Page] = []
    token: str | None = None
    for _ in range(20):
        page = await store.for_requester(person, token, PAGE)
        pages.append(page)
        token = page.next_token
        if token is None:
            return pages
    raise AssertionError("paging never ended")


def references(page: Page) -> list[str]:
    return [r.reference for r in page.items]


def readings(token: str) -> list[str]:
    """The token as it is, and as it reads if base64 is taken off."""
    seen = [token]
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        with contextlib.suppress(binascii.Error, ValueError):
            seen.append(decode(token + "=" * (-len(token) % 4)).decode("utf-8", "replace"))
    return seen


def changed_at(token: str, position: int) -> str:
    swap = "A" if token[position] != "A" else "B"
    return token[:position] + swap + token[position + 1 :]


async def test_a_page_token_names_no_link_no_filter_and_no_person(stores: Stores) -> None:
    tokens = [p.next_token for p in await every_page(stores.store, ALICE) if p.next_token]
    assert len(tokens) >= 2
    for token in tokens:
        for text in readings(token):
            for secret in ("http", "/v1.0", "/sites/", "filter", "RequesterId", ALICE, "alice"):
                assert secret.lower() not in text.lower(), (secret, text)


async def test_someone_elses_token_gives_me_my_own_first_page(stores: Stores) -> None:
    store = stores.store
    bobs_first = references(await first_page(store, BOB))
    assert bobs_first == stores.newest_first(BOB)[:PAGE]
    for page in (await every_page(store, ALICE))[:-1]:
        assert page.next_token is not None
        given = await store.for_requester(BOB, page.next_token, PAGE)
        assert references(given) == bobs_first
        assert {r.requester.user_id for r in given.items} == {BOB}


async def test_a_token_is_for_one_page_size_only(stores: Stores) -> None:
    token = (await first_page(stores.store, ALICE)).next_token
    assert token is not None
    given = await stores.store.for_requester(ALICE, token, 5)
    assert references(given) == stores.newest_first(ALICE)[:5]


async def test_a_changed_token_gives_my_own_first_page(stores: Stores) -> None:
    store = stores.store
    token = (await first_page(store, ALICE)).next_token
    assert token is not None
    for position in (0, len(token) // 2, len(token) - 1):
        given = await store.for_requester(ALICE, changed_at(token, position), PAGE)
        assert references(given) == stores.newest_first(ALICE)[:PAGE]


async def test_a_hand_made_token_shows_nobody_elses_requests(
    stores: Stores, fake: FakeGraph
) -> None:
    """The attack in the review: the next link with its filter taken out, sent back."""
    items = f"{fake.graph_url}/sites/{fake.site_id}/lists/{quote(REQUESTS.name)}/items"
    everyone = f"{items}?$expand=fields&$orderby=fields/SubmittedAt%20desc&$top={PAGE}"
    bobs = f"{everyone}&$filter=fields/RequesterId%20eq%20'{quote(BOB)}'"
    forged = [
        base64.urlsafe_b64encode(link.encode()).decode()
        for link in (everyone, bobs, "999999", "1", "-1")
    ]
    for token in [*forged, "", "%%%not-a-token", "A" * 400]:
        given = await stores.store.for_requester(ALICE, token, PAGE)
        assert {r.requester.user_id for r in given.items} == {ALICE}, token
        assert references(given) == stores.newest_first(ALICE)[:PAGE], token


async def test_paging_shows_each_of_my_requests_once_newest_first(stores: Stores) -> None:
    for person in (ALICE, BOB):
        pages = await every_page(stores.store, person)
        assert all(len(p.items) == PAGE for p in pages[:-1])
        seen = [ref for page in pages for ref in references(page)]
        assert seen == stores.newest_first(person)


async def test_a_request_of_someone_else_that_the_query_lets_through_is_not_shown(
    stores: Stores,
) -> None:
    await stores.raise_requests(ALICE_CASE_TWIN, ALICE_CASE_TWIN)
    for page in await every_page(stores.store, ALICE):
        assert {r.requester.user_id for r in page.items} <= {ALICE}
    seen = [ref for page in await every_page(stores.store, ALICE) for ref in references(page)]
    assert seen == stores.newest_first(ALICE)
    twins = [
        ref for page in await every_page(stores.store, ALICE_CASE_TWIN) for ref in references(page)
    ]
    assert twins == stores.newest_first(ALICE_CASE_TWIN)


async def test_a_token_from_one_store_means_nothing_to_the_other(
    tmp_path: Path, fake: FakeGraph
) -> None:
    clock = SettableClock(NOW)
    sqlite_dir, sharepoint_dir = tmp_path / "sqlite", tmp_path / "sharepoint"
    sqlite_dir.mkdir()
    sharepoint_dir.mkdir()
    async for local in open_sqlite(sqlite_dir, clock):
        async for sharepoint in open_sharepoint(sharepoint_dir, clock, fake):
            for stores in (local, sharepoint):
                await stores.raise_requests(*[ALICE] * 7)
            for mine, other in ((local, sharepoint), (sharepoint, local)):
                token = (await first_page(mine.store, ALICE)).next_token
                assert token is not None
                given = await other.store.for_requester(ALICE, token, PAGE)
                assert references(given) == other.newest_first(ALICE)[:PAGE]


@pytest.fixture
async def graph(fake: FakeGraph) -> AsyncIterator[GraphConnection]:
    connection = await provisioned(fake)
    yield connection
    await connection.close()


async def graph_requests_with(graph: GraphConnection, tokens: PageTokens) -> GraphRequests:
    listing = GraphRequests(
        graph.client, graph.site_id, graph.base_url, graph.policy, page_tokens=tokens
    )
    for number, person in enumerate([ALICE, BOB, "29:carol"] * 3, start=1):
        await listing.create(request(number, user=person))
    return listing


async def test_a_token_past_its_lifetime_starts_again_at_the_first_page(
    graph: GraphConnection,
) -> None:
    now = [0.0]
    listing = await graph_requests_with(graph, PageTokens(lifetime=60, now=lambda: now[0]))
    first = await listing.for_requester(ALICE, None, 2)
    assert first.next_token is not None
    second = await listing.for_requester(ALICE, first.next_token, 2)
    assert references(second) != references(first)
    now[0] = 61
    assert references(await listing.for_requester(ALICE, first.next_token, 2)) == references(first)


async def test_tokens_held_are_bounded_the_oldest_give_way(graph: GraphConnection) -> None:
    listing = await graph_requests_with(graph, PageTokens(most=2))
    alices = await listing.for_requester(ALICE, None, 2)
    for _ in range(3):  # the same card shown again takes no more room
        assert (await listing.for_requester(BOB, None, 2)).next_token is not None
    assert alices.next_token is not None
    assert references(await listing.for_requester(ALICE, alices.next_token, 2)) != references(
        alices
    )
    await listing.for_requester("29:carol", None, 2)
    given = await listing.for_requester(ALICE, alices.next_token, 2)
    assert references(given) == references(alices)


# Sealed tokens (STATE_STORE=azure): any instance pages on -------------------------------


async def test_the_next_page_works_on_another_instance(azurite: Azurite, fake: FakeGraph) -> None:
    """The card's press for the next page reaches another instance: it shows the next page."""
    clock = SettableClock(NOW)
    prefix = new_prefix()
    first_instance = open_sharepoint_azure(
        azure_account(azurite, prefix), clock, await provisioned(fake)
    )
    async for one in first_instance:
        async for two in open_sharepoint_azure(
            azure_account(azurite, prefix), clock, connect(fake)
        ):
            await one.raise_requests(*[ALICE] * 7)
            pages = []
            token: str | None = None
            for n in range(3):
                on = (one, two)[n % 2].store  # each press on the other instance
                page = await on.for_requester(ALICE, token, PAGE)
                pages.append(references(page))
                token = page.next_token
                for text in readings(token or ""):
                    for secret in ("http", "/sites/", "filter", ALICE, "alice"):
                        assert secret.lower() not in text.lower(), (secret, text)
            assert token is None
            assert [ref for page in pages for ref in page] == one.newest_first(ALICE)
            # The journal's own tokens (used while SharePoint is away) page on too.
            first = await two.store.journal.for_requester(ALICE, None, PAGE)
            assert first.next_token is not None
            second = await one.store.journal.for_requester(ALICE, first.next_token, PAGE)
            assert references(second) == one.newest_first(ALICE)[PAGE : 2 * PAGE]


@pytest.fixture
async def two_instances(
    azurite: Azurite,
) -> AsyncIterator[tuple[AzureState, AzureState]]:
    prefix = new_prefix()
    accounts = (azure_account(azurite, prefix), azure_account(azurite, prefix))
    yield accounts
    for account in accounts:
        await account.close()


async def test_two_instances_starting_at_once_make_one_key_and_share_it(
    two_instances: tuple[AzureState, AzureState],
) -> None:
    keys = await asyncio.gather(*(shared_page_key(a) for a in two_instances))
    assert keys[0] == keys[1]
    assert await shared_page_key(two_instances[0]) == keys[0], "kept, not made again"


async def test_a_sealed_token_is_for_one_person_query_and_purpose_for_an_hour(
    two_instances: tuple[AzureState, AzureState],
) -> None:
    clock = SettableClock(NOW)
    one, two = [
        SealedPageTokens(await shared_page_key(a), clock, "sharepoint list") for a in two_instances
    ]
    query = requests_of_requester(PAGE)
    link = "https://graph.example/v1.0/sites/s/lists/l/items?$skiptoken=UGFnZWQ9VFJVRSZwX0lEPTEy"
    token = one.issue(ALICE, query, link)
    assert two.cursor(token, ALICE, query) == link
    assert two.cursor(token, BOB, query) is None
    assert two.cursor(token, ALICE_CASE_TWIN, query) is None
    assert two.cursor(token, ALICE, requests_of_requester(PAGE + 1)) is None
    journal = SealedPageTokens(await shared_page_key(two_instances[1]), clock, "journal")
    assert journal.cursor(token, ALICE, query) is None, "another store's token"
    for position in range(0, len(token), 7):
        assert two.cursor(changed_at(token, position), ALICE, query) is None, position
    for forged in ("", "A" * 400, "%%%", "é" * 10, token + "A", token[:-4]):
        assert two.cursor(forged, ALICE, query) is None, forged
    other_key = SealedPageTokens(Fernet.generate_key(), clock, "sharepoint list")
    assert other_key.cursor(token, ALICE, query) is None

    clock.advance(dt.timedelta(minutes=59))
    assert two.cursor(token, ALICE, query) == link
    clock.advance(dt.timedelta(minutes=1, seconds=1))
    assert two.cursor(token, ALICE, query) is None, "past its hour"


async def test_a_sealed_token_stays_short_enough_for_card_data() -> None:
    """A SharePoint next link as Graph gives it (site id, filter on a long Teams id, skip
    token) sealed: well inside card data, which Teams allows tens of kilobytes."""
    clock = SettableClock(NOW)
    tokens = SealedPageTokens(Fernet.generate_key(), clock, "sharepoint list")
    site = "contoso.sharepoint.com,2c4c5a0e-3b6e-4b0f-9b1f-6f2d1e7a9c11,8d1b7e33-0a4f-4e8b-a0d2"
    link = (
        f"https://graph.microsoft.com/v1.0/sites/{site}/lists/DFD%20Requests/items"
        "?%24expand=fields&%24filter=fields%2fRequesterId+eq+%2729%3a1aB3cD4eF5gH6iJ7kL8mN9o"
        "P0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ0kL1mN2oP3qR4sT5uV6wX7yZ8%27&%24top=10"
        "&%24orderby=fields%2fSubmittedAt+desc&%24skiptoken=UGFnZWQ9VFJVRSZwX1N1Ym1pdHRlZEF0"
        "PTIwMjYxMTMwJTIwMTAlM2EwMCUzYTAwJnBfSUQ9MTIzNA"
    )
    token = tokens.issue(ALICE, "q", link)
    assert len(token) < 1.5 * len(link) < 1000
    assert tokens.cursor(token, ALICE, "q") == link
