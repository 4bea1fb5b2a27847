"""The README and docs/ say what the code does: links resolve, named files exist,
the interface XML and the manual page are the ones the code has."""

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md")) + [README, ROOT / "CHANGELOG.md"]

README_MOST_LINES = 170
"""About 150 lines: what a newcomer reads in two minutes."""
FIRST_SCREEN_LINES = 30
"""Where the picture must be: on the first screen of a rendered README."""

LINK = re.compile(r"\]\(([^)\s]+)\)")
SOURCE_PATH = re.compile(r"`((?:agent_console|tests|benchmarks|packaging|systemd|hooks|docs)/[\w./-]+)`")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_readme_is_short_with_its_picture_on_the_first_screen() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= README_MOST_LINES
    assert any(line.startswith("![") for line in lines[:FIRST_SCREEN_LINES])


def test_readme_installs_the_service_rather_than_running_a_daemon_in_the_foreground() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README.read_text(), re.S).group(1)  # type: ignore[union-attr]
    install = first_block.splitlines()[1]
    assert install.endswith("agent-console service install")
    assert "agent-console daemon" not in first_block


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_resolves(page: Path) -> None:
    for target in LINK.findall(re.sub(r"```.*?```", "", page.read_text(), flags=re.S)):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{page.name}: {target}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_file_named_exists(page: Path) -> None:
    for named in SOURCE_PATH.findall(page.read_text()):
        if "<" in named or "*" in named:
            continue
        assert (ROOT / named).exists(), f"{page.name} names {named}"


def test_the_reference_holds_the_interface_xml_as_installed() -> None:
    xml = (ROOT / "packaging" / "dbus" / "io.github.AgentConsole1.Sessions.xml").read_text()
    shown = re.search(r"```xml\n(.*?)```", (ROOT / "docs" / "reference.md").read_text(), re.S)
    assert shown is not None and shown.group(1) == xml


def test_the_manual_page_is_made_from_the_parsers_of_now() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "manpage.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr


def test_the_manual_page_names_every_command_of_help() -> None:
    from agent_console.cli.commands import parser

    page = (ROOT / "docs" / "agent-console.1").read_text().replace("\\-", "-")
    commands = next(action for action in parser()._actions if isinstance(action, argparse._SubParsersAction))
    for name in commands.choices:
        assert f'.SS "{name}"' in page


CONSTANT = re.compile(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]*(?:_S|_US|_SECONDS|_BYTES|_CHARS|_LENGTH))`|`(MAX_[A-Z0-9_]+)`")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_constant_named_is_defined(page: Path) -> None:
    """A bound the docs name by its constant is one the code still has (a renamed one fails here)."""
    code = "\n".join(
        path.read_text() for path in [*(ROOT / "agent_console").rglob("*.py"), ROOT / "hooks" / "agent-console-hook"]
    )
    for match in CONSTANT.finditer(page.read_text()):
        name = match.group(1) or match.group(2)
        assert re.search(rf"^\s*{name}\s*[:=]", code, re.M), f"{page.name} names {name}"
