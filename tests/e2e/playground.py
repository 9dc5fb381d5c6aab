"""Start the Microsoft 365 Agents Playground and a loopback-only Chromium for e2e tests.

The Playground (npm `@microsoft/m365agentsplayground`) is the chat client of local mode: it
emulates Teams (personal chat, group chat, a team) in a web page and talks the Activity
protocol to the bot. Left alone it phones home, opens a browser and writes `./devTools/`;
the environment set here stops all three.

`launch_chromium` and `block_outside` work with Playwright's sync and async APIs alike:
they return what Playwright returns, so `await` them under the async API.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND_BIN = REPO_ROOT / "node_modules" / ".bin" / "agentsplayground"
CHROMIUM = "/usr/bin/chromium"
STARTUP_SECONDS = 20

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Chromium applies these rules to IP literals too, so 127.0.0.1 needs its own EXCLUDE.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter",
]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})

# Talk to the Playground directly, never through a proxy from the environment.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def start_playground(bot_url: str, port: int, log_dir: Path) -> subprocess.Popen[bytes]:
    """Start the Playground for the bot at `bot_url` and wait until it answers on `port`."""
    if not PLAYGROUND_BIN.exists():
        raise RuntimeError(f"{PLAYGROUND_BIN} is missing: run `npm ci` (scripts/setup).")
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TEAMSAPPTESTER_BROWSER": "none",  # else it runs xdg-open
        "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",  # else it looks up a telemetry host
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(log_dir / "playground.log"),
    }
    command = [str(PLAYGROUND_BIN), "-e", bot_url, "-c", "msteams", "-p", str(port)]
    with (log_dir / "playground.out").open("wb") as output:
        proc = subprocess.Popen(
            [*command, "--disable-telemetry"],
            cwd=log_dir,  # it writes devTools/ into its working directory
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(proc, port, log_dir)
    except BaseException:
        stop_playground(proc)
        raise
    return proc


def stop_playground(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def playground_config(port: int) -> bytes:
    """The Playground's ids (personal chat, user, bot, tenant) as JSON bytes."""
    url = f"http://127.0.0.1:{port}/_internal/v1/config"
    with _LOOPBACK.open(url, timeout=2) as response:
        body: bytes = response.read()
        return body


def launch_chromium(playwright: Any) -> Any:
    """The system Chromium, headless and unable to resolve any host but localhost."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def block_outside(page: Any) -> Any:
    """Abort every request that would leave loopback (the page asks an Office CDN for fonts)."""

    def only_loopback(route: Any, request: Any) -> Any:
        if urlsplit(request.url).hostname in LOOPBACK_HOSTS:
            return route.continue_()
        return route.abort()

    return page.route("**/*", only_loopback)


def _wait_until_ready(proc: subprocess.Popen[bytes], port: int, log_dir: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"The Playground exited with {proc.returncode}; see {log_dir}/playground.out"
            )
        try:
            playground_config(port)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(
        f"The Playground did not answer on port {port} within {STARTUP_SECONDS} s; "
        f"see {log_dir}/playground.out"
    )
