"""Procurement settings: defaults a council can start with, and a plain sentence naming
the variable for each bad value."""

from __future__ import annotations

import pytest

from bot.journeys.procurement.config import ProcurementConfig, load_settings
from bot.settings import SettingsError
from bot.settings import load_settings as load_all_settings


def read(env: dict[str, str]) -> tuple[ProcurementConfig, list[str]]:
    problems: list[str] = []
    config = load_settings(env, problems)
    return config, problems


def test_no_settings_gives_the_defaults() -> None:
    config, problems = read({})
    assert problems == []
    assert config == ProcurementConfig()
    assert config.renewal_months == 9
    assert config.light_renewals is True
    assert config.public_url == "http://127.0.0.1:3978"
    blank, problems = read(
        {
            "PROCUREMENT_RENEWAL_MONTHS": "  ",
            "PROCUREMENT_LIGHT_RENEWALS": "",
            "PUBLIC_BASE_URL": " ",
            "HOST": "",
            "PORT": " ",
        }
    )
    assert problems == [] and blank == ProcurementConfig()


def test_every_setting_is_read() -> None:
    config, problems = read(
        {
            "PROCUREMENT_RENEWAL_MONTHS": " 12 ",
            "PROCUREMENT_LIGHT_RENEWALS": "No",
            "PUBLIC_BASE_URL": "https://dfd.example.gov.uk/",
        }
    )
    assert problems == []
    assert config == ProcurementConfig(
        renewal_months=12, light_renewals=False, public_url="https://dfd.example.gov.uk"
    )


@pytest.mark.parametrize("months", ["1", "9", "36"])
def test_renewal_months_from_1_to_36(months: str) -> None:
    config, problems = read({"PROCUREMENT_RENEWAL_MONTHS": months})
    assert problems == [] and config.renewal_months == int(months)


@pytest.mark.parametrize("months", ["0", "37", "nine", "-3", "1.5", "9 months", "+9"])
def test_bad_renewal_months_say_so(months: str) -> None:
    config, problems = read({"PROCUREMENT_RENEWAL_MONTHS": months})
    assert problems == [
        "PROCUREMENT_RENEWAL_MONTHS must be a whole number of months from 1 to 36, "
        f"such as 9. It is '{months}'."
    ]
    assert config.renewal_months == 9


def test_a_superscript_digit_is_a_bad_value_not_a_crash() -> None:
    _, problems = read({"PROCUREMENT_RENEWAL_MONTHS": "²"})
    assert problems and problems[0].startswith("PROCUREMENT_RENEWAL_MONTHS must be")


@pytest.mark.parametrize(
    ("raw", "light"),
    [
        ("true", True),
        ("YES", True),
        ("1", True),
        (" on ", True),
        ("false", False),
        ("No", False),
        ("0", False),
        ("OFF", False),
    ],
)
def test_light_renewals_true_or_false(raw: str, light: bool) -> None:
    config, problems = read({"PROCUREMENT_LIGHT_RENEWALS": raw})
    assert problems == [] and config.light_renewals is light


@pytest.mark.parametrize("raw", ["maybe", "Sometimes", "2"])
def test_bad_light_renewals_say_so_as_written(raw: str) -> None:
    config, problems = read({"PROCUREMENT_LIGHT_RENEWALS": raw})
    assert problems == [f"PROCUREMENT_LIGHT_RENEWALS must be true or false. It is '{raw}'."]
    assert config.light_renewals is True


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ({"PUBLIC_BASE_URL": "https://dfd.example.gov.uk"}, "https://dfd.example.gov.uk"),
        ({"PUBLIC_BASE_URL": "https://dfd.example.gov.uk///"}, "https://dfd.example.gov.uk"),
        ({"PUBLIC_BASE_URL": "http://10.0.0.5:8080/bot"}, "http://10.0.0.5:8080/bot"),
        ({"HOST": "0.0.0.0", "PORT": "8080"}, "http://0.0.0.0:8080"),
        ({"HOST": "::1"}, "http://[::1]:3978"),
        ({"PORT": "4000"}, "http://127.0.0.1:4000"),
    ],
)
def test_the_public_address(env: dict[str, str], url: str) -> None:
    config, problems = read(env)
    assert problems == [] and config.public_url == url


@pytest.mark.parametrize(
    "raw",
    ["ftp://dfd.example.gov.uk", "dfd.example.gov.uk", "https://", "https://x.gov.uk/?a=1"],
)
def test_a_bad_public_address_says_so(raw: str) -> None:
    config, problems = read({"PUBLIC_BASE_URL": raw})
    assert problems == [
        "PUBLIC_BASE_URL must be the bot's web address as people reach it, such as "
        f"https://dfd.example.gov.uk. It is '{raw.rstrip('/')}'."
    ]
    assert config.public_url == ProcurementConfig().public_url


def test_every_bad_value_is_reported_together() -> None:
    _, problems = read(
        {
            "PROCUREMENT_RENEWAL_MONTHS": "0",
            "PROCUREMENT_LIGHT_RENEWALS": "maybe",
            "PUBLIC_BASE_URL": "ftp://x",
        }
    )
    assert [p.split(" ")[0] for p in problems] == [
        "PROCUREMENT_RENEWAL_MONTHS",
        "PROCUREMENT_LIGHT_RENEWALS",
        "PUBLIC_BASE_URL",
    ]


def test_the_bot_reads_them_at_start_and_stops_on_a_bad_one() -> None:
    settings = load_all_settings({"PROCUREMENT_RENEWAL_MONTHS": "6"})
    assert settings.journeys["procurement"] == ProcurementConfig(renewal_months=6)
    with pytest.raises(SettingsError) as refused:
        load_all_settings({"PROCUREMENT_RENEWAL_MONTHS": "0"})
    assert (
        "PROCUREMENT_RENEWAL_MONTHS must be a whole number of months from 1 to 36, "
        "such as 9. It is '0'." in refused.value.problems
    )


def test_a_public_address_with_a_fragment_is_refused() -> None:
    _, problems = read({"PUBLIC_BASE_URL": "https://dfd.example.gov.uk/#top"})
    assert problems and problems[0].startswith("PUBLIC_BASE_URL must be")


@pytest.mark.parametrize("days", ["1", "90", "3650", " 30 "])
def test_pack_days_from_1_to_3650(days: str) -> None:
    config, problems = read({"PROCUREMENT_PACK_DAYS": days})
    assert problems == [] and config.pack_days == int(days)
    assert ProcurementConfig().pack_days == 90


@pytest.mark.parametrize("days", ["0", "3651", "ninety", "-1", "1.5", "90 days", "²"])
def test_bad_pack_days_say_so(days: str) -> None:
    config, problems = read({"PROCUREMENT_PACK_DAYS": days})
    assert problems == [
        "PROCUREMENT_PACK_DAYS must be a whole number of days from 1 to 3650, "
        f"such as 90. It is '{days}'."
    ]
    assert config.pack_days == 90
