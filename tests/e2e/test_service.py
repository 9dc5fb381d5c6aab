"""`python -m bot` as a newcomer runs it: health checks, clear start-up errors, token checks."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.ports import free_port
from tests.support.teams import BotServer, Connector, TeamsUser

ROOT = Path(__file__).resolve().parents[2]
GUID = "11111111-2222-3333-4444-555555555555"


def run_bot(env: dict[str, str], timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_python_m_bot_serves_health_and_readiness(service: str, tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{service}/healthz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"
        async with http.get(f"{service}/readyz") as response:
            assert response.status == 200
            assert (await response.json()) == {
                "status": "ready",
                "store": "sqlite",
                "state": "sqlite",
                "graph": "not used",
                "azure_storage": "not used",
                "outbox_depth": 0,
                "oldest_pending_write_age_seconds": 0,
            }
        async with http.head(f"{service}/api/messages") as response:
            assert response.status == 200
    assert (tmp_path / "data" / "digital-front-door.sqlite3").exists()


def test_bad_configuration_stops_with_plain_reasons_and_no_traceback(tmp_path: Path) -> None:
    result = run_bot({"PORT": "eighty", "HOST": "0.0.0.0", "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "cannot start" in result.stderr
    assert "PORT must be a whole number" in result.stderr
    assert "not a loopback address" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_port_in_use_is_explained(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_bot({"PORT": str(port), "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "Is something else using that port?" in result.stderr
    assert "Traceback" not in result.stderr


async def test_with_a_client_id_every_activity_needs_a_valid_token(tmp_path: Path) -> None:
    env = {"CLIENT_ID": GUID, "TENANT_ID": GUID, "CLIENT_SECRET": "not-a-real-secret"}
    server = BotServer(tmp_path / "data", env)
    connector = Connector()
    await connector.start()
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            user = TeamsUser(http, server, connector)
            status, _ = await user.post(user.activity(type="message", text="help"))
            assert status == 401
            forged = "eyJhbGciOiJub25lIn0.eyJhdWQiOiIxMTExIn0."
            async with http.post(
                f"{server.url}/api/messages",
                json=user.activity(type="message", text="help"),
                headers={"Authorization": f"Bearer {forged}"},
            ) as response:
                assert response.status == 401
        await asyncio.sleep(0.1)
        assert connector.sent == [], "nothing is answered without a valid token"
    finally:
        await server.stop()
        await connector.stop()


def test_sharepoint_mode_without_graph_settings_says_what_is_missing(tmp_path: Path) -> None:
    result = run_bot({"BOT_STORE": "sharepoint", "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "GRAPH_SITE_ID" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unknown_store_is_explained(tmp_path: Path) -> None:
    result = run_bot({"BOT_STORE": "excel", "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "BOT_STORE must be 'sqlite' or 'sharepoint'" in result.stderr
