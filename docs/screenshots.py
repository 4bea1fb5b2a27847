"""Make docs/gnome-shell-indicator.png and docs/plasma-applet.png, the pictures of the desktop widgets.

Run as ``python docs/screenshots.py [gnome-shell|plasma]`` with what
``packaging/install-deps --test`` installs.  Everything is private: a
headless gnome-shell (or plasmoidviewer on Xvfb) in a home of its own, the
real daemon on its session bus, the widget installed with ``agent-console
install-widget``; the same five sessions are set with ``agent-console set``,
the indicator's menu is opened, and the part of the screen that shows the
widget is saved.
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from desktop_support import (
    SHELL_SIZE,
    Home,
    daemon_on,
    running_gnome_shell,
    running_plasmoidviewer,
)
from processes import AGENT_CONSOLE, start_daemon
from xwd import xwd_to_png

from agent_console.widgets.install import GNOME_UUID

DOCS = Path(__file__).resolve().parent
SESSIONS = [
    ("a1", "/home/dev/projects/shop", "working", ""),
    ("a1", "/home/dev/projects/shop", "question", "Which database should the cart use: Postgres or SQLite?"),
    ("b2", "/home/dev/projects/blog", "attention", "Bash: npm run deploy -- --prod"),
    ("c3", "/home/dev/projects/api", "working", "Bash: pytest tests/ -q"),
    ("d4", "/home/dev/projects/docs", "working", "Edit: docs/using.md"),
    ("e5", "/home/dev/projects/infra", "closed", ""),
]
"""Two ages: the sessions set first have waited a few seconds when the picture is taken."""
MENU_BOX = (SHELL_SIZE[0] - 900, 0, 900, 260)
"""The top bar's right end and the indicator's menu under it."""
PLASMA_BOX = (80, 190, 640, 310)
"""Where plasmoidviewer's desktop containment puts the applet in a 1000x700 window."""
SETTLE_S = 3.0
"""Let the "time in status" column show a few seconds, and the 1 s poll of the applet catch up."""


def set_sessions(run: "callable") -> None:  # type: ignore[valid-type]
    for session_id, directory, status, detail in SESSIONS:
        done = run("set", session_id, status, "--cwd", directory, *(["--detail", detail] if detail else []))
        if done.returncode != 0:
            raise SystemExit(done.stderr)


def gnome_shell(scratch: Path) -> None:
    home = Home.create(scratch)
    installed = home.run([AGENT_CONSOLE, "install-widget", "gnome-shell"])
    if installed.returncode != 0:
        raise SystemExit(installed.stderr)
    with running_gnome_shell(scratch, enabled=(GNOME_UUID,)) as shell, daemon_on(shell.address, scratch / "d.log"):
        set_sessions(shell.agent_console)
        shell.wait_for_bar("?1 !1 ~2")
        time.sleep(SETTLE_S)
        shell.busctl("call", "org.gnome.Shell", "/io/github/AgentConsole1/GnomeShellIndicator",
                     "io.github.AgentConsole1.GnomeShellIndicator", "ShowMenu", "b", "true")
        time.sleep(1.0)
        shell.screenshot(DOCS / "gnome-shell-indicator.png", *MENU_BOX)
    print(DOCS / "gnome-shell-indicator.png")


def plasma(scratch: Path) -> None:
    daemons = []

    def prepare(home: Home, address: str) -> None:
        installed = home.run([AGENT_CONSOLE, "install-widget", "plasma"])
        if installed.returncode != 0:
            raise SystemExit(installed.stderr)
        daemons.append(start_daemon(address, scratch / "daemon.log"))

    try:
        with running_plasmoidviewer(scratch, 74, prepare) as viewer:
            set_sessions(viewer.agent_console)
            viewer.wait_for_bar("?1 !1 ~2")
            time.sleep(SETTLE_S)
            xwd_to_png(scratch / "fb" / "Xvfb_screen0", DOCS / "plasma-applet.png", PLASMA_BOX)
    finally:
        for daemon in daemons:
            daemon.stop()
    print(DOCS / "plasma-applet.png")


def main() -> None:
    wanted = sys.argv[1:] or ["gnome-shell", "plasma"]
    for desktop in wanted:
        with tempfile.TemporaryDirectory(prefix="agent-console-shot.") as scratch:
            {"gnome-shell": gnome_shell, "plasma": plasma}[desktop](Path(scratch))


if __name__ == "__main__":
    main()
