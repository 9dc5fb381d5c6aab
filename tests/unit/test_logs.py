"""Log lines: JSON objects one a line (or text), each with the turn's correlation id; a
traceback stays on its line; HTTP clients' URL lines are kept out; people are codes; every
handler sees the correlation id; the SDK's quoted words are cut out; access lines give a
route's template, never its path."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.telemetry.correlation import correlated
from bot.telemetry.logs import (
    NO_ROUTE,
    SDK_ROUTES_LOGGER,
    URL_LOGGERS,
    AccessLog,
    configure_logging,
    person_ref,
    stop_logging,
)

ROOT = Path(__file__).resolve().parents[2]
logger = logging.getLogger("bot.test_logs")


class Lines:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def text(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text()]


@pytest.fixture
def logged() -> Iterator[Callable[..., Lines]]:
    """configure_logging into a buffer, taken away (and the root's level put back) after."""
    root = logging.getLogger()
    level = root.level
    handlers: list[logging.Handler] = []

    def configure(fmt: str, level: str = "DEBUG") -> Lines:
        lines = Lines()
        handlers.append(configure_logging(level, fmt, lines.stream))
        return lines

    yield configure
    for handler in handlers:
        stop_logging(handler)
    root.setLevel(level)


def test_a_json_line_has_the_time_level_logger_message_and_correlation_id(logged: Any) -> None:
    lines = logged("json")
    with correlated("turn-1234"):
        logger.info("DR-2026-0042 moved to %s", "triage")
    logger.warning("outside a turn")
    inside, outside = lines.json()
    assert list(inside)[:5] == ["time", "level", "logger", "message", "correlation_id"]
    assert inside["level"] == "INFO" and inside["logger"] == "bot.test_logs"
    assert inside["message"] == "DR-2026-0042 moved to triage"
    assert inside["correlation_id"] == "turn-1234"
    assert outside["correlation_id"] == "-"
    when = dt.datetime.fromisoformat(inside["time"])
    assert when.utcoffset() == dt.timedelta(0), "the time is UTC"
    assert abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(minutes=1)


async def test_tasks_started_in_a_turn_log_its_correlation_id(logged: Any) -> None:
    lines = logged("json")

    async def later() -> None:
        await asyncio.sleep(0)
        logger.info("told the requester")

    with correlated("turn-abcd"):
        task = asyncio.get_running_loop().create_task(later())
    await task
    assert lines.json()[0]["correlation_id"] == "turn-abcd"


def test_an_exception_stays_on_one_line_with_its_traceback(logged: Any) -> None:
    lines = logged("json")
    try:
        raise ValueError("first line\nsecond line")
    except ValueError:
        logger.exception("Card action %s failed", "triage.assign")
    [line] = lines.text()  # one line, however many lines the traceback has
    record = json.loads(line)
    assert record["message"] == "Card action triage.assign failed"
    assert record["exception"].startswith("Traceback (most recent call last):")
    assert "ValueError: first line\nsecond line" in record["exception"]


def test_text_lines_carry_the_correlation_id_too(logged: Any) -> None:
    lines = logged("text")
    with correlated("turn-5678"):
        logger.error("SharePoint write of %s failed", "DR-2026-0001")
    [line] = lines.text()
    assert line.endswith(
        " ERROR bot.test_logs [turn-5678]: SharePoint write of DR-2026-0001 failed"
    )


def test_configuring_again_replaces_the_first_set_up(logged: Any) -> None:
    first = logged("text")
    second = logged("json", "WARNING")
    logger.info("not at WARNING")
    logger.warning("once")
    assert first.text() == []
    assert [line["message"] for line in second.json()] == ["once"]


def test_http_clients_log_no_urls_even_at_debug(logged: Any) -> None:
    lines = logged("json")
    for name in URL_LOGGERS:
        logging.getLogger(name).info("HTTP Request: GET https://graph/?$filter=RequesterId eq 'x'")
        logging.getLogger(name).warning("connection reset")
    logger.debug("ours at DEBUG")
    messages = [line["message"] for line in lines.json()]
    assert messages == ["connection reset"] * len(URL_LOGGERS) + ["ours at DEBUG"]


def test_a_person_is_a_stable_code_that_does_not_show_their_id() -> None:
    entra = "7F3A0001-B0B1-4C4C-9E9E-0123456789AB"
    code = person_ref(entra)
    assert code == person_ref(entra.lower()) == person_ref(f" {entra} ")
    assert code.startswith("person-") and len(code) == len("person-") + 12
    assert entra.lower()[:8] not in code
    assert person_ref("29:someone-else") != code
    assert person_ref("") == "nobody"


class Kept(logging.Handler):
    """A handler that keeps its records, with no filter of its own."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept() -> Iterator[Callable[[str], Kept]]:
    """A Kept handler put straight on a logger (as Azure Monitor's is on `bot`), at DEBUG."""
    added: list[tuple[logging.Logger, Kept, int]] = []

    def on(name: str) -> Kept:
        handler, target = Kept(), logging.getLogger(name)
        added.append((target, handler, target.level))
        target.addHandler(handler)
        target.setLevel(logging.DEBUG)
        return handler

    yield on
    for target, handler, level in added:
        target.removeHandler(handler)
        target.setLevel(level)


def test_a_handler_on_a_child_logger_sees_the_correlation_id(kept: Any) -> None:
    """No configure_logging here: the id is on the record from when it is made, so a
    handler that runs before the root's (Azure Monitor's, on `bot`) has it too."""
    handler = kept("bot.test_logs.child")
    child = logging.getLogger("bot.test_logs.child")
    with correlated("turn-9876"):
        child.info("DR-2026-0042 sent to SharePoint")
    child.info("after the turn")
    inside, outside = handler.records
    assert inside.correlation_id == "turn-9876"
    assert outside.correlation_id == "-"


SDK_LINE = "No route found for activity type: messageUpdate with text: {}"


def test_the_sdk_never_logs_what_a_person_wrote(logged: Any, kept: Any) -> None:
    """The Agents SDK's warning for an Activity no route took quotes its text: the text is
    cut out, for every handler (one straight on the SDK's logger too)."""
    lines = logged("json")
    direct = kept(SDK_ROUTES_LOGGER)
    sdk = logging.getLogger(SDK_ROUTES_LOGGER)
    with correlated("turn-0001"):
        sdk.warning(SDK_LINE.format("ring Ottoline on 023 8000 0000\nPII-MARKER-7f3a"))
        sdk.warning("No route found for activity type: typing with text: None")
        sdk.debug("Running activity handlers")
    expected = [
        "No route found for activity type: messageUpdate with text: [not logged]",
        "No route found for activity type: typing with text: [not logged]",
        "Running activity handlers",
    ]
    assert [line["message"] for line in lines.json()] == expected
    assert [line["correlation_id"] for line in lines.json()] == ["turn-0001"] * 3
    assert [record.getMessage() for record in direct.records] == expected


async def test_an_access_line_gives_the_route_not_the_path_or_query(logged: Any) -> None:
    """A pack's token is its only key: the access line names the route's template, never
    the path that was asked for, its query string, or the caller's address."""
    marker = "PII-MARKER-7f3a"

    async def pack(request: web.Request) -> web.Response:
        return web.Response(text="a pack")

    app = web.Application()
    app.router.add_get("/boards/packs/{name}", pack)
    runner = web.AppRunner(app, access_log_class=AccessLog)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    lines = logged("json", "INFO")
    try:
        async with aiohttp.ClientSession() as http:
            for path in (f"/boards/packs/{marker}.pdf?who={marker}", f"/{marker}/nowhere"):
                async with http.get(base + path) as response:
                    await response.read()
            async with http.post(f"{base}/boards/packs/{marker}") as response:
                await response.read()
    finally:
        await runner.cleanup()
    assert marker not in lines.stream.getvalue()
    access = [line for line in lines.json() if line["logger"] == "aiohttp.access"]
    assert [(line["http_method"], line["http_route"], line["http_status"]) for line in access] == [
        ("GET", "/boards/packs/{name}", 200),
        ("GET", NO_ROUTE, 404),
        ("POST", NO_ROUTE, 405),
    ]
    assert access[0]["message"].startswith("GET /boards/packs/{name} 200 ")
    assert access[0]["message"].endswith(" ms")
    assert all(isinstance(line["duration_ms"], float) for line in access)
    assert "127.0.0.1" not in json.dumps(access)


def run_bot(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot` in local mode with `env` (PORT a port that is taken, so it stops
    after its first log line)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LOG_", "BOT_", "OTEL_"))}
    base.pop("APPLICATIONINSIGHTS_CONNECTION_STRING", None)
    full = {**base, "BOT_MODE": "local", "HOST": "127.0.0.1", "DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_python_m_bot_logs_json_lines_when_log_format_is_json(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = run_bot({"LOG_FORMAT": "json", "PORT": port}, tmp_path)
    first = json.loads(done.stderr.splitlines()[0])
    assert first["logger"] == "bot" and first["message"].startswith("Digital Front Door on")
    assert first["correlation_id"] == "-"
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert done.returncode == 2
