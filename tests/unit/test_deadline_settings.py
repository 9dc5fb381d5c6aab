"""DEADLINE_* (each stage's target) and the boards journey's own settings are checked at
start-up, each bad value named in a plain sentence."""

from __future__ import annotations

import pytest

from bot.journeys.boards.config import BoardsConfig
from bot.journeys.boards.config import load_settings as boards_settings
from bot.settings import SettingsError, load_settings

LEAD = "11111111-2222-3333-4444-555555555555"
PLAYGROUND_USER = "00000000-0000-0000-0000-0000000000020"


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    return raised.value.problems


def boards(env: dict[str, str]) -> tuple[BoardsConfig, list[str]]:
    found: list[str] = []
    return boards_settings(env, found), found


def test_the_targets_default_to_five_ten_and_twenty_working_days() -> None:
    settings = load_settings({})
    assert (
        settings.deadline_triage_days,
        settings.deadline_question_days,
        settings.deadline_board_days,
    ) == (5, 10, 20)


def test_each_target_can_be_set_within_its_range() -> None:
    env = {
        "DEADLINE_TRIAGE_DAYS": "60",
        "DEADLINE_QUESTION_DAYS": " 1 ",
        "DEADLINE_BOARD_DAYS": "120",
    }
    settings = load_settings(env)
    assert settings.deadline_triage_days == 60
    assert settings.deadline_question_days == 1
    assert settings.deadline_board_days == 120


@pytest.mark.parametrize(
    ("name", "value", "most"),
    [
        ("DEADLINE_TRIAGE_DAYS", "0", 60),
        ("DEADLINE_TRIAGE_DAYS", "61", 60),
        ("DEADLINE_QUESTION_DAYS", "2.5", 60),
        ("DEADLINE_QUESTION_DAYS", "-3", 60),
        ("DEADLINE_BOARD_DAYS", "121", 120),
        ("DEADLINE_BOARD_DAYS", "twenty", 120),
        ("DEADLINE_BOARD_DAYS", "٣", 120),  # a digit, but not one people type here
    ],
)
def test_a_bad_target_is_named_with_what_is_allowed(name: str, value: str, most: int) -> None:
    [problem] = problems({name: value})
    assert problem.startswith(f"{name} must be a whole number of working days from 1 to {most}")
    assert f"It is '{value}'." in problem


def test_every_bad_target_is_reported_at_once() -> None:
    found = problems({"DEADLINE_TRIAGE_DAYS": "x", "DEADLINE_BOARD_DAYS": "0"})
    assert [p.split(" ")[0] for p in found] == ["DEADLINE_TRIAGE_DAYS", "DEADLINE_BOARD_DAYS"]


def test_a_long_bad_value_is_cut_short_in_the_message() -> None:
    [problem] = problems({"DEADLINE_TRIAGE_DAYS": "9" * 500})
    assert len(problem) < 200


# ---- The boards journey's settings --------------------------------------------------------


def test_the_boards_defaults() -> None:
    config, found = boards({})
    assert found == []
    assert config == BoardsConfig()
    assert config.public_url == "http://127.0.0.1:3978"


def test_triage_leads_are_entra_object_ids() -> None:
    config, found = boards({"TRIAGE_LEAD_IDS": f"{LEAD}, {PLAYGROUND_USER};"})
    assert found == []
    assert config.triage_lead_ids == frozenset({LEAD, PLAYGROUND_USER})


def test_a_bad_triage_lead_is_named_and_none_are_used() -> None:
    config, found = boards({"TRIAGE_LEAD_IDS": f"{LEAD},lee@example.gov.uk"})
    assert found == [
        "TRIAGE_LEAD_IDS must list Entra object ids (GUIDs), separated by commas. "
        "These are not: lee@example.gov.uk."
    ]
    assert config.triage_lead_ids == frozenset()
    assert any("TRIAGE_LEAD_IDS" in p for p in problems({"TRIAGE_LEAD_IDS": "nobody"}))


def test_the_pack_link_lasts_a_number_of_days() -> None:
    assert boards({"BOARD_PACK_DAYS": "30"})[0].pack_days == 30
    for bad in ("0", "3651", "ninety", "1e3"):
        config, found = boards({"BOARD_PACK_DAYS": bad})
        assert found == [
            f"BOARD_PACK_DAYS must be a whole number of days from 1 to 3650. It is '{bad}'."
        ]
        assert config.pack_days == 90


def test_the_public_address_is_read_as_procurement_reads_it() -> None:
    assert boards({"PUBLIC_BASE_URL": "https://dfd.example.gov.uk/"})[0].public_url == (
        "https://dfd.example.gov.uk"
    )
    assert boards({"HOST": "::1", "PORT": "8080"})[0].public_url == "http://[::1]:8080"
    for bad in ("ftp://dfd.example.gov.uk", "https://dfd.example.gov.uk/?a=1", "http://[::1"):
        config, found = boards({"PUBLIC_BASE_URL": bad})
        assert len(found) == 1 and found[0].startswith("PUBLIC_BASE_URL must be")
        assert config.public_url == "http://127.0.0.1:3978"


def test_a_bad_public_address_is_told_once_though_two_journeys_read_it() -> None:
    found = problems({"PUBLIC_BASE_URL": "ftp://dfd.example.gov.uk"})
    assert len([p for p in found if p.startswith("PUBLIC_BASE_URL")]) == 1
