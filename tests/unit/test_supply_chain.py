"""The Python dependencies install from a hash-checked lock, with floors past known advisories.

Reads pyproject.toml, requirements/lock.txt and scripts/setup; no network.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"
SETUP = ROOT / "scripts" / "setup"

# The lowest release of each package that is past the advisories named beside it. pyproject.toml
# must not admit anything older, and the lock must pin one of these or newer.
SECURITY_FLOORS = {
    # GHSA-h4cc-hm5h-fmm9 and GHSA-2g87-pp6c-29x5 (fixed in 3.14.4), GHSA-5wr8-gcqf-gqf3 and
    # GHSA-494j-54xm-rwp3 (fixed in 3.14.5); before them the 2025 request-smuggling fixes,
    # CVE-2025-53643 (3.12.14) and CVE-2025-69224 (3.13.3).
    "aiohttp": Version("3.14.5"),
    # CVE-2024-35255 was fixed in 1.16.1; 1.27 is the release the bot is tested with.
    "azure-identity": Version("1.27"),
    # No advisory for MSAL Python is known; 1.39 is the release the bot is tested with.
    "msal": Version("1.39"),
    # CVE-2026-32597 (fixed in 2.12.0) and GHSA-42vr-xj54-vc7v (fixed in 2.15.0).
    "pyjwt": Version("2.15"),
    # GHSA-g6cj-pr64-35w5, the PKCS#7 Bleichenbacher oracle (fixed in 50.0.0).
    "cryptography": Version("50"),
}


def _pyproject_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        names.extend(extra)
    return [Requirement(name) for name in names]


def _lock_entries() -> dict[str, tuple[str, list[str]]]:
    """Map each locked package to the text of its `==` pin and the hashes given for it."""
    text = LOCK.read_text(encoding="utf-8")
    logical_lines = re.sub(r"\\\n", " ", text).splitlines()
    entries: dict[str, tuple[str, list[str]]] = {}
    for line in logical_lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        requirement_text, *options = stripped.split(" --")
        requirement = Requirement(requirement_text.strip())
        hashes = [
            option.removeprefix("hash=sha256:").strip()
            for option in options
            if option.startswith("hash=sha256:")
        ]
        entries[canonicalize_name(requirement.name)] = (str(requirement.specifier), hashes)
    return entries


def _locked_version(name: str) -> Version:
    specifier, _ = _lock_entries()[canonicalize_name(name)]
    assert specifier.startswith("=="), f"{name} is not pinned with == in the lock: {specifier}"
    return Version(specifier.removeprefix("=="))


def _pyproject_specifier(name: str) -> SpecifierSet:
    for requirement in _pyproject_requirements():
        if canonicalize_name(requirement.name) == canonicalize_name(name):
            return requirement.specifier
    raise AssertionError(f"{name} is not named in pyproject.toml")


def test_the_lock_has_packages() -> None:
    assert len(_lock_entries()) > 20


def test_every_pyproject_dependency_is_pinned_in_the_lock_with_a_hash() -> None:
    entries = _lock_entries()
    for requirement in _pyproject_requirements():
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{requirement.name} is missing from {LOCK.name}"
        specifier, hashes = entries[name]
        assert re.fullmatch(r"==[^,*]+", specifier), f"{name} is not pinned exactly: {specifier}"
        assert hashes, f"{name} has no --hash=sha256: in the lock"
        assert requirement.specifier.contains(specifier.removeprefix("=="), prereleases=True), (
            f"the lock's {name}{specifier} is outside pyproject.toml's {requirement.specifier}"
        )


def test_every_package_in_the_lock_is_pinned_with_sha256_hashes() -> None:
    for name, (specifier, hashes) in _lock_entries().items():
        assert specifier.startswith("=="), f"{name} is not pinned with ==: {specifier!r}"
        assert hashes, f"{name} has no hash"
        assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in hashes), name


def test_the_lock_leaves_out_the_project_and_package_indexes() -> None:
    # The project installs with --no-deps -e . after the lock; indexes come from pip's own
    # configuration on each machine, never from the repository.
    assert "digital-front-door" not in _lock_entries()
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        assert not re.match(r"\s*-(-index-url|-extra-index-url|-find-links|i|f)\b", line), line


@pytest.mark.parametrize("name", sorted(SECURITY_FLOORS))
def test_the_locked_version_is_past_the_security_floor(name: str) -> None:
    assert _locked_version(name) >= SECURITY_FLOORS[name]


@pytest.mark.parametrize("name", sorted(SECURITY_FLOORS))
def test_pyproject_admits_nothing_below_the_security_floor(name: str) -> None:
    specifier = _pyproject_specifier(name)
    lower_bounds = [Version(spec.version) for spec in specifier if spec.operator in (">=", "==")]
    assert lower_bounds, f"{name} has no lower bound in pyproject.toml: {specifier}"
    assert max(lower_bounds) >= SECURITY_FLOORS[name], f"{name}{specifier}"


def test_aiohttp_floor_is_past_the_2025_request_smuggling_fixes() -> None:
    floor = SECURITY_FLOORS["aiohttp"]
    assert floor >= Version("3.13.3")
    assert not _pyproject_specifier("aiohttp").contains("3.14.4")


def _setup_commands() -> list[str]:
    text = SETUP.read_text(encoding="utf-8")
    lines = [line.split("#", 1)[0].strip() for line in re.sub(r"\\\n", " ", text).splitlines()]
    return [line for line in lines if line]


def test_setup_upgrades_pip_in_the_venv_before_installing() -> None:
    commands = _setup_commands()
    upgrade = commands.index(".venv/bin/python -m pip install --upgrade pip")
    locked = next(i for i, line in enumerate(commands) if "--require-hashes" in line)
    assert upgrade < locked


def test_setup_installs_from_the_lock_with_hashes_then_the_project_without_deps() -> None:
    commands = [line for line in _setup_commands() if "pip install" in line]
    assert ".venv/bin/python -m pip install --require-hashes -r requirements/lock.txt" in commands
    editable = [line for line in commands if " -e " in f"{line} "]
    assert editable, "scripts/setup does not install the project itself"
    assert all("--no-deps" in line for line in editable), editable
    assert not any("[dev]" in line for line in commands), "installing extras would re-resolve"
