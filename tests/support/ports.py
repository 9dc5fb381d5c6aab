"""Loopback ports for processes a test starts and tells which port to listen on.

A port from bind(("127.0.0.1", 0)) is free only until the probe closes: the kernel may hand
the same port to any other socket (a listener on port 0, or the local end of an outgoing
connection) before the child process binds it. Under pytest-xdist several workers open
sockets all the time, so that window matters. The ports here come from below the system's
ephemeral range, which the kernel never hands out by itself, and each xdist worker of a run
takes a block of its own; a port something else already holds is skipped.
"""

from __future__ import annotations

import itertools
import os
import socket
import zlib
from pathlib import Path

BLOCK = 1000
LOWEST = 10_000
_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _ephemeral_low() -> int:
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def _block_start() -> int:
    """This worker's first port: workers of one run never share a block, and two runs at
    once (another checkout's tests) most likely start their workers somewhere else."""
    blocks = max(1, (_ephemeral_low() - LOWEST) // BLOCK)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) if worker.isdigit() else 0
    return LOWEST + ((zlib.crc32(run.encode()) + index) % blocks) * BLOCK


_START = _block_start()
_next = itertools.count()


def free_port() -> int:
    """A loopback port that nothing listens on and no other worker will be given."""
    for _ in range(BLOCK):
        port = _START + next(_next) % BLOCK
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use: by another program, or still closing
            return port
    raise RuntimeError(f"No free loopback port in {_START}-{_START + BLOCK - 1}")
