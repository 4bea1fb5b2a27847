"""``agent-console remote`` with no host configured: it starts no daemon, and hears config.toml change;
``remote rm`` drops its host from a running daemon itself, and starts none.

The follower runs for real on a bus where the daemon is installed but not
running (``activating_bus``: any call to it would start it by D-Bus
activation), as its unit runs it after ``service install``.  With no
``[remotes]`` it must call nothing that starts the daemon; a config.toml
replaced by a rename (as editors and ``remote add`` write it) naming a host
must reach it through inotify: the stat poll is only where inotify is missing.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from processes import AGENT_CONSOLE, READY_TIMEOUT_S, bus_owner_pid

from agent_console.client.blocking_client import BlockingSessionsClient
from agent_console.wire.marshal import Variant

pytestmark = [pytest.mark.bus, pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="inotify, and the follower's no-polling claim, are Linux's"
)]

QUIET_S = 2.0
"""How long the follower runs with no host before the bus is asked whether anything started
the daemon: its start calls (what used to ask Hosts) come well within it."""
UNREACHABLE = "127.0.0.1"
"""A destination: whether sshd answers there or not, the host shows in the daemon's Hosts."""


class Follower:
    def __init__(self, address: str, config_home: Path) -> None:
        """Its config.toml is the default one, under ``config_home`` (which may not exist yet)."""
        self.config = config_home / "agent-console" / "config.toml"
        self.process = subprocess.Popen(
            [AGENT_CONSOLE, "remote", "--verbose", "--address", address],
            env={**os.environ, "XDG_CONFIG_HOME": str(config_home)},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.log: list[str] = []

    def wait_for_line(self, text: str) -> str:
        """The first line of its log holding ``text``; a follower that ends first fails the test."""
        stream: IO[str] | None = self.process.stderr
        assert stream is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            line = stream.readline()
            if not line:
                break
            self.log.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} in the follower's log: {''.join(self.log)}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(READY_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        assert self.process.stderr is not None
        self.process.stderr.close()


@pytest.fixture
def follower(activating_bus: str, tmp_path: Path) -> Iterator[Follower]:
    config = tmp_path / "follower" / "agent-console" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("# no remotes yet\n")
    running = Follower(activating_bus, tmp_path / "follower")
    yield running
    running.stop()


def test_with_no_remote_it_makes_no_call_that_starts_the_daemon(activating_bus: str, follower: Follower) -> None:
    line = follower.wait_for_line("following 0 hosts")
    assert "(inotify)" in line, line
    time.sleep(QUIET_S)
    assert bus_owner_pid(activating_bus) is None, "".join(follower.log)
    follower.stop()
    assert bus_owner_pid(activating_bus) is None, "".join(follower.log)


def test_a_config_replaced_by_rename_is_heard_and_its_host_followed(activating_bus: str, follower: Follower) -> None:
    follower.wait_for_line("following 0 hosts")
    scratch = follower.config.with_name(".config.toml.new")
    scratch.write_text(f'# one remote now\n[remotes]\nfar = "{UNREACHABLE}"\n')
    os.rename(scratch, follower.config)
    follower.wait_for_line(f"following far at {UNREACHABLE}")
    deadline = time.monotonic() + READY_TIMEOUT_S
    with BlockingSessionsClient.connect(activating_bus) as client:
        while "far" not in {host["name"] for host in client.hosts()}:
            assert time.monotonic() < deadline, "".join(follower.log)
            time.sleep(0.1)
    follower.config.write_text("# none again\n")
    follower.wait_for_line("no longer following far")
    with BlockingSessionsClient.connect(activating_bus) as client:
        assert client.hosts() == [], "".join(follower.log)


def test_a_config_directory_made_later_is_heard(activating_bus: str, tmp_path: Path) -> None:
    """After ``service install`` there may be no ~/.config/agent-console yet: its parent is watched."""
    running = Follower(activating_bus, tmp_path / "later")
    try:
        running.wait_for_line("following 0 hosts")
        running.config.parent.mkdir(parents=True)
        running.config.write_text(f'[remotes]\nfar = "{UNREACHABLE}"\n')
        running.wait_for_line(f"following far at {UNREACHABLE}")
    finally:
        running.stop()


def test_rm_drops_the_host_from_a_running_daemon_and_starts_none(activating_bus: str, tmp_path: Path) -> None:
    """With the follower stopped (the daemon still holds the host it marked unreachable)."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}

    def remote(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [AGENT_CONSOLE, "remote", *args, "--address", activating_bus]
        return subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=READY_TIMEOUT_S)

    assert remote("add", "far", UNREACHABLE).returncode == 0
    assert remote("add", "near", UNREACHABLE).returncode == 0
    removed = remote("rm", "near")
    assert removed.returncode == 0 and "0 sessions dropped" in removed.stdout, removed.stderr
    assert bus_owner_pid(activating_bus) is None
    with BlockingSessionsClient.connect(activating_bus) as client:
        client.mirror_host("far", [{"id": Variant("s", "s1"), "status": Variant("s", "working")}])
        client.set_host_state("far", "unreachable", "agent-console remote is not running")
        removed = remote("rm", "far")
        assert removed.returncode == 0 and "1 sessions dropped" in removed.stdout, removed.stderr
        assert client.hosts() == [] and client.list_all() == []
