"""The GNOME Shell indicator in a real gnome-shell (43 here), headless, on the daemon's own bus.

Installed with ``agent-console install-widget gnome-shell`` and enabled with the line it
prints, then driven with ``agent-console set``/``rm`` and the daemon's stop and start; the
top bar is read back through the indicator's State property and in pixels through
org.gnome.Shell.Screenshot.  How gnome-shell runs here: ../shared/desktop-for-real.md.
"""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from desktop_support import REQUIRED_GNOME, GnomeShell, daemon_on, missing, running_gnome_shell, wait_for
from processes import AGENT_CONSOLE
from xwd import count_near

from agent_console.presentation import QUIET_COLOR, SEEN_GLYPH, STATUS_COLORS
from agent_console.widgets.install import GNOME_UUID

MISSING = missing(REQUIRED_GNOME)
pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"),
                       reason=f"needs {', '.join(MISSING)} (packaging/install-deps --test)"),
]
ACTIVE = "'state': <1.0>"
"""GetExtensionInfo's state for an enabled extension that runs (ExtensionState.ENABLED, 43 and 48 alike)."""


@pytest.fixture(scope="module")
def shell() -> Iterator[GnomeShell]:
    """One shell for the module: it takes seconds to start; each test drives its own daemon."""
    with tempfile.TemporaryDirectory(prefix="agent-console-gnome.") as scratch:
        root = Path(scratch)
        from desktop_support import Home

        installed = Home.create(root).run([AGENT_CONSOLE, "install-widget", "gnome-shell"])
        assert installed.returncode == 0, installed.stderr
        assert GNOME_UUID in installed.stdout and f"gnome-extensions enable {GNOME_UUID}" in installed.stdout
        with running_gnome_shell(root) as running:
            enabled = running.home.run(["gnome-extensions", "enable", GNOME_UUID],
                                       DBUS_SESSION_BUS_ADDRESS=running.address)
            assert enabled.returncode == 0, enabled.stderr
            wait_for(lambda: ACTIVE in running.extension_state(), 15, "the extension to be enabled")
            yield running


def test_not_running_then_the_sessions_in_order_of_urgency(shell: GnomeShell, tmp_path: Path) -> None:
    assert shell.wait_for_bar("off")["state"] == "not-running"
    with daemon_on(shell.address, tmp_path / "daemon.log"):
        assert shell.wait_for_bar("idle")["state"] == "none"
        for session_id, status, detail in [("w1", "working", "Bash: npm test"), ("a1", "attention", ""),
                                           ("q1", "question", "Which database: <b>Postgres</b> or SQLite?")]:
            done = shell.agent_console("set", session_id, status, "--detail", detail, "--cwd", f"/srv/{session_id}")
            assert done.returncode == 0, done.stderr
        state = shell.wait_for_bar("1? 1! 1~")
        assert state["state"] == "question"
        assert [part["color"] for part in state["bar"]] == [STATUS_COLORS[s] for s in ("question", "attention", "working")]
        rows = state["rows"]
        assert [(r["id"], r["name"], r["status"]) for r in rows] == [
            ("q1", "q1", "question"), ("a1", "a1", "attention"), ("w1", "w1", "working")]
        assert rows[0]["detail"] == "Which database: <b>Postgres</b> or SQLite?"

        shell.agent_console("rm", "q1")
        assert shell.wait_for_bar("1! 1~")["state"] == "attention"
        shell.agent_console("set", "w1", "closed")
        shell.wait_for_bar("1!")
    assert shell.wait_for_bar("off")["state"] == "not-running"


def test_a_restarted_daemon_is_listed_again(shell: GnomeShell, tmp_path: Path) -> None:
    with daemon_on(shell.address, tmp_path / "first.log"):
        shell.agent_console("set", "before", "question")
        shell.wait_for_bar("1?")
    shell.wait_for_bar("off")
    with daemon_on(shell.address, tmp_path / "second.log"):
        listed = shell.agent_console("list", "--json")
        shell.agent_console("set", "after", "working")
        expected = "1? 1~" if '"before"' in listed.stdout else "1~"
        assert [r["id"] for r in shell.wait_for_bar(expected)["rows"]][-1] == "after"


def test_a_name_is_shown_as_text_escaped(shell: GnomeShell, tmp_path: Path) -> None:
    with daemon_on(shell.address, tmp_path / "daemon.log"):
        shell.agent_console("set", "evil", "attention", "--cwd", "/srv/\u202eevil<b>x&amp;")
        [row] = shell.wait_for_bar("1!")["rows"]
        assert row["name"] == "\\u202eevil<b>x&amp;"


def test_the_top_bar_is_drawn_in_the_status_colour(shell: GnomeShell, tmp_path: Path) -> None:
    from xwd import read_png_rows

    with daemon_on(shell.address, tmp_path / "daemon.log"):
        shell.agent_console("set", "q", "question")
        shell.wait_for_bar("1?")
        shot = shell.home.root / "bar.png"
        shell.screenshot(shot, 0, 0, 1280, 32)
        assert count_near(read_png_rows(shot), STATUS_COLORS["question"]) > 20


def test_a_click_runs_focus_by_the_installed_path(shell: GnomeShell, tmp_path: Path) -> None:
    with daemon_on(shell.address, tmp_path / "daemon.log"):
        shell.agent_console("set", "nowhere", "attention")
        shell.wait_for_bar("1!")
        shell.busctl("call", "org.gnome.Shell", "/io/github/AgentConsole1/GnomeShellIndicator",
                     "io.github.AgentConsole1.GnomeShellIndicator", "Activate", "ss", "nowhere", "focus")
        # the session has no terminal recorded: the real focus says so and exits 6
        wait_for(lambda: "agent-console-widget: ran focus nowhere: exit 6" in shell.log, 15, "focus to run")
        assert "agent-console: focus nowhere:" in shell.log


def test_mark_seen_acks_and_a_seen_wait_counts_apart(shell: GnomeShell, tmp_path: Path) -> None:
    with daemon_on(shell.address, tmp_path / "daemon.log"):
        shell.agent_console("set", "q", "question")
        shell.agent_console("set", "a", "attention")
        assert [r["canMarkSeen"] for r in shell.wait_for_bar("1? 1!")["rows"]] == [True, True]
        shell.busctl("call", "org.gnome.Shell", "/io/github/AgentConsole1/GnomeShellIndicator",
                     "io.github.AgentConsole1.GnomeShellIndicator", "Activate", "ss", "q", "seen")
        state = shell.wait_for_bar(f"1! 1{SEEN_GLYPH}")
        assert state["state"] == "attention"
        assert [(r["id"], r["status"], r["color"]) for r in state["rows"]] == [
            ("a", "attention", STATUS_COLORS["attention"]), ("q", "question, seen", QUIET_COLOR)]
        assert '"seen": true' in shell.agent_console("get", "q", "--json").stdout
        shell.agent_console("ack", "a")
        assert shell.wait_for_bar(f"2{SEEN_GLYPH}")["state"] == "seen"
        shell.agent_console("set", "q", "working")
        shell.agent_console("set", "q", "question")
        shell.wait_for_bar(f"1? 1{SEEN_GLYPH}")


def test_disable_takes_the_indicator_away_and_enable_brings_it_back(shell: GnomeShell, tmp_path: Path) -> None:
    with daemon_on(shell.address, tmp_path / "daemon.log"):
        shell.agent_console("set", "q", "question")
        shell.wait_for_bar("1?")
        for verb, there in [("disable", False), ("enable", True)]:
            done = shell.home.run(["gnome-extensions", verb, GNOME_UUID], DBUS_SESSION_BUS_ADDRESS=shell.address)
            assert done.returncode == 0, done.stderr
            wait_for(lambda there=there: (shell.indicator() is not None) == there, 15, f"the indicator after {verb}")
        assert shell.wait_for_bar("1?")["rows"][0]["id"] == "q"
        assert "JS ERROR" not in shell.log and "Extension agent-console" not in shell.log, shell.log[-3000:]
