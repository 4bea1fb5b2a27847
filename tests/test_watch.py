"""``agent-console watch`` as a terminal, a script and a status bar see it: lines read from a live process.

Every test waits for lines rather than for time: a watch has subscribed by
the time it prints its first line, so a change made after that line must show.
The only timeout is a safety net that turns a hang into a failure.
"""

import json
import queue
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, READY_TIMEOUT_S, start_daemon

from agent_console.wire.private_bus import start_private_bus

pytestmark = pytest.mark.bus

HOSTILE_DIR = "/tmp/\x1b]0;pwned\x07/\x1b[31mred"


class Watch:
    """A running ``agent-console watch`` whose stdout lines arrive on a queue."""

    def __init__(self, address: str, *args: str) -> None:
        self.process = subprocess.Popen(
            [AGENT_CONSOLE, "watch", "--address", address, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_line(self) -> str:
        line = self._lines.get(timeout=READY_TIMEOUT_S)
        assert line is not None, f"watch ended: {self.stop_and_stderr()}"
        return line

    def next_json(self) -> dict:
        return json.loads(self.next_line())

    def until(self, predicate: Callable[[str], bool]) -> str:
        """The first line that satisfies ``predicate``, skipping the ones before it."""
        while not predicate(line := self.next_line()):
            pass
        return line

    def stop_and_stderr(self, signum: int = signal.SIGINT) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        self.process.wait(timeout=READY_TIMEOUT_S)
        assert self.process.stderr is not None
        return self.process.stderr.read()


@pytest.fixture
def watch(bus_address: str) -> Iterator[Callable[..., Watch]]:
    started: list[Watch] = []

    def start(*args: str, address: str = bus_address) -> Watch:
        started.append(Watch(address, *args))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def cli(address: str, *args: str) -> None:
    done = subprocess.run(
        [AGENT_CONSOLE, *args, "--address", address], capture_output=True, text=True, timeout=READY_TIMEOUT_S, check=False
    )
    assert done.returncode == 0, done.stderr


def test_text_prints_the_table_then_a_line_per_change(daemon, watch) -> None:
    cli(daemon.address, "set", "s1", "working", "--cwd", "/srv/api")
    shown = watch()
    assert shown.next_line().endswith("daemon running, 1 session")
    assert shown.next_line().split() == ["ID", "STATUS", "NAME", "AGENT", "FOR", "DIRECTORY"]
    assert shown.next_line().split()[::5] == ["s1", "/srv/api"]
    cli(daemon.address, "set", "s1", "question")
    assert shown.next_line().split()[1:7] == ["question", "s1", "api", "claude-code", "/srv/api", "(was"]
    cli(daemon.address, "set", "s2", "attention", "--cwd", HOSTILE_DIR, "--detail", "Bash: \x1b[2J npm test")
    line = shown.next_line()
    assert "\x1b" not in line and "\x07" not in line and "\\x1b]0;pwned\\x07" in line
    assert line.endswith("  Bash: \\x1b[2J npm test"), line
    cli(daemon.address, "rm", "s1")
    assert shown.next_line().split()[1:] == ["removed", "api"]
    assert shown.stop_and_stderr() == ""
    assert shown.process.returncode == 0


def test_json_lines_carry_the_event_and_the_session(daemon, watch) -> None:
    shown = watch("--format", "json")
    assert shown.next_json() == {"event": "snapshot", "sessions": []}
    cli(daemon.address, "set", "s1", "question", "--cwd", HOSTILE_DIR)
    changed = shown.next_json()
    assert changed["event"] == "changed"
    assert changed["session"]["id"] == "s1" and changed["session"]["working_dir"] == HOSTILE_DIR
    cli(daemon.address, "rm", "s1")
    removed = shown.next_json()
    assert removed == {"event": "removed", "id": "s1", "session": changed["session"]}


def test_waybar_prints_only_when_the_summary_changes(daemon, watch) -> None:
    shown = watch("--format", "waybar")
    first = shown.next_json()
    assert set(first) == {"text", "alt", "class", "tooltip", "percentage"}
    assert (first["alt"], first["class"], first["text"]) == ("none", "none", "idle")
    cli(daemon.address, "set", "w", "working", "--cwd", "/srv/w")
    assert shown.next_json()["alt"] == "working"
    cli(daemon.address, "set", "q", "question", "--cwd", "/srv/<q>")
    asked = shown.next_json()
    assert (asked["alt"], asked["text"], asked["percentage"]) == ("question", "1? 1~", 50)
    assert "? &lt;q&gt;: question since " in asked["tooltip"]
    cli(daemon.address, "set", "q", "question")
    cli(daemon.address, "set", "w", "attention")
    assert shown.next_json()["text"] == "1? 1!", "the repeated question changed nothing, so printed nothing"
    cli(daemon.address, "ack", "q")
    seen = shown.next_json()
    assert (seen["alt"], seen["text"], seen["percentage"]) == ("attention", "1! 1\u2713", 50)


def test_i3blocks_blocks(daemon, watch) -> None:
    shown = watch("--format", "i3blocks")
    assert shown.next_json() == {"full_text": "agents: idle", "short_text": "idle", "color": "#888888", "urgent": "false"}
    cli(daemon.address, "set", "a", "attention")
    assert shown.next_json() == {
        "full_text": "agents: 1 needs attention", "short_text": "1!", "color": "#ffb86c", "urgent": "true"
    }
    cli(daemon.address, "ack", "a")
    assert shown.next_json() == {"full_text": "agents: 1 seen", "short_text": "1\u2713", "color": "#888888", "urgent": "false"}


def test_a_restarted_daemon_is_noticed_and_listed_again(daemon, watch, tmp_path: Path) -> None:
    waybar, text = watch("--format", "waybar"), watch()
    assert waybar.next_json()["alt"] == "none"
    text.next_line()
    cli(daemon.address, "set", "q", "question")
    assert waybar.next_json()["alt"] == "question"
    daemon.stop()
    assert waybar.next_json()["alt"] == "not-running"
    text.until(lambda line: "daemon not running" in line)
    again = start_daemon(daemon.address, tmp_path / "again.log")
    try:
        assert waybar.next_json()["alt"] == "none", "the new daemon's empty store, not the old question"
        assert text.next_line().endswith("daemon running, 0 sessions")
        cli(daemon.address, "set", "a", "attention")
        assert waybar.next_json()["alt"] == "attention"
        assert text.next_line().split()[1:3] == ["attention", "a"]
    finally:
        again.stop()


def test_started_before_the_daemon_it_waits_for_it(bus_address: str, watch, tmp_path: Path) -> None:
    shown = watch("--format", "i3blocks")
    assert shown.next_json()["full_text"] == "agents: daemon not running"
    late = start_daemon(bus_address, tmp_path / "late.log")
    try:
        assert shown.next_json()["full_text"] == "agents: idle"
    finally:
        late.stop()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_exits_0_quietly(daemon, watch, signum: int) -> None:
    shown = watch("--format", "json")
    shown.next_line()
    assert shown.stop_and_stderr(signum) == ""
    assert shown.process.returncode == 0


def test_a_closed_pipe_ends_it_quietly(daemon) -> None:
    """Like ``watch | head -1``, or a bar that restarts: no change needs to come for it to end."""
    process = subprocess.Popen(
        [AGENT_CONSOLE, "watch", "--address", daemon.address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    assert "daemon running" in process.stdout.readline()
    process.stdout.close()
    assert process.wait(timeout=READY_TIMEOUT_S) == 0
    assert process.stderr.read() == ""


def test_losing_the_bus_exits_5_with_one_line(tmp_path: Path, watch) -> None:
    bus = start_private_bus(tmp_path)
    try:
        shown = watch("--format", "json", address=bus.address)
        assert shown.next_json() == {"event": "not-running"}
    finally:
        bus.stop()
    assert shown.process.wait(timeout=READY_TIMEOUT_S) == 5
    assert shown.stop_and_stderr().splitlines() == ["agent-console: lost the connection to the D-Bus bus"]
