"""Make docs/gnome-shell-indicator.png and docs/plasma-applet.png, the pictures of the desktop widgets.

Run as ``python docs/screenshots.py [gnome-shell|plasma]`` with what
``packaging/install-deps --test`` installs.  Everything is private: a
headless gnome-shell (or plasmoidviewer on Xvfb) in a home of its own, the
real daemon on its session bus, the widget installed with ``agent-console
install-widget``; the same five sessions are set with ``agent-console set``,
the indicator's menu is opened, and the part of the screen that shows the
widget is saved.
"""

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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
from xwd import read_pixels, xwd_to_png

from agent_console.widgets.install import GNOME_UUID

DOCS = Path(__file__).resolve().parent
SESSIONS = [
    ("a1", "/home/dev/projects/shop", "working", ""),
    ("a1", "/home/dev/projects/shop", "question", "Which database should the cart use: Postgres or SQLite?"),
    ("b2", "/home/dev/projects/blog", "attention", "Bash: npm run deploy -- --prod"),
    ("c3", "/home/dev/projects/api", "working", "Bash: pytest tests/ -q"),
    ("d4", "/home/dev/projects/docs", "working", "Edit: docs/using.md"),
    ("e5", "/home/dev/projects/infra", "closed", ""),
    ("f6", "/home/dev/projects/mobile", "attention", "Finished: the release notes are drafted."),
]
SEEN = "f6"
"""Marked seen with ``agent-console ack``: counted apart, in grey."""
BAR = "1? 1! 1\u2713 2~"
"""Two ages: the sessions set first have waited a few seconds when the picture is taken."""
MENU_BOX = (SHELL_SIZE[0] - 900, 0, 900, 300)
"""The top bar's right end and the indicator's menu under it."""
PANEL = bytes.fromhex("232629")
"""The expanded applet's background (SessionsView.qml): where it is, wherever the containment put it."""
MARGIN = 10
MIN_PANEL_LINE = 200
"""Pixels of the background a line of the panel has at least (it is 620 wide)."""
SETTLE_S = 3.0
"""Let the "time in status" column show a few seconds, and the 1 s poll of the applet catch up."""


def set_sessions(run: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    for session_id, directory, status, detail in SESSIONS:
        done = run("set", session_id, status, "--cwd", directory, *(["--detail", detail] if detail else []))
        if done.returncode != 0:
            raise SystemExit(done.stderr)
    run("ack", SEEN)


def gnome_shell(scratch: Path) -> None:
    home = Home.create(scratch)
    installed = home.run([AGENT_CONSOLE, "install-widget", "gnome-shell"])
    if installed.returncode != 0:
        raise SystemExit(installed.stderr)
    with running_gnome_shell(scratch, enabled=(GNOME_UUID,)) as shell, daemon_on(shell.address, scratch / "d.log"):
        set_sessions(shell.agent_console)
        shell.wait_for_bar(BAR)
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
        with running_plasmoidviewer(scratch, prepare) as viewer:
            set_sessions(viewer.agent_console)
            viewer.wait_for_bar(BAR)
            time.sleep(SETTLE_S)
            xwd_to_png(scratch / "fb" / "Xvfb_screen0", DOCS / "plasma-applet.png", applet_box(scratch))
    finally:
        for daemon in daemons:
            daemon.stop()
    print(DOCS / "plasma-applet.png")


def applet_box(scratch: Path) -> tuple[int, int, int, int]:
    """The applet's panel: the lines mostly of its background colour (an icon elsewhere may share it)."""
    width, height, rows = read_pixels(scratch / "fb" / "Xvfb_screen0")
    lines = {y: [i // 3 for i in range(0, len(row), 3) if row[i : i + 3] == PANEL] for y, row in enumerate(rows)}
    panel = {y: xs for y, xs in lines.items() if len(xs) > MIN_PANEL_LINE}
    left, right = min(min(xs) for xs in panel.values()), max(max(xs) for xs in panel.values())
    top, bottom = min(panel), max(panel)
    left, top = max(0, left - MARGIN), max(0, top - MARGIN)
    right, bottom = min(width, right + MARGIN), min(height, bottom + MARGIN)
    return left, top, right - left, bottom - top


def main() -> None:
    wanted = sys.argv[1:] or ["gnome-shell", "plasma"]
    for desktop in wanted:
        with tempfile.TemporaryDirectory(prefix="agent-console-shot.") as scratch:
            {"gnome-shell": gnome_shell, "plasma": plasma}[desktop](Path(scratch))


if __name__ == "__main__":
    main()
