"""The real Claude Code CLI (from npm) against a fake Messages API, with hooks
installed by ``agent-console install-hooks``, a real private bus and daemon,
and ``agent-console watch --format json`` recording every change.

Print mode (``claude -p``) covers a whole turn and API errors; an interactive
``claude`` in tmux covers what a person does: approve or deny a tool, answer a
question, press Esc, /compact, /clear, /exit, and a ``kill -9``.  The expected
statuses and details are those of the README's "Sessions that tell the truth"
table (decided in issue 8).  Waits poll the recorded timeline or the screen
against a deadline; the only fixed waits are observation windows, in which
something must NOT happen.
"""

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import RunningDaemon
from real_claude import (
    OfflineClaude,
    Timeline,
    TmuxPane,
    assert_holds,
    claude_executable,
)

HANDLERS = {"python": (), "shell": ("--shell",)}
"""install-hooks options for each handler: ``agent-console hook`` and ``hooks/agent-console-hook``."""
SEEN_S = 10.0
"""Hang guard for what the README promises within about 1-2 s (a fact the daemon
polls every 0.5 s): generous, since a loaded CI machine must not fail it; the
tests print what they measured."""
KILL_SEEN_S = 20.0
"""Hang guard for a ``kill -9``: found by the daemon's owner check, every 5 s by default."""
QUIET_WINDOW_S = 3.0
"""How long a status must hold where nothing should change it: longer than the
daemon's 0.5 s looks and a hook's 1 s bus deadline together."""
READY = "? for shortcuts"
EVENT_LOG = "hook-events.jsonl"
"""Where a user hook of the test's own (kept by install-hooks) appends the payloads
of Notification and PermissionRequest: what Claude fired, to compare with what showed."""


@pytest.fixture
def offline(tmp_path: Path, daemon: RunningDaemon) -> Iterator[OfflineClaude]:
    claude = OfflineClaude(tmp_path / "home", tmp_path / "work", daemon.address)
    log = tmp_path / EVENT_LOG
    capture = {"hooks": [{"type": "command", "command": f"{{ cat; echo; }} >> {log}", "timeout": 5}]}
    claude.write_settings({"hooks": {"Notification": [capture], "PermissionRequest": [capture]}})
    yield claude
    claude.stop()


@pytest.fixture
def timeline(daemon: RunningDaemon) -> Iterator[Timeline]:
    recorder = Timeline(daemon.address)
    yield recorder
    recorder.stop()


@pytest.fixture(params=list(HANDLERS))
def hooked(request: pytest.FixtureRequest, offline: OfflineClaude) -> OfflineClaude:
    """The CLI with our hooks registered by the real installer, once per handler."""
    settings = offline.install_hooks(*HANDLERS[request.param])
    commands = {hook["command"] for groups in settings["hooks"].values() for group in groups for hook in group["hooks"]}
    assert any(("agent-console-hook" if request.param == "shell" else " hook") in c for c in commands), commands
    return offline


@dataclass
class Interactive:
    """A ready interactive ``claude`` in a tmux pane, and the session its hooks announced."""

    pane: TmuxPane
    session_id: str
    workdir: Path


@pytest.fixture
def interactive(hooked: OfflineClaude, timeline: Timeline) -> Iterator[Interactive]:
    """``claude`` in a private tmux server, once its prompt and its session are shown."""
    socket_dir = Path(tempfile.mkdtemp(prefix="ac-tmux-"))  # short: a socket path must fit in 108 bytes
    pane = TmuxPane(socket_dir / "sock", hooked.env)
    pane.start([claude_executable()], hooked.workdir)
    pane.wait_for(READY)
    session_id = timeline.wait_for("no session appeared", lambda: timeline.session_ids()[-1:])[0]
    timeline.wait_status(session_id, "attention", SEEN_S)
    yield Interactive(pane, session_id, hooked.workdir)
    pane.kill()
    shutil.rmtree(socket_dir, ignore_errors=True)


def hold(timeline: Timeline, session_ids: list[str], status: str, seconds: float) -> None:
    """Watch the sessions for ``seconds``; fail if one of them leaves ``status`` meanwhile."""
    assert_holds(lambda: all(timeline.latest(i)["status"] == status for i in session_ids), seconds,
                 lambda: f"left {status} within {seconds} s; {timeline.describe()}")


# --- interactive, in tmux ----------------------------------------------------------------------


def test_exit_closes_as_session_end(interactive: Interactive, timeline: Timeline) -> None:
    pane, session_id = interactive.pane, interactive.session_id
    pane.type("/exit")
    closed = timeline.wait_status(session_id, "closed", SEEN_S)
    assert closed.session["close_reason"] == "session-end", timeline.describe()
    hold(timeline, [session_id], "closed", QUIET_WINDOW_S)


def test_kill_9_closes_as_process_exited(interactive: Interactive, timeline: Timeline) -> None:
    pane, session_id = interactive.pane, interactive.session_id
    owner = pane.pid()
    assert timeline.latest(session_id)["pid"] == owner, timeline.describe()
    os.kill(owner, signal.SIGKILL)
    closed = timeline.wait_status(session_id, "closed", KILL_SEEN_S)
    assert closed.session["close_reason"] == "process-exited", timeline.describe()
