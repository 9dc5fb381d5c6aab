"""The Teams app package: a schema-valid v1.19 manifest, proper icons, clear build errors."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.support.cards import REPO_ROOT

BUILD = REPO_ROOT / "manifest" / "build.py"
CHECK_MANIFEST_JS = REPO_ROOT / "tests" / "js" / "check_manifest.js"
SCHEMA = (
    REPO_ROOT
    / "node_modules/@microsoft/app-manifest/build/json-schemas/teams/v1.19"
    / "MicrosoftTeams.schema.json"
)
BOT_ID = "6f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
APP_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


def run_build(tmp_path: Path, *args: str, **ids: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_ID", "APP_ID")}
    return subprocess.run(
        [sys.executable, str(BUILD), "--out", str(tmp_path / "app.zip"), *args],
        env={**env, **ids},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    node = shutil.which("node")
    assert node, "node is not on PATH: run scripts/setup"
    assert SCHEMA.is_file(), f"{SCHEMA} is missing: run `npm ci` (scripts/setup)"
    result = subprocess.run(
        [node, str(CHECK_MANIFEST_JS)],
        input=json.dumps(manifest),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    errors: list[str] = json.loads(result.stdout)
    return errors


@pytest.fixture
def package(tmp_path: Path) -> zipfile.ZipFile:
    result = run_build(tmp_path, BOT_ID=BOT_ID, APP_ID=APP_ID)
    assert result.returncode == 0, result.stderr
    return zipfile.ZipFile(tmp_path / "app.zip")


@pytest.fixture
def manifest(package: zipfile.ZipFile) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(package.read("manifest.json"))
    return loaded


def png_header(data: bytes) -> tuple[int, int, int, int]:
    """Width, height, bit depth and colour type from the IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def rgba_pixels(data: bytes) -> list[tuple[int, ...]]:
    """Decode an 8-bit RGBA PNG, whichever scanline filters its encoder chose."""
    width, height, depth, colour = png_header(data)
    assert (depth, colour) == (8, 6), "expected an 8-bit RGBA PNG"
    idat, at = b"", 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        if data[at + 4 : at + 8] == b"IDAT":
            idat += data[at + 8 : at + 8 + length]
        at += 12 + length
    raw, stride = zlib.decompress(idat), width * 4
    previous, pixels = bytes(stride), []
    for y in range(height):
        row = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        previous = unfilter(row[0], bytearray(row[1:]), previous)
        pixels += [tuple(previous[x : x + 4]) for x in range(0, stride, 4)]
    return pixels


def unfilter(kind: int, line: bytearray, previous: bytes) -> bytes:
    for i in range(len(line)):
        a = line[i - 4] if i >= 4 else 0
        b = previous[i]
        c = previous[i - 4] if i >= 4 else 0
        p = a + b - c
        paeth = min((abs(p - a), 0, a), (abs(p - b), 1, b), (abs(p - c), 2, c))[2]
        line[i] = (line[i] + (0, a, b, (a + b) // 2, paeth)[kind]) % 256
    return bytes(line)


def test_package_holds_the_manifest_and_both_icons(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_manifest_is_valid_against_the_official_v1_19_schema(manifest: dict[str, Any]) -> None:
    assert manifest["manifestVersion"] == "1.19"
    assert manifest["$schema"] == (
        "https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json"
    )
    assert schema_errors(manifest) == []


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda m: m.pop("name"), "must have required property 'name'"),
        (lambda m: m["bots"][0].update(botId="not-a-guid"), "/bots/0/botId must match"),
        (lambda m: m["description"].update(short="x" * 81), "/description/short must NOT"),
        (lambda m: m.update(surprise=True), "must NOT have additional properties"),
    ],
)
def test_schema_check_rejects_a_broken_manifest(
    manifest: dict[str, Any], breakage: Any, expected: str
) -> None:
    breakage(manifest)

    errors = schema_errors(manifest)

    assert any(expected in e for e in errors), errors


def test_manifest_takes_ids_from_the_environment(manifest: dict[str, Any]) -> None:
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert "${{" not in json.dumps(manifest)


def test_bot_offers_the_chat_commands(manifest: dict[str, Any]) -> None:
    [bot] = manifest["bots"]
    commands = {
        scope: [c["title"] for c in lists["commands"]]
        for lists in bot["commandLists"]
        for scope in lists["scopes"]
    }

    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert bot["supportsFiles"] is True  # admins attach the catalogue CSV in a personal chat
    assert commands == {
        # The most used first (menu rank 1); the menu shows only 10.
        "personal": [
            "help",
            "new request",
            "my requests",
            "status",
            "ask",
            "my questions",
            "buy software",
            "continue",
            "feedback",
            "what is",
        ],
        # Commands only admins can use come last: a full menu keeps everyone's commands.
        "team": [
            "help",
            "status",
            "agenda",  # a board's channel: its list of requests
            "what is",
            "password reset",
            "register community",
            "communities",
            "leaderboard",
            "questions",
            "nudges",
        ],
    }
    described = {
        c["title"]: c["description"] for lists in bot["commandLists"] for c in lists["commands"]
    }
    assert described["status"].startswith("Type status and a reference, such as status DR-")
    assert all(len(text) <= 128 for text in described.values())
    assert manifest["name"]["short"] == "Digital Front Door"
    assert manifest["developer"]["name"] == "Southampton City Council"
    assert manifest["validDomains"] == []


def test_icons_have_the_sizes_teams_requires(package: zipfile.ZipFile) -> None:
    assert png_header(package.read("color.png"))[:2] == (192, 192)
    assert png_header(package.read("outline.png"))[:2] == (32, 32)


def test_outline_icon_is_white_on_transparent(package: zipfile.ZipFile) -> None:
    pixels = rgba_pixels(package.read("outline.png"))

    assert {p for p in pixels if p[3]} == {(255, 255, 255, 255)}
    assert any(p[3] == 0 for p in pixels)


def test_colour_icon_is_opaque_and_in_colour(package: zipfile.ZipFile) -> None:
    pixels = rgba_pixels(package.read("color.png"))

    assert all(p[3] == 255 for p in pixels)
    assert len(set(pixels)) >= 3


def test_committed_icons_are_the_ones_packaged(package: zipfile.ZipFile) -> None:
    for name in ("color.png", "outline.png"):
        assert package.read(name) == (REPO_ROOT / "manifest" / name).read_bytes()


def test_local_build_uses_the_local_placeholder_id(tmp_path: Path) -> None:
    result = run_build(tmp_path, "--local")

    assert result.returncode == 0, result.stderr
    manifest = json.loads(zipfile.ZipFile(tmp_path / "app.zip").read("manifest.json"))
    assert manifest["bots"][0]["botId"] == "00000000-0000-0000-0000-000000000011"
    assert schema_errors(manifest) == []


@pytest.mark.parametrize(
    ("args", "ids", "message"),
    [
        ((), {"BOT_ID": "my-bot", "APP_ID": APP_ID}, "BOT_ID must be a GUID"),
        ((), {"BOT_ID": BOT_ID, "APP_ID": "12345"}, "APP_ID must be a GUID"),
        ((), {}, "BOT_ID is not set"),
        (
            (),
            {"BOT_ID": "00000000-0000-0000-0000-000000000011", "APP_ID": APP_ID},
            "is the local placeholder; pass --local",
        ),
        (("--local",), {"BOT_ID": "my-bot"}, "BOT_ID must be a GUID"),
    ],
)
def test_bad_ids_stop_the_build_with_a_clear_message(
    tmp_path: Path, args: tuple[str, ...], ids: dict[str, str], message: str
) -> None:
    result = run_build(tmp_path, *args, **ids)

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "app.zip").exists()
