"""How the journal's rows are laid out in its table: shared by the register (journal.py)
and the outbox (outbox.py), which write rows of one request in one transaction.

Everything is in one partition, so a request's row, its index rows and the outbox rows of
a write to it go in one entity-group transaction: all or nothing, never a change without
the write it owes SharePoint.

Row keys:
- `req|<inverted order>`: the request (JSON plus the columns queries filter on), newest
  first when listed.
- `ref|<reference>`: points at the request row (its `Order`), with what SharePoint has
  (`ItemId`, `GraphEtag`).
- `draft|<draft id>`, `by|<requester>|<inverted order>`, `untriaged|<inverted order>`:
  index rows naming the reference.
- `out|<reference>|<n>`: a write owed to SharePoint (its `Op`, `Attempts`, `LastError`,
  `CreatedAt`); n counts the request's writes (the request row's `OutSeq`).
- `gov|config`: governance, as JSON.

A request's order is year * 1,000,000 + its number, so orders sort as references are given.
An OutboxOp's seq is order * 1,000,000 + n: unique, and it names its request.
"""

from __future__ import annotations

from bot.azure_state.entities import key

TABLE = "journal"
PARTITION = "j"
ORDER_SPAN = 10**13  # inverted orders are ORDER_SPAN - order, 13 digits wide
OPS_PER_REQUEST = 1_000_000


def order_of(year: int, number: int) -> int:
    return year * 1_000_000 + number


def inverted(order: int) -> str:
    return f"{ORDER_SPAN - order:013d}"


def request_row(order: int) -> str:
    return f"req|{inverted(order)}"


def pointer_row(reference: str) -> str:
    return f"ref|{reference}"


def draft_row(draft_id: str) -> str:
    return f"draft|{key(draft_id)}"


def requester_row(requester_id: str, order: int) -> str:
    return f"by|{key(requester_id)}|{inverted(order)}"


def untriaged_row(order: int) -> str:
    return f"untriaged|{inverted(order)}"


def outbox_row(reference: str, n: int) -> str:
    return f"out|{reference}|{n:06d}"


GOVERNANCE_ROW = "gov|config"


def seq_of(order: int, n: int) -> int:
    return order * OPS_PER_REQUEST + n


def split_seq(seq: int) -> tuple[int, int]:
    """(order, n) of an OutboxOp's seq."""
    return divmod(seq, OPS_PER_REQUEST)


def prefix_range(prefix: str) -> str:
    """An OData filter for the rows whose key starts with `prefix` (in PARTITION)."""
    return f"PartitionKey eq '{PARTITION}' and RowKey ge '{prefix}' and RowKey lt '{prefix}~'"
