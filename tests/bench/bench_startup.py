"""Cold start to ready, and memory, in m365 mode; and the container image's size, estimated.

    python -m tests.bench.bench_startup [--runs 5] [--python PATH]
    python -m tests.bench.bench_startup --image-size

Start-up: the bot runs as its own process, as `python -m bot` does, in m365 mode
(BOT_MODE=m365, a client id, tokens checked against a local issuer's metadata) with
BOT_STORE=sharepoint against the local Graph-like server and STATE_STORE=azure against
Azurite, so msgraph-sdk and the Azure Storage clients are loaded. It is started through
tests.support.bot_process, which differs from `python -m bot` only in reaching the fake
Graph (see that module). One start first creates the tables and queues and is not counted;
then each of `--runs` starts is timed from exec to the first /healthz 200 and to the first
/readyz 200, and its resident memory (VmRSS, and the peak VmHWM) read from /proc once
ready. PYTHONDONTWRITEBYTECODE is set, as in the image. `--python` runs the bot with
another interpreter, such as the venv `--image-size --keep` leaves (the image's packages
only).

Image size: there is no container engine here, so the image is estimated. The runtime
requirements are installed into a fresh venv exactly as the Dockerfile's builder does
(requirements/runtime.txt, hashes required, wheels only, no pip, the same test folders
removed, everything compiled to bytecode), the bot's three packages copied beside it, and
every module of those packages imported with that venv (so a trimmed or missing package
shows). The files are then measured: their bytes (what the layer holds), the disk blocks
they take, and the size of a gzip tar of them (what a registry stores and a host pulls).
The bytecode the final stage adds to the standard library is measured from this
interpreter's own; the base image is not measured: its size is stated as an assumption.
Needs the package index (the same one scripts/setup uses).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.bench.common import check_ranges, print_header
from tests.support import azurite as azurite_server
from tests.support.bot_process import M365_SETTINGS, free_port
from tests.support.fake_graph import FakeGraph
from tests.support.graph import provisioned
from tests.support.identity import TokenIssuer

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "requirements" / "runtime.txt"
PACKAGES = ("bot", "cards", "graph_clients")
# The same folders the Dockerfile's builder removes: test suites of the numerical packages,
# never imported by the bot.
TRIMMED_TESTS = ("numpy", "matplotlib", "mpl_toolkits")
# Not measured here (no container engine, no registry): the slim Python 3.11 base image for
# linux/amd64, about 120 MB unpacked and about 45 MB compressed, as Docker Hub lists such
# tags. Check it with `docker image ls` after a build.
BASE_UNPACKED_MB = 120
BASE_COMPRESSED_MB = 45
BOT_APP_ID = "7c0d7a37-0b35-4f1b-9a55-6f1d2a9b8c01"  # any GUID: nobody signs in


@dataclass(frozen=True)
class Start:
    healthy: float  # seconds from exec to the first /healthz 200
    ready: float  # seconds from exec to the first /readyz 200
    cpu: float  # CPU seconds (user + system) the bot had used by then: less swayed by load
    rss_mib: float
    peak_mib: float
    written: tuple[str, ...]  # what the bot put in DATA_DIR by then


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _memory(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.split()
    return int(fields["VmRSS"][0]) / 1024, int(fields["VmHWM"][0]) / 1024


async def _first_200(
    http: aiohttp.ClientSession, url: str, process: subprocess.Popen[bytes], deadline: float
) -> float:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The bot stopped at start-up (exit {process.returncode}).")
        try:
            async with http.get(url) as response:
                if response.status == 200:
                    return time.monotonic()
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.01)
    raise RuntimeError(f"No 200 from {url} in time.")


async def start_once(python: str, env: dict[str, str], data_dir: Path) -> Start:
    port = free_port()
    data_dir.mkdir(parents=True)
    full = {**env, "DATA_DIR": str(data_dir), "PORT": str(port)}
    base = f"http://127.0.0.1:{port}"
    log = (data_dir / "bot.log").open("wb")
    with log:
        began = time.monotonic()
        process = subprocess.Popen(
            [python, "-m", "tests.support.bot_process"],
            env=full,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        async with aiohttp.ClientSession() as http:
            deadline = began + 120
            healthy = await _first_200(http, f"{base}/healthz", process, deadline)
            ready = await _first_200(http, f"{base}/readyz", process, deadline)
        rss, peak = _memory(process.pid)
        cpu = _cpu_seconds(process.pid)
        written = tuple(sorted(p.name for p in data_dir.iterdir() if p.name != "bot.log"))
        return Start(healthy - began, ready - began, cpu, rss, peak, written)
    except RuntimeError as error:
        tail = (data_dir / "bot.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{error}\n{tail}") from None
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def m365_env(fake: FakeGraph, issuer: TokenIssuer, storage: dict[str, str]) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k not in M365_SETTINGS}
    return {
        **inherited,
        "BOT_MODE": "m365",
        "HOST": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
        "CLIENT_ID": BOT_APP_ID,
        "TENANT_ID": fake.tenant_id,
        "CLIENT_SECRET": "bench-only-never-used",
        **issuer.env(),
        "BOT_STORE": "sharepoint",
        **storage,
        "FAKE_GRAPH_URL": fake.url,
        "FAKE_GRAPH_TENANT": fake.tenant_id,
        "FAKE_GRAPH_SITE_ID": fake.site_id,
    }


async def startups(runs: int, python: str) -> list[Start]:
    fake = FakeGraph()
    await fake.start()
    await (await provisioned(fake)).close()
    issuer = TokenIssuer(fake.tenant_id)
    await issuer.start()
    storage = azurite_server.start()
    work = Path(tempfile.mkdtemp(prefix="dfd-startup-"))
    try:
        env = m365_env(fake, issuer, storage.env())
        await start_once(python, env, work / "provisioning")  # creates tables and queues
        return [await start_once(python, env, work / f"run-{n}") for n in range(1, runs + 1)]
    finally:
        storage.stop()
        await issuer.stop()
        await fake.stop()
        shutil.rmtree(work, ignore_errors=True)


def print_startups(starts: list[Start]) -> None:
    print(
        f"{'run':>6} {'healthz s':>10} {'readyz s':>9} {'CPU s':>6} {'RSS MiB':>8} {'peak MiB':>9}"
    )
    rows = [
        (str(n), s.healthy, s.ready, s.cpu, s.rss_mib, s.peak_mib) for n, s in enumerate(starts, 1)
    ]
    columns = list(zip(*rows, strict=True))[1:]  # the runs only, before any summary row
    for label, pick in (("median", statistics.median), ("max", max)):
        rows.append((label, *(pick(column) for column in columns)))
    for label, healthy, ready, cpu, rss, peak in rows:
        print(f"{label:>6} {healthy:>10.2f} {ready:>9.2f} {cpu:>6.2f} {rss:>8.1f} {peak:>9.1f}")
    print(f"written to DATA_DIR: {', '.join(starts[-1].written) or 'nothing'}")


def _run(command: list[str]) -> None:
    """Quiet unless it fails: then its own words, and stop."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} ... failed:\n{done.stderr[-3000:]}")


def build_like_image(where: Path) -> tuple[Path, Path]:
    """The builder stage's steps, on this machine: (venv, app folder)."""
    venv, app = where / "venv", where / "app"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = str(venv / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--no-cache-dir"]
    pip += ["--disable-pip-version-check", "--no-compile", "--require-hashes", "--no-deps"]
    _run([*pip, "--only-binary", ":all:", "-r", str(RUNTIME)])
    for site in venv.glob("lib/python3.*/site-packages"):
        for package in TRIMMED_TESTS:
            for tests in sorted((site / package).rglob("tests"), reverse=True):
                if tests.is_dir():
                    shutil.rmtree(tests)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, app / package, ignore=shutil.ignore_patterns("__pycache__"))
    compile_all = [python, "-m", "compileall", "-q", "-j", "0"]
    _run([*compile_all, "--invalidation-mode", "unchecked-hash", str(venv / "lib"), str(app)])
    return venv, app


IMPORT_ALL = """
import importlib, pkgutil, sys
count = 0
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    count += 1
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(module.name)
        count += 1
print(count)
"""


def import_everything(venv: Path, app: Path) -> int:
    """Every module of the bot's packages, imported with the image's packages only."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/tmp"}
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", IMPORT_ALL, *PACKAGES],
        cwd=app,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.split()[-1])


def measure(paths: list[Path]) -> tuple[int, int, int, int]:
    """(files, bytes, bytes on disk, gzip tar bytes) of everything under `paths`."""
    files = size = blocks = 0
    for path in paths:
        for item in path.rglob("*"):
            if item.is_file() and not item.is_symlink():
                stat = item.stat()
                files, size, blocks = files + 1, size + stat.st_size, blocks + stat.st_blocks
    with tempfile.TemporaryFile() as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            for path in paths:
                tar.add(path, arcname=path.name)
        compressed = raw.tell()
    return files, size, blocks * 512, compressed


def stdlib_bytecode() -> tuple[int, int]:
    """(bytes, gzip tar bytes) of this interpreter's standard library bytecode (plain, not
    -O), as the final stage compiles it: the base image ships the library without any."""
    library = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    skipped = {"site-packages", "test", "tests", "idle_test"}
    files = [
        f
        for f in library.rglob("*.pyc")
        if ".opt-" not in f.name and not skipped & set(f.relative_to(library).parts)
    ]
    with tempfile.TemporaryFile() as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            for f in files:
                tar.add(f, arcname=str(f.relative_to(library)))
        return sum(f.stat().st_size for f in files), raw.tell()


def image_size(keep: bool) -> None:
    where = Path(tempfile.mkdtemp(prefix="dfd-image-"))
    try:
        venv, app = build_like_image(where)
        modules = import_everything(venv, app)
        rows = [("venv", [venv]), ("app", [app]), ("both", [venv, app])]
        print(f"{'layer':<6} {'files':>7} {'MB':>8} {'MB on disk':>11} {'MB gzip':>8}")
        total = (0, 0)
        for label, paths in rows:
            files, size, disk, packed = measure(paths)
            sizes = f"{size / 1e6:>8.1f} {disk / 1e6:>11.1f} {packed / 1e6:>8.1f}"
            print(f"{label:<6} {files:>7} {sizes}")
            total = (size, packed)
        stdlib, stdlib_packed = stdlib_bytecode()
        print(
            f"stdlib bytecode (final stage): {stdlib / 1e6:.1f} MB, {stdlib_packed / 1e6:.1f} gzip"
        )
        total = (total[0] + stdlib, total[1] + stdlib_packed)
        print(f"imported: all {modules} modules of {', '.join(PACKAGES)} with these packages only")
        print(
            f"base image (assumed, not measured): about {BASE_UNPACKED_MB} MB unpacked, "
            f"{BASE_COMPRESSED_MB} MB compressed"
        )
        print(
            f"estimate: about {BASE_UNPACKED_MB + total[0] / 1e6:.0f} MB unpacked, "
            f"about {BASE_COMPRESSED_MB + total[1] / 1e6:.0f} MB to pull"
        )
        if keep:
            print(f"kept: {venv}/bin/python (use with --python), app in {app}")
    finally:
        if not keep:
            shutil.rmtree(where, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed starts (1 to 50)")
    parser.add_argument("--python", default=sys.executable, help="interpreter to start")
    parser.add_argument("--image-size", action="store_true", help="estimate the image's size")
    parser.add_argument("--keep", action="store_true", help="with --image-size: keep the venv")
    args = parser.parse_args(argv)
    check_ranges(parser, args, [("runs", 1, 50)])
    if not Path(args.python).exists():
        parser.error(f"--python {args.python} does not exist")
    print_header("tests.bench.bench_startup", argv, "sharepoint (fake Graph), azure (Azurite)")
    if args.image_size:
        image_size(args.keep)
        return
    print(f"bot python: {args.python}")
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    starts = asyncio.run(startups(args.runs, args.python))
    print_startups(starts)
    print("load average after:  {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
