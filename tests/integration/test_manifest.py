"""The Teams app package, built by `python manifest/build.py` as an IT team would: a manifest
valid against the newest official schema bundled offline, command menus and message actions
from the journeys, designed icons, and a plain sentence for every bad input."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.journey import MessageAction
from bot.journeys import declared_commands
from manifest.build import build_manifest, resolve_values
from manifest.icons import ACCENT, draw_color, draw_outline
from tests.support.cards import REPO_ROOT

BUILD = REPO_ROOT / "manifest" / "build.py"
CHECK_MANIFEST_JS = REPO_ROOT / "tests" / "js" / "check_manifest.js"
SCHEMAS = REPO_ROOT / "node_modules/@microsoft/app-manifest/build/json-schemas/teams"
BOT_ID = "6f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
APP_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
DOMAIN = "dfd-bot.azurewebsites.net"
GOOD = {"BOT_ID": BOT_ID, "APP_ID": APP_ID, "BOT_DOMAIN": DOMAIN}
BUILD_SETTINGS = ("BOT_ID", "APP_ID", "BOT_DOMAIN", "APP_VERSION")


def run_build(tmp_path: Path, *args: str, **values: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in BUILD_SETTINGS}
    return subprocess.run(
        [sys.executable, str(BUILD), "--out", str(tmp_path / "app.zip"), *args],
        env={**env, **values},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    node = shutil.which("node")
    assert node, "node is not on PATH: run scripts/setup"
    assert SCHEMAS.is_dir(), f"{SCHEMAS} is missing: run `npm ci` (scripts/setup)"
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


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real build, shared by the tests that only read the package."""
    tmp_path = tmp_path_factory.mktemp("package")
    result = run_build(tmp_path, **GOOD, APP_VERSION="1.4.2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {tmp_path / 'app.zip'} (app version 1.4.2)"
    return tmp_path / "app.zip"


@pytest.fixture
def package(built: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(built)


@pytest.fixture
def manifest(package: zipfile.ZipFile) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(package.read("manifest.json"))
    return loaded


def icon(package: zipfile.ZipFile, name: str) -> Image.Image:
    return Image.open(io.BytesIO(package.read(name)))


def newest_bundled_schema() -> str:
    numbered = [p.name[1:] for p in SCHEMAS.iterdir() if re.fullmatch(r"v\d+\.\d+", p.name)]
    return max(numbered, key=lambda v: tuple(map(int, v.split("."))))


def test_package_holds_the_manifest_and_both_icons_at_its_root(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_manifest_uses_the_newest_schema_bundled_and_is_valid_against_it(
    manifest: dict[str, Any],
) -> None:
    version = newest_bundled_schema()

    assert manifest["manifestVersion"] == version
    assert manifest["$schema"] == (
        f"https://developer.microsoft.com/en-us/json-schemas/teams/v{version}"
        "/MicrosoftTeams.schema.json"
    )
    assert schema_errors(manifest) == []


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda m: m.pop("name"), "must have required property 'name'"),
        (lambda m: m["bots"][0].update(botId="not-a-guid"), "/bots/0/botId must match"),
        (lambda m: m["description"].update(short="x" * 81), "/description/short must NOT"),
        (lambda m: m.update(surprise=True), "must NOT have additional properties"),
        (
            lambda m: m.update(composeExtensions=[{"botId": BOT_ID, "commands": [{"id": "x"}]}]),
            "must have required property 'title'",
        ),
    ],
)
def test_schema_check_rejects_a_broken_manifest(
    manifest: dict[str, Any], breakage: Any, expected: str
) -> None:
    breakage(manifest)

    errors = schema_errors(manifest)

    assert any(expected in e for e in errors), errors


def test_manifest_takes_ids_domain_and_version_from_the_environment(
    manifest: dict[str, Any],
) -> None:
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["validDomains"] == [DOMAIN]
    assert manifest["version"] == "1.4.2"
    assert "${{" not in json.dumps(manifest)


def test_manifest_describes_the_app_in_plain_words(manifest: dict[str, Any]) -> None:
    assert manifest["name"]["short"] == "Digital Front Door"
    assert manifest["developer"]["name"] == "Southampton City Council"
    assert len(manifest["description"]["short"]) <= 80
    full = manifest["description"]["full"]
    assert len(full) <= 4000
    assert "Raise as a digital request" in full  # the message action, as Teams shows it
    assert "http" not in full and "<" not in full


def test_bot_offers_the_chat_commands_help_lists(manifest: dict[str, Any]) -> None:
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
        # A channel's own commands first: setting channels up (step 7 of deploy/README.md)
        # and what each channel is for; then the boards' commands.
        "team": [
            "help",
            "agenda",  # a board's channel: its list of requests
            "register triage",
            "register community",
            "questions",  # a community's channel
            "register procurement",
            "register board",
            "board",
            "add board member",
            "remove board member",
        ],
        # A group chat takes only everyone's commands that work anywhere: the board
        # commands refuse in a group chat.
        "groupChat": [
            "help",
            "status",
            "what is",
            "password reset",
            "communities",
            "leaderboard",
            "how are requests scored?",
            "automation backlog",
            "feedback summary",
            "community lead",
        ],
    }


def test_every_channel_the_guide_registers_is_in_the_teams_menu(
    manifest: dict[str, Any],
) -> None:
    """Step 7 of deploy/README.md has admins type these in team channels: Teams offers them."""
    guide = (REPO_ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    step = guide.split("## 7.", 1)[1].split("\n## ", 1)[0]
    typed = re.findall(r"^\|[^|\n]*\| `([^`]+)`", step, flags=re.MULTILINE)
    names = {c.name for c in declared_commands() if c.help}
    wanted = {max((n for n in names if said.startswith(n)), key=len) for said in typed}
    [team] = [
        lists["commands"]
        for lists in manifest["bots"][0]["commandLists"]
        if lists["scopes"] == ["team"]
    ]

    assert wanted >= {"register triage", "register board"}  # the table was read
    assert wanted | {"board"} <= {entry["title"] for entry in team}


def test_menu_texts_never_drift_from_help(manifest: dict[str, Any]) -> None:
    """Every menu entry is a command the journeys declare, usable in that scope, described
    by its own words."""
    declared = {command.name: command for command in declared_commands() if command.help}
    usable = {"personal": {"personal", "anywhere"}, "team": {"channel", "anywhere"}}
    usable["groupChat"] = {"anywhere"}

    for lists in manifest["bots"][0]["commandLists"]:
        [scope] = lists["scopes"]
        for entry in lists["commands"]:
            command = declared[entry["title"]]
            assert command.where in usable[scope], (scope, command.name)
            assert not (scope == "groupChat" and command.audience), command.name
            words = command.menu_hint or command.help
            assert entry["description"] == words or (
                len(words) > 128 and words.startswith(entry["description"].rstrip("…"))
            )
            assert len(entry["description"]) <= 128


def test_message_action_raises_a_digital_request_from_any_message(
    manifest: dict[str, Any],
) -> None:
    [extension] = manifest["composeExtensions"]
    commands = {command["id"]: command for command in extension["commands"]}

    assert extension["botId"] == BOT_ID
    raise_it = commands["raiseDigitalRequest"]
    assert raise_it["title"] == "Raise as a digital request"
    assert raise_it["type"] == "action"
    assert raise_it["context"] == ["message"]
    assert raise_it["fetchTask"] is True
    assert 0 < len(raise_it["description"]) <= 128


async def _answer(turn: Any, value: Any) -> Any:
    raise AssertionError("the manifest never runs an action")


def test_a_declared_message_action_makes_a_schema_valid_message_extension() -> None:
    """Independent of which journeys declare actions today: two made-up ones."""
    actions = [
        MessageAction("raiseThing", "Raise a thing", "Turn it into a thing.", _answer, _answer),
        MessageAction("askAbout", "Ask about this", "Ask a question.", _answer, _answer),
    ]
    values = resolve_values(GOOD, local=False)

    manifest = build_manifest(values, declared_commands(), actions)

    assert [c["id"] for c in manifest["composeExtensions"][0]["commands"]] == [
        "raiseThing",
        "askAbout",
    ]
    assert schema_errors(manifest) == []
    assert "composeExtensions" not in build_manifest(values, declared_commands(), [])


def test_icons_have_the_sizes_teams_requires(package: zipfile.ZipFile) -> None:
    assert icon(package, "color.png").size == (192, 192)
    assert icon(package, "outline.png").size == (32, 32)


def test_outline_icon_is_white_on_transparent(package: zipfile.ZipFile) -> None:
    outline = icon(package, "outline.png").convert("RGBA")
    pixels = list(outline.get_flattened_data())

    assert {p[:3] for p in pixels if p[3]} == {(255, 255, 255)}  # white, and only white
    assert sum(p[3] == 0 for p in pixels) > len(pixels) // 3  # mostly see-through
    assert sum(p[3] == 255 for p in pixels) > len(pixels) // 10  # a solid mark, not a haze


def test_colour_icon_is_full_bleed_and_in_colour(package: zipfile.ZipFile) -> None:
    colour = icon(package, "color.png").convert("RGBA")
    pixels = list(colour.get_flattened_data())
    accent = Image.new("RGBA", (1, 1), ACCENT).getpixel((0, 0))

    assert all(p[3] == 255 for p in pixels)  # opaque
    corners = [(0, 0), (191, 0), (0, 191), (191, 191)]
    assert {colour.getpixel(c) for c in corners} == {accent}  # the accent colour to the edges
    assert len({p for p in pixels if p != accent}) >= 3  # a mark, in more than one colour
    assert sum(p == accent for p in pixels) > len(pixels) // 2


def test_committed_icons_are_the_ones_packaged_and_the_ones_drawn(
    package: zipfile.ZipFile,
) -> None:
    for name, drawn in (("color.png", draw_color()), ("outline.png", draw_outline())):
        committed = (REPO_ROOT / "manifest" / name).read_bytes()
        assert package.read(name) == committed
        # The PNGs in the repository are what `build.py --icons` draws today.
        on_disk = Image.open(io.BytesIO(committed)).convert("RGBA")
        assert on_disk.tobytes() == drawn.convert("RGBA").tobytes(), f"run build.py --icons: {name}"


def test_two_builds_make_the_same_package(tmp_path: Path, built: Path) -> None:
    result = run_build(tmp_path, **GOOD, APP_VERSION="1.4.2")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "app.zip").read_bytes() == built.read_bytes()


def test_local_build_uses_the_placeholder_id_and_no_domain(tmp_path: Path) -> None:
    result = run_build(tmp_path, "--local")

    assert result.returncode == 0, result.stderr
    manifest = json.loads(zipfile.ZipFile(tmp_path / "app.zip").read("manifest.json"))
    assert manifest["bots"][0]["botId"] == "00000000-0000-0000-0000-000000000011"
    assert manifest["validDomains"] == []
    assert manifest["version"] == "1.0.0"
    assert schema_errors(manifest) == []


@pytest.mark.parametrize(
    ("args", "values", "message"),
    [
        ((), {**GOOD, "BOT_ID": "my-bot"}, "BOT_ID must be a GUID"),
        ((), {**GOOD, "APP_ID": "12345"}, "APP_ID must be a GUID"),
        ((), {"BOT_DOMAIN": DOMAIN}, "BOT_ID is not set"),
        ((), {"BOT_ID": BOT_ID, "BOT_DOMAIN": DOMAIN}, "APP_ID is not set"),
        (
            (),
            {**GOOD, "BOT_ID": "00000000-0000-0000-0000-000000000011"},
            "is the local placeholder; pass --local",
        ),
        (("--local",), {"BOT_ID": "my-bot"}, "BOT_ID must be a GUID"),
        ((), {"BOT_ID": BOT_ID, "APP_ID": APP_ID}, "BOT_DOMAIN is not set"),
        (
            (),
            {**GOOD, "BOT_DOMAIN": f"https://{DOMAIN}/api/messages"},
            "BOT_DOMAIN must be a host name only, such as dfd-bot.azurewebsites.net, "
            "without https:// or a path",
        ),
        (("--local",), {"BOT_DOMAIN": "not a host"}, "BOT_DOMAIN must be a host name only"),
        ((), {**GOOD, "APP_VERSION": "2"}, "APP_VERSION must be three numbers"),
        ((), {**GOOD, "APP_VERSION": "1.0.0-beta"}, "APP_VERSION must be three numbers"),
    ],
)
def test_a_bad_or_missing_value_stops_the_build_with_one_plain_sentence(
    tmp_path: Path, args: tuple[str, ...], values: dict[str, str], message: str
) -> None:
    result = run_build(tmp_path, *args, **values)

    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1  # one line, no traceback
    assert not (tmp_path / "app.zip").exists()


def test_a_package_path_that_cannot_be_written_is_said_plainly(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")

    result = subprocess.run(
        [sys.executable, str(BUILD), "--out", str(tmp_path / "taken" / "app.zip")],
        env={**os.environ, **GOOD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("error: could not write ")
    assert "Traceback" not in result.stderr
