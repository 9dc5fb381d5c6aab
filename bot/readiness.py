"""What GET /readyz says: each dependency, probed side by side, none waited on for long.

An App Service health check reads the status code; an alert reads the fields
(deploy/README.md, "Check it works"). The code is 503 only when the bot cannot serve: its
store does not answer. Graph unreachable, or Azure Storage slow, is "degraded" with 200: the
bot still answers people from its own copy, and SharePoint catches up later. So is
SharePoint more than 15 minutes behind.

- `store`: the kind ("sqlite" or "sharepoint"), or "not reachable".
- `state`: where the working state is ("sqlite" or "azure").
- `graph`: "reachable", "unreachable" or "not used" (BOT_STORE=sqlite). Taken from the
  last call the bot made to Graph, not a new call, so health checks cost no Graph quota.
- `azure_storage`: "reachable", "slow", "not reachable" or "not used" (STATE_STORE=sqlite).
- `outbox_depth`: writes taken and still owed to SharePoint (0 when there is no outbox);
  `pending_sharepoint_writes` is the same number, under its first name, in SharePoint mode.
- `oldest_pending_write_age_seconds`: how long the oldest of them has waited (0 when none).
  Over BEHIND (15 minutes) the status is "degraded", whatever Graph says.
- `config_problems`: edits to the DFD Config list that were not used, when there are any.

A number that could not be found in time is "unknown"; that is not a failure.

/readyz is public, and with STATE_STORE=azure its check of the store and of the account
writes a row. So those two answers are kept for FRESH (10 seconds, by the bot's clock):
however often /readyz is asked, and however many ask at once, each instance writes at most
once in that time. The rest of the answer is worked out afresh every time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.backends import OpenStore

logger = logging.getLogger(__name__)

PROBE_WAIT = 2.0  # seconds each probe may take; they run side by side
# SharePoint this far behind is worth a person's look (an alert on "degraded" fires), even
# with Graph answering: a write it keeps refusing, or a writer that has stopped.
BEHIND = dt.timedelta(minutes=15)
UNKNOWN = "unknown"
# How long the Azure Storage checks' answers are kept (see above).
FRESH = dt.timedelta(seconds=10)


@dataclass(frozen=True)
class Probed:
    """One probe's outcome: its answer, or that it was too slow, or that it failed."""

    answer: Any = None
    slow: bool = False
    failed: bool = False


async def probe(call: Callable[[], Awaitable[Any]] | None, what: str) -> Probed | None:
    """`call`'s answer within PROBE_WAIT; None when there is nothing to probe."""
    if call is None:
        return None
    try:
        return Probed(await asyncio.wait_for(call(), PROBE_WAIT))
    except TimeoutError:
        logger.warning("%s did not answer within %.0f s", what, PROBE_WAIT)
        return Probed(slow=True)
    except Exception as error:
        logger.warning("%s could not be checked: %r", what, error)
        return Probed(failed=True)


@dataclass
class _Kept:
    """One instance's last answers from the store and Azure Storage, and when they came."""

    at: dt.datetime | None = None
    store: Probed | None = None
    azure: Probed | None = None
    asking: asyncio.Lock = field(default_factory=asyncio.Lock)

    def fresh(self, now: dt.datetime) -> bool:
        return self.at is not None and self.at <= now < self.at + FRESH


# By the Azure Storage account's client, so it goes with the store it belongs to.
_kept: weakref.WeakKeyDictionary[object, _Kept] = weakref.WeakKeyDictionary()


async def _storage(opened: OpenStore, now: dt.datetime) -> tuple[Probed | None, Probed | None]:
    """The store's and Azure Storage's answers: asked each time on SQLite; on Azure
    Storage, asked at most once in FRESH, by whichever request comes first."""
    if opened.azure is None:
        return await probe(opened.store.ping, "The store"), None
    kept = _kept.setdefault(opened.azure, _Kept())
    async with kept.asking:  # the others wait for its answer, and take it
        if not kept.fresh(now):
            kept.store, kept.azure = await asyncio.gather(
                probe(opened.store.ping, "The store"),
                probe(opened.azure.ping, "Azure Storage"),
            )
            kept.at = now
    return kept.store, kept.azure


async def readiness(opened: OpenStore, now: dt.datetime) -> tuple[int, dict[str, object]]:
    """The status code and the body of /readyz."""
    (store, azure), depth, oldest = await asyncio.gather(
        _storage(opened, now),
        probe(opened.pending_writes, "The count of writes owed to SharePoint"),
        probe(opened.oldest_pending_write, "The oldest write owed to SharePoint"),
    )
    assert store is not None
    body: dict[str, object] = {"status": "ready", "store": opened.kind}
    body["state"] = "azure" if opened.azure is not None else "sqlite"
    body["graph"] = _graph(opened)
    body["azure_storage"] = _azure_storage(azure)
    body["outbox_depth"] = _depth(depth)
    if depth is not None:
        body["pending_sharepoint_writes"] = body["outbox_depth"]
    body["oldest_pending_write_age_seconds"] = _age(oldest, now)
    problems = getattr(opened.store, "config_problems", None)
    if problems:
        body["config_problems"] = list(problems)
    # A slow store on Azure Storage still serves (slowly): every instance shares it, so
    # taking this one out of the rotation would not help. A local file that does not
    # answer in seconds is a broken disk.
    store_slow_on_azure = store.slow and opened.azure is not None
    if (store.failed or store.slow or not store.answer) and not store_slow_on_azure:
        body.update(status="unavailable", store="not reachable")
        return 503, body
    age = body["oldest_pending_write_age_seconds"]
    behind = isinstance(age, int) and age > BEHIND.total_seconds()
    azure_trouble = body["azure_storage"] not in ("reachable", "not used")
    if body["graph"] == "unreachable" or azure_trouble or store.slow or behind:
        body["status"] = "degraded"
    return 200, body


def _graph(opened: OpenStore) -> str:
    if opened.graph is None:
        return "not used"
    reachable = getattr(opened.store, "graph_reachable", True)
    return "reachable" if reachable else "unreachable"


def _azure_storage(azure: Probed | None) -> str:
    if azure is None:
        return "not used"
    if azure.slow:
        return "slow"
    return "reachable" if azure.answer and not azure.failed else "not reachable"


def _depth(depth: Probed | None) -> int | str:
    if depth is not None and (depth.slow or depth.failed):
        return UNKNOWN
    return 0 if depth is None else int(depth.answer)


def _age(oldest: Probed | None, now: dt.datetime) -> int | str:
    if oldest is not None and (oldest.slow or oldest.failed):
        return UNKNOWN
    if oldest is None or oldest.answer is None:  # no outbox, or nothing owed
        return 0
    waited: dt.timedelta = now - oldest.answer
    return max(0, int(waited.total_seconds()))
