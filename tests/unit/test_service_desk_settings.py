"""SERVICE_DESK_CONTACT: optional plain words, checked at start-up like every setting."""

from __future__ import annotations

import pytest

from bot.settings import SERVICE_DESK_MAX, SettingsError, load_settings


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    return raised.value.problems


def test_the_contact_is_optional() -> None:
    assert load_settings({}).service_desk_contact == ""


def test_the_contact_is_kept_as_plain_words_with_spaces_tidied() -> None:
    contact = "  Call 0123 456 7890   or use the IT self-service portal.  "
    settings = load_settings({"SERVICE_DESK_CONTACT": contact})
    assert settings.service_desk_contact == "Call 0123 456 7890 or use the IT self-service portal."


def test_a_plain_web_address_is_allowed() -> None:
    contact = "Use https://itportal.example.gov.uk or call extension 4000."
    assert load_settings({"SERVICE_DESK_CONTACT": contact}).service_desk_contact == contact


def test_a_contact_up_to_the_limit_is_allowed_and_one_more_is_not() -> None:
    assert load_settings({"SERVICE_DESK_CONTACT": "x" * SERVICE_DESK_MAX})
    assert problems({"SERVICE_DESK_CONTACT": "x" * (SERVICE_DESK_MAX + 1)}) == [
        "SERVICE_DESK_CONTACT is 301 characters long. Keep it to 300 characters or fewer."
    ]


@pytest.mark.parametrize("contact", ["Call\t4000", "Call 4000\nor 4001", "Call\x1b[31m 4000"])
def test_control_characters_are_refused(contact: str) -> None:
    assert problems({"SERVICE_DESK_CONTACT": contact}) == [
        "SERVICE_DESK_CONTACT has control characters, such as a tab or a line break. "
        "Write it as plain words on one line."
    ]


@pytest.mark.parametrize(
    "contact",
    [
        "<b>Call 4000</b>",
        "Use the [portal](https://evil.example)",
        "Call **4000**",
        "Call `4000`",
    ],
)
def test_markup_is_refused(contact: str) -> None:
    [problem] = problems({"SERVICE_DESK_CONTACT": contact})
    assert problem.startswith("SERVICE_DESK_CONTACT must be plain words, without HTML or Markdown")


def test_a_bad_contact_is_reported_with_every_other_problem() -> None:
    found = problems({"SERVICE_DESK_CONTACT": "<i>x</i>", "PORT": "0"})
    assert len(found) == 2
