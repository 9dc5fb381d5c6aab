"""The application catalogue as a CSV file: reading a CMDB export, writing one back.

Reading is forgiving about how the columns are named ("System", "Application name",
"Vendor", "Licenses") and strict about the values: each bad row is reported by its
line in the file, with the reason in plain English, and the good rows are kept. The
first line must name the columns; a "System" (or "Name", "Application") column is the
only one required.

No value that came from a file can run as a formula when the catalogue is opened in
Excel or Power BI: a value that starts with =, +, -, @, a tab or a carriage return is
given a leading apostrophe when it is read, and again when it is written (CSV injection).

No I/O here: text in, entries and problems out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.cells import safe_cell
from bot.domain.procurement import CatalogueEntry, ImportProblem, ImportResult

MOST_CHARACTERS = 5_000_000
MOST_ROWS = 10_000
NAME_CHARS = 200
TEXT_CHARS = 200  # supplier, owner, directorate
DESCRIPTION_CHARS = 2_000
CAPABILITY_CHARS = 100
MOST_CAPABILITIES = 30
ID_CHARS = 100
MOST_COUNT = 10_000_000  # users or licences: more than any council has
QUOTED_CHARS = 40  # a value quoted in a problem is cut to this

# The columns, in the order they are written, with the names they are written under.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "Id"),
    ("name", "System"),
    ("supplier", "Supplier"),
    ("owner_name", "Owner"),
    ("owner_id", "Owner Entra id"),
    ("capabilities", "Capabilities"),
    ("description", "Description"),
    ("users", "Users"),
    ("contract_end", "Contract end"),
    ("licences", "Licences"),
    ("directorate", "Directorate"),
    ("platform", "Platform"),
)
# What each column may be called in a CMDB export (compared without case, spaces or
# punctuation, so "Owner Entra ID" and "owner_entra_id" are the same).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "systemid", "applicationid", "appid", "cmdbid", "ciid", "reference"),
    "name": ("system", "name", "application", "systemname", "applicationname", "appname"),
    "supplier": ("supplier", "vendor", "suppliername", "vendorname", "manufacturer"),
    "owner_name": ("owner", "ownername", "systemowner", "businessowner", "applicationowner"),
    "owner_id": (
        "ownerid",
        "ownerentraid",
        "ownerentraobjectid",
        "ownerobjectid",
        "owneraadid",
        "ownerazureadid",
    ),
    "capabilities": ("capabilities", "capability", "features", "functions", "whatitdoes"),
    "description": ("description", "summary", "purpose"),
    "users": ("users", "usercount", "numberofusers", "noofusers", "staffusers"),
    "contract_end": (
        "contractend",
        "contractenddate",
        "contractends",
        "enddate",
        "contractexpiry",
        "contractexpirydate",
        "expirydate",
    ),
    "licences": (
        "licences",
        "licenses",
        "licencecount",
        "licensecount",
        "numberoflicences",
        "numberoflicenses",
        "nooflicences",
        "nooflicenses",
    ),
    "directorate": ("directorate", "department", "servicearea"),
    "platform": ("platform", "ownedplatform", "isplatform"),
}
_FIELD_BY_HEADER = {synonym: field for field, names in SYNONYMS.items() for synonym in names}
_LABEL = {
    "id": "id",
    "name": "system name",
    "supplier": "supplier",
    "owner_name": "owner",
    "directorate": "directorate",
    "description": "description",
    "users": "number of users",
    "licences": "number of licences",
    "owner_id": "owner's Entra id",
    "capabilities": "capabilities",
    "contract_end": "contract end date",
    "platform": "platform",
}

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_UK_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Excel often adds a time of midnight to a date: "31/03/2027 00:00".
_MIDNIGHT = re.compile(r"(?:[ T]00:00(?::00(?:\.0+)?)?Z?)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}


def neutralise(value: str) -> str:
    """`value`, made safe to open in a spreadsheet (bot/domain/cells.py)."""
    return safe_cell(value)


def slug(name: str) -> str:
    """An id from a system's name: "Civica Pay" -> "civica-pay", "Café" -> "cafe"."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if c.isascii())
    made = re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")
    return made[:ID_CHARS].rstrip("-")


def _header_key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def _quoted(value: str) -> str:
    value = " ".join(value.split())
    if len(value) > QUOTED_CHARS:
        value = value[: QUOTED_CHARS - 1] + "…"
    return f"'{value}'"


class _Bad(Exception):
    """One row's problem, in words for the person who made the file."""


@dataclass(frozen=True)
class _Columns:
    by_field: dict[str, int]
    width: int


def _read_header(cells: list[str]) -> _Columns | str:
    by_field: dict[str, int] = {}
    for number, cell in enumerate(cells):
        field = _FIELD_BY_HEADER.get(_header_key(cell))
        if field is None:
            continue  # a column the catalogue does not keep
        if field in by_field:
            first = cells[by_field[field]].strip()
            return (
                f"The first line has two columns for the {_LABEL[field]}: "
                f"{_quoted(first)} and {_quoted(cell.strip())}. Keep one of them."
            )
        by_field[field] = number
    if "name" not in by_field:
        found = ", ".join(_quoted(cell.strip()) for cell in cells[:12] if cell.strip())
        return (
            "The first line must name the columns, and one of them must be System "
            "(the system's name). "
            + (f"The columns found were {found}." if found else "The first line is empty.")
        )
    return _Columns(by_field, len(cells))


def _one_line(value: str) -> str:
    return " ".join(_CONTROL.sub(" ", value).split())


def _text(row: dict[str, str], field: str, most: int) -> str:
    value = _one_line(row.get(field, ""))
    if len(value) > most:
        raise _Bad(f"The {_LABEL[field]} is {len(value):,} characters long. The most is {most:,}.")
    return neutralise(value)


def _description(row: dict[str, str]) -> str:
    lines = [
        " ".join(line.split()) for line in _CONTROL.sub(" ", row.get("description", "")).split("\n")
    ]
    value = "\n".join(lines).strip()
    if len(value) > DESCRIPTION_CHARS:
        raise _Bad(
            f"The description is {len(value):,} characters long. The most is {DESCRIPTION_CHARS:,}."
        )
    return neutralise(value)


def _capabilities(row: dict[str, str]) -> tuple[str, ...]:
    found: list[str] = []
    seen: set[str] = set()
    for part in re.split(r"[;|]", row.get("capabilities", "")):
        capability = _one_line(part)
        if not capability or capability.casefold() in seen:
            continue
        if len(capability) > CAPABILITY_CHARS:
            raise _Bad(
                f"The capability {_quoted(capability)} is {len(capability):,} characters "
                f"long. The most for one capability is {CAPABILITY_CHARS}."
            )
        seen.add(capability.casefold())
        found.append(neutralise(capability))
    if len(found) > MOST_CAPABILITIES:
        raise _Bad(
            f"It has {len(found)} capabilities. The most is {MOST_CAPABILITIES}: keep the "
            "main ones, separated by ; or |."
        )
    return tuple(found)


def _count(row: dict[str, str], field: str) -> int | None:
    raw = row.get(field, "").strip()
    if not raw:
        return None
    plain = raw.replace(",", "").replace(" ", "")
    if not plain.isascii() or not plain.isdigit():
        raise _Bad(f"The {_LABEL[field]} {_quoted(raw)} is not a whole number, such as 250.")
    number = int(plain)
    if number > MOST_COUNT:
        raise _Bad(f"The {_LABEL[field]} {_quoted(raw)} is more than {MOST_COUNT:,}.")
    return number


def parse_date(raw: str) -> dt.date | None:
    """A UK date (31/03/2027, also with - or .) or an ISO one (2027-03-31); None when
    blank. Raises ValueError with the reason otherwise."""
    value = _MIDNIGHT.sub("", raw.strip())
    if not value:
        return None
    if uk := _UK_DATE.fullmatch(value):
        day, month, year = int(uk[1]), int(uk[2]), int(uk[3])
    elif iso := _ISO_DATE.fullmatch(value):
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    else:
        raise ValueError(
            f"The contract end date {_quoted(raw)} is not a date we can read. "
            "Write it like 31/03/2027 or 2027-03-31."
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"The contract end date {_quoted(raw)} is not a real date.") from None


def _platform(row: dict[str, str]) -> bool:
    raw = row.get("platform", "").strip()
    if raw.casefold() in _TRUE:
        return True
    if raw.casefold() in _FALSE:
        return False
    raise _Bad(f"Platform must be yes or no. It is {_quoted(raw)}.")


def _owner_id(row: dict[str, str]) -> str:
    raw = row.get("owner_id", "").strip()
    if raw and not _GUID.fullmatch(raw):
        raise _Bad(
            f"The owner's Entra id {_quoted(raw)} is not one. It looks like "
            "1b2c3d4e-0000-4a5b-8c9d-0123456789ab, or leave it empty."
        )
    return raw.lower()


def _entry_id(row: dict[str, str], name: str) -> str:
    raw = row.get("id", "").strip()
    if raw:
        if len(raw) > ID_CHARS or not _ID.fullmatch(raw):
            raise _Bad(
                f"The id {_quoted(raw)} can have only letters, numbers, dots, dashes and "
                f"underscores, up to {ID_CHARS} characters."
            )
        return raw
    made = slug(name)
    if not made:
        raise _Bad(
            f"The system name {_quoted(name)} has no letters or numbers to make an id from. "
            "Give the system a name, or fill in the Id column."
        )
    return made


def _entry(row: dict[str, str]) -> CatalogueEntry:
    name = _text(row, "name", NAME_CHARS)
    if not name:
        raise _Bad("The system name is empty.")
    try:
        contract_end = parse_date(row.get("contract_end", ""))
    except ValueError as error:
        raise _Bad(str(error)) from None
    return CatalogueEntry(
        id=_entry_id(row, name),
        name=name,
        supplier=_text(row, "supplier", TEXT_CHARS),
        owner_name=_text(row, "owner_name", TEXT_CHARS),
        owner_id=_owner_id(row),
        capabilities=_capabilities(row),
        description=_description(row),
        users=_count(row, "users"),
        contract_end=contract_end,
        licences=_count(row, "licences"),
        directorate=_text(row, "directorate", TEXT_CHARS),
        platform=_platform(row),
    )


def _too_big(reason: str) -> ImportResult:
    return ImportResult((), (ImportProblem(1, reason),))


def parse_catalogue_csv(text: str) -> ImportResult:
    """The entries in a CSV export of the catalogue, and each bad row's line and reason.

    The whole file is refused (one problem, for line 1) when it is too big or its first
    line does not name a System column; otherwise each bad row is one problem and the
    good rows are kept. A later row with an id already used in the file is a problem.
    """
    if len(text) > MOST_CHARACTERS:
        return _too_big(
            f"The file has {len(text):,} characters. The most is {MOST_CHARACTERS:,}: "
            "split it into smaller files."
        )
    text = text.removeprefix("\ufeff").replace("\x00", "")
    reader = csv.reader(io.StringIO(text))
    problems: list[ImportProblem] = []
    entries: list[CatalogueEntry] = []
    first_line: dict[str, int] = {}  # each id's line, to name it when used again
    columns: _Columns | None = None
    rows = 0
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            problems.append(
                ImportProblem(
                    reader.line_num,
                    "This line could not be read as CSV (a cell may be very long, or a "
                    "quote mark not closed), so the rest of the file was not read.",
                )
            )
            break
        start, line = line, reader.line_num + 1
        if columns is None:
            header = _read_header(cells)
            if isinstance(header, str):
                return ImportResult((), (ImportProblem(start, header),))
            columns = header
            continue
        if not any(cell.strip() for cell in cells):
            continue  # a blank row
        rows += 1
        if rows > MOST_ROWS:
            return _too_big(
                f"The file has more than {MOST_ROWS:,} rows. Split it into smaller files."
            )
        extra = [cell for cell in cells[columns.width :] if cell.strip()]
        if extra:
            problems.append(
                ImportProblem(
                    start,
                    f"It has {len(cells)} cells but the first line names {columns.width} "
                    "columns. Check for a comma inside a value that is not in quote marks.",
                )
            )
            continue
        row = {
            field: cells[number] if number < len(cells) else ""
            for field, number in columns.by_field.items()
        }
        try:
            entry = _entry(row)
        except _Bad as bad:
            problems.append(ImportProblem(start, str(bad)))
            continue
        key = entry.id.casefold()
        if key in first_line:
            problems.append(
                ImportProblem(
                    start,
                    f"The id {_quoted(entry.id)} is already used on line {first_line[key]}. "
                    "Each system needs its own id.",
                )
            )
            continue
        first_line[key] = start
        entries.append(entry)
    if columns is None:
        return _too_big("The file is empty. Its first line must name the columns.")
    return ImportResult(tuple(entries), tuple(problems))


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def export_catalogue_csv(entries: Iterable[CatalogueEntry]) -> str:
    """The catalogue as CSV with the columns `parse_catalogue_csv` reads, every value
    made safe for a spreadsheet."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # lines end in CRLF, as the CSV standard says
    writer.writerow([title for _, title in COLUMNS])
    for entry in entries:
        values = {
            "id": entry.id,
            "name": entry.name,
            "supplier": entry.supplier,
            "owner_name": entry.owner_name,
            "owner_id": entry.owner_id,
            "capabilities": "; ".join(entry.capabilities),
            "description": entry.description,
            "users": "" if entry.users is None else str(entry.users),
            "contract_end": _date(entry.contract_end),
            "licences": "" if entry.licences is None else str(entry.licences),
            "directorate": entry.directorate,
            "platform": "yes" if entry.platform else "no",
        }
        writer.writerow([neutralise(values[field]) for field, _ in COLUMNS])
    return out.getvalue()


@dataclass(frozen=True)
class BadRowSystems:
    """Which systems the bad rows of a file were about, so a replacing import keeps them
    as they were: a typo in a row must never remove its system."""

    ids: frozenset[str]  # casefolded
    names: frozenset[str]  # casefolded

    def covers(self, entry: CatalogueEntry) -> bool:
        return entry.id.casefold() in self.ids or entry.name.casefold() in self.names


def systems_on_bad_rows(text: str, lines: Iterable[int]) -> BadRowSystems | None:
    """The ids and names on the rows that start on these lines (the bad rows
    `parse_catalogue_csv` reported), read the same way. None when one of them cannot be
    told: the file stopped being read, a row has cells in the wrong columns, or a row has
    neither an id nor a name."""
    wanted = set(lines)
    if not wanted:
        return BadRowSystems(frozenset(), frozenset())
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff").replace("\x00", "")))
    columns: _Columns | None = None
    ids: set[str] = set()
    names: set[str] = set()
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if columns is None:
                header = _read_header(cells)
                if isinstance(header, str):
                    return None
                columns = header
                continue
            if start not in wanted:
                continue
            wanted.discard(start)
            if any(cell.strip() for cell in cells[columns.width :]):
                return None
            found = {f: cells[n] if n < len(cells) else "" for f, n in columns.by_field.items()}
            name = neutralise(_one_line(found.get("name", "")))
            entry_id = found.get("id", "").strip() or slug(name)
            if not entry_id:
                return None
            ids.add(entry_id.casefold())
            if name:
                names.add(name.casefold())
    except csv.Error:
        return None  # the rest of the file was not read: its systems cannot be told
    if wanted:
        return None
    return BadRowSystems(frozenset(ids), frozenset(names))
