"""`python -m bot`: check the configuration, then serve."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from bot.app import create_app
from bot.backends import StoreNotReady
from bot.settings import SettingsError, load_settings


def main() -> int:
    from bot.catalogue_cli import COMMANDS

    if sys.argv[1:2] and sys.argv[1] in COMMANDS:  # the catalogue's import and export
        from bot.catalogue_cli import run

        return run(sys.argv[1:])
    try:
        settings = load_settings()
        if settings.store == "sharepoint":
            from graph_clients.config import load_graph_settings

            load_graph_settings()  # checked now, so a bad value stops us with a clear reason
    except SettingsError as error:
        print("Digital Front Door cannot start. Fix these settings and try again:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    where = f"http://{settings.host}:{settings.port}/api/messages"
    mode = "anonymous, loopback only" if settings.anonymous else "tokens required"
    logging.getLogger("bot").info(
        "Digital Front Door on %s (%s mode, %s)", where, settings.mode, mode
    )
    try:
        web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    except StoreNotReady as error:
        print("Digital Front Door cannot start. The SharePoint site is not ready:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        print(error.fix, file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"Digital Front Door cannot listen on {settings.host}:{settings.port}: "
            f"{error.strerror}. Is something else using that port? Set PORT to another.",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
