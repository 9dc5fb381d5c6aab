"""What the boards journey keeps for itself, and the contract between its parts.

SQLite (`boards.sqlite3` in DATA_DIR), or Azure Table storage with STATE_STORE=azure
(store_azure.py); in m365 mode each decision is also written to the "DFD Decisions"
SharePoint list for Power BI (see graph_clients).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from bot.domain.boards import BoardSetup, Decision, Deputy


class BoardStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    # -- How each board works (seeded with sample setups in local mode)
    async def setup(self, board: str) -> BoardSetup:
        """The board's setup; an empty one (no members, no meetings) if none is kept."""
        ...

    async def setups(self) -> list[BoardSetup]: ...

    async def save_setup(self, setup: BoardSetup) -> None: ...

    # -- Deputies
    async def add_deputy(self, deputy: Deputy) -> None:
        """Keep it; a member's earlier deputy for an overlapping period is replaced."""
        ...

    async def end_deputy(self, board: str, member_id: str, today: dt.date) -> bool:
        """The member is back: their deputies end before `today`. True if any was ended."""
        ...

    async def deputies(self, board: str, on: dt.date | None = None) -> list[Deputy]:
        """The board's deputies (those whose period includes `on`, when given)."""
        ...

    # -- Decisions, in the order kept
    async def add_decision(self, decision: Decision) -> bool:
        """Keep it once: True if new, False if a decision with its id is already kept."""
        ...

    async def decisions(
        self, after_seq: int = 0, limit: int = 500, board: str = ""
    ) -> list[Decision]:
        """Decisions kept after `after_seq`, oldest first (with their seq set)."""
        ...

    async def decisions_for(self, reference: str) -> list[Decision]: ...

    # -- Small shared state: cursors (the SharePoint sync) and pack tokens
    async def get_value(self, key: str) -> str:
        """A value kept under `key`, "" if none."""
        ...

    async def set_value(self, key: str, value: str) -> None: ...

    # -- One bot process at a time (several instances share the store on Azure Storage)
    async def take_turn(self, job: str, now: dt.datetime, hold: dt.timedelta) -> bool:
        """True if this store's process may run `job` now. One process holds a job's turn
        at a time, until `now + hold` or until it takes it again; after that any may take
        it, so a job whose process died is taken over."""
        ...

    # -- Personal data (personal_data.py: `my data`, `erase` and retention)
    async def all_deputies(self) -> list[Deputy]:
        """Every deputy of every board."""
        ...

    async def rewrite_deputies(self, change: Callable[[Deputy], Deputy]) -> int:
        """Every deputy as `change` gives it back (ids and names anonymised, say): how
        many changed."""
        ...

    async def values_starting(self, prefix: str) -> dict[str, str]:
        """Every value whose key starts with `prefix`, by key."""
        ...

    async def delete_value(self, key: str) -> bool: ...
