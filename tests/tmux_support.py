"""A tmux server of the test's own: its socket in the test's directory, no user config, every call bounded."""

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

TMUX_TIMEOUT_S = 10.0
"""One tmux command; they answer in milliseconds."""
WAIT_TIMEOUT_S = 15.0
"""How long a condition on a pane may take before the test fails instead of hanging."""
POLL_S = 0.05
NOT_INHERITED = ("COLUMNS", "LINES", "TMUX", "TMUX_PANE")
"""pytest sets COLUMNS and LINES, and a server started inside a tmux would pass that one's pane on:
the panes' programs must size themselves by their own terminal, as a person's do."""


class Tmux:
    """The server on ``socket``; the panes it starts get ``env`` (this process's, by default)."""

    def __init__(self, socket: Path, env: Mapping[str, str] = os.environ) -> None:
        found = shutil.which("tmux")
        assert found is not None, "tmux is needed: packaging/install-deps --test installs it"
        self.socket = socket
        self.command = (found, "-f", "/dev/null", "-S", str(socket))
        self.env = {k: v for k, v in env.items() if k not in NOT_INHERITED}

    def __call__(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [*self.command, *args], capture_output=True, text=True, timeout=TMUX_TIMEOUT_S, check=False,
            stdin=subprocess.DEVNULL, env=self.env,
        )
        assert done.returncode == 0 or not check, f"tmux {' '.join(args)}: {done.stderr}"
        return done.stdout.strip()

    def pane(self, target: str) -> str:
        return self("display-message", "-p", "-t", target, "#{pane_id}")

    def screen(self, target: str) -> str:
        return self("capture-pane", "-p", "-t", target)

    def kill(self) -> None:
        self("kill-server", check=False)


def wait_for(condition: Callable[[], object], what: str | Callable[[], str]) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what if isinstance(what, str) else what()}"
        time.sleep(POLL_S)


def own_socket_directory(directory: Path) -> tuple[Path, dict[str, str]]:
    """tmux's own directory of sockets under ``directory`` (``$TMUX_TMPDIR/tmux-UID``), and the
    environment that makes it so: where ``focus`` accepts a tmux socket as the user's."""
    sockets = directory / f"tmux-{os.getuid()}"
    sockets.mkdir(mode=0o700, exist_ok=True)
    return sockets, {**os.environ, "TMUX_TMPDIR": str(directory)}


def start_desk(directory: Path, bus_address: str) -> tuple[Tmux, Tmux]:
    """A person's tmux: session ``agents`` (window 1 for the agent), session ``work`` where they
    are, and a client attached to ``work``, itself running in an outer tmux for its terminal.
    The servers' sockets are in tmux's own directory, as a person's are.  Returns (inner, outer);
    kill both."""
    sockets, env = own_socket_directory(directory)
    inner, outer = Tmux(sockets / "inner", env), Tmux(sockets / "outer", env)
    bus = f"DBUS_SESSION_BUS_ADDRESS={bus_address}"
    inner("new-session", "-d", "-s", "agents", "-x", "120", "-y", "30", "-e", bus, "sh")
    inner("new-window", "-t", "agents", "-e", bus, "sh")
    inner("select-window", "-t", "agents:0")
    inner("new-session", "-d", "-s", "work", "-x", "120", "-y", "30", "-e", bus, "sh")
    outer("new-session", "-d", "-x", "120", "-y", "30", f"env -u TMUX {' '.join(inner.command)} attach -t work")
    wait_for(lambda: inner("list-clients", "-F", "#{client_session}") == "work", "the client to attach")
    return inner, outer


def run_in_pane(tmux: Tmux, pane: str, command: str, status_file: Path) -> int:
    """Type ``command`` into ``pane`` as a person would; its exit status once it ends."""
    tmux("send-keys", "-t", pane, f"{command}; echo $? > {status_file}", "Enter")
    wait_for(lambda: status_file.exists() and status_file.read_text().strip(), f"{command!r} to finish")
    return int(status_file.read_text())
