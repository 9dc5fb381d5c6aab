"""`python -m tests.support.bot_process`: the real bot as its own process, for tests and benches.

It runs what `python -m bot` runs (bot.settings.load_settings from the environment,
bot.app.create_app, aiohttp's web.run_app on HOST:PORT), with exactly these differences:

- Graph is the local Graph-like server (tests/support/fake_graph.py), reached through
  tests.support.graph.connect, because azure-identity refuses a token authority that is
  not https. FAKE_GRAPH_URL is the server's address (http://127.0.0.1:port);
  FAKE_GRAPH_TENANT and FAKE_GRAPH_SITE_ID are optional (the server's defaults otherwise).
  load_graph_settings is not called: no SHAREPOINT_* or Graph credentials are needed.
- TEST_CLOCK_FILE (optional) names a file holding a number of seconds: the bot's clock is
  the system time plus that offset, read again whenever the file changes. Every process
  given the same file tells the same time, and a test moves it forward (to make a nudge
  fall due, or a lease run out) by writing a new offset (`write_offset`).
- TEST_NUDGE_LOOP_SECONDS (optional) sets how often the communities journey looks for
  nudges that are due (5 s in the product), so a test need not wait long.

Everything else (the Azure working state with STATE_STORE=azure, the SharePoint writer,
the journeys and their loops, the Connector at the Activity's serviceUrl) is the product.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aiohttp
from aiohttp import web

from bot.app import create_app
from bot.clock import Clock, SystemClock
from bot.settings import SettingsError, load_settings
from bot.telemetry.logs import AccessLog
from bot.telemetry.setup import configure_telemetry
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
# Anonymous local mode on loopback, whatever the caller's environment says.
M365_SETTINGS = frozenset(
    {"CLIENT_ID", "TENANT_ID", "CLIENT_SECRET", "ALLOWED_TENANTS", "ADMIN_IDS", "BOT_STORE"}
)


@dataclass(frozen=True)
class GraphAddress:
    """What tests.support.graph.connect reads from a FakeGraph: its addresses and site."""

    graph_url: str
    token_url: str
    site_id: str

    @staticmethod
    def from_env(env: dict[str, str] | os._Environ[str]) -> GraphAddress:
        from tests.support.fake_graph import FakeGraph

        base = env["FAKE_GRAPH_URL"].rstrip("/")
        tenant = env.get("FAKE_GRAPH_TENANT") or FakeGraph().tenant_id
        site = env.get("FAKE_GRAPH_SITE_ID") or FakeGraph().site_id
        return GraphAddress(f"{base}/v1.0", f"{base}/{tenant}/oauth2/v2.0/token", site)


class OffsetClock:
    """System time plus an offset a test keeps in a file (seconds, as text)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: int = -1
        self._offset = dt.timedelta()

    def now(self) -> dt.datetime:
        try:
            changed = self._path.stat().st_mtime_ns
        except FileNotFoundError:
            changed = 0
        if changed != self._seen:
            self._seen = changed
            text = self._path.read_text().strip() if changed else "0"
            self._offset = dt.timedelta(seconds=float(text or "0"))
        return dt.datetime.now(dt.UTC) + self._offset


def write_offset(path: Path, when: dt.datetime) -> None:
    """Set every process reading `path` to `when`, from now on ticking with real time."""
    offset = (when - dt.datetime.now(dt.UTC)).total_seconds()
    temporary = path.with_suffix(".tmp")
    temporary.write_text(f"{offset:.6f}\n")
    os.replace(temporary, path)  # whole, never half-written, for a reader in another process
    # A write within the same mtime tick would go unseen: make the change visible.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1000))


def _clock() -> Clock:
    path = os.environ.get("TEST_CLOCK_FILE", "").strip()
    return OffsetClock(Path(path)) if path else SystemClock()


class BotProcess:
    """One `python -m tests.support.bot_process`, started, killed and started again on the
    same port and DATA_DIR. Local mode on loopback (the m365 settings of the caller's
    environment are dropped), LOG_LEVEL=WARNING unless `env` says otherwise; its log goes
    to DATA_DIR/bot-PORT.log."""

    def __init__(self, env: dict[str, str], data_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        inherited = {k: v for k, v in os.environ.items() if k not in M365_SETTINGS}
        self.env = {
            **inherited,
            "BOT_MODE": "local",
            "HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            **env,
            "DATA_DIR": str(data_dir),
            "PORT": str(self.port),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    async def start(self, timeout: float = 90.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log = (self.data_dir / f"bot-{self.port}.log").open("ab")
        with log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.bot_process"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        await self.ready(timeout)

    async def ready(self, timeout: float) -> None:
        """Wait until /healthz answers: the app opens its store before it listens."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise RuntimeError(f"The bot stopped at start-up: {self.log_tail()}")
                try:
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(f"The bot did not answer within {timeout} s: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no clean-up, as when an instance's host dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    async def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, as a redeployment would, then SIGKILL if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.kill()

    def rss_kib(self) -> int:
        """Resident memory (VmRSS) from /proc, in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("No VmRSS for the bot process")

    def log_tail(self, lines: int = 30) -> str:
        path = self.data_dir / f"bot-{self.port}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def main() -> int:
    from tests.support.graph import connect

    try:
        settings = load_settings()
    except SettingsError as error:
        print("The test bot cannot start:", *error.problems, sep="\n  - ", file=sys.stderr)
        return 2
    if loop := os.environ.get("TEST_NUDGE_LOOP_SECONDS", "").strip():
        from bot.journeys.communities import nudging

        nudging.LOOP_SECONDS = float(loop)
    logging.basicConfig(
        level=settings.log_level,
        format=f"%(asctime)s %(levelname)s [{settings.port}] %(name)s: %(message)s",
    )
    graph = connect(cast(Any, GraphAddress.from_env(os.environ)))
    app = create_app(settings, graph, _clock())
    shutdown_telemetry = configure_telemetry(settings.telemetry)  # as python -m bot does
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            print=None,
            shutdown_timeout=5,
            access_log_class=AccessLog,  # as python -m bot does
        )
    finally:
        shutdown_telemetry()
    return 0


if __name__ == "__main__":
    sys.exit(main())
