"""What every benchmark script shares: argument checks and the header that says where it ran."""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
from collections.abc import Sequence


def check_ranges(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    ranges: Sequence[tuple[str, float, float]],
) -> None:
    """Stop with a plain message when an option is outside its range."""
    for name, low, high in ranges:
        value = getattr(args, name)
        if not low <= value <= high:
            parser.error(f"--{name.replace('_', '-')} must be from {low} to {high}, not {value}")


def print_header(module: str, argv: list[str] | None, store: str) -> None:
    """The exact command, the Python and the CPUs, so a number can be reproduced."""
    command = shlex.join([sys.executable, "-m", module, *(sys.argv[1:] if argv is None else argv)])
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"command: {command}")
    print(
        f"python:  {platform.python_version()} ({platform.python_implementation()}) "
        f"on {platform.system()} {platform.machine()}"
    )
    print(f"cpus:    {os.cpu_count()} (usable by this process: {affinity})")
    print(f"store:   {store}", flush=True)
