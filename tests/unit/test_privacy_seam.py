"""The privacy seam's small rules: who a person is, scrubbing text that stays after an
erasure, pseudonyms, and putting several journeys' answers together."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.domain.retention import RetentionKind, RetentionPolicy
from bot.privacy import (
    ERASED_NAME,
    ERASED_TEXT,
    KEY_FILE,
    AllOf,
    Erased,
    Held,
    Kept,
    Person,
    Retained,
    all_of,
    local_pseudonym_key,
    pseudonym,
    scrub_contacts,
    use_pseudonym_key,
)

PRIYA = Person(
    "aad-priya",
    frozenset({"aad-priya", "29:teams-priya"}),
    frozenset({"Priya Natarajan", "Natarajan"}),
)
AT = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_a_person_is_known_by_every_id_and_only_those() -> None:
    assert PRIYA.is_them("aad-priya") and PRIYA.is_them("29:teams-priya")
    assert not PRIYA.is_them("aad-megan")
    assert not PRIYA.is_them("") and not PRIYA.is_them(None)


def test_named_in_ignores_case_and_names_too_short_to_mean_anything() -> None:
    assert PRIYA.named_in("Assigned to PRIYA NATARAJAN.")
    assert not PRIYA.named_in("Assigned to Megan Bowen.")
    short = Person("x", frozenset({"x"}), frozenset({"Al"}))
    assert not short.named_in("Alternative supplier")  # "Al" is too short to search for


def test_scrub_takes_out_names_ids_emails_and_phone_numbers_and_keeps_the_rest() -> None:
    text = (
        "Blue badge renewals for Priya Natarajan (priya.natarajan@example.gov.uk, "
        "07700 900123, +44 20 7946 0958), id aad-priya, natarajan"
    )
    scrubbed = PRIYA.scrub(text)
    assert scrubbed == (
        f"Blue badge renewals for {ERASED_NAME} ({ERASED_TEXT}, {ERASED_TEXT}, "
        f"{ERASED_TEXT}), id {ERASED_NAME}, {ERASED_NAME}"
    )


def test_scrub_leaves_references_money_and_dates_alone() -> None:
    text = "DR-2026-0042 saves 15000 a year from 01/04/2027; call 12345"
    assert scrub_contacts(text) == text
    assert PRIYA.scrub(text) == text


def test_a_pseudonym_is_stable_different_per_person_and_not_the_id() -> None:
    use_pseudonym_key(b"k" * 32)
    assert pseudonym("aad-priya") == pseudonym("aad-priya")
    assert pseudonym("aad-priya") != pseudonym("aad-megan")
    assert pseudonym("aad-priya").startswith("erased-")
    assert "aad-priya" not in pseudonym("aad-priya")
    assert pseudonym("aad-priya", salt="council") != pseudonym("aad-priya")


def test_without_the_key_a_pseudonym_cannot_be_worked_out_from_the_id() -> None:
    use_pseudonym_key(b"one key" * 4)
    under_one = pseudonym("aad-priya")
    use_pseudonym_key(b"another" * 4)
    assert pseudonym("aad-priya") != under_one
    use_pseudonym_key(b"one key" * 4)
    assert pseudonym("aad-priya") == under_one


def test_the_local_key_is_made_once_kept_private_and_read_back(tmp_path: Path) -> None:
    first = local_pseudonym_key(tmp_path / "data")
    assert len(first) == 32
    assert local_pseudonym_key(tmp_path / "data") == first  # a restart: the same key
    mode = (tmp_path / "data" / KEY_FILE).stat().st_mode & 0o777
    assert mode == 0o600
    assert local_pseudonym_key(tmp_path / "other") != first


def test_a_damaged_key_file_stops_the_bot_with_a_plain_sentence(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("not a key")
    with pytest.raises(RuntimeError, match="not a 64-character hex key"):
        local_pseudonym_key(tmp_path)


def test_erased_counts_add_up_and_kept_items_are_all_listed() -> None:
    one, two = Erased(), Erased()
    one.count("requests", 2)
    one.count("drafts", 0)  # nothing changed: not listed
    two.count("requests")
    two.kept.append(Kept("boards", "Board decision", "DR-2026-0001", "A public record."))
    one.merge(two)
    assert one.changed == {"requests": 3}
    assert [k.key for k in one.kept] == ["DR-2026-0001"]


class _Part:
    def __init__(self, name: str) -> None:
        self.name = name

    async def held(self, person: Person) -> list[Held]:
        return [Held(self.name, "Thing", person.user_id, {"Name": self.name})]

    async def erase(self, person: Person, stand_in: str, now: dt.datetime) -> Erased:
        done = Erased()
        done.count(self.name)
        return done

    async def retain(self, policy: RetentionPolicy, now: dt.datetime) -> list[Retained]:
        return [Retained(RetentionKind.DRAFTS, deleted=1)]


async def test_all_of_asks_every_part_in_order() -> None:
    assert all_of([None, None]) is None
    single = _Part("a")
    assert all_of([None, single]) is single
    both = all_of([_Part("a"), None, _Part("b")])
    assert isinstance(both, AllOf)
    assert [h.journey for h in await both.held(PRIYA)] == ["a", "b"]
    assert (await both.erase(PRIYA, "erased-1", AT)).changed == {"a": 1, "b": 1}
    assert len(await both.retain(RetentionPolicy(), AT)) == 2


def test_names_are_found_only_as_whole_words() -> None:
    tim = Person("aad-tim", frozenset({"aad-tim"}), frozenset({"Tim"}))
    assert tim.named_in("Ask Tim about it") and tim.named_in("tim's laptop")
    assert not tim.named_in("It takes time and causes mistakes")
    assert tim.scrub("Tim said it takes time") == f"{ERASED_NAME} said it takes time"
    dan = Person("aad-dan", frozenset({"aad-dan"}), frozenset({"Dan Lee"}))
    assert not dan.named_in("Jordan Lee approved it")
    assert dan.scrub("Jordan Lee and Dan Lee") == f"Jordan Lee and {ERASED_NAME}"
    assert not PRIYA.named_in("aad-priya-2 is someone else")  # an id inside a longer id


def test_a_period_of_years_never_ends_before_the_same_date_years_on() -> None:
    from bot.domain.retention import DEFAULTS, RetentionKind, years

    # Six years can hold two leap days (2024 and 2028 in the six from 2023); a period of
    # years counts every leap day it could hold, so it never ends a day or two early.
    assert years(1) == 366 and years(2) == 731 and years(3) == 1096 and years(6) == 2192
    closed = dt.datetime(2020, 11, 30, 12, 0, tzinfo=dt.UTC)
    policy = RetentionPolicy()
    kind = RetentionKind.CLOSED_REQUESTS
    assert not policy.is_past(kind, closed, dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC))
    assert DEFAULTS[kind].days == years(6)


def test_each_period_takes_1_day_and_36500_days_and_refuses_0_and_36501() -> None:
    from bot.domain.retention import DEFAULTS, LONGEST_DAYS, load_policy

    for kind in DEFAULTS:
        for good in ("1", str(LONGEST_DAYS)):
            problems: list[str] = []
            assert load_policy({kind.setting: good}, problems).days[kind] == int(good)
            assert problems == []
        for bad in ("0", str(LONGEST_DAYS + 1)):
            problems = []
            assert load_policy({kind.setting: bad}, problems).days[kind] == DEFAULTS[kind].days
            assert len(problems) == 1 and kind.setting in problems[0]


def test_a_long_bad_value_is_quoted_only_to_its_first_40_characters() -> None:
    from bot.domain.retention import load_policy

    problems: list[str] = []
    load_policy({"RETENTION_DRAFTS_DAYS": "x" * 40 + "TAIL"}, problems)
    assert problems[0].endswith(f"It is '{'x' * 40}'.")


def test_a_record_exactly_at_the_cutoff_is_not_yet_past_its_period() -> None:
    policy = RetentionPolicy()
    kind = RetentionKind.DRAFTS
    now = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)
    cutoff = policy.cutoff(kind, now)
    assert cutoff == now - dt.timedelta(days=90)
    assert not policy.is_past(kind, cutoff, now)
    assert policy.is_past(kind, cutoff - dt.timedelta(microseconds=1), now)


def test_an_empty_cell_stays_empty_and_a_number_is_text() -> None:
    from bot.domain.cells import safe_cell

    assert safe_cell(None) == ""
    assert safe_cell("") == ""
    assert safe_cell(-2) == "'-2"
    assert safe_cell(15000) == "15000"
    assert safe_cell("  =1") == "'  =1"
