"""Build the Teams app package: manifest.json (ids filled in), color.png and outline.png.

    python manifest/build.py --local              # local test package, placeholder ids
    BOT_ID=<guid> APP_ID=<guid> python manifest/build.py
    python manifest/build.py --icons              # redraw manifest/color.png and outline.png

The package goes to build/digital-front-door.zip (or --out). The icons are drawn here with a
tiny PNG writer so the repository needs no image tools; replace the PNGs with designed
artwork at any time, the package takes whatever is in manifest/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # run as a script: the bot's journeys are next door
TEMPLATE = HERE / "manifest.template.json"
COLOR_ICON = HERE / "color.png"
OUTLINE_ICON = HERE / "outline.png"
DEFAULT_OUT = HERE.parent / "build" / "digital-front-door.zip"

LOCAL_ID = "00000000-0000-0000-0000-000000000011"
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
PLACEHOLDER = re.compile(r"\$\{\{(\w+)\}\}")

Rgba = tuple[int, int, int, int]
ACCENT: Rgba = (0x1D, 0x5C, 0x8C, 255)  # the manifest's accentColor
WHITE: Rgba = (255, 255, 255, 255)
DOOR: Rgba = (0xF5, 0xC2, 0x42, 255)
CLEAR: Rgba = (0, 0, 0, 0)


class BuildError(Exception):
    """A problem the person running the build can fix; shown without a traceback."""


def png(width: int, height: int, pixel: Callable[[int, int], Rgba]) -> bytes:
    """Encode an 8-bit RGBA PNG, one unfiltered scanline per row."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def inside(x: int, y: int, box: tuple[int, int, int, int]) -> bool:
    left, top, right, bottom = box
    return left <= x < right and top <= y < bottom


def color_pixel(x: int, y: int) -> Rgba:
    """192x192: a warm yellow door in a white frame, on the accent colour."""
    frame, door, knob = (56, 36, 136, 160), (66, 46, 126, 160), (108, 98, 116, 106)
    step = (40, 160, 152, 170)
    if inside(x, y, knob):
        return ACCENT
    if inside(x, y, door):
        return DOOR
    if inside(x, y, frame) or inside(x, y, step):
        return WHITE
    return ACCENT


def outline_pixel(x: int, y: int) -> Rgba:
    """32x32: the same door as a white outline on transparency, as Teams requires."""
    frame, opening, knob = (9, 4, 23, 27), (11, 6, 21, 27), (17, 15, 19, 17)
    step = (6, 27, 26, 29)
    if inside(x, y, knob) or inside(x, y, step):
        return WHITE
    if inside(x, y, frame) and not inside(x, y, opening):
        return WHITE
    return CLEAR


def write_icons() -> None:
    COLOR_ICON.write_bytes(png(192, 192, color_pixel))
    OUTLINE_ICON.write_bytes(png(32, 32, outline_pixel))


def resolve_ids(env: dict[str, str], local: bool) -> dict[str, str]:
    """BOT_ID and APP_ID from the environment, checked; --local allows the placeholder id."""
    ids = {}
    for name in ("BOT_ID", "APP_ID"):
        value = env.get(name, "").strip() or (LOCAL_ID if local else "")
        if not value:
            raise BuildError(
                f"{name} is not set. Set BOT_ID (the bot's Microsoft App ID) and APP_ID "
                "(the Teams app id) to GUIDs, or pass --local for a local test package."
            )
        if not GUID.fullmatch(value):
            raise BuildError(
                f"{name} must be a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301, "
                f"not {value!r}."
            )
        if value == LOCAL_ID and not local:
            raise BuildError(f"{name} {LOCAL_ID} is the local placeholder; pass --local.")
        ids[name] = value.lower()
    return ids


def fill(template: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise BuildError(f"The manifest template uses an unknown placeholder {name}.")
        return values[name]

    return PLACEHOLDER.sub(replace, template)


# Teams shows at most 10 commands a scope; a title has at most 32 characters, a
# description at most 128.
MOST_COMMANDS, TITLE_MAX, DESCRIPTION_MAX = 10, 32, 128


def command_lists() -> list[dict[str, Any]]:
    """Teams' command menus, from the commands the journeys declare: help first, then by
    each command's menu rank, and commands only admins can use last, so a full menu keeps
    what everyone uses most."""
    from bot.journeys import declared_commands
    from bot.registry import admins_only

    declared = [command for command in declared_commands() if command.help]
    declared.sort(
        key=lambda command: (
            command.name != "help",
            admins_only(command.help),
            command.menu_rank,
        )
    )
    lists = []
    for scope, allowed in (
        ("personal", ("personal", "anywhere")),
        ("team", ("channel", "anywhere")),
    ):
        commands = [
            {
                "title": command.name[:TITLE_MAX],
                "description": (command.menu_hint or command.help)[:DESCRIPTION_MAX],
            }
            for command in declared
            if command.where in allowed
        ]
        lists.append({"scopes": [scope], "commands": commands[:MOST_COMMANDS]})
    return lists


def build_package(out: Path, ids: dict[str, str]) -> None:
    manifest = json.loads(fill(TEMPLATE.read_text(encoding="utf-8"), ids))
    manifest["bots"][0]["commandLists"] = command_lists()
    missing = [icon.name for icon in (COLOR_ICON, OUTLINE_ICON) if not icon.is_file()]
    if missing:
        raise BuildError(f"Missing {', '.join(missing)}: run python manifest/build.py --icons")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        entries = {
            "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode(),
            "color.png": COLOR_ICON.read_bytes(),
            "outline.png": OUTLINE_ICON.read_bytes(),
        }
        for name, data in entries.items():
            # A fixed timestamp keeps the package identical from build to build.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help=f"allow the id {LOCAL_ID}")
    parser.add_argument("--icons", action="store_true", help="redraw the icons and stop")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="package path")
    args = parser.parse_args(argv)
    try:
        if args.icons:
            write_icons()
            print(f"wrote {COLOR_ICON} and {OUTLINE_ICON}")
            return 0
        build_package(args.out, resolve_ids(dict(os.environ), args.local))
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
