"""TRIAGE_ROSTER: Entra object ids, each with an optional name (id:Name).

A name lets anyone on the roster be assigned before they have used the bot. A bad
entry stops the bot at start-up with a plain reason, never later at a click.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ALEX = "00000000-0000-0000-0000-0000000000020"
TESS = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
RAJ = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def problems(roster: str) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_settings({"TRIAGE_ROSTER": roster})
    return raised.value.problems


def test_plain_ids_still_work_with_any_separator() -> None:
    settings = load_settings({"TRIAGE_ROSTER": f"{ALEX} {TESS};{RAJ}"})
    assert settings.triage_roster == {ALEX, TESS, RAJ}
    assert settings.triage_names == ()


def test_ids_may_carry_names_with_spaces() -> None:
    settings = load_settings({"TRIAGE_ROSTER": f"{TESS}: Tess  Ortiz , {RAJ}:Raj Patel; {ALEX}"})
    assert settings.triage_roster == {ALEX, TESS, RAJ}
    assert dict(settings.triage_names) == {TESS: "Tess Ortiz", RAJ: "Raj Patel"}


@pytest.mark.parametrize(
    ("roster", "says"),
    [
        (f"{TESS}:", "has no name after the colon"),
        (f"{TESS}:   ", "has no name after the colon"),
        (":Tess Ortiz", "has no id before the colon"),
        ("tess@example.org:Tess Ortiz", "must list Entra object ids"),
        (f"{TESS}:Tess Ortiz, {TESS}:Someone Else", "two different names"),
        (f"{TESS}:" + "T" * 121, "too long"),
        (f"{TESS}:Tess\x07Ortiz", "cannot be shown"),
    ],
)
def test_a_bad_entry_is_explained(roster: str, says: str) -> None:
    found = problems(roster)
    assert any(says in p and "TRIAGE_ROSTER" in p for p in found), found


def test_the_same_name_twice_is_fine() -> None:
    settings = load_settings({"TRIAGE_ROSTER": f"{TESS}:Tess Ortiz,{TESS}:Tess Ortiz"})
    assert dict(settings.triage_names) == {TESS: "Tess Ortiz"}


def test_the_bot_will_not_start_with_a_bad_entry(tmp_path: Path) -> None:
    env = {**os.environ, "TRIAGE_ROSTER": f"{TESS}:", "DATA_DIR": str(tmp_path), "PORT": "1"}
    ran = subprocess.run(
        [sys.executable, "-m", "bot"], env=env, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 2
    assert "cannot start" in ran.stderr and "has no name after the colon" in ran.stderr
    assert "Traceback" not in ran.stderr
