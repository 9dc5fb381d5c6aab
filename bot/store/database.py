"""One SQLite file, every call run on one worker thread.

One connection on one thread keeps SQLite simple and safe; `BEGIN IMMEDIATE`
makes counters atomic even if two processes (or two connections) share the file.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

OPEN_TRIES = 20  # with OPEN_WAIT, at most about 10 seconds of trying to open a locked file
OPEN_WAIT = 0.05

# Readies a file after the schema has run, on every open: brings one made by an earlier
# version up to date, or seeds a new one.
Migration = Callable[[sqlite3.Connection], None]


class Database:
    def __init__(self, path: Path, schema: str, migrations: Iterable[Migration] = ()) -> None:
        self._path = path
        self._schema = schema
        self._migrations = tuple(migrations)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection | None = None

    async def open(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._open)

    def _open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # Two processes opening a new file at once: SQLite can answer "locked" to the
        # switch to WAL without waiting, so the opening is tried again, for a bounded time.
        for attempt in range(OPEN_TRIES):
            try:
                self._db = self._connect()
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == OPEN_TRIES - 1:
                    raise
                time.sleep(OPEN_WAIT * (attempt + 1))

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._path, isolation_level=None, timeout=10)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # Deleted rows are overwritten, not left in free pages: an erased person's
            # data must not stay readable in the file (some SQLite builds default to off).
            db.execute("PRAGMA secure_delete=ON")
            db.executescript(self._schema)
            for migrate in self._migrations:
                migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` with the connection on the worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, fn)

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._db is None:
            raise RuntimeError("The store is closed.")
        return fn(self._db)

    async def one(self, read: Callable[[sqlite3.Row], T], sql: str, *args: object) -> T | None:
        """The first row the query finds, read into a record; None when there is none."""
        row = await self.run(lambda db: db.execute(sql, args).fetchone())
        return None if row is None else read(row)

    async def every(self, read: Callable[[sqlite3.Row], T], sql: str, *args: object) -> list[T]:
        """Every row the query finds, each read into a record."""
        rows = await self.run(lambda db: db.execute(sql, args).fetchall())
        return [read(row) for row in rows]

    async def ping(self) -> bool:
        return await self.run(lambda db: db.execute("SELECT 1").fetchone()[0] == 1)

    async def close(self) -> None:
        def _close(db: sqlite3.Connection) -> None:
            db.close()

        if self._db is not None:
            await self.run(_close)
            self._db = None
        self._executor.shutdown(wait=True)


def immediate(db: sqlite3.Connection, write: Callable[[], T]) -> T:
    """Run `write` in one `BEGIN IMMEDIATE` transaction: all of it or none of it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        result = write()
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result
