"""How the journal's rows are laid out in its table: shared by the register (journal.py)
and the outbox (outbox.py), which write rows of one request in one transaction.

Everything is in one partition, so a request's row, its copies, its index rows and the
outbox row of a write to it go in one entity-group transaction: all or nothing, never a
change without the write it owes SharePoint.

Row keys:
- `req|<inverted order>`: the request (JSON plus the columns queries filter on, its
  `Version`, `OutSeq` and `TriageMessageId`). Every write to a request is conditional on
  this row's ETag, so writes to one request happen one at a time. Its key follows from the
  reference, so `get` is one point read; listed newest first (`recent`).
- `asc|<order>`: a copy of the request row, listed oldest first (`query`).
- `by|<requester>|<inverted order>`: a copy of the request row, one person's requests
  newest first (`for_requester`).
- `untriaged|<order>`: a request whose card is not in the triage channel yet (its
  `Reference`, `Order`), oldest first.
- `draft|<draft id>`: the request a draft became (`Reference`, `Order`); made in the
  request's transaction, so one draft never becomes two requests.
- `ref|<reference>`: what SharePoint has (`ItemId`, `GraphEtag`).
- `out|<reference>|<n>`: a write owed to SharePoint (its `Op`, `Attempts`, `LastError`,
  `CreatedAt`); n counts the request's writes (the request row's `OutSeq`).
- `gov|<key>`: one governance value (boards, matrix, routing_rules…), as JSON.

A request's order is year * 1,000,000 + its number, so orders sort as references are given.
An OutboxOp's seq is order * 1,000,000 + n: unique, and it names its request.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bot.azure_state.entities import key

TABLE = "journal"
PARTITION = "j"
ORDER_SPAN = 10**13  # inverted orders are ORDER_SPAN - order, 13 digits wide
OPS_PER_REQUEST = 1_000_000
# A key part longer than this is named by its hash: a RowKey holds at most 1 KiB.
LONGEST_KEY_PART = 200


def order_of(year: int, number: int) -> int:
    """Raises ValueError past 999,999 requests in a year, where orders would meet the next
    year's (no council raises that many: this only keeps two references from one key)."""
    if not 0 < number < 1_000_000:
        raise ValueError(f"The journal keeps numbers 1 to 999,999 in a year, not {number}")
    return year * 1_000_000 + number


def inverted(order: int) -> str:
    return f"{ORDER_SPAN - order:013d}"


def ascending(order: int) -> str:
    return f"{order:013d}"


def short_key(text: str) -> str:
    """`text` as part of a RowKey: `key(text)`, or its SHA-256 if that would be too long
    ("%~" never starts a `key`, whose % is always followed by two hex digits)."""
    safe = key(text)
    if len(safe) <= LONGEST_KEY_PART:
        return safe
    return "%~" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def request_row(order: int) -> str:
    return f"req|{inverted(order)}"


def listing_row(order: int) -> str:
    return f"asc|{ascending(order)}"


def pointer_row(reference: str) -> str:
    return f"ref|{reference}"


def draft_row(draft_id: str) -> str:
    return f"draft|{short_key(draft_id)}"


def requester_prefix(requester_id: str) -> str:
    return f"by|{short_key(requester_id)}|"


def requester_row(requester_id: str, order: int) -> str:
    return requester_prefix(requester_id) + inverted(order)


def untriaged_row(order: int) -> str:
    return f"untriaged|{ascending(order)}"


def outbox_row(reference: str, n: int) -> str:
    return f"out|{reference}|{n:06d}"


def governance_row(name: str) -> str:
    return f"gov|{short_key(name)}"


def item_entity(reference: str, item_id: str, etag: str) -> dict[str, Any]:
    """SharePoint's item for a request: upserted (merge) on its `ref|` row."""
    return {
        "PartitionKey": PARTITION,
        "RowKey": pointer_row(reference),
        "ItemId": item_id,
        "GraphEtag": etag,
    }


def seq_of(order: int, n: int) -> int:
    return order * OPS_PER_REQUEST + n


def split_seq(seq: int) -> tuple[int, int]:
    """(order, n) of an OutboxOp's seq."""
    return divmod(seq, OPS_PER_REQUEST)


def prefix_range(prefix: str) -> str:
    """An OData filter for the rows whose key starts with `prefix` (in PARTITION)."""
    return f"PartitionKey eq '{PARTITION}' and RowKey ge '{prefix}' and RowKey lt '{prefix}~'"
