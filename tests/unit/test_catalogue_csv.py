"""Reading the council's catalogue from a CMDB's CSV export, and writing it back:
good rows kept, bad rows named by line with a plain reason, and nothing from the file
can run as a formula in a spreadsheet."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import pytest

from bot.domain import catalogue_csv
from bot.domain.catalogue_csv import (
    export_catalogue_csv,
    neutralise,
    parse_catalogue_csv,
    parse_date,
    slug,
)
from bot.domain.procurement import CatalogueEntry, ImportProblem
from bot.journeys.procurement.sample_catalogue import SAMPLE

HEADER = "System,Supplier,Owner,Capabilities,Contract end,Users,Licences,Platform"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def parse(*lines: str, header: str = HEADER) -> tuple[list[CatalogueEntry], list[ImportProblem]]:
    result = parse_catalogue_csv("\n".join([header, *lines]) + "\n")
    return list(result.entries), list(result.problems)


def only_problem(*lines: str, header: str = HEADER) -> ImportProblem:
    entries, problems = parse(*lines, header=header)
    assert entries == []
    assert len(problems) == 1, problems
    return problems[0]


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# Good files


def test_a_good_file_gives_every_field() -> None:
    text = (
        "\ufeffId,System name,Vendor,System owner,Owner Entra ID,Capabilities,Description,"
        "Number of users,Contract End Date,Licenses,Department,Platform,Cost centre\r\n"
        "CI-001,Civica Pay,Civica,Mark Evans,1B2C3D4E-0000-4A5B-8C9D-0123456789AB,"
        '"online payments; card payments | kiosks","Takes payments, online and by phone.\r\n'
        'Posts income nightly.","1,200",31/03/2027,250,Finance,Yes,F100\r\n'
    )
    result = parse_catalogue_csv(text)
    assert result.problems == ()
    (entry,) = result.entries
    assert entry == CatalogueEntry(
        id="CI-001",
        name="Civica Pay",
        supplier="Civica",
        owner_name="Mark Evans",
        owner_id="1b2c3d4e-0000-4a5b-8c9d-0123456789ab",
        capabilities=("online payments", "card payments", "kiosks"),
        description="Takes payments, online and by phone.\nPosts income nightly.",
        users=1200,
        contract_end=dt.date(2027, 3, 31),
        licences=250,
        directorate="Finance",
        platform=True,
        sample=False,
    )


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("System", "name"),
        ("Name", "name"),
        ("Application", "name"),
        ("application_name", "name"),
        ("Supplier", "supplier"),
        ("VENDOR", "supplier"),
        ("Owner", "owner_name"),
        ("Owner id", "owner_id"),
        ("Owner Entra id", "owner_id"),
        ("Capability", "capabilities"),
        ("Licences", "licences"),
        ("Licenses", "licences"),
        ("Contract end", "contract_end"),
        ("Expiry date", "contract_end"),
        ("Directorate", "directorate"),
        ("Id", "id"),
        ("Platform", "platform"),
        ("  Users ", "users"),
    ],
)
def test_column_names_are_read_without_case_spaces_or_punctuation(header: str, field: str) -> None:
    assert catalogue_csv._FIELD_BY_HEADER[catalogue_csv._header_key(header)] == field


def test_the_id_is_the_id_column_or_a_slug_of_the_name() -> None:
    entries, problems = parse("Civica Pay", "Children's Social Care (LCS)", header="System")
    assert problems == []
    assert [e.id for e in entries] == ["civica-pay", "children-s-social-care-lcs"]
    entries, _ = parse("X1,Civica Pay", ",Other", header="Id,System")
    assert [e.id for e in entries] == ["X1", "other"]
    assert slug("  Power  BI!! ") == "power-bi"
    assert slug("Café Système") == "cafe-systeme"
    assert slug("区") == ""
    assert slug("x" * 150) == "x" * 100
    assert slug("!" + "x" * 100) == "x" * 100
    assert slug("a" * 99 + " b") == "a" * 99


def test_blank_cells_and_short_rows_are_empty_values() -> None:
    entries, problems = parse("Mosaic", "Uniform,Idox,,,,,", "")
    assert problems == []
    mosaic, uniform = entries
    assert mosaic == CatalogueEntry(
        id="mosaic",
        name="Mosaic",
        supplier="",
        owner_name="",
        owner_id="",
        capabilities=(),
        description="",
    )
    assert uniform.supplier == "Idox"
    assert uniform.users is None and uniform.licences is None and uniform.contract_end is None
    assert uniform.platform is False


def test_blank_rows_are_skipped_and_line_numbers_count_every_line() -> None:
    text = 'System,Users\n\nGood,1\n,\n"Two\nlines",2\nBad,lots\n'
    result = parse_catalogue_csv(text)
    assert [e.name for e in result.entries] == ["Good", "Two lines"]
    assert result.problems == (
        ImportProblem(7, "The number of users 'lots' is not a whole number, such as 250."),
    )


def test_spaces_and_control_characters_are_tidied() -> None:
    entries, problems = parse(
        '"  Power \t Apps\x07 ",  Microsoft  ,,"  a ;; A ; b  ",,,,no',
    )
    assert problems == []
    (entry,) = entries
    assert entry.name == "Power Apps"
    assert entry.supplier == "Microsoft"
    assert entry.capabilities == ("a", "b")  # blanks and repeats dropped


def test_unknown_columns_are_ignored() -> None:
    entries, problems = parse("Spydus,9", header="System,Cost centre")
    assert problems == [] and entries[0].name == "Spydus"
    entries, problems = parse("9,Spydus,Civica", header="Cost centre,System,Supplier")
    assert problems == [] and (entries[0].name, entries[0].supplier) == ("Spydus", "Civica")


def test_columns_that_are_not_there_are_empty() -> None:
    entries, problems = parse("Spydus", header="System")
    assert problems == []
    assert entries == [
        CatalogueEntry(
            id="spydus",
            name="Spydus",
            supplier="",
            owner_name="",
            owner_id="",
            capabilities=(),
            description="",
        )
    ]


def test_numbers_may_be_written_with_commas_or_spaces() -> None:
    entries, problems = parse('Spydus,1 200,"2,500"', header="System,Users,Licences")
    assert problems == []
    assert (entries[0].users, entries[0].licences) == (1200, 2500)


def test_nul_characters_are_dropped() -> None:
    entries, problems = parse("Spy\x00dus", header="System")
    assert problems == [] and entries[0].name == "Spydus"


# Dates


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("31/03/2027", dt.date(2027, 3, 31)),
        ("1/4/2027", dt.date(2027, 4, 1)),
        ("01-04-2027", dt.date(2027, 4, 1)),
        ("01.04.2027", dt.date(2027, 4, 1)),
        ("2027-03-31", dt.date(2027, 3, 31)),
        ("2027-3-1", dt.date(2027, 3, 1)),
        ("31/03/2027 00:00", dt.date(2027, 3, 31)),
        ("31/03/2027 00:00:00", dt.date(2027, 3, 31)),
        ("2027-03-31T00:00:00Z", dt.date(2027, 3, 31)),
        ("2027-03-31T00:00:00.000", dt.date(2027, 3, 31)),
        (" 29/02/2028 ", dt.date(2028, 2, 29)),
        ("", None),
        ("  ", None),
    ],
)
def test_uk_and_iso_dates_are_read(raw: str, day: dt.date | None) -> None:
    assert parse_date(raw) == day


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("31/02/2027", "The contract end date '31/02/2027' is not a real date."),
        ("29/02/2027", "The contract end date '29/02/2027' is not a real date."),
        ("2027-13-01", "The contract end date '2027-13-01' is not a real date."),
        (
            "March 2027",
            "The contract end date 'March 2027' is not a date we can read. "
            "Write it like 31/03/2027 or 2027-03-31.",
        ),
        (
            "31/03/27",
            "The contract end date '31/03/27' is not a date we can read. "
            "Write it like 31/03/2027 or 2027-03-31.",
        ),
        (
            "31/03/2027 10:30",
            "The contract end date '31/03/2027 10:30' is not a date we can read. "
            "Write it like 31/03/2027 or 2027-03-31.",
        ),
    ],
)
def test_a_bad_date_says_why(raw: str, reason: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_date(raw)
    assert str(error.value) == reason
    problem = only_problem(f"Mosaic,,,,{raw}")
    assert problem == ImportProblem(2, reason)


# Bad rows


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",Civica", "The system name is empty."),
        ("  ,Civica", "The system name is empty."),
        (
            "!!!",
            "The system name '!!!' has no letters or numbers to make an id from. "
            "Give the system a name, or fill in the Id column.",
        ),
        ("A" * 201, "The system name is 201 characters long. The most is 200."),
        ("Mosaic," + "S" * 201, "The supplier is 201 characters long. The most is 200."),
        ("Mosaic,,," + "c" * 101, None),
        ("Mosaic,,,,,lots", "The number of users 'lots' is not a whole number, such as 250."),
        ("Mosaic,,,,,-5", "The number of users '-5' is not a whole number, such as 250."),
        ("Mosaic,,,,,2.5", "The number of users '2.5' is not a whole number, such as 250."),
        ("Mosaic,,,,,١٢", "The number of users '١٢' is not a whole number, such as 250."),
        ("Mosaic,,,,,10000001", "The number of users '10000001' is more than 10,000,000."),
        (
            "Mosaic,,,,,,many",
            "The number of licences 'many' is not a whole number, such as 250.",
        ),
        ("Mosaic,,,,,,,maybe", "Platform must be yes or no. It is 'maybe'."),
        (
            "Mosaic,,,,,,,,extra",
            "It has 9 cells but the first line names 8 columns. Check for a comma inside "
            "a value that is not in quote marks.",
        ),
    ],
)
def test_a_bad_row_is_named_by_line_with_the_reason(row: str, reason: str | None) -> None:
    problem = only_problem(row)
    assert problem.line == 2
    if reason is not None:
        assert problem.reason == reason
    else:
        assert problem.reason == (
            f"The capability '{'c' * 39}…' is 101 characters long. "
            "The most for one capability is 100."
        )


def test_limits_are_inclusive() -> None:
    entries, problems = parse(
        ",".join(["A" * 200, "S" * 200, "O" * 200, ";".join(f"c{n}" for n in range(30))])
        + ",,10000000,0,no"
    )
    assert problems == []
    assert entries[0].users == 10_000_000 and entries[0].licences == 0
    assert len(entries[0].capabilities) == 30
    entries, problems = parse("Mosaic,,," + "c" * 100)
    assert problems == [] and entries[0].capabilities == ("c" * 100,)


def test_too_many_capabilities() -> None:
    problem = only_problem("Mosaic,,," + ";".join(f"c{n}" for n in range(31)))
    assert problem.reason == (
        "It has 31 capabilities. The most is 30: keep the main ones, separated by ; or |."
    )


def test_descriptions_and_other_text_have_limits() -> None:
    header = "System,Description,Owner,Directorate"
    entries, problems = parse("A," + "d" * 2000 + "," + "o" * 200 + "," + "r" * 200, header=header)
    assert problems == [] and len(entries[0].description) == 2000
    assert only_problem("A," + "d" * 2001, header=header).reason == (
        "The description is 2,001 characters long. The most is 2,000."
    )
    assert only_problem("A,," + "o" * 201, header=header).reason == (
        "The owner is 201 characters long. The most is 200."
    )
    assert only_problem("A,,," + "r" * 201, header=header).reason == (
        "The directorate is 201 characters long. The most is 200."
    )


def test_a_bad_owner_id_or_id() -> None:
    problem = only_problem("Mosaic,abc", header="System,Owner id")
    assert problem.reason == (
        "The owner's Entra id 'abc' is not one. It looks like "
        "1b2c3d4e-0000-4a5b-8c9d-0123456789ab, or leave it empty."
    )
    problem = only_problem("x y,Mosaic", header="Id,System")
    assert problem.reason == (
        "The id 'x y' can have only letters, numbers, dots, dashes and underscores, "
        "up to 100 characters."
    )
    assert only_problem("-x,Mosaic", header="Id,System").line == 2
    assert only_problem("x" * 101 + ",Mosaic", header="Id,System").line == 2
    entries, problems = parse("x" * 100 + ",Mosaic", "a.b_c-9,Uniform", header="Id,System")
    assert problems == [] and [e.id for e in entries] == ["x" * 100, "a.b_c-9"]


def test_a_value_of_forty_characters_is_quoted_whole() -> None:
    problem = only_problem("Mosaic,,,,,," + "x" * 40)
    assert f"'{'x' * 40}'" in problem.reason
    problem = only_problem("Mosaic,,,,,," + "x" * 41)
    assert f"'{'x' * 39}…'" in problem.reason


def test_a_long_value_is_cut_when_quoted_in_a_reason() -> None:
    problem = only_problem("Mosaic,,,,,," + "9x" * 50)
    assert problem.reason == (
        f"The number of licences '{'9x' * 19}9…' is not a whole number, such as 250."
    )


def test_a_later_row_with_an_id_already_used_is_a_problem() -> None:
    entries, problems = parse("Civica Pay", "Mosaic", "civica pay", "CIVICA-PAY", header="System")
    assert [e.name for e in entries] == ["Civica Pay", "Mosaic"]
    assert problems == [
        ImportProblem(
            4,
            "The id 'civica-pay' is already used on line 2. Each system needs its own id.",
        ),
        ImportProblem(
            5,
            "The id 'civica-pay' is already used on line 2. Each system needs its own id.",
        ),
    ]
    entries, problems = parse("A1,One", "a1,Two", header="Id,System")
    assert [e.name for e in entries] == ["One"]
    assert problems[0] == ImportProblem(
        3, "The id 'a1' is already used on line 2. Each system needs its own id."
    )


def test_good_rows_are_kept_beside_bad_ones() -> None:
    entries, problems = parse(
        "Good one,,,,31/03/2027",
        "Bad date,,,,31/02/2027",
        "Good two",
        "Bad users,,,,,many",
        "Too many cells,,,,,,,,x",
        "Good three",
    )
    assert [e.name for e in entries] == ["Good one", "Good two", "Good three"]
    assert [p.line for p in problems] == [3, 5, 6]


# Whole-file problems


def test_without_a_system_column_the_file_is_refused_on_line_1() -> None:
    result = parse_catalogue_csv("Supplier,Owner\nCivica,Mark\n")
    assert result.entries == ()
    assert result.problems == (
        ImportProblem(
            1,
            "The first line must name the columns, and one of them must be System "
            "(the system's name). The columns found were 'Supplier', 'Owner'.",
        ),
    )
    result = parse_catalogue_csv(",,\nCivica,Mark\n")
    assert result.problems[0].reason.endswith("The first line is empty.")
    # A byte order mark is not a column.
    result = parse_catalogue_csv("\ufeff\nCivica,Mark\n")
    assert result.problems[0].reason.endswith("The first line is empty.")
    # Only the first twelve columns are named.
    header = ",".join(f"c{n}" for n in range(13))
    reason = parse_catalogue_csv(header + "\n").problems[0].reason
    assert "'c11'." in reason and "c12" not in reason


def test_two_columns_for_the_name_are_refused() -> None:
    result = parse_catalogue_csv("System,Name\nA,B\n")
    assert result.entries == ()
    assert result.problems == (
        ImportProblem(
            1,
            "The first line has two columns for the system name: 'System' and 'Name'. "
            "Keep one of them.",
        ),
    )
    result = parse_catalogue_csv("System,Licences,Licenses\nA,1,2\n")
    assert "two columns for the number of licences" in result.problems[0].reason
    result = parse_catalogue_csv("System,Owner id,Owner Entra id\nA,,\n")
    assert result.problems[0].reason.startswith(
        "The first line has two columns for the owner's Entra id: 'Owner id' and"
    )
    for field in catalogue_csv.SYNONYMS:
        assert catalogue_csv._LABEL[field]


def test_an_empty_file() -> None:
    for text in ("", "\ufeff"):
        result = parse_catalogue_csv(text)
        assert result == parse_catalogue_csv("")
        assert result.entries == ()
        assert result.problems == (
            ImportProblem(1, "The file is empty. Its first line must name the columns."),
        )
    result = parse_catalogue_csv("\n\n")
    assert result.problems[0].line == 1


def test_a_file_too_big_is_refused() -> None:
    text = HEADER + "\n" + "x" * (catalogue_csv.MOST_CHARACTERS - len(HEADER))
    result = parse_catalogue_csv(text)
    assert result.entries == ()
    assert result.problems == (
        ImportProblem(
            1,
            "The file has 5,000,001 characters. The most is 5,000,000: "
            "split it into smaller files.",
        ),
    )
    # At the limit exactly it is read.
    assert parse_catalogue_csv(text[:-1]).problems[0].line == 2


def test_too_many_rows_are_refused() -> None:
    rows = [f"System {n}" for n in range(10_000)]
    result = parse_catalogue_csv("System\n" + "\n".join(rows) + "\n")
    assert result.problems == () and len(result.entries) == 10_000
    result = parse_catalogue_csv("System\n" + "\n".join([*rows, "One more"]) + "\n")
    assert result.entries == ()
    assert result.problems == (
        ImportProblem(1, "The file has more than 10,000 rows. Split it into smaller files."),
    )


def test_a_cell_too_long_to_read_stops_the_file_there() -> None:
    text = 'System,Description\nGood,ok\nBad,"' + "d" * 200_000 + '"\nNever,read\n'
    result = parse_catalogue_csv(text)
    assert [e.name for e in result.entries] == ["Good"]
    assert result.problems == (
        ImportProblem(
            3,
            "This line could not be read as CSV (a cell may be very long, or a quote mark "
            "not closed), so the rest of the file was not read.",
        ),
    )


# Formulas never reach a spreadsheet


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("'=1", "'=1"),
        ("\tabc", "'\tabc"),
        (" \rabc", "' \rabc"),
        ("X=1", "X=1"),
        ("a=b", "a=b"),
        ("", ""),
        ("Power BI", "Power BI"),
    ],
)
def test_neutralise(value: str, safe: str) -> None:
    assert neutralise(value) == safe
    assert neutralise(neutralise(value)) == safe


MALICIOUS = (
    "Id,System,Supplier,Owner,Capabilities,Description,Directorate\n"
    'x1,"=HYPERLINK(""http://x"",""click"")",Acme,Sam,online payments,fine,Finance\n'
    'x2,+cmd|\' /C calc\'!A0,@SUM(1),-2+3,"=1+1; @x | +y",=evil(),"  =spaced"\n'
    'x3,Plain,Acme,Sam,maps,"-1\nsecond line",Place\n'
)


def test_malicious_rows_are_kept_but_can_never_run_as_formulas() -> None:
    result = parse_catalogue_csv(MALICIOUS)
    assert result.problems == ()
    one, two, three = result.entries
    assert one.name == '\'=HYPERLINK("http://x","click")'
    assert two.name.startswith("'+cmd")
    assert two.supplier == "'@SUM(1)"
    assert two.owner_name == "'-2+3"
    assert two.capabilities == ("'=1+1", "'@x", "'+y")
    assert two.description == "'=evil()"
    assert two.directorate == "'=spaced"
    assert three.description == "'-1\nsecond line"
    assert three.name == "Plain"


def test_an_export_has_no_cell_that_starts_a_formula() -> None:
    entries = list(parse_catalogue_csv(MALICIOUS).entries)
    # Entries that did not come from a file are made safe on the way out too.
    raw = CatalogueEntry(
        id="raw",
        name='=HYPERLINK("http://x","click")',
        supplier="+cmd|' /C calc'!A0",
        owner_name="@SUM(1)",
        owner_id="",
        capabilities=("-2+3", "maps"),
        description="\t=1",
        directorate="\r=2",
    )
    text = export_catalogue_csv([*entries, raw, *SAMPLE])
    rows = cells(text)
    assert len(rows) == 1 + len(entries) + 1 + len(SAMPLE)
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(FORMULA_START), cell
    assert "'=HYPERLINK" in text
    assert rows[4][1] == '\'=HYPERLINK("http://x","click")'
    assert rows[4][5] == "'-2+3; maps"


def test_the_export_writes_the_columns_the_import_reads() -> None:
    text = export_catalogue_csv(SAMPLE[:1])
    rows = cells(text)
    assert rows[0] == [
        "Id",
        "System",
        "Supplier",
        "Owner",
        "Owner Entra id",
        "Capabilities",
        "Description",
        "Users",
        "Contract end",
        "Licences",
        "Directorate",
        "Platform",
    ]
    assert rows[1][0] == "microsoft-365-e5"
    assert rows[1][8] == "2028-06-30"
    assert rows[1][11] == "yes"
    assert text.endswith("\r\n")
    bare = dataclasses.replace(SAMPLE[0], users=None, licences=None, contract_end=None)
    assert cells(export_catalogue_csv([bare]))[1][7:12] == [
        "",
        "",
        "",
        "Corporate Resources",
        "yes",
    ]
    assert cells(export_catalogue_csv([dataclasses.replace(bare, platform=False)]))[1][11] == "no"
    assert export_catalogue_csv([]) == ",".join(t for _, t in catalogue_csv.COLUMNS) + "\r\n"


def test_a_round_trip_gives_back_the_same_clean_catalogue() -> None:
    clean = [dataclasses.replace(entry, sample=False) for entry in SAMPLE]
    result = parse_catalogue_csv(export_catalogue_csv(clean))
    assert result.problems == ()
    assert list(result.entries) == clean
    # And the malicious file, once read, comes back the same too.
    once = parse_catalogue_csv(MALICIOUS).entries
    assert parse_catalogue_csv(export_catalogue_csv(once)).entries == once


# ---- Which systems the bad rows were about (a replacing import keeps them) --------------


def test_the_systems_on_bad_rows_are_named_by_id_and_by_name() -> None:
    from bot.domain.catalogue_csv import systems_on_bad_rows

    text = (
        "Id,System,Contract end\n"
        "pay,Civica Pay,2027-03-31\n"
        "crm,Dynamics CRM,31/02/2027\n"
        ",Mosaic,not a date\n"
    )
    found = systems_on_bad_rows(text, [3, 4])
    assert found is not None
    assert found.ids == {"crm", "mosaic"}
    assert found.names == {"dynamics crm", "mosaic"}
    assert systems_on_bad_rows(text, []) is not None


def test_bad_rows_that_cannot_be_told_keep_everything() -> None:
    from bot.domain.catalogue_csv import systems_on_bad_rows

    shifted = "Id,System\npay,Civica Pay\ncrm,Dynamics CRM,extra cell\n"
    assert systems_on_bad_rows(shifted, [3]) is None  # cells in the wrong columns
    nameless = "Id,System\n,\n"
    assert systems_on_bad_rows(nameless, [2]) is None  # neither an id nor a name
    unread = 'Id,System\npay,"Civica Pay\n'
    assert systems_on_bad_rows(unread, [5]) is None  # that line was never reached
    assert systems_on_bad_rows("no header here\n", [2]) is None


def test_bad_rows_are_read_as_the_import_reads_them() -> None:
    """A byte-order mark, NUL characters, short rows and a file with no Id column: the
    systems named are the ones the import would have named."""
    from bot.domain.catalogue_csv import systems_on_bad_rows

    bom = "\ufeffId,System,Contract end\npay,Civica Pay,2027-03-31\ncrm,Dynamics CRM,31/02/2027\n"
    found = systems_on_bad_rows(bom, [3])
    assert found is not None and found.ids == {"crm"}

    nul = "Id,System\nc\x00rm,Dynamics\x00 CRM\n"
    found = systems_on_bad_rows(nul, [2])
    assert found is not None and found.ids == {"crm"} and found.names == {"dynamics crm"}

    short = "System,Id,Contract end\nMosaic\n"  # one cell: no id, no date
    found = systems_on_bad_rows(short, [2])
    assert found is not None and found.ids == {"mosaic"} and found.names == {"mosaic"}

    no_id_column = "System,Contract end\nMosaic,not a date\n"
    found = systems_on_bad_rows(no_id_column, [2])
    assert found is not None and found.ids == {"mosaic"}


def test_with_no_bad_rows_nothing_is_kept_back() -> None:
    from bot.domain.catalogue_csv import BadRowSystems, systems_on_bad_rows
    from bot.domain.procurement import CatalogueEntry

    found = systems_on_bad_rows("Id,System\npay,Civica Pay\n", [])
    assert found == BadRowSystems(frozenset(), frozenset())
    entry = CatalogueEntry("pay", "Civica Pay", "", "", "", ("payments",), "")
    assert not found.covers(entry)
    assert BadRowSystems(frozenset({"pay"}), frozenset()).covers(entry)
    assert BadRowSystems(frozenset(), frozenset({"civica pay"})).covers(entry)
