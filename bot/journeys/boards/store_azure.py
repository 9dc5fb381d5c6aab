"""The boards journey's store on Azure Table storage (STATE_STORE=azure), shared by every
instance: each board's setup, its deputies, its decisions and a few small values.

One table, "boards", with these partitions:

- "setup": a row per board, its setup as JSON. A save replaces it (the last save wins, as
  in SQLite).
- "deputies:<board>": a row per member, holding all of that member's deputies as a JSON
  list, oldest named first. Naming or ending a deputy rewrites the row only if nobody
  changed it since it was read (its ETag), so two instances naming deputies for one member
  at once never both keep an overlapping deputy; the loser reads again and tries again.
- "decisions": the counter row (`Last`, the last seq given), a row per decision under
  "seq:<seq>", a copy under "ref:<reference>|<seq>" (a request's decisions are one range
  read), and a row per decision id under "id:<id>". A decision is kept by one transaction
  that makes these rows and moves the counter on from the value read (ETag).
  So a decision id is kept once (its "id:" row exists), seqs are never shared, and a
  decision with seq n is visible only once n-1 is: the SharePoint sync, which reads
  "after its cursor", never finds an older seq appearing behind it.
- "values": a row per key.
- "turns": a lease row per job (`take_turn`), so one instance at a time copies the
  decisions to SharePoint.

Every list is one partition query. In local mode with seeding asked for, the sample
setups are written on first open only, each as "create if absent", so an admin's setup
is never written over and two instances seeding at once write each sample once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import secrets
import socket
from collections.abc import Callable
from typing import Any

from azure.data.tables import UpdateMode
from azure.data.tables.aio import TableClient

from bot.azure_state.account import AzureState
from bot.azure_state.entities import (
    as_int,
    bounded_key,
    claim_lease,
    etag_of,
    get_or_none,
    insert_new,
    pack,
    replace_if,
    replace_op,
    transact,
    unkey,
    unpack,
)
from bot.domain.boards import BoardSetup, Decision, Deputy
from bot.journeys.boards.records import (
    decision_data,
    decision_from,
    deputy_data,
    deputy_from,
    sample_setups,
    setup_data,
    setup_from,
)

TABLE = "boards"
SETUPS = "setup"
DECISIONS = "decisions"
VALUES = "values"
TURNS = "turns"
COUNTER = "counter"
SEEDED = "sample_setups_seeded"
TRIES = 100  # conditional writes met by someone else's: contention settles in a few
_SEQ_FROM, _SEQ_TO = "seq:", "seq;"  # ";" sorts just after ":": every seq row between
_SEQ_WIDTH = 12


class BoardsBusy(Exception):
    """Every try met someone else's write (only in a storm of them): try again later."""


class AzureBoardStore:
    """BoardStore on Azure Table storage; safe for any number of instances at once."""

    def __init__(
        self, azure: AzureState, seed: bool, seed_members: frozenset[str] = frozenset()
    ) -> None:
        self._azure = azure
        self._seed = seed
        self._seed_members = seed_members
        self._table: TableClient | None = None
        self._holder = f"{socket.gethostname()}:{secrets.token_hex(6)}"  # for take_turn

    async def open(self) -> None:
        self._table = await self._azure.table(TABLE)
        if self._seed:
            await self._write_samples()

    async def close(self) -> None:
        """Nothing of its own to close: the AzureState is the app's, shared."""
        self._table = None

    @property
    def table(self) -> TableClient:
        if self._table is None:
            raise RuntimeError("The boards store is not open")
        return self._table

    async def _write_samples(self) -> None:
        if await get_or_none(self.table, VALUES, SEEDED) is not None:
            return
        for setup in sample_setups(self._seed_members):
            await insert_new(self.table, _setup_entity(setup))
        await insert_new(self.table, {"PartitionKey": VALUES, "RowKey": SEEDED, **pack("yes")})

    # -- Setups

    async def setup(self, board: str) -> BoardSetup:
        found = await get_or_none(self.table, SETUPS, bounded_key(board))
        return setup_from(unpack(found)) if found is not None else BoardSetup(board)

    async def setups(self) -> list[BoardSetup]:
        found = [setup_from(unpack(e)) async for e in self._partition(SETUPS)]
        return sorted(found, key=lambda setup: setup.key)

    async def save_setup(self, setup: BoardSetup) -> None:
        await self.table.upsert_entity(_setup_entity(setup), mode=UpdateMode.REPLACE)

    # -- Deputies

    async def add_deputy(self, deputy: Deputy) -> None:
        new = deputy_data(deputy)

        def change(kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
            # An earlier deputy of this member whose period overlaps the new one goes.
            staying = [
                d for d in kept if not (d["starts"] <= new["ends"] and d["ends"] >= new["starts"])
            ]
            return [*staying, new]

        await self._change_deputies(deputy.board, deputy.member_id, change)

    async def end_deputy(self, board: str, member_id: str, today: dt.date) -> bool:
        """Deputies still running end yesterday; those not started yet (or starting today) go."""
        day = today.isoformat()
        yesterday = (today - dt.timedelta(days=1)).isoformat()

        def change(kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
            staying = [d for d in kept if d["starts"] < day]
            return [{**d, "ends": yesterday} if d["ends"] >= day else d for d in staying]

        return await self._change_deputies(board, member_id, change)

    async def _change_deputies(
        self, board: str, member_id: str, change: Callable[[list[Any]], list[Any]]
    ) -> bool:
        """Rewrite the member's row with `change(kept)`, only over the row as read; True
        if anything changed."""
        partition, row = _deputies_partition(board), bounded_key(member_id)
        for attempt in range(TRIES):
            found = await get_or_none(self.table, partition, row)
            kept: list[dict[str, Any]] = unpack(found) if found is not None else []
            changed = change(kept)
            if changed == kept:
                return False
            entity = {"PartitionKey": partition, "RowKey": row, **pack(changed)}
            if found is None:
                if await insert_new(self.table, entity):
                    return True
            elif await replace_if(self.table, entity, etag_of(found)):
                return True
            await _pause(attempt)
        raise BoardsBusy(f"The deputies of {member_id} on {board} could not be changed")

    async def deputies(self, board: str, on: dt.date | None = None) -> list[Deputy]:
        found = [
            d
            async for entity in self._partition(_deputies_partition(board))
            for d in unpack(entity)
        ]
        if on is not None:
            day = on.isoformat()
            found = [d for d in found if d["starts"] <= day <= d["ends"]]
        # Each member's list is in the order named (as SQLite's id); the sort is stable.
        found.sort(key=lambda d: (d["starts"], d["member_id"]))
        return [deputy_from(d) for d in found]

    # -- Decisions

    async def add_decision(self, decision: Decision) -> bool:
        id_row = "id:" + bounded_key(decision.id)
        row = decision_data(decision)
        for attempt in range(TRIES):
            counter = await get_or_none(self.table, DECISIONS, COUNTER)
            seq = (as_int(counter["Last"]) if counter is not None else 0) + 1
            moved = {"PartitionKey": DECISIONS, "RowKey": COUNTER, "Last": seq}
            kept = {
                "PartitionKey": DECISIONS,
                "Seq": seq,
                "Board": decision.board,
                "Reference": decision.reference,
                **pack(row),
            }
            steps: list[Any] = [
                ("create", {"PartitionKey": DECISIONS, "RowKey": id_row, "Seq": seq}),
                ("create", {**kept, "RowKey": _seq_row(seq)}),
                ("create", {**kept, "RowKey": _reference_row(decision.reference, seq)}),
                ("create", moved) if counter is None else replace_op(moved, etag_of(counter)),
            ]
            if await transact(self.table, steps):
                return True
            if await get_or_none(self.table, DECISIONS, id_row) is not None:
                return False  # kept already (pressed twice, or by another instance)
            await _pause(attempt)  # another decision took this seq: the next one
        raise BoardsBusy(f"Decision {decision.id} could not be kept")

    async def decisions(
        self, after_seq: int = 0, limit: int = 500, board: str = ""
    ) -> list[Decision]:
        if limit == 0:
            return []
        query = "PartitionKey eq @p and RowKey gt @after and RowKey lt @end"
        parameters: dict[str, Any] = {
            "p": DECISIONS,
            "after": _seq_row(max(after_seq, 0)),
            "end": _SEQ_TO,
        }
        if board:
            query += " and Board eq @board"
            parameters["board"] = board
        found: list[Decision] = []
        async for entity in self.table.query_entities(
            query, parameters=parameters, results_per_page=min(limit, 1000) if limit > 0 else 1000
        ):
            found.append(_decision(entity))
            if len(found) == limit:
                break
        return found

    async def decisions_for(self, reference: str) -> list[Decision]:
        """The request's own rows only (a copy of each of its decisions, under its
        reference), not a scan of every decision."""
        start = _reference_row(reference, 0)[:-_SEQ_WIDTH]
        query = "PartitionKey eq @p and RowKey ge @start and RowKey lt @end and Reference eq @r"
        parameters = {"p": DECISIONS, "start": start, "end": start[:-1] + "}", "r": reference}
        return [
            _decision(entity)
            async for entity in self.table.query_entities(query, parameters=parameters)
        ]

    # -- Values

    async def get_value(self, key: str) -> str:
        found = await get_or_none(self.table, VALUES, bounded_key(key))
        return str(unpack(found)) if found is not None else ""

    async def set_value(self, key: str, value: str) -> None:
        entity = {"PartitionKey": VALUES, "RowKey": bounded_key(key), **pack(value)}
        await self.table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    # -- Turns

    async def take_turn(self, job: str, now: dt.datetime, hold: dt.timedelta) -> bool:
        """A lease row per job (`claim_lease`): two instances taking it at once, one wins
        on the ETag."""
        return await claim_lease(self.table, TURNS, bounded_key(job), self._holder, now, hold)

    def _partition(self, partition: str) -> Any:
        return self.table.query_entities("PartitionKey eq @p", parameters={"p": partition})

    # -- Personal data (personal_data.py: `my data`, `erase` and retention)

    async def _deputy_rows(self) -> list[Any]:
        query = "PartitionKey ge @low and PartitionKey lt @high"
        return [
            entity
            async for entity in self.table.query_entities(
                query, parameters={"low": "deputies:", "high": "deputies;"}
            )
        ]

    async def all_deputies(self) -> list[Deputy]:
        """Every deputy of every board, oldest period first."""
        found = [deputy_from(d) for entity in await self._deputy_rows() for d in unpack(entity)]
        return sorted(found, key=lambda d: (d.board, d.starts, d.member_id))

    async def rewrite_deputies(self, change: Callable[[Deputy], Deputy]) -> int:
        """Every deputy as `change` gives it back: how many changed. A member's row is
        keyed by their id, so when that id changes the deputies move to the new id's row
        (added to any kept there), then the old row goes."""
        changed = 0
        for entity in await self._deputy_rows():
            kept = [deputy_from(d) for d in unpack(entity)]
            new = [change(d) for d in kept]
            if new == kept or not new:
                continue
            board, member = kept[0].board, kept[0].member_id
            moved_to = new[0].member_id
            datas = [deputy_data(d) for d in new]
            if moved_to == member:

                def rewrite(rows: list[Any], datas: list[Any] = datas) -> list[Any]:
                    return datas

                await self._change_deputies(board, member, rewrite)
            else:

                def add(rows: list[Any], datas: list[Any] = datas) -> list[Any]:
                    return [*rows, *(d for d in datas if d not in rows)]

                await self._change_deputies(board, moved_to, add)
                await self.table.delete_entity(entity["PartitionKey"], entity["RowKey"])
            changed += sum(1 for a, b in zip(kept, new, strict=True) if a != b)
        return changed

    async def values_starting(self, prefix: str) -> dict[str, str]:
        """Every value whose key starts with `prefix`, by key (keys kept whole: a key
        longer than a RowKey may hold is not found here)."""
        low = bounded_key(prefix) or " "
        query = "PartitionKey eq @p and RowKey ge @low and RowKey lt @high"
        found: dict[str, str] = {}
        async for entity in self.table.query_entities(
            query, parameters={"p": VALUES, "low": low, "high": low[:-1] + chr(ord(low[-1]) + 1)}
        ):
            found[unkey(entity["RowKey"])] = str(unpack(entity))
        return dict(sorted(found.items()))

    async def delete_value(self, key: str) -> bool:
        if await get_or_none(self.table, VALUES, bounded_key(key)) is None:
            return False
        await self.table.delete_entity(VALUES, bounded_key(key))
        return True


async def _pause(attempt: int) -> None:
    """A short, random wait before trying again, so two instances stop meeting."""
    await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))


def _deputies_partition(board: str) -> str:
    return "deputies:" + bounded_key(board)


def _seq_row(seq: int) -> str:
    return f"{_SEQ_FROM}{seq:0{_SEQ_WIDTH}d}"  # fixed width: text order is number order


def _reference_row(reference: str, seq: int) -> str:
    """A request's copy of a decision: all of a request's sort together, by seq ("|" is
    followed by "}" in text order, which ends the range; the Reference property tells
    apart a reference that itself goes on with a "|")."""
    return f"ref:{bounded_key(reference)}|{seq:0{_SEQ_WIDTH}d}"


# -- Setups as JSON (the same document the SQLite store keeps)


def _setup_entity(setup: BoardSetup) -> dict[str, Any]:
    return {"PartitionKey": SETUPS, "RowKey": bounded_key(setup.key), **pack(setup_data(setup))}


def _decision(entity: Any) -> Decision:
    return decision_from(unpack(entity), as_int(entity["Seq"]))
