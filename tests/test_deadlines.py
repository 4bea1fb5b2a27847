"""No command waits forever: a stopped daemon and a silent bus socket get an answer in bounded time.

The subprocess timeouts here are safety nets that turn a hang into a failure,
not performance limits: they are the documented deadlines plus READY_TIMEOUT_S.
"""

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, READY_TIMEOUT_S, RunningDaemon
from processes import start_activating_bus

from agent_console.client.async_client import SessionsClient
from agent_console.errors import NotResponding, Unavailable, activation_timed_out
from agent_console.limits import CLIENT_CALL_TIMEOUT_S, CLIENT_CONNECT_TIMEOUT_S

pytestmark = pytest.mark.bus

EXIT_UNAVAILABLE = 5
SAFETY_NET_S = CLIENT_CONNECT_TIMEOUT_S + 3 * CLIENT_CALL_TIMEOUT_S + READY_TIMEOUT_S
"""Connecting plus the calls `status` makes before the one that gets no reply, with room to spare."""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGENT_CONSOLE, *args], capture_output=True, text=True, timeout=SAFETY_NET_S, check=False
    )


@pytest.fixture
def stopped_daemon(daemon: RunningDaemon) -> Iterator[RunningDaemon]:
    """The daemon keeps its name and its connection but answers nothing (SIGSTOP)."""
    daemon.process.send_signal(signal.SIGSTOP)
    try:
        yield daemon
    finally:
        daemon.process.send_signal(signal.SIGCONT)


@pytest.fixture
def silent_socket(tmp_path: Path) -> Iterator[str]:
    """A unix socket that takes connections and never writes a byte: a wedged bus.

    The kernel completes a connection queued on a listening socket, so the
    client connects and sends; nobody ever reads or answers.
    """
    path = tmp_path / "silent"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen()
        yield f"unix:path={path}"


def test_status_names_a_stopped_daemon_and_its_pid(stopped_daemon: RunningDaemon) -> None:
    done = run("status", "--address", stopped_daemon.address)
    assert done.returncode == EXIT_UNAVAILABLE, (done.stdout, done.stderr)
    assert done.stderr == ""
    assert done.stdout.splitlines()[0] == (
        f"daemon:         not responding (pid {stopped_daemon.process.pid}; no reply within {CLIENT_CALL_TIMEOUT_S:g} s)"
    )
    assert done.stdout.splitlines()[1].startswith("notifications:  ")


def test_status_json_says_running_but_not_responding(stopped_daemon: RunningDaemon) -> None:
    done = run("status", "--json", "--address", stopped_daemon.address)
    assert done.returncode == EXIT_UNAVAILABLE, done.stderr
    assert '"running": true' in done.stdout and '"responding": false' in done.stdout
    assert f'"pid": {stopped_daemon.process.pid}' in done.stdout


def test_list_against_a_stopped_daemon_ends_with_one_line(stopped_daemon: RunningDaemon) -> None:
    done = run("list", "--address", stopped_daemon.address)
    assert done.returncode == EXIT_UNAVAILABLE, (done.stdout, done.stderr)
    assert done.stderr.splitlines() == [
        f"agent-console: the agent-console daemon is not responding: no reply to ListAll within {CLIENT_CALL_TIMEOUT_S:g} s"
    ]


@pytest.mark.parametrize("command", ["status", "list"])
def test_a_silent_bus_socket_ends_with_one_line(silent_socket: str, command: str) -> None:
    done = run(command, "--address", silent_socket)
    assert done.returncode == EXIT_UNAVAILABLE, (done.stdout, done.stderr)
    assert done.stderr.splitlines() == [
        f"agent-console: the D-Bus bus at {silent_socket} did not answer within {CLIENT_CONNECT_TIMEOUT_S:g} s"
    ]


async def test_the_asyncio_client_is_bounded_too(stopped_daemon: RunningDaemon, silent_socket: str) -> None:
    """What watch, the dashboard and the notifier use: connect, every call, AddMatch."""
    with pytest.raises(Unavailable, match="did not answer"):
        await SessionsClient.connect(silent_socket)
    client = await SessionsClient.connect(stopped_daemon.address)
    try:
        with pytest.raises(NotResponding, match="no reply to Get"):
            await client.get("s1")
        await client.subscribe(lambda session: None, lambda session_id: None)
    finally:
        client.close()


@pytest.fixture
def hanging_activation(tmp_path: Path) -> Iterator[str]:
    """A bus whose activation file starts a program that never takes the name, as a unit that
    fails under systemd looks to dbus-daemon: the start stays pending for 120 s."""
    pid_file = tmp_path / "starter.pid"
    starter = tmp_path / "never-takes-the-name"
    starter.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep {SAFETY_NET_S:g}\n")
    starter.chmod(0o755)
    bus = start_activating_bus(tmp_path, str(starter))
    yield bus.address
    if pid_file.exists():
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
    bus.stop()


def test_an_activation_that_never_completes_is_named_with_where_to_look(hanging_activation: str) -> None:
    done = run("list", "--address", hanging_activation)
    assert done.returncode == EXIT_UNAVAILABLE, (done.stdout, done.stderr)
    assert done.stderr.splitlines() == [f"agent-console: {activation_timed_out(CLIENT_CALL_TIMEOUT_S)}"]
