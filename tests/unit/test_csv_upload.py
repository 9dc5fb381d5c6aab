"""Reading a catalogue CSV from a message: the encodings Excel saves in, the addresses a
file may be fetched from, and what counts as the pasted text."""

from __future__ import annotations

import codecs

import pytest

from bot.journeys.procurement.csv_upload import (
    CsvRefused,
    decode_csv,
    download_allowed,
    pasted_csv,
)

CSV = "System,Supplier\nCafé Bookings,Façade Ltd\n"


@pytest.mark.parametrize(
    "data",
    [
        CSV.encode("utf-8"),
        codecs.BOM_UTF8 + CSV.encode("utf-8"),  # Excel's "CSV UTF-8"
        codecs.BOM_UTF16_LE + CSV.encode("utf-16-le"),  # Excel's "Unicode text"
        CSV.encode("cp1252"),  # older Excel's plain "CSV"
    ],
)
def test_the_encodings_excel_saves_in_are_read(data: bytes) -> None:
    assert decode_csv(data, "The file") == CSV


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"", "is empty"),
        (b"  \r\n", "is empty"),
        (b"PK\x03\x04rest of a workbook", "is not a CSV file"),
        (b"System\n\x00\x01\x02", "is not a CSV file"),
        (bytes(range(1, 31)) * 3, "is not a CSV file"),
    ],
)
def test_empty_and_binary_files_are_refused(data: bytes, said: str) -> None:
    with pytest.raises(CsvRefused, match=said):
        decode_csv(data, "The file")


@pytest.mark.parametrize(
    ("url", "local", "allowed"),
    [
        ("https://contoso.sharepoint.com/personal/a/_layouts/15/download.aspx?x=1", False, True),
        ("https://contoso-my.sharepoint.com/personal/a/file.csv", False, True),
        ("https://contoso.sharepoint.com:443/a.csv", False, True),
        ("http://contoso.sharepoint.com/a.csv", False, False),
        ("https://contoso.sharepoint.com:8443/a.csv", False, False),
        ("https://sharepoint.com.evil.example/a.csv", False, False),
        ("https://evilsharepoint.com/a.csv", False, False),
        ("https://user:pw@contoso.sharepoint.com/a.csv", False, False),
        ("http://127.0.0.1:8080/a.csv", False, False),
        ("http://127.0.0.1:8080/a.csv", True, True),
        ("http://[::1]:8080/a.csv", True, True),
        ("http://10.0.0.5/a.csv", True, False),
        ("file:///etc/passwd", True, False),
        ("https://contoso.sharepoint.com:bad/a.csv", False, False),
        ("", False, False),
    ],
)
def test_files_are_fetched_only_from_sharepoint_or_local_loopback(
    url: str, local: bool, allowed: bool
) -> None:
    assert download_allowed(url, local) is allowed


@pytest.mark.parametrize(
    ("text", "pasted"),
    [
        ("import catalogue\nSystem\nA", "System\nA"),
        ("Import Catalog:\r\nSystem\r\nA\r\n", "System\nA"),
        ("<at>Digital Front Door</at> import catalogue\nSystem", "System"),
        (
            "<p>import catalogue</p><p>System,Supplier</p><p>A &amp; B,C</p>",
            "System,Supplier\nA & B,C",
        ),
        ("import catalogue", ""),
    ],
)
def test_the_pasted_text_is_what_follows_the_command(text: str, pasted: str) -> None:
    assert pasted_csv(text) == pasted
