"""`python -m bot`: check the configuration, then serve."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from bot.app import create_app
from bot.backends import StoreNotReady
from bot.settings import SettingsError, load_settings
from bot.telemetry.logs import AccessLog, configure_logging
from bot.telemetry.setup import configure_telemetry


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
    configure_logging(settings.log_level, settings.telemetry.log_format)
    try:
        shutdown_telemetry = configure_telemetry(settings.telemetry)
    except Exception as error:  # never the value: a connection string holds a key
        print(
            "Digital Front Door cannot start: telemetry could not be turned on "
            f"({type(error).__name__}). Check APPLICATIONINSIGHTS_CONNECTION_STRING, "
            "OTEL_EXPORTER_OTLP_ENDPOINT and any other OTEL_ setting, or unset them to run "
            "without telemetry.",
            file=sys.stderr,
        )
        return 2
    where = f"http://{settings.host}:{settings.port}/api/messages"
    mode = "anonymous, loopback only" if settings.anonymous else "tokens required"
    logging.getLogger("bot").info(
        "Digital Front Door on %s (%s mode, %s)", where, settings.mode, mode
    )
    try:
        web.run_app(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            print=None,
            access_log_class=AccessLog,  # route templates, never a pack's token
        )
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
    finally:
        shutdown_telemetry()  # the last spans and measurements go before the process ends
    return 0


if __name__ == "__main__":
    sys.exit(main())
