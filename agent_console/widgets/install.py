"""Putting the desktop widgets where GNOME Shell and Plasma look for them, and taking them away.

The widgets' sources ship inside this package; the installed files are made
from them here, at install time, for the desktop that is there: the GNOME
extension as a legacy ``imports.`` module for 43/44 or an ES module for 45+
(one ``indicator.js`` between two thin entry points), the applet for Plasma 5.27
or 6.  The status vocabulary (order, glyphs, colours) is written into the
JavaScript from :mod:`agent_console.presentation`, and the path of this
``agent-console`` for the clicks, so neither is kept by hand in JavaScript.
"""

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from agent_console.errors import AgentConsoleError
from agent_console.presentation import (
    EXACT_BELOW_S,
    FACE_ORDER,
    QUIET_COLOR,
    SEEN,
    SEEN_GLYPH,
    STATUS_COLORS,
    STATUS_GLYPHS,
)
from agent_console.system.atomic_file import write_atomically
from agent_console.vocabulary import URGENCY, WAITING
from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH

GNOME_UUID = "agent-console@agentconsole.github.io"
"""The extension's directory name and id: GNOME wants ``name@domain``."""
PLASMOID_ID = "io.github.agentconsole.sessions"
WIDGET_NAME = "Agent Console"
DESCRIPTION = "Which coding-agent sessions are working, need attention, ask a question, or have closed."

FIRST_MODULE_SHELL = 45
"""GNOME 45 made extensions ES modules and stopped loading the ``imports.`` form."""
OLDEST_SHELL = 43
NEWEST_SHELL = 49
"""The newest GNOME the extension declares by default (48 is the newest it was run on).  A shell
refuses an extension that does not name it, so a newer one found at install is named too, and said."""
GNOME_FILES = ("metadata.json", "extension.js", "stylesheet.css")
"""Everything install writes into the extension's directory, and so all that uninstall removes."""

PLASMA_VERSIONS = (6, 5)
"""Plasma 6 first: kpackagetool6 is looked for before kpackagetool5."""
PLASMA_MAIN = {5: "main5.qml", 6: "main6.qml"}
PLASMA_SHARED = ("SessionsView.qml", "busctl.js")
PACKAGE_TOOL_TIMEOUT_S = 60.0
"""kpackagetool copies a few files and updates a cache: seconds, even on a slow disk."""
VERSION_PROBE_TIMEOUT_S = 10.0
"""``gnome-shell --version`` prints and exits; the bound is for a cold start on a loaded machine."""

_SOURCES = resources.files(__package__)

EXTENSION_FILE_MODE = 0o644
"""The extension's files, as a umask of 022 would leave them: the user's shell reads them."""


class WidgetError(AgentConsoleError):
    """The widget could not be installed or removed; the message names the fix."""


@dataclass(frozen=True)
class Outcome:
    """What install or uninstall did, for a person (``lines``) and for ``--json``."""

    desktop: str
    widget_id: str
    path: str
    action: str
    flavour: str
    next_step: str

    def lines(self) -> list[str]:
        return [f"{self.action} {self.desktop} widget {self.widget_id} ({self.flavour})", f"  {self.path}",
                *([self.next_step] if self.next_step else [])]


def script_header(executable: str) -> str:
    """The constants sessions.js reads, from the Python that owns them."""
    vocabulary = {
        "urgency": list(URGENCY),
        "waiting": list(WAITING),
        "seen": SEEN,
        "face_order": list(FACE_ORDER),
        "glyphs": {**STATUS_GLYPHS, SEEN: SEEN_GLYPH},
        "colors": {**STATUS_COLORS, SEEN: QUIET_COLOR},
        "quiet_color": QUIET_COLOR,
        "exact_below_s": EXACT_BELOW_S,
    }
    bus = {"name": BUS_NAME, "path": OBJECT_PATH, "iface": INTERFACE}
    return (
        "// Written by agent-console install-widget from agent_console.presentation and agent_console.wire.names.\n"
        f"var VOCABULARY = {json.dumps(vocabulary, ensure_ascii=True)};\n"
        f"var BUS = {json.dumps(bus, ensure_ascii=True)};\n"
        f"var AGENT_CONSOLE = {json.dumps(executable, ensure_ascii=True)};\n\n"
    )


def _source(*parts: str) -> str:
    return _SOURCES.joinpath(*parts).read_text(encoding="utf-8")


# --- GNOME Shell ---------------------------------------------------------------------------------


def gnome_files(executable: str, shell_major: int) -> dict[str, str]:
    """The extension's files for a shell of that major version."""
    modules = shell_major >= FIRST_MODULE_SHELL
    entry = _source("gnome_shell", "module_entry.js" if modules else "legacy_entry.js")
    body = script_header(executable) + _source("sessions.js") + "\n" + _source("gnome_shell", "indicator.js")
    newest = max(NEWEST_SHELL, shell_major)
    versions = range(FIRST_MODULE_SHELL, newest + 1) if modules else range(OLDEST_SHELL, FIRST_MODULE_SHELL)
    metadata = {"uuid": GNOME_UUID, "name": WIDGET_NAME, "description": DESCRIPTION,
                "shell-version": [str(v) for v in versions], "url": "https://github.com/AgentConsole/agent-console"}
    return {
        "metadata.json": json.dumps(metadata, indent=2) + "\n",
        "extension.js": entry.replace("//@@BODY@@", body),
        "stylesheet.css": _source("gnome_shell", "stylesheet.css"),
    }


def gnome_extension_dir(env: Mapping[str, str], home: Path) -> Path:
    data_home = env.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(data_home) / "gnome-shell" / "extensions" / GNOME_UUID


def installed_shell_major() -> int:
    """The running system's GNOME Shell major version, from ``gnome-shell --version``."""
    program = shutil.which("gnome-shell")
    if program is None:
        raise WidgetError("gnome-shell is not installed here: give its version with --shell-version N")
    done = subprocess.run([program, "--version"], capture_output=True, text=True, check=False,
                          timeout=VERSION_PROBE_TIMEOUT_S)
    found = re.search(r"(\d+)(\.\d+)*\s*$", done.stdout.strip())
    if done.returncode != 0 or found is None:
        raise WidgetError(f"cannot tell the GNOME Shell version from {done.stdout.strip()!r}: "
                          "give it with --shell-version N")
    return int(found.group(1))


def install_gnome(executable: str, env: Mapping[str, str], home: Path, shell_major: int | None) -> Outcome:
    major = installed_shell_major() if shell_major is None else shell_major
    if major < OLDEST_SHELL:
        raise WidgetError(f"GNOME Shell {major} is older than {OLDEST_SHELL}, the oldest the indicator supports")
    target = gnome_extension_dir(env, home)
    target.mkdir(parents=True, exist_ok=True)
    for name, text in gnome_files(executable, major).items():
        write_atomically(target / name, text, EXTENSION_FILE_MODE)
    flavour = f"GNOME {major}, {'ES module' if major >= FIRST_MODULE_SHELL else 'imports. module'}"
    if major > NEWEST_SHELL:
        flavour += f"; newer than {NEWEST_SHELL}, the newest this agent-console knows: tell us if it fails"
    return Outcome("gnome-shell", GNOME_UUID, str(target), "installed", flavour,
                   f"Enable it with:  gnome-extensions enable {GNOME_UUID}\n"
                   "(on Wayland, log out and in first: the shell looks for new extensions when it starts)")


def uninstall_gnome(env: Mapping[str, str], home: Path) -> Outcome:
    target = gnome_extension_dir(env, home)
    for name in GNOME_FILES:
        (target / name).unlink(missing_ok=True)
    left = sorted(p.name for p in target.iterdir()) if target.is_dir() else []
    if target.is_dir() and not left:
        target.rmdir()
    note = f"left in place, not written by install: {', '.join(left)}" if left else ""
    return Outcome("gnome-shell", GNOME_UUID, str(target), "removed", "extension", note)


# --- Plasma --------------------------------------------------------------------------------------


def plasma_files(executable: str, plasma_major: int) -> dict[str, str]:
    """The applet's package for Plasma 5.27 or 6, as paths inside it."""
    metadata: dict[str, object] = {
        "KPlugin": {"Id": PLASMOID_ID, "Name": WIDGET_NAME, "Description": DESCRIPTION,
                    "Icon": "utilities-terminal", "Category": "System Information", "License": "MIT"},
        "KPackageStructure": "Plasma/Applet",
    }
    if plasma_major >= 6:
        metadata["X-Plasma-API-Minimum-Version"] = "6.0"
    else:
        metadata |= {"X-Plasma-API": "declarativeappletscript", "X-Plasma-MainScript": "ui/main.qml"}
    ui = "contents/ui/"
    return {
        "metadata.json": json.dumps(metadata, indent=2) + "\n",
        ui + "main.qml": _source("plasma", PLASMA_MAIN[6 if plasma_major >= 6 else 5]),
        **{ui + name: _source("plasma", name) for name in PLASMA_SHARED},
        ui + "sessions.js": ".pragma library\n" + script_header(executable) + _source("sessions.js"),
    }


def package_tool(plasma_major: int | None) -> tuple[str, int]:
    """kpackagetool6 or kpackagetool5, whichever this desktop has (6 first), with its Plasma version."""
    for major in PLASMA_VERSIONS if plasma_major is None else (plasma_major,):
        program = shutil.which(f"kpackagetool{major}")
        if program is not None:
            return program, major
    wanted = " or ".join(f"kpackagetool{m}" for m in (PLASMA_VERSIONS if plasma_major is None else (plasma_major,)))
    raise WidgetError(f"{wanted} not found: install Plasma's kpackagetool (Debian: kpackagetool6 or plasma-framework)")


def plasmoid_dir(env: Mapping[str, str], home: Path) -> Path:
    data_home = env.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(data_home) / "plasma" / "plasmoids" / PLASMOID_ID


def install_plasma(executable: str, env: Mapping[str, str], home: Path, plasma_major: int | None) -> Outcome:
    tool, major = package_tool(plasma_major)
    upgrade = plasmoid_dir(env, home).is_dir()
    with tempfile.TemporaryDirectory(prefix="agent-console-plasmoid.") as scratch:
        package = Path(scratch) / PLASMOID_ID
        for name, text in plasma_files(executable, major).items():
            (package / name).parent.mkdir(parents=True, exist_ok=True)
            (package / name).write_text(text, encoding="utf-8")
        _run_tool(tool, ["-u" if upgrade else "-i", str(package)], env)
    return Outcome("plasma", PLASMOID_ID, str(plasmoid_dir(env, home)), "upgraded" if upgrade else "installed",
                   f"Plasma {major}, {Path(tool).name}",
                   "Add it: right-click the panel or desktop > Add Widgets... > Agent Console\n"
                   f"(or try it alone: plasmoidviewer -a {PLASMOID_ID})")


def uninstall_plasma(env: Mapping[str, str], home: Path, plasma_major: int | None) -> Outcome:
    tool, major = package_tool(plasma_major)
    if plasmoid_dir(env, home).is_dir():
        _run_tool(tool, ["-r", PLASMOID_ID], env)
    return Outcome("plasma", PLASMOID_ID, str(plasmoid_dir(env, home)), "removed", f"Plasma {major}", "")


def _run_tool(tool: str, arguments: list[str], env: Mapping[str, str]) -> None:
    done = subprocess.run([tool, "--type", "Plasma/Applet", *arguments], capture_output=True, text=True,
                          check=False, env=dict(env), timeout=PACKAGE_TOOL_TIMEOUT_S)
    if done.returncode != 0:
        said = " ".join((done.stderr.strip() or done.stdout.strip()).split())
        raise WidgetError(f"{Path(tool).name} {' '.join(arguments[:1])} failed: {said}")
