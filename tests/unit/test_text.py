import datetime as dt

import pytest

from bot.domain.text import clean_text, defang_for_display, long_date, one_line

ZWSP = "\u200b"


def test_ordinary_text_is_kept_as_typed_apart_from_outer_spaces() -> None:
    assert clean_text("  Book garden waste online  ") == "Book garden waste online"


def test_control_characters_are_removed_but_new_lines_and_tabs_stay() -> None:
    assert clean_text("a\x00b\x07c\x1b[31md\x7f\x85e\n\tf") == "abc[31mde\n\tf"


def test_every_kind_of_line_break_becomes_a_new_line() -> None:
    assert clean_text("one\r\ntwo\rthree\u2028four\u2029five") == "one\ntwo\nthree\nfour\nfive"


@pytest.mark.parametrize(
    "hidden",
    [
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2069",
        "\u200b",
        "\u200c",
        "\u200d",
        "\ufeff",
    ],
)
def test_invisible_characters_that_hide_or_reorder_words_are_removed(hidden: str) -> None:
    assert clean_text(f"pay{hidden}ments") == "payments"


def test_accents_are_stored_in_one_form_so_the_same_word_matches() -> None:
    decomposed = "Cafe\u0301"
    assert clean_text(decomposed) == "Caf\u00e9"


def test_a_removed_character_does_not_stop_an_accent_joining_its_letter() -> None:
    assert clean_text("e\u200b\u0301") == "\u00e9"


def test_text_of_only_spaces_and_control_characters_is_empty() -> None:
    assert clean_text(" \x00\x01 \u202e\ufeff \r\n\t ") == ""


def test_one_line_answers_have_single_spaces_only() -> None:
    assert one_line("  Jo \t  Bloggs\n\nHead  of\u2028Service ") == "Jo Bloggs Head of Service"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("https://evil.example", f"https:{ZWSP}//evil.example"),
        ("[click](https://x)", f"[click](https:{ZWSP}//x)"),
        ("www.x.com", f"www{ZWSP}.x.com"),
        ("Visit WWW.X.COM now", f"Visit WWW{ZWSP}.X.COM now"),
        ("a@b.com", f"a@{ZWSP}b.com"),
        ("mail jo.bloggs+it@southampton.gov.uk", f"mail jo.bloggs+it@{ZWSP}southampton.gov.uk"),
        ("ftp://a and http://www.b.org", f"ftp:{ZWSP}//a and http:{ZWSP}//www{ZWSP}.b.org"),
    ],
)
def test_links_in_someones_text_never_become_links_on_another_persons_card(
    typed: str, shown: str
) -> None:
    assert defang_for_display(typed) == shown


def test_defanged_text_looks_the_same_once_the_zero_width_spaces_are_ignored() -> None:
    typed = "See https://www.example.com or email it@example.com"
    assert defang_for_display(typed).replace(ZWSP, "") == typed


def test_defanging_twice_changes_nothing_more() -> None:
    once = defang_for_display("https://www.x.com a@b.com")
    assert defang_for_display(once) == once


def test_text_without_links_is_shown_unchanged_with_no_escaping() -> None:
    typed = "Fees *rise* by 5% @ the <b>depot</b> & _office_ # 1"
    assert defang_for_display(typed) == typed


def test_dates_are_written_the_gov_uk_way() -> None:
    assert long_date(dt.date(2027, 3, 31)) == "31 March 2027"
    assert long_date(dt.date(2026, 1, 1)) == "1 January 2026"
