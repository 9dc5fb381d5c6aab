"""`python -m bot import-catalogue [--add] FILE.csv` and `python -m bot export-catalogue FILE.csv`.

The application catalogue from the command line, against the store the settings name:
the procurement journey's SQLite file in DATA_DIR locally, the SharePoint list with
BOT_STORE=sharepoint. The same rules as `import catalogue` in Teams: the file is the
whole catalogue, good rows are imported all in one go, bad rows are named by line
number, and systems not in the file are removed (but never a system whose row was bad).
With `--add`, as `add to catalogue`: rows are added or updated and nothing is removed.
The export is formula-safe (no cell starts with = + - or @), so it can be opened in Excel.

Exit status: 0 when everything went in (or out); 2 for bad input (no such file, not a
CSV, bad settings, or rows that were not imported: the good ones were); 1 when the store
failed part way (run the same import again to finish it).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.clock import SystemClock
from bot.domain.procurement import CatalogueEntry
from bot.journeys.procurement.csv_upload import CsvRefused, decode_csv
from bot.journeys.procurement.ports import (
    CatalogueImportUnfinished,
    CatalogueNotStored,
    CatalogueStore,
)
from bot.settings import Settings, SettingsError, load_settings

COMMANDS = ("import-catalogue", "export-catalogue")
USAGE = (
    "Usage:\n"
    "  python -m bot import-catalogue FILE.csv         import the whole catalogue: systems\n"
    "                                                  not in the file are removed\n"
    "  python -m bot import-catalogue --add FILE.csv   add or update systems, remove none\n"
    "  python -m bot export-catalogue FILE.csv         write the catalogue to a CSV file"
)
REMOVED_NAMED = 10
MAX_FILE = 50 * 1024 * 1024
BAD_INPUT = 2
STORE_FAILED = 1


class Stop(Exception):
    def __init__(self, message: str, code: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def run(args: list[str]) -> int:
    """Run one catalogue command; the exit status."""
    add = args[:1] == ["import-catalogue"] and "--add" in args
    if add:
        args = [arg for arg in args if arg != "--add"]
    if len(args) != 2 or args[0] not in COMMANDS or args[1].startswith("--"):
        print(USAGE, file=sys.stderr)
        return BAD_INPUT
    command, file_name = args
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        if settings.store == "sharepoint":
            from graph_clients.config import load_graph_settings

            load_graph_settings()
    except SettingsError as error:
        print("Fix these settings and try again:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return BAD_INPUT
    path = Path(file_name)
    try:
        if command == "import-catalogue":
            lines = asyncio.run(import_file(settings, path, replace=not add))
        else:
            lines = asyncio.run(export_file(settings, path))
        for line in lines:
            print(line)
    except Stop as stop:
        print(stop.message, file=sys.stderr)
        return stop.code
    return 0


async def import_file(settings: Settings, path: Path, replace: bool = True) -> list[str]:
    from bot.domain.catalogue_csv import parse_catalogue_csv, systems_on_bad_rows

    try:
        text = decode_csv(_read(path), f"The file {path}")
    except CsvRefused as refused:
        raise Stop(refused.message) from None
    result = parse_catalogue_csv(text)
    problems = [f"Line {p.line}: {p.reason}" for p in result.problems]
    if not result.entries:
        raise Stop("\n".join([*problems, f"Nothing was imported from {path}."]))
    bad = systems_on_bad_rows(text, [p.line for p in result.problems]) if replace else None
    removing = replace and bad is not None
    async with _catalogue(settings) as catalogue:
        before = await catalogue.entries()
        sample_before = any(entry.sample for entry in before)
        keep = {e.id for e in before if bad.covers(e)} if bad is not None else set()
        try:
            done = await catalogue.import_entries(list(result.entries), replace=removing, keep=keep)
        except CatalogueNotStored as error:
            raise Stop(f"Nothing was imported from {path}. {error}") from None
        except CatalogueImportUnfinished as error:
            raise Stop(str(error), STORE_FAILED) from None
        total = len(await catalogue.entries())
    await _record(settings, done.saved, len(problems))
    done_words = "Imported" if replace else "Added or updated"
    lines = [
        f"{done_words} {_systems(done.saved)} from {path}. The catalogue now has {_systems(total)}."
    ]
    if sample_before:
        lines.append("The sample data is gone.")
    lines.extend(_removed(done.removed))
    if replace and not removing:
        lines.append(
            "No systems were removed: we could not tell which system a bad row is for. "
            "Fix the rows and import the file again."
        )
    elif not replace:
        lines.append("Nothing was removed (--add).")
    if problems:
        count = len(problems)
        lines.append(f"{count} {'row was' if count == 1 else 'rows were'} not imported:")
        if removing:
            lines.append("If these systems were in the catalogue, they are kept as they were.")
        raise Stop("\n".join([*lines, *problems, "Fix them and import the file again."]))
    return lines


def _removed(removed: tuple[CatalogueEntry, ...]) -> list[str]:
    if not removed:
        return []
    count = len(removed)
    lines = [f"Removed {_systems(count)} that {'is' if count == 1 else 'are'} not in the file:"]
    lines.extend(f"  {entry.name} ({entry.id})" for entry in removed[:REMOVED_NAMED])
    if count > REMOVED_NAMED:
        lines.append(f"  and {count - REMOVED_NAMED} more")
    return lines


async def export_file(settings: Settings, path: Path) -> list[str]:
    from bot.domain.catalogue_csv import export_catalogue_csv

    async with _catalogue(settings) as catalogue:
        entries = await catalogue.entries()
    text = export_catalogue_csv(entries)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(partial, path)  # a reader never sees half a file
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise Stop(f"Could not write {path}: {error.strerror or error}.") from None
    return [f"Exported {_systems(len(entries))} to {path}."]


def _systems(count: int) -> str:
    return "1 system" if count == 1 else f"{count} systems"


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE:
            raise Stop(
                f"{path} is bigger than {MAX_FILE // (1024 * 1024)} MB. Nothing was imported."
            )
        return path.read_bytes()
    except IsADirectoryError:
        raise Stop(f"{path} is a folder, not a CSV file.") from None
    except OSError as error:
        raise Stop(f"Could not read {path}: {error.strerror or error}.") from None


@asynccontextmanager
async def _catalogue(settings: Settings) -> AsyncIterator[CatalogueStore]:
    """The catalogue as the bot opens it (the sample on a first local start)."""
    if settings.store == "sharepoint":
        from graph_clients.catalogue_list import SharePointCatalogue
        from graph_clients.wiring import connect_from_environment

        graph = connect_from_environment()
        catalogue: CatalogueStore = SharePointCatalogue(graph)
        try:
            await catalogue.open()
            yield catalogue
        finally:
            await catalogue.close()
            await graph.close()
        return
    from bot.journeys.procurement.sample_catalogue import SAMPLE
    from bot.journeys.procurement.shared import FILE_NAME
    from bot.journeys.procurement.store_sqlite import SqliteProcurementStore

    local = SqliteProcurementStore(settings.data_dir / FILE_NAME)
    await local.open()
    try:
        await local.seed_if_empty(list(SAMPLE))
        yield local
    finally:
        await local.close()


async def _record(settings: Settings, imported: int, problems: int) -> None:
    """So `catalogue` in Teams can say when it was last imported."""
    from bot.journeys.procurement.admin import record_import
    from bot.store.working import SqliteWorkingState

    clock = SystemClock()
    working = SqliteWorkingState(settings.database_path, clock)
    await working.open()
    try:
        await record_import(working, "command line", imported, problems, clock.now())
    finally:
        await working.close()
