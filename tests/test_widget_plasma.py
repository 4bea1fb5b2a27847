"""The Plasma applet in a real plasmoidviewer (Plasma 5.27 here) on Xvfb, on the daemon's own bus.

Installed with ``agent-console install-widget plasma`` (kpackagetool5 here), then
driven with ``agent-console set``/``rm`` and the daemon's stop and start; what the
applet shows is read from its ``console.log`` lines and from Xvfb's frame buffer, and
a click on a row (xdotool) must run ``agent-console focus``.  How plasmoidviewer runs
here: ../shared/desktop-for-real.md.
"""

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from desktop_support import REQUIRED_PLASMA, Home, Plasmoidviewer, daemon_on, missing, running_plasmoidviewer, wait_for
from processes import AGENT_CONSOLE
from xwd import read_pixels

from agent_console.presentation import SEEN_GLYPH, STATUS_COLORS

MISSING = missing((*REQUIRED_PLASMA, "xdotool"))
pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"),
                       reason=f"needs {', '.join(MISSING)} (packaging/install-deps --test)"),
]
PANEL = "#232629"
"""The expanded applet's background (SessionsView.qml)."""


@pytest.fixture(scope="module")
def viewer() -> Iterator[Plasmoidviewer]:
    def install(home: Home, _address: str) -> None:
        installed = home.run([AGENT_CONSOLE, "install-widget", "plasma"])
        assert installed.returncode == 0, installed.stderr
        assert "kpackagetool5" in installed.stdout or "kpackagetool6" in installed.stdout

    with (
        tempfile.TemporaryDirectory(prefix="agent-console-plasma.") as scratch,
        running_plasmoidviewer(Path(scratch), install) as running,
    ):
        yield running


def test_not_running_then_the_sessions_in_order_of_urgency(viewer: Plasmoidviewer, tmp_path: Path) -> None:
    viewer.wait_for_bar("off")
    with daemon_on(viewer.address, tmp_path / "daemon.log"):
        viewer.wait_for_bar("idle")
        for session_id, status in [("w1", "working"), ("a1", "attention"), ("q1", "question")]:
            done = viewer.agent_console("set", session_id, status, "--detail", "<b>not bold</b>")
            assert done.returncode == 0, done.stderr
        viewer.wait_for_bar("1? 1! 1~")
        viewer.agent_console("rm", "q1")
        viewer.wait_for_bar("1! 1~")
    viewer.wait_for_bar("off")


def test_a_restarted_daemon_is_listed_again(viewer: Plasmoidviewer, tmp_path: Path) -> None:
    with daemon_on(viewer.address, tmp_path / "first.log"):
        viewer.agent_console("set", "before", "attention")
        viewer.wait_for_bar("1!")
    viewer.wait_for_bar("off")
    with daemon_on(viewer.address, tmp_path / "second.log"):
        listed = viewer.agent_console("list", "--json")
        viewer.agent_console("set", "after", "working")
        viewer.wait_for_bar("1! 1~" if '"before"' in listed.stdout else "1~")


def test_the_rows_are_drawn_and_a_click_runs_focus(viewer: Plasmoidviewer, tmp_path: Path) -> None:
    with daemon_on(viewer.address, tmp_path / "daemon.log"):
        viewer.agent_console("set", "nowhere", "question", "--detail", "Which database?")
        viewer.wait_for_bar("1?")
        red = wait_for(lambda: _pixels_of(viewer, STATUS_COLORS["question"]), 15, "the question's colour on screen")
        # the bar's "1?" is the topmost red, the row's glyph the next line down: click beside it
        bar_y = min(y for _, y in red)  # type: ignore[attr-defined]
        row_x, row_y = min((x, y) for x, y in red if y > bar_y + 20)  # type: ignore[attr-defined]
        _click(viewer, row_x + 60, row_y)
        wait_for(lambda: "agent-console-widget: ran focus nowhere: exit 6" in viewer.log, 15, "focus to run")
        # "Mark seen" ends the row, at the right edge of the applet's dark panel
        panel = _pixels_of(viewer, PANEL)
        right = max(x for x, y in panel if y == row_y)
        _click(viewer, right - 30, row_y)
        viewer.wait_for_bar(f"1{SEEN_GLYPH}")
        assert '"seen": true' in viewer.agent_console("get", "nowhere", "--json").stdout
        viewer.agent_console("set", "other", "attention")
        viewer.wait_for_bar(f"1! 1{SEEN_GLYPH}")


def _click(viewer: Plasmoidviewer, x: int, y: int) -> None:
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"],
                   env={**os.environ, "DISPLAY": viewer.display}, check=True, timeout=15)


def _pixels_of(viewer: Plasmoidviewer, color: str) -> list[tuple[int, int]]:
    _, _, rows = read_pixels(viewer.home.root / "fb" / "Xvfb_screen0")
    want = bytes.fromhex(color.lstrip("#"))
    return [(i // 3, y) for y, row in enumerate(rows) for i in range(0, len(row), 3)
            if all(abs(row[i + c] - want[c]) <= 8 for c in range(3))]
