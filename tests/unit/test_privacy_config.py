"""The privacy journey's settings: good values are used, and each bad one is one plain
sentence naming the setting, with the default kept."""

from __future__ import annotations

import pytest

from bot.domain.retention import DEFAULTS, RetentionKind
from bot.journeys.privacy.config import PrivacySettings, load_settings
from bot.settings import SettingsError
from bot.settings import load_settings as load_bot_settings


def test_nothing_set_gives_the_defaults() -> None:
    problems: list[str] = []
    settings = load_settings({}, problems)
    assert problems == []
    assert settings == PrivacySettings()
    assert (settings.link_minutes, settings.run_hour) == (30, 2)
    assert all(settings.policy.days[kind] == rule.days for kind, rule in DEFAULTS.items())


def test_good_values_are_used() -> None:
    problems: list[str] = []
    env = {
        "MY_DATA_LINK_MINUTES": "5",
        "RETENTION_RUN_HOUR": "0",
        "RETENTION_DRAFTS_DAYS": "30",
        "RETENTION_CLOSED_REQUESTS_DAYS": " 3650 ",
    }
    settings = load_settings(env, problems)
    assert problems == []
    assert (settings.link_minutes, settings.run_hour) == (5, 0)
    assert settings.policy.days[RetentionKind.DRAFTS] == 30
    assert settings.policy.days[RetentionKind.CLOSED_REQUESTS] == 3650
    assert load_settings({"MY_DATA_LINK_MINUTES": "1440", "RETENTION_RUN_HOUR": "23"}, []) == (
        PrivacySettings(link_minutes=1440, run_hour=23)
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MY_DATA_LINK_MINUTES", "4", "MY_DATA_LINK_MINUTES must be a whole number of minutes"),
        ("MY_DATA_LINK_MINUTES", "1441", "from 5 to 1,440, such as 30. It is '1441'."),
        ("MY_DATA_LINK_MINUTES", "half an hour", "It is 'half an hour'."),
        ("MY_DATA_LINK_MINUTES", "-30", "It is '-30'."),
        ("MY_DATA_LINK_MINUTES", "３０", "It is '３０'."),
        ("RETENTION_RUN_HOUR", "24", "RETENTION_RUN_HOUR must be an hour of the day from 0 to 23"),
        ("RETENTION_RUN_HOUR", "2am", "such as 2. It is '2am'."),
        ("RETENTION_DRAFTS_DAYS", "0", "RETENTION_DRAFTS_DAYS must be a whole number of days"),
        ("RETENTION_AUDIT_DAYS", "36501", "from 1 to 36,500, such as 2192. It is '36501'."),
        ("RETENTION_FEEDBACK_DAYS", "2 years", "It is '2 years'."),
    ],
)
def test_a_bad_value_is_one_plain_sentence_and_the_default_stands(
    name: str, value: str, expected: str
) -> None:
    problems: list[str] = []
    settings = load_settings({name: value}, problems)
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].endswith(".") and problems[0].count(". ") <= 1
    assert settings == PrivacySettings(), "a bad value never changes what is used"


def test_the_bot_will_not_start_with_a_bad_value() -> None:
    with pytest.raises(SettingsError, match="RETENTION_RUN_HOUR"):
        load_bot_settings({"RETENTION_RUN_HOUR": "25"})


def test_the_bot_hands_the_journey_its_settings() -> None:
    settings = load_bot_settings({"MY_DATA_LINK_MINUTES": "45"})
    found = settings.journeys["privacy"]
    assert isinstance(found, PrivacySettings) and found.link_minutes == 45
