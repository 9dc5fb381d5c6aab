"""Azurite, Microsoft's Azure Storage emulator (npm `azurite`), started by the tests.

One Azurite per test session, in memory, on loopback ports the system picks. Each test
gets its own STATE_PREFIX, so tables, queues and containers never meet between tests.
`python -m tests.support.azurite` runs one by hand and prints its connection string.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AZURITE = ROOT / "node_modules" / ".bin" / "azurite"
# Azurite's well-known development account (published in Microsoft's docs; not a secret).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
_LISTENING = re.compile(r"Azurite (Blob|Queue|Table) service is successfully listening at (\S+)")
_prefixes = itertools.count(1)


@dataclass
class Azurite:
    process: subprocess.Popen[str]
    endpoints: dict[str, str]  # 'Blob', 'Queue', 'Table' -> http://127.0.0.1:port

    @property
    def connection_string(self) -> str:
        e = self.endpoints
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={e['Blob']}/{ACCOUNT};QueueEndpoint={e['Queue']}/{ACCOUNT};"
            f"TableEndpoint={e['Table']}/{ACCOUNT};"
        )

    def env(self, prefix: str | None = None) -> dict[str, str]:
        """The bot's settings for this Azurite, with a prefix of its own."""
        return {
            "STATE_STORE": "azure",
            "AZURE_STORAGE_CONNECTION_STRING": self.connection_string,
            "STATE_PREFIX": prefix or new_prefix(),
        }

    def stop(self) -> None:
        # In memory: nothing to keep, and Azurite waits for idle connections on SIGTERM.
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def new_prefix() -> str:
    """A STATE_PREFIX no other test in this session uses."""
    return f"t{os.getpid() % 100000}x{next(_prefixes)}"


def start(timeout: float = 60.0) -> Azurite:
    if not AZURITE.exists():
        raise RuntimeError(f"Azurite is not installed at {AZURITE}: run scripts/setup (npm ci).")
    process = subprocess.Popen(
        [
            str(AZURITE),
            "--inMemoryPersistence",
            "--extentMemoryLimit",
            "256",
            "--skipApiVersionCheck",
            "--loose",
            "--disableProductStyleUrl",
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            "0",
            "--queueHost",
            "127.0.0.1",
            "--queuePort",
            "0",
            "--tableHost",
            "127.0.0.1",
            "--tablePort",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    endpoints: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while len(endpoints) < 3 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if match := _LISTENING.search(line):
            endpoints[match.group(1)] = match.group(2).rstrip("/")
    if len(endpoints) < 3:
        process.kill()
        raise RuntimeError(f"Azurite did not start: it listed {endpoints}")
    # Keep reading its output so it never blocks on a full pipe.
    threading.Thread(target=_drain, args=(process,), daemon=True).start()
    return Azurite(process, endpoints)


def _drain(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    with process.stdout:
        for _ in process.stdout:
            pass


def main() -> None:
    """Run one by hand: prints its connection string; Ctrl-C or SIGTERM stops it too."""
    azurite = start()

    def stop(*_: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut this short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        azurite.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(azurite.connection_string, flush=True)
    azurite.process.wait()


if __name__ == "__main__":
    main()
