"""Build the Teams app package for the Teams admin centre: manifest.json, color.png, outline.png.

    BOT_ID=<guid> APP_ID=<guid> BOT_DOMAIN=<host name> python manifest/build.py
    python manifest/build.py --local              # a local test package, placeholder ids
    python manifest/build.py --icons              # redraw manifest/color.png and outline.png

BOT_ID is the bot's Microsoft App ID (its Entra app registration's client id). APP_ID is the
Teams app's own id: any GUID, chosen once and kept, so each new package updates the app.
BOT_DOMAIN is the host name the bot answers on, such as dfd-bot.azurewebsites.net.
APP_VERSION (optional, default 1.0.0) must go up each time a new package is uploaded.

The package goes to build/digital-front-door.zip (or --out). The bot's command menus and its
actions on Teams messages come from what the journeys declare, so they never drift from help.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # run as a script: the bot's journeys are next door

if TYPE_CHECKING:
    from bot.journey import ChatCommand, MessageAction

TEMPLATE = HERE / "manifest.template.json"
COLOR_ICON = HERE / "color.png"
OUTLINE_ICON = HERE / "outline.png"
DEFAULT_OUT = HERE.parent / "build" / "digital-front-door.zip"

LOCAL_ID = "00000000-0000-0000-0000-000000000011"
DEFAULT_VERSION = "1.0.0"
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
HOST_NAME = re.compile(r"(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
VERSION = re.compile(r"(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})")
PLACEHOLDER = re.compile(r"\$\{\{(\w+)\}\}")

# Teams shows at most 10 commands a scope; a title has at most 32 characters, a
# description at most 128. A message extension has at most 10 commands, each id at most 64.
MOST_COMMANDS, TITLE_MAX, DESCRIPTION_MAX, COMMAND_ID_MAX = 10, 32, 128, 64

# Each scope of the bot, and the commands that work there (ChatCommand.where): a group
# chat takes only the commands for anywhere, as the bot itself does.
SCOPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("personal", ("personal", "anywhere")),
    ("team", ("channel", "anywhere")),
    ("groupChat", ("anywhere",)),
)


class BuildError(Exception):
    """A problem the person running the build can fix; shown without a traceback."""


def resolve_values(env: Mapping[str, str], local: bool) -> dict[str, str]:
    """BOT_ID, APP_ID, BOT_DOMAIN and APP_VERSION from the environment, checked. With
    `local`, the ids default to the placeholder and the domain may be left out."""
    values = {name: _guid(env, name, local) for name in ("BOT_ID", "APP_ID")}
    values["BOT_DOMAIN"] = _domain(env.get("BOT_DOMAIN", "").strip(), local)
    version = env.get("APP_VERSION", "").strip() or DEFAULT_VERSION
    if not VERSION.fullmatch(version):
        raise BuildError(
            f"APP_VERSION must be three numbers with dots between, such as 1.4.0, not {version!r}."
        )
    values["APP_VERSION"] = version
    return values


def _guid(env: Mapping[str, str], name: str, local: bool) -> str:
    value = env.get(name, "").strip() or (LOCAL_ID if local else "")
    if not value:
        raise BuildError(
            f"{name} is not set. Set BOT_ID (the bot's Microsoft App ID) and APP_ID "
            "(the Teams app id) to GUIDs, or pass --local for a local test package."
        )
    if not GUID.fullmatch(value):
        raise BuildError(
            f"{name} must be a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301, not {value!r}."
        )
    if value == LOCAL_ID and not local:
        raise BuildError(f"{name} {LOCAL_ID} is the local placeholder; pass --local.")
    return value.lower()


def _domain(value: str, local: bool) -> str:
    if not value:
        if local:
            return ""
        raise BuildError(
            "BOT_DOMAIN is not set. Set it to the host name the bot answers on, "
            "such as dfd-bot.azurewebsites.net."
        )
    if not HOST_NAME.fullmatch(value.lower()):
        raise BuildError(
            "BOT_DOMAIN must be a host name only, such as dfd-bot.azurewebsites.net, "
            f"without https:// or a path, not {value!r}."
        )
    return value.lower()


def fill(template: str, values: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise BuildError(f"The manifest template uses an unknown placeholder {name}.")
        return values[name]

    return PLACEHOLDER.sub(replace, template)


def shortened(text: str, limit: int) -> str:
    """`text` cut to `limit` characters: at the last whole sentence that fits, or else at a
    word, with an ellipsis."""
    if len(text) <= limit:
        return text
    end = text.rfind(". ", 0, limit)
    if end > 0:
        return text[: end + 1]
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def command_lists(commands: Iterable[ChatCommand]) -> list[dict[str, Any]]:
    """Teams' command menus, one a scope, from the commands help lists, at most 10 each, in
    the order of `_menu_order`. A command's menu text is its menu hint, or else its help."""
    declared = [command for command in commands if command.help]
    lists = []
    for scope, allowed in SCOPES:
        usable = [
            command
            for command in declared
            if command.where in allowed and not (scope == "groupChat" and command.audience)
        ]
        chosen = sorted(usable, key=_menu_order(scope))[:MOST_COMMANDS]
        for command in chosen:
            if len(command.name) > TITLE_MAX:
                raise BuildError(
                    f"The command {command.name!r} is longer than {TITLE_MAX} characters, "
                    "the most Teams shows in its command menu. Give it a shorter name."
                )
        if chosen:
            entries = [
                {
                    "title": command.name,
                    "description": shortened(command.menu_hint or command.help, DESCRIPTION_MAX),
                }
                for command in chosen
            ]
            lists.append({"scopes": [scope], "commands": entries})
    return lists


def _menu_order(scope: str) -> Callable[[ChatCommand], tuple[Any, ...]]:
    """How one scope's menu is ordered; ties keep the journeys' order, so it never changes
    from build to build. Help always comes first.

    In a personal chat (and a group chat): each command's menu rank; commands for one
    audience, then those only admins can use, come last, so a full menu keeps what
    everyone uses most.

    In a team's channels: first the commands that only work in a channel and are for
    everyone there, admins included, since that is where channels are set up (register
    triage, register board), and what each channel is for (agenda, questions); then the
    commands of the audiences whose channels these are (board members, champions); then
    everyone's commands for anywhere, which they also have in their chat with the bot.

    A group chat lists no audience's commands: they work in that audience's channel or
    in a personal chat, not in a group chat (the board commands refuse there)."""
    from bot.registry import admins_only

    if scope == "team":
        return lambda command: (
            command.name != "help",
            _channel_tier(command),
            command.menu_rank,
            command.where != "channel",
        )
    return lambda command: (
        command.name != "help",
        admins_only(command.help),
        bool(command.audience),
        command.menu_rank,
    )


def _channel_tier(command: ChatCommand) -> int:
    """0: a channel's own commands; 1: an audience's; 2: everyone's for anywhere; 3: the
    admins' for anywhere."""
    from bot.registry import admins_only

    if command.where == "channel" and not command.audience:
        return 0
    if command.audience:
        return 1
    return 3 if admins_only(command.help) else 2


def compose_extensions(bot_id: str, actions: Iterable[MessageAction]) -> list[dict[str, Any]]:
    """The message extension: one action command for each action on a Teams message that
    the journeys declare. Teams asks the bot for the action's dialog (fetchTask)."""
    actions = list(actions)
    for action in actions:
        _check_action(action)
    ids = [action.command_id for action in actions]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise BuildError(f"More than one message action has the id {', '.join(twice)}.")
    if len(actions) > MOST_COMMANDS:
        raise BuildError(
            f"The journeys declare {len(actions)} message actions; Teams allows at most "
            f"{MOST_COMMANDS}."
        )
    commands = [
        {
            "id": action.command_id,
            "type": "action",
            "title": action.title,
            "description": action.description,
            "context": ["message"],
            "fetchTask": True,
        }
        for action in actions
    ]
    return [{"botId": bot_id, "commands": commands}] if commands else []


def _check_action(action: MessageAction) -> None:
    limits = (
        ("id", action.command_id, COMMAND_ID_MAX),
        ("title", action.title, TITLE_MAX),
        ("description", action.description, DESCRIPTION_MAX),
    )
    for what, text, most in limits:
        if not text.strip():
            raise BuildError(f"The message action {action.command_id!r} has no {what}.")
        if len(text) > most:
            raise BuildError(
                f"The message action {action.command_id!r} has a {what} of {len(text)} "
                f"characters; Teams allows at most {most}."
            )


def build_manifest(
    values: Mapping[str, str],
    commands: Iterable[ChatCommand],
    actions: Iterable[MessageAction],
) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(fill(TEMPLATE.read_text(encoding="utf-8"), values))
    manifest["bots"][0]["commandLists"] = command_lists(commands)
    extensions = compose_extensions(values["BOT_ID"], actions)
    if extensions:
        manifest["composeExtensions"] = extensions
    else:
        del manifest["composeExtensions"]
    manifest["validDomains"] = [values["BOT_DOMAIN"]] if values["BOT_DOMAIN"] else []
    return manifest


def declared() -> tuple[list[ChatCommand], list[MessageAction]]:
    """What the registered journeys declare, read without running the bot."""
    try:
        from bot.journeys import declared_commands, declared_message_actions
    except ImportError as error:
        raise BuildError(
            "The bot's code could not be loaded: run this with the project's Python "
            f"(. .venv/bin/activate, after scripts/setup). Python said: {error}."
        ) from error
    return declared_commands(), declared_message_actions()


def write_package(out: Path, manifest: Mapping[str, Any]) -> None:
    missing = [icon.name for icon in (COLOR_ICON, OUTLINE_ICON) if not icon.is_file()]
    if missing:
        raise BuildError(f"Missing {', '.join(missing)}: run python manifest/build.py --icons")
    entries = {
        "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode(),
        "color.png": COLOR_ICON.read_bytes(),
        "outline.png": OUTLINE_ICON.read_bytes(),
    }
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries.items():
            # A fixed timestamp keeps the package identical from build to build.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)
    partial.replace(out)


def write_icons() -> None:
    from manifest.icons import draw_color, draw_outline

    draw_color().save(COLOR_ICON, optimize=True)
    draw_outline().save(OUTLINE_ICON, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--local", action="store_true", help=f"allow the id {LOCAL_ID}")
    parser.add_argument("--icons", action="store_true", help="redraw the icons and stop")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="package path")
    args = parser.parse_args(argv)
    try:
        if args.icons:
            write_icons()
            print(f"wrote {COLOR_ICON} and {OUTLINE_ICON}")
            return 0
        values = resolve_values(os.environ, args.local)
        args.out.parent.mkdir(parents=True, exist_ok=True)  # a bad path fails before the slow part
        commands, actions = declared()
        manifest = build_manifest(values, commands, actions)
        write_package(args.out, manifest)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: could not write {error.filename}: {error.strerror}.", file=sys.stderr)
        return 2
    print(f"wrote {args.out} (app version {manifest['version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
