"""The deployment guide stays honest: every command, file and setting it names exists.

deploy/README.md is followed step by step by a council IT team, so a renamed module, a moved
file or a setting the bot no longer reads would leave them stuck. These tests read the guide
and check each `python -m` module, each script and file path, each link to another page (and
its #section), and each setting name against the code and the infrastructure template.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from manifest.build import resolve_values
from tests.unit.test_infra import (
    APP_SERVICE_SETTINGS,
    MAIN,
    BicepFile,
    Recording,
    app_setting_names,
    names_asked_at_start,
    names_in_code,
)

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "deploy" / "README.md"

# Made by a step of the guide, not kept in the repository.
OUTPUTS = {"build/digital-front-door.zip", ".venv/bin/activate"}
# Settings of the platforms themselves, named in the guide as such.
PLATFORM_SETTINGS = set(APP_SERVICE_SETTINGS)

_MODULE = re.compile(r"python3? -m ([A-Za-z_][\w.]*)")
_SCRIPT = re.compile(r"python3? ((?:[\w.-]+/)+[\w.-]+\.py)")
_NODE = re.compile(r"node ((?:[\w.-]+/)+[\w.-]+\.js)")
_CODE = re.compile(r"`([^`\n]+)`")
_FENCED = re.compile(r"^```\w*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_PATH = re.compile(
    r"^(?:\.\./)?[\w.-]+(?:/[\w.*-]+)+/?$|^(?:Dockerfile|\.dockerignore|env\.TEMPLATE)$"
)
_SETTING = re.compile(r"(?<![\w{$-])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)(_\*)?(?![\w}])")
_PLACEHOLDER = re.compile(r"\$\{\{(\w+)\}\}")


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def settings_known() -> set[str]:
    """What the bot reads, what the template sets, and what the package build reads."""
    build = Recording({})
    resolve_values(build, local=True)
    return (
        set(names_asked_at_start())
        | set(names_in_code())
        | app_setting_names(BicepFile.load(MAIN))
        | build.asked
        | PLATFORM_SETTINGS
    )


def modules_named(text: str) -> set[str]:
    return set(_MODULE.findall(text))


def files_named(text: str) -> set[str]:
    """Paths in `code` spans and in commands, relative to the top of the repository."""
    found = set(_SCRIPT.findall(text)) | set(_NODE.findall(text))
    for span in [*_CODE.findall(text), *_FENCED.findall(text)]:
        for word in span.split():
            if _PATH.match(word) and "://" not in word and not word.startswith("/"):
                found.add(word.removeprefix("../"))
    return found


def links_named(text: str) -> set[str]:
    return {link for link in _LINK.findall(text) if "://" not in link}


def settings_named(text: str) -> set[str]:
    text = _PLACEHOLDER.sub("", text)  # the parameters file's ${{NAME}} placeholders
    found = _SETTING.findall(text)
    return {name + star for name, star in found if star or "_" in name}


def anchors(markdown: str) -> set[str]:
    """GitHub's anchor for each heading: lower case, punctuation gone, spaces to hyphens."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


# The readers must find what the guide names, or the checks below prove nothing.


def test_the_readers_find_the_guides_commands_files_links_and_settings() -> None:
    text = guide()
    assert {"graph_clients.provision"} <= modules_named(text)
    named = files_named(text)
    assert {
        "manifest/build.py",
        "infra/azure.bicep",
        "Dockerfile",
        "requirements/runtime.txt",
    } <= named
    assert {"sharepoint.md", "../infra/README.md"} <= {
        link.partition("#")[0] for link in links_named(text)
    }
    assert {"GRAPH_SITE_ID", "APP_VERSION", "LOG_FORMAT", "GRAPH_*"} <= settings_named(text)


def test_the_readers_catch_a_wrong_name() -> None:
    wrong = "Run `python -m graph_clients.provisioning` with `GRAPH_SITE` in `infra/azure.bcp`."
    assert modules_named(wrong) == {"graph_clients.provisioning"}
    assert "infra/azure.bcp" in files_named(wrong)
    assert settings_named(wrong) == {"GRAPH_SITE"}
    assert "GRAPH_SITE" not in settings_known()


# The guide itself.


@pytest.mark.parametrize("module", sorted(modules_named(guide())))
def test_every_python_module_the_guide_runs_exists(module: str) -> None:
    assert importlib.util.find_spec(module) is not None, f"python -m {module}: no such module"


@pytest.mark.parametrize("path", sorted(files_named(guide()) - OUTPUTS))
def test_every_file_the_guide_names_exists(path: str) -> None:
    if "*" in path:
        assert list(ROOT.glob(path)), f"{path}: nothing matches"
    else:
        assert (ROOT / path).exists(), f"{path}: not in the repository"


@pytest.mark.parametrize("link", sorted(links_named(guide())))
def test_every_link_goes_to_a_page_and_section_that_exist(link: str) -> None:
    page, _, section = link.partition("#")
    target = (GUIDE.parent / page).resolve() if page else GUIDE
    assert target.exists(), f"{link}: no such page"
    if section and target.suffix == ".md":
        assert section in anchors(target.read_text(encoding="utf-8")), f"{link}: no such section"


def test_every_setting_the_guide_names_is_read_by_the_bot_or_set_by_the_template() -> None:
    known = settings_known()
    unknown = []
    for name in sorted(settings_named(guide())):
        if name.endswith("_*"):
            if not any(k.startswith(name[:-1]) for k in known):
                unknown.append(name)
        elif name not in known:
            unknown.append(name)
    assert unknown == []


def test_the_readyz_fields_the_guide_explains_are_the_ones_it_answers_with() -> None:
    from bot import readiness

    explained = set(re.findall(r"^\s*\| `(\w+)` \|", guide(), re.MULTILINE))
    answered = set(re.findall(r"^- `(\w+)`", readiness.__doc__ or "", re.MULTILINE))
    answered |= {"status", "pending_sharepoint_writes"}
    assert answered <= explained | {"pending_sharepoint_writes"}, answered - explained


def infra_names_named(text: str) -> set[str]:
    """Template parameters and outputs are written `camelCase` in the guide."""
    return {span for span in _CODE.findall(text) if re.fullmatch(r"[a-z]+[A-Z]\w*", span)}


def test_every_template_parameter_and_output_the_guide_names_exists() -> None:
    named = infra_names_named(guide())
    assert {"containerImage", "stagingSlot", "appHostName"} <= named, "the reader finds them"
    declared = set(re.findall(r"^(?:param|output) (\w+)", MAIN.read_text(), re.MULTILINE))
    assert named - declared == set()


def test_the_guide_gives_provisioning_manage_and_the_running_bot_write() -> None:
    text = guide()
    sharepoint = (ROOT / "deploy" / "sharepoint.md").read_text(encoding="utf-8")
    assert '{ "roles": ["manage"] }' in sharepoint and "PATCH" in sharepoint
    assert "never `manage`" in sharepoint, "the managed identity keeps write"
    row = next(line for line in text.splitlines() if "exit code `1` and a `403`" in line)
    assert "`manage`" in row and "no `write` grant" not in row, "the fix is not the cause again"


def test_the_upgrade_stops_the_old_version_and_keeps_the_tag_honest() -> None:
    text = guide()
    upgrade = text.split("## 9. Upgrade without downtime", 1)[1].split("## 10.", 1)[0]
    assert "WEBSITE_SWAP_WARMUP_PING_PATH=/readyz" in upgrade
    assert "az webapp stop -g <resource group> -n <webAppName> --slot staging" in upgrade
    assert "az webapp start -g <resource group> -n <webAppName> --slot staging" in upgrade
    assert "old tag puts the" in upgrade or "with the old tag puts the" in upgrade
    assert "<stagingHostName>" in upgrade and "azurewebsites.net" not in upgrade
    assert "AppServiceHTTPLogs" in text and "`httpLogs`" in text
