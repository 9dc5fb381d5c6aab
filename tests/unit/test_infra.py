"""The Azure infrastructure (infra/*.bicep) holds together, though Bicep cannot be compiled
here: every parameter is used and described, the parameters file fits the template, every
setting the bot reads reaches the app, and no secret sits in a default or a literal.

A small reader below takes Bicep text apart: comments out, string literals kept apart from
the code, top-level statements with their decorators. Each check returns plain sentences,
one a problem, so the last tests can show that each check catches a bad template.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
import re
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from graph_clients.config import load_graph_settings

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MAIN = INFRA / "azure.bicep"
PARAMETERS = INFRA / "azure.parameters.json"
README = INFRA / "README.md"
PARAMETERS_SCHEMA = (
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
)

# Built-in Azure roles the templates may assign, by role definition id, and no others.
STORAGE_TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"
STORAGE_QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
ROLES = {
    STORAGE_TABLE_DATA_CONTRIBUTOR: "Storage Table Data Contributor",
    STORAGE_QUEUE_DATA_CONTRIBUTOR: "Storage Queue Data Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
}

# Settings the bot reads that Azure deliberately does not set, each with its reason. A name
# here must still be read by the code (so the list cannot go stale) and must not be set.
NOT_SET_IN_AZURE = {
    "API_KEY": "local mode only; in m365 mode the bot refuses it (the API takes Entra tokens)",
    "API_KEY_USER": "only used with API_KEY",
    "ALLOWED_ORIGINS": "web pages posting to the bot directly; in Azure only Teams does",
    "AZURE_STORAGE_CONNECTION_STRING": "the managed identity reaches the account instead",
    "GRAPH_CLIENT_SECRET": "the managed identity signs in to Graph instead",
    "GRAPH_CERTIFICATE_PATH": "the managed identity signs in to Graph instead",
    "GRAPH_CERTIFICATE_PASSWORD": "the managed identity signs in to Graph instead",
    "GRAPH_TENANT_ID": "not needed with the managed identity",
    "GRAPH_CLIENT_ID": "not needed with the managed identity",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "Application Insights receives the telemetry instead",
}
# App Service's own settings, which the bot does not read.
APP_SERVICE_SETTINGS = {
    "WEBSITES_PORT",
    "WEBSITES_ENABLE_APP_SERVICE_STORAGE",
    "WEBSITE_SWAP_WARMUP_PING_PATH",
    "WEBSITE_SWAP_WARMUP_PING_STATUSES",
}
APP_SERVICE = INFRA / "modules" / "appservice.bicep"

_KEYWORDS = ("param", "var", "resource", "module", "output", "type", "targetScope", "metadata")
_GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", re.IGNORECASE)
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


# ---------------------------------------------------------------------------------------
# Reading Bicep
# ---------------------------------------------------------------------------------------


@dataclass
class Literal:
    text: str  # the string's own characters; each interpolation as ${}
    start: int


@dataclass
class Scan:
    """`code`: the text without comments. `skeleton`: the same, with the characters of every
    string literal blanked (interpolated expressions kept), so brackets and names found in
    it are code's. Both keep every offset and line of the source."""

    code: str
    skeleton: str
    literals: list[Literal]


def scan(text: str) -> Scan:
    code = list(text)
    skeleton = list(text)
    literals: list[Literal] = []

    def blank(start: int, end: int, in_code: bool) -> None:
        for i in range(start, end):
            if text[i] != "\n":
                skeleton[i] = " "
                if in_code:
                    code[i] = " "

    def expression(i: int, closer: str | None) -> int:
        """Reads code from i up to `closer` (a } ending an interpolation) or the end."""
        depth = 0
        while i < len(text):
            char = text[i]
            if text.startswith("//", i):
                end = text.find("\n", i)
                end = len(text) if end < 0 else end
                blank(i, end, True)
                i = end
            elif text.startswith("/*", i):
                end = text.find("*/", i + 2)
                end = len(text) if end < 0 else end + 2
                blank(i, end, True)
                i = end
            elif text.startswith("'''", i):
                end = text.find("'''", i + 3)
                end = len(text) if end < 0 else end
                literals.append(Literal(text[i + 3 : end], i))
                blank(i + 3, end, False)
                i = end + 3
            elif char == "'":
                i = string(i + 1)
            elif closer and char == "{":
                depth += 1
                i += 1
            elif closer and char == "}":
                if depth == 0:
                    return i + 1
                depth -= 1
                i += 1
            else:
                i += 1
        return i

    def string(i: int) -> int:
        start, parts = i, []
        while i < len(text) and text[i] != "'":
            if text[i] == "\\":
                parts.append(text[i : i + 2])
                blank(i, i + 2, False)
                i += 2
            elif text.startswith("${", i):
                parts.append("${}")
                blank(i, i + 2, False)
                i = expression(i + 2, "}")
                skeleton[i - 1] = " "
            else:
                parts.append(text[i])
                blank(i, i + 1, False)
                i += 1
        literals.append(Literal("".join(parts), start))
        return i + 1

    expression(0, None)
    return Scan("".join(code), "".join(skeleton), literals)


@dataclass
class Statement:
    keyword: str
    name: str
    start: int
    end: int
    decorators: str  # the code of the decorators above it
    header: str  # the statement's first line (skeleton)


@dataclass
class BicepFile:
    path: Path
    text: str
    scan: Scan
    statements: list[Statement] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, path: Path = MAIN) -> BicepFile:
        found = cls(path, text, scan(text))
        found.statements = list(_statements(found.scan))
        return found

    @classmethod
    def load(cls, path: Path) -> BicepFile:
        return cls.parse(path.read_text(encoding="utf-8"), path)

    def of(self, keyword: str) -> list[Statement]:
        return [s for s in self.statements if s.keyword == keyword]

    def named(self, keyword: str, name: str) -> Statement:
        matches = [s for s in self.of(keyword) if s.name == name]
        assert matches, f"{self.path.name} has no {keyword} named {name}"
        return matches[0]

    def code(self, statement: Statement) -> str:
        return self.scan.code[statement.start : statement.end]

    def skeleton(self, statement: Statement) -> str:
        return self.scan.skeleton[statement.start : statement.end]

    def line(self, statement: Statement) -> str:
        """The statement's first line, strings and all."""
        return self.code(statement).splitlines()[0]

    def params(self) -> dict[str, Param]:
        return {s.name: Param.of(self, s) for s in self.of("param")}


@dataclass
class Param:
    name: str
    type: str
    default: str | None  # the default's code, None when the parameter is required
    secure: bool
    description: str

    @classmethod
    def of(cls, file: BicepFile, statement: Statement) -> Param:
        header = re.match(rf"param\s+({_IDENT})\s+(\S+)\s*(=)?", statement.header)
        assert header, f"cannot read {statement.header!r} in {file.path.name}"
        default = None
        if header[3]:
            default = file.code(statement).split("=", 1)[1].strip()
        described = re.search(r"@description\(\s*'((?:[^'\\]|\\.)*)'\s*\)", statement.decorators)
        return cls(
            statement.name,
            header[2],
            default,
            "@secure()" in statement.decorators,
            described[1] if described else "",
        )


def _statements(found: Scan) -> Iterator[Statement]:
    """Top-level statements: a line at bracket depth 0 starting with a keyword; decorator
    lines above it (which may run over several lines) belong to it. Each runs up to the
    next one's decorators, or the next one."""
    starts: list[tuple[int, int, str, str]] = []  # (decorators at, keyword at, keyword, name)
    depth, offset = 0, 0
    decorators: int | None = None
    for line in found.skeleton.splitlines(keepends=True):
        stripped = line.strip()
        word = re.match(rf"({_IDENT})\s*({_IDENT})?", stripped)
        if depth == 0 and stripped.startswith("@") and decorators is None:
            decorators = offset
        elif depth == 0 and word and word[1] in _KEYWORDS:
            at = offset if decorators is None else decorators
            starts.append((at, offset, word[1], word[2] or ""))
            decorators = None
        for char in line:
            depth += char in "{[("
            depth -= char in "}])"
        offset += len(line)
    ends = [at for at, *_ in starts[1:]] + [len(found.skeleton)]
    for (at, start, keyword, name), end in zip(starts, ends, strict=True):
        header = found.skeleton[start:end].splitlines()[0].strip()
        yield Statement(keyword, name, start, end, found.code[at:start], header)


def object_keys(skeleton: str, opening: int) -> list[str]:
    """The keys of the object whose { is at `opening`, one level down only."""
    keys, depth = [], 0
    for index in range(opening, len(skeleton)):
        char = skeleton[index]
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
            if depth == 0:
                break
        elif char == "\n" and depth == 1:
            key = re.match(rf"\s*({_IDENT})\s*:", skeleton[index + 1 :])
            if key:
                keys.append(key[1])
    return keys


def block_after(skeleton: str, label: str) -> int:
    """Where the object given to `label:` opens, such as `params: {`."""
    found = re.search(rf"(^|\s){label}\s*:\s*\{{", skeleton)
    assert found, f"no '{label}: {{' found"
    return found.end() - 1


def uses(file: BicepFile, name: str) -> int:
    """How often `name` is referred to as a symbol, outside declarations' own names, object
    keys and property accesses (`.location` is not the parameter `location`)."""
    skeleton = file.scan.skeleton
    count = 0
    for match in re.finditer(rf"(?<![\w.]){re.escape(name)}(?!\w)", skeleton):
        line_start = skeleton.rfind("\n", 0, match.start()) + 1
        before = skeleton[line_start : match.start()]
        after = skeleton[match.end() : match.end() + 40]
        if re.fullmatch(rf"\s*(@\w+\(.*\)\s*)?({'|'.join(_KEYWORDS)})\s+", before):
            continue  # the declaration itself
        if not before.strip() and re.match(r"\s*:", after):
            continue  # an object key
        count += 1
    return count


# ---------------------------------------------------------------------------------------
# The checks: each returns plain sentences, one a problem
# ---------------------------------------------------------------------------------------


def unused_params(file: BicepFile) -> list[str]:
    return [
        f"{file.path.name}: parameter '{name}' is never used."
        for name in file.params()
        if uses(file, name) == 0
    ]


def undescribed_params(file: BicepFile) -> list[str]:
    return [
        f"{file.path.name}: parameter '{p.name}' has no @description."
        for p in file.params().values()
        if len(p.description.strip()) < 10
    ]


_SECRET_NAME = re.compile(r"secret|password|connectionstring|accountkey|apikey", re.IGNORECASE)


def secret_problems(file: BicepFile) -> list[str]:
    problems = []
    params = file.params()
    for p in params.values():
        if p.secure and p.default is not None:
            problems.append(f"{file.path.name}: secure parameter '{p.name}' has a default.")
        if _SECRET_NAME.search(p.name) and not p.secure:
            problems.append(f"{file.path.name}: parameter '{p.name}' looks secret: @secure().")
    for output in file.of("output"):
        body = file.skeleton(output)
        for p in params.values():
            if p.secure and re.search(rf"(?<![\w.]){p.name}(?!\w)", body.split("=", 1)[1]):
                problems.append(f"{file.path.name}: output '{output.name}' shows '{p.name}'.")
    problems += [
        f"{file.path.name}: a string looks like a secret: '{literal.text[:12]}…'."
        for literal in file.scan.literals
        if looks_secret(literal.text)
    ]
    return problems


_SECRET_MARKS = re.compile(
    r"\b(AccountKey|SharedAccessSignature|InstrumentationKey|ClientSecret|Password|sig)\s*=",
    re.IGNORECASE,
)
# A run such as a storage key (base64) or an Entra client secret (with a ~ in it).
_KEY_RUN = re.compile(r"[A-Za-z0-9+/~_\-]{32,}={0,2}")


def looks_secret(text: str) -> bool:
    if _SECRET_MARKS.search(text):
        return True
    for run in _KEY_RUN.findall(text):
        mixed = re.search(r"\d", run) and re.search(r"[a-z]", run) and re.search(r"[A-Z]", run)
        if "~" in run or (mixed and not _GUID.match(run)):
            return True
    return False


def module_problems(file: BicepFile) -> list[str]:
    problems = []
    for module in file.of("module"):
        path = re.search(r"'([^']+\.bicep)'", file.line(module))
        target = file.path.parent / path[1] if path else None
        if target is None or not target.is_file():
            problems.append(f"{file.path.name}: module '{module.name}' names no file there.")
            continue
        declared = BicepFile.load(target).params()
        skeleton = file.skeleton(module)
        given = set(object_keys(skeleton, block_after(skeleton, "params")))
        for extra in sorted(given - declared.keys()):
            problems.append(f"module '{module.name}' gives '{extra}', which {path[1]} lacks.")
        for name, p in declared.items():
            if p.default is None and name not in given:
                problems.append(f"module '{module.name}' does not give required '{name}'.")
    return problems


def role_problems(files: list[BicepFile]) -> list[str]:
    problems, used = [], set()
    for file in files:
        for literal in file.scan.literals:
            if _GUID.match(literal.text):
                used.add(literal.text.lower())
                if literal.text.lower() not in ROLES:
                    problems.append(f"{file.path.name}: '{literal.text}' is not an allowed role.")
    for role in (STORAGE_TABLE_DATA_CONTRIBUTOR, STORAGE_QUEUE_DATA_CONTRIBUTOR):
        if role not in used:
            problems.append(f"The managed identity is not given {ROLES[role]}.")
    return problems


def app_setting_names(file: BicepFile) -> set[str]:
    """The names in the object given to the app service module as `settings`: it is
    union(...) of variables (their keys) and typed parameters (their type's keys); and the
    ones the module adds itself once the app exists (its `addressSettings`)."""
    module = next(m for m in file.of("module") if "appservice.bicep" in file.line(m))
    skeleton = file.skeleton(module)
    given = re.search(r"settings\s*:\s*union\(([^)]*)\)", skeleton)
    assert given, "the app service module's settings are not a union(...) of objects"
    names: set[str] = set()
    for symbol in re.findall(_IDENT, given[1]):
        declared = [s for s in file.statements if s.name == symbol]
        assert declared, f"'{symbol}' is not declared"
        statement = declared[0]
        if statement.keyword == "param":
            statement = file.named("type", Param.of(file, statement).type)
        body = file.skeleton(statement)
        names.update(object_keys(body, body.index("{")))
    own = BicepFile.load(APP_SERVICE)
    body = own.skeleton(own.named("var", "addressSettings"))
    names.update(object_keys(body, body.index("{")))
    return names


def setting_problems(file: BicepFile, read_by_bot: Set[str]) -> list[str]:
    names = app_setting_names(file)
    problems = [
        f"The bot reads {name} but the template does not set it (nor says why not)."
        for name in sorted(read_by_bot - names - NOT_SET_IN_AZURE.keys())
    ]
    problems += [
        f"The template sets {name}, which the bot does not read."
        for name in sorted(names - read_by_bot - APP_SERVICE_SETTINGS)
    ]
    problems += [
        f"{name} is listed as not set in Azure, but the template sets it."
        for name in sorted(names & NOT_SET_IN_AZURE.keys())
    ]
    return problems


def parameters_file_problems(
    document: object, params: Mapping[str, Param], readme: str
) -> list[str]:
    if not isinstance(document, dict) or not isinstance(document.get("parameters"), dict):
        return ["The parameters file is not an object with 'parameters'."]
    problems = []
    if document.get("$schema") != PARAMETERS_SCHEMA:
        problems.append("The parameters file does not name the deploymentParameters schema.")
    if document.get("contentVersion") != "1.0.0.0":
        problems.append("The parameters file's contentVersion is not 1.0.0.0.")
    given = document["parameters"]
    for name, entry in given.items():
        if name not in params:
            problems.append(f"The parameters file gives '{name}', which the template lacks.")
        elif not isinstance(entry, dict) or set(entry) not in ({"value"}, {"reference"}):
            problems.append(f"'{name}' in the parameters file needs one 'value' or 'reference'.")
        elif params[name].secure and "value" in entry:
            problems.append(f"'{name}' is secure: give it at deploy time, not in the file.")
        else:
            value = json.dumps(entry.get("value", ""))
            if looks_secret(value):
                problems.append(f"'{name}' in the parameters file looks like a secret.")
            for placeholder in re.findall(r"\$\{\{([^}]*)\}\}", value):
                if not _ENV_NAME.match(placeholder):
                    problems.append(f"'{name}' has a placeholder that is not ${{{{NAME}}}}.")
    for p in params.values():
        if p.default is None and p.name not in given and f"-p {p.name}=" not in readme:
            problems.append(
                f"Required parameter '{p.name}' is neither in the parameters file nor given "
                "at deploy time in infra/README.md."
            )
    return problems


# ---------------------------------------------------------------------------------------
# What the bot reads, derived from its code
# ---------------------------------------------------------------------------------------


class Recording(Mapping[str, str]):
    """An environment that remembers every name the settings ask it for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return self.values[name]

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(name)
        return self.values.get(name, default)

    def __contains__(self, name: object) -> bool:
        self.asked.add(str(name))
        return name in self.values

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("the settings should ask for names, not walk the environment")

    def __len__(self) -> int:
        return len(self.values)


@functools.cache
def names_asked_at_start() -> frozenset[str]:
    """Every name `python -m bot` asks the environment for, locally and in Azure."""
    azure = {
        "BOT_MODE": "m365",
        "BOT_STORE": "sharepoint",
        "STATE_STORE": "azure",
        "CLIENT_ID": "11111111-2222-3333-4444-555555555555",
    }
    asked: set[str] = set()
    for values in ({}, azure):
        for load in (load_settings, load_graph_settings):
            env = Recording(values)
            with contextlib.suppress(SettingsError):  # the names asked for are what counts
                load(env)
            asked |= env.asked
    return frozenset(asked)


@functools.cache
def names_in_code() -> frozenset[str]:
    """Names read in the code as env.get("NAME"), os.environ["NAME"], os.getenv("NAME"), or
    handed with the environment to a helper, such as _get(env, "NAME")."""
    found: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "graph_clients").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found |= _env_names(node)
    return frozenset(found)


def _env_names(node: ast.AST) -> set[str]:
    def text(value: ast.AST) -> str:
        return (
            value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else ""
        )

    def is_env(value: ast.AST) -> bool:
        if isinstance(value, ast.Name):
            return value.id in ("env", "environ")
        return (
            isinstance(value, ast.Attribute)
            and value.attr in ("env", "environ")
            and isinstance(value.value, ast.Name)
            and value.value.id in ("os", "self")
        )

    names: list[str] = []
    if isinstance(node, ast.Call):
        function = node.func
        if (
            isinstance(function, ast.Attribute)
            and function.attr == "get"
            and is_env(function.value)
        ):
            names.append(text(node.args[0]) if node.args else "")
        elif isinstance(function, ast.Attribute) and function.attr == "getenv" and node.args:
            names.append(text(node.args[0]))
        elif any(is_env(arg) for arg in node.args):
            names += [text(arg) for arg in node.args]
    elif isinstance(node, ast.Subscript) and is_env(node.value):
        names.append(text(node.slice))
    return {name for name in names if _ENV_NAME.match(name)}


# ---------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------


def bicep_files() -> list[BicepFile]:
    return [BicepFile.load(path) for path in sorted(INFRA.rglob("*.bicep"))]


@pytest.fixture(scope="module")
def main() -> BicepFile:
    return BicepFile.load(MAIN)


@pytest.fixture(scope="module")
def read_by_bot() -> set[str]:
    return set(names_asked_at_start() | names_in_code())


def test_the_template_and_its_modules_are_there() -> None:
    names = {path.relative_to(INFRA).as_posix() for path in INFRA.rglob("*.bicep")}
    assert {"azure.bicep", "modules/azurebot.bicep", "modules/appservice.bicep"} <= names
    assert PARAMETERS.is_file() and README.is_file()


@pytest.mark.parametrize("file", bicep_files(), ids=lambda f: f.path.name)
def test_every_parameter_is_used_and_described(file: BicepFile) -> None:
    assert file.params(), f"{file.path.name}: no parameters read (is the reader right?)"
    assert unused_params(file) + undescribed_params(file) == []


@pytest.mark.parametrize("file", bicep_files(), ids=lambda f: f.path.name)
def test_no_secret_in_a_default_a_literal_or_an_output(file: BicepFile) -> None:
    assert secret_problems(file) == []


def test_the_bots_secret_is_a_secure_parameter_with_no_default(main: BicepFile) -> None:
    secret = main.params()["botClientSecret"]
    assert secret.secure and secret.default is None


@pytest.mark.parametrize("file", bicep_files(), ids=lambda f: f.path.name)
def test_modules_exist_and_get_the_parameters_they_declare(file: BicepFile) -> None:
    assert module_problems(file) == []


def test_main_template_uses_its_modules(main: BicepFile) -> None:
    used = {re.search(r"'([^']+)'", main.line(m))[1] for m in main.of("module")}  # type: ignore[index]
    on_disk = {p.relative_to(INFRA).as_posix() for p in (INFRA / "modules").glob("*.bicep")}
    assert on_disk == used


def test_the_parameters_file_fits_the_template(main: BicepFile) -> None:
    document = json.loads(PARAMETERS.read_text(encoding="utf-8"))
    readme = README.read_text(encoding="utf-8")
    assert parameters_file_problems(document, main.params(), readme) == []


def test_every_parameter_is_documented_in_the_readme(main: BicepFile) -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [name for name in main.params() if f"`{name}`" not in readme]
    assert missing == []


def test_the_code_is_read_for_the_settings(read_by_bot: set[str]) -> None:
    # The reading itself must find what we know is there, or the next test proves nothing.
    assert {"BOT_MODE", "GRAPH_SITE_ID", "AZURE_STORAGE_ACCOUNT_URL", "COMMUNITY_POINTS"} <= (
        names_asked_at_start()
    )
    assert {"CLIENT_SECRET", "GRAPH_MANAGED_IDENTITY", "LOG_FORMAT"} <= names_in_code()
    assert len(read_by_bot) > 40


def test_every_setting_the_bot_reads_is_set_or_explained(
    main: BicepFile, read_by_bot: set[str]
) -> None:
    assert setting_problems(main, read_by_bot) == []
    stale = sorted(NOT_SET_IN_AZURE.keys() - read_by_bot)
    assert stale == [], "these are no longer read by the bot: take them off NOT_SET_IN_AZURE"


def test_the_settings_azure_gives_are_accepted_by_the_bot(main: BicepFile) -> None:
    env = azure_environment(main)
    settings = load_settings(env)
    graph = load_graph_settings(env)
    assert (settings.mode, settings.store, settings.state.kind) == ("m365", "sharepoint", "azure")
    assert settings.host == "0.0.0.0" and settings.port == 3978
    assert settings.state.managed_identity_client_id == SAMPLES["AZURE_CLIENT_ID"]
    assert graph.managed_identity and graph.managed_identity_client_id == SAMPLES["AZURE_CLIENT_ID"]
    assert env["PORT"] == env["WEBSITES_PORT"]


# Values for the settings whose value Azure works out at deploy time.
SAMPLES = {
    "CLIENT_ID": "11111111-2222-3333-4444-555555555555",
    "TENANT_ID": "66666666-7777-8888-9999-000000000000",
    "CLIENT_SECRET": "the-value-App-Service-reads-from-Key-Vault",
    "ALLOWED_TENANTS": "66666666-7777-8888-9999-000000000000",
    "AZURE_CLIENT_ID": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "GRAPH_MANAGED_IDENTITY_CLIENT_ID": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "AZURE_STORAGE_ACCOUNT_URL": "https://dfdabc123.table.core.windows.net",
    "GRAPH_SITE_ID": "contoso.sharepoint.com,11111111-2222-3333-4444-555555555555,"
    "66666666-7777-8888-9999-000000000000",
    "ADMIN_IDS": "12345678-1234-1234-1234-123456789012",
    "PUBLIC_BASE_URL": "https://dfd-app-abc123.azurewebsites.net",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-1111-2222-3333-"
    "444444444444;IngestionEndpoint=https://uksouth-1.in.applicationinsights.azure.com/",
    "PORT": "3978",
    "WEBSITES_PORT": "3978",
}


def azure_environment(main: BicepFile) -> dict[str, str]:
    """The app's environment as the template sets it: each literal as written, each bare
    parameter as its default, and each worked-out value from SAMPLES."""
    params = main.params()
    env: dict[str, str] = {}
    code = main.code(main.named("var", "azureSettings"))
    for key, expression in re.findall(rf"^\s*({_IDENT})\s*:\s*(.+?)\s*$", code, re.M):
        literal = re.fullmatch(r"'([^'$]*)'", expression)
        default = params[expression].default if expression in params else None
        if literal:
            env[key] = literal[1]
        elif default is not None and re.fullmatch(r"'[^'$]*'", default):
            env[key] = default.strip("'")
        else:
            assert key in SAMPLES, f"give a sample value for {key} in SAMPLES"
            env[key] = SAMPLES[key]
    env["PUBLIC_BASE_URL"] = SAMPLES["PUBLIC_BASE_URL"]  # set by the module, once the app exists
    document = json.loads(PARAMETERS.read_text(encoding="utf-8"))
    env.update(document["parameters"].get("optionalSettings", {}).get("value", {}))
    return env


def test_only_the_roles_the_app_needs_are_assigned() -> None:
    assert role_problems(bicep_files()) == []
    storage = BicepFile.load(INFRA / "modules" / "storage.bicep")
    assignments = [r for r in storage.of("resource") if "roleAssignments" in storage.line(r)]
    assert len(assignments) == 2
    assert all(re.search(r"^\s*scope:\s*account\s*$", storage.code(r), re.M) for r in assignments)


def test_the_azure_bot_is_single_tenant_with_teams() -> None:
    bot = BicepFile.load(INFRA / "modules" / "azurebot.bicep").scan.code
    assert "msaAppType: 'SingleTenant'" in bot and "msaAppTenantId: tenantId" in bot
    assert "channelName: 'MsTeamsChannel'" in bot and "isEnabled: true" in bot
    main = MAIN.read_text(encoding="utf-8")
    assert "endpoint: 'https://${app.outputs.hostName}/api/messages'" in main


def test_the_web_app_runs_the_container_safely() -> None:
    site = BicepFile.load(INFRA / "modules" / "appservice.bicep").scan.code
    for expected in (
        "linuxFxVersion: 'DOCKER|${containerImage}'",
        "alwaysOn: true",
        "healthCheckPath: '/readyz'",
        "httpsOnly: true",
        "ftpsState: 'Disabled'",
        "type: 'UserAssigned'",
        "keyVaultReferenceIdentity: identityId",
        "reserved: true",
    ):
        assert expected in site, expected


def test_the_client_secret_comes_from_key_vault(main: BicepFile) -> None:
    settings = main.code(main.named("var", "azureSettings"))
    assert re.search(r"CLIENT_SECRET: '@Microsoft\.KeyVault\(SecretUri=\$\{[^}]+\}\)'", settings)
    vault = BicepFile.load(INFRA / "modules" / "keyvault.bicep").scan.code
    assert "enableRbacAuthorization: true" in vault and "value: botClientSecret" in vault


def test_the_storage_account_takes_no_shared_keys() -> None:
    storage = BicepFile.load(INFRA / "modules" / "storage.bicep").scan.code
    assert "allowSharedKeyAccess: false" in storage and "minimumTlsVersion: 'TLS1_2'" in storage


def test_the_outputs_the_next_steps_need(main: BicepFile) -> None:
    outputs = {o.name for o in main.of("output")}
    assert {"botEndpoint", "appHostName", "identityClientId", "storageAccountUrl"} <= outputs


def test_base_name_is_bounded_and_says_which_characters_it_may_have(main: BicepFile) -> None:
    base = main.named("param", "baseName")
    assert "@minLength(2)" in base.decorators and "@maxLength(11)" in base.decorators
    described = main.params()["baseName"].description
    assert "lower-case letters" in described and "digits" in described
    assert "starting with a letter" in described and "No hyphens" in described


def storage_name(base: str, suffix: str = "abcdefghij123") -> str:
    """infra/azure.bicep's storageName, worked out the same way (uniqueString gives 13
    lower-case letters and digits)."""
    safe = base.replace("-", "").replace("_", "").replace(".", "").lower()[:11]
    return f"{safe}{suffix}"[:24]


def test_the_storage_account_name_is_made_safe_from_the_base_name(main: BicepFile) -> None:
    derived = main.code(main.named("var", "storageBase")) + main.code(
        main.named("var", "storageName")
    )
    for step in ("toLower(", "replace(baseName, '-', '')", "'_', ''", "'.', ''", ", 11)"):
        assert step in derived, step
    assert "take('${storageBase}${suffix}', 24)" in derived
    storage = main.code(main.named("module", "storage"))
    assert re.search(r"^\s*name:\s*storageName\s*$", storage, re.M)
    for base in ("dfd", "DFD-Prod", "a_b.c-d", "abcdefghijk"):
        name = storage_name(base)
        assert re.fullmatch(r"[a-z0-9]{3,24}", name), (base, name)


def test_a_staging_slot_is_made_only_on_a_plan_that_has_slots(main: BicepFile) -> None:
    sku = main.named("param", "appServicePlanSku")
    allowed = set(re.findall(r"'(\w+)'", sku.decorators))
    assert allowed == {"B1", "B2", "S1", "P0v3", "P1v3", "P2v3"}, "the guard below knows these"
    slots = main.code(main.named("var", "slotsAllowed"))
    assert "!startsWith(appServicePlanSku, 'B')" in slots
    assert [s for s in allowed if not s.startswith("B")] == [s for s in allowed if s[0] in "SP"]
    made = main.code(main.named("var", "makeStagingSlot"))
    assert "stagingSlot && slotsAllowed" in made
    app = main.code(main.named("module", "app"))
    assert re.search(r"^\s*stagingSlot:\s*makeStagingSlot\s*$", app, re.M)
    assert "Standard or Premium" in main.params()["stagingSlot"].description
    module = BicepFile.load(APP_SERVICE)
    assert "= if (stagingSlot) {" in module.line(module.named("resource", "slot"))
    readme = README.read_text(encoding="utf-8")
    assert "B1" in readme and "no staging slot" in readme.lower()


def test_addresses_are_the_ones_app_service_gives_not_guessed(main: BicepFile) -> None:
    for file in bicep_files():
        guessed = [lit.text for lit in file.scan.literals if "azurewebsites.net" in lit.text]
        assert guessed == [], f"{file.path.name} guesses an address: {guessed}"
    module = BicepFile.load(APP_SERVICE)
    address = module.code(module.named("var", "addressSettings"))
    assert "PUBLIC_BASE_URL:" in address and "site.properties.defaultHostName" in address
    for resource in ("siteSettings", "slotSettings"):
        found = module.code(module.named("resource", resource))
        assert "name: 'appsettings'" in found
        assert "properties: union(appSettings, addressSettings)" in found, resource
    staging = module.code(module.named("output", "stagingHostName"))
    assert "slot.properties.defaultHostName" in staging
    assert "app.outputs.stagingHostName" in main.code(main.named("output", "stagingHostName"))


def test_a_swap_waits_for_the_new_version_to_be_ready(main: BicepFile) -> None:
    env = azure_environment(main)
    assert env["WEBSITE_SWAP_WARMUP_PING_PATH"] == "/readyz"
    assert env["WEBSITE_SWAP_WARMUP_PING_STATUSES"] == "200"


def test_http_logs_with_pack_tokens_are_off_unless_asked_for(main: BicepFile) -> None:
    assert main.params()["httpLogs"].default == "false"
    module = BicepFile.load(APP_SERVICE)
    logs = module.code(module.named("resource", "logs"))
    assert re.search(r"category: 'AppServiceHTTPLogs'\s*enabled: httpLogs", logs)
    assert re.search(r"^\s*httpLogs:\s*httpLogs\s*$", main.code(main.named("module", "app")), re.M)


# ---------------------------------------------------------------------------------------
# The checks catch bad templates
# ---------------------------------------------------------------------------------------

BAD_MAIN = """
@description('Never used anywhere at all.')
param forgotten string

@description('A secret with a default is in every copy of the template.')
@secure()
param botClientSecret string = 'x'

param apiPassword string

@description('Where the app runs, and a // that is not a comment.')
param location string = 'https://example.org//x'

var uses = apiPassword
var notes = 'AccountKey=abc;'
var key = 'Q2xpZW50U2VjcmV0VmFsdWVGb3JUZXN0czEyMzQ1Njc4'

module missing 'modules/nowhere.bicep' = {
  name: 'missing'
  params: {
    location: location
  }
}

module app 'modules/appservice.bicep' = {
  name: 'app'
  params: {
    location: location
    settings: union(appSettings)
  }
}

var appSettings = {
  BOT_MODE: 'm365'
  NOT_A_SETTING: 'x'
  API_KEY: 'x'
}

resource owner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid('8e3af657-a8ff-443c-a75c-2fe8c4bcb635')
}

output leaked string = botClientSecret
"""


def test_the_checks_find_what_is_wrong_in_a_bad_template() -> None:
    bad = BicepFile.parse(BAD_MAIN, MAIN)
    assert unused_params(bad) == ["azure.bicep: parameter 'forgotten' is never used."]
    assert undescribed_params(bad) == ["azure.bicep: parameter 'apiPassword' has no @description."]
    secrets = secret_problems(bad)
    assert "azure.bicep: secure parameter 'botClientSecret' has a default." in secrets
    assert "azure.bicep: parameter 'apiPassword' looks secret: @secure()." in secrets
    assert "azure.bicep: output 'leaked' shows 'botClientSecret'." in secrets
    assert sum("looks like a secret" in p for p in secrets) == 2
    modules = module_problems(bad)
    assert "azure.bicep: module 'missing' names no file there." in modules
    assert any("does not give required 'webAppName'" in p for p in modules)
    roles = role_problems([bad])
    assert "azure.bicep: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635' is not an allowed role." in roles
    assert "The managed identity is not given Storage Table Data Contributor." in roles
    settings = setting_problems(bad, {"BOT_MODE", "GRAPH_SITE_ID", "API_KEY", "PUBLIC_BASE_URL"})
    assert settings == [
        "The bot reads GRAPH_SITE_ID but the template does not set it (nor says why not).",
        "The template sets NOT_A_SETTING, which the bot does not read.",
        "API_KEY is listed as not set in Azure, but the template sets it.",
    ]


def test_the_reader_keeps_strings_and_comments_apart() -> None:
    found = scan("var a = 'x // y ${b} \\'z' // note\n/* c { */ var d = '''e { f'''\n")
    assert [literal.text for literal in found.literals] == ["x // y ${} \\'z", "e { f"]
    assert "note" not in found.code and "c {" not in found.code
    assert "{" not in found.skeleton and " b " in found.skeleton


def test_the_parameters_check_finds_a_bad_file(main: BicepFile) -> None:
    params = main.params()
    bad = {
        "$schema": "https://example.org/parameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "unknown": {"value": 1},
            "botClientSecret": {"value": "not here"},
            "adminIds": {"value": "${{admin ids}}"},
            "baseName": {"value": "dfd", "reference": {}},
        },
    }
    problems = parameters_file_problems(bad, params, readme="")
    assert problems == [
        "The parameters file does not name the deploymentParameters schema.",
        "The parameters file gives 'unknown', which the template lacks.",
        "'botClientSecret' is secure: give it at deploy time, not in the file.",
        "'adminIds' has a placeholder that is not ${{NAME}}.",
        "'baseName' in the parameters file needs one 'value' or 'reference'.",
        "Required parameter 'botClientId' is neither in the parameters file nor given at "
        "deploy time in infra/README.md.",
        "Required parameter 'containerImage' is neither in the parameters file nor given at "
        "deploy time in infra/README.md.",
        "Required parameter 'graphSiteId' is neither in the parameters file nor given at "
        "deploy time in infra/README.md.",
    ]
    assert parameters_file_problems([], params, "") == [
        "The parameters file is not an object with 'parameters'."
    ]


def test_a_setting_added_to_the_code_without_infra_fails(main: BicepFile) -> None:
    assert setting_problems(main, names_asked_at_start() | {"NEW_SETTING"}) == [
        "The bot reads NEW_SETTING but the template does not set it (nor says why not)."
    ]
