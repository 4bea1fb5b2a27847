"""Fixtures that give every test real parts: a private dbus-daemon with the
distribution's session.conf limits, the real ``agent-console`` executable, and
the daemon running as a subprocess on that bus."""

import os
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from processes import (
    AGENT_CONSOLE,
    READY_TIMEOUT_S,
    RunningDaemon,
    bus_owner_pid,
    env_with_bus,
    start_daemon,
)
from service_env import isolated_env
from tmux_support import Tmux, start_desk

from agent_console.client.async_client import SessionsClient
from agent_console.wire.names import BUS_NAME
from agent_console.wire.private_bus import start_private_bus

__all__ = ["AGENT_CONSOLE", "READY_TIMEOUT_S", "RunningDaemon", "env_with_bus", "start_daemon"]


def skip_unless_ci(reason: str) -> NoReturn:
    """A tier that cannot run on this machine: skipped with one line saying why, except under
    ``CI=true``, where everything must run (``packaging/install-deps --test`` installs what it needs)."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def bus_address(tmp_path: Path) -> Iterator[str]:
    """A fresh private bus per test, so no test sees another's sessions."""
    config_dir = tmp_path / "bus"
    config_dir.mkdir()
    bus = start_private_bus(config_dir)
    yield bus.address
    bus.stop()


@pytest.fixture
def bus_env(bus_address: str) -> dict[str, str]:
    """The environment for a subprocess that should find the private bus as its session bus."""
    return env_with_bus(bus_address)


@pytest.fixture
def daemon(bus_address: str, tmp_path: Path) -> Iterator[RunningDaemon]:
    running = start_daemon(bus_address, tmp_path / "daemon.log")
    assert running.process.poll() is None, running.log
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shared_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDaemon]:
    """One daemon for the tests of a module that only add sessions of their own: each uses fresh ids."""
    directory = tmp_path_factory.mktemp("shared-bus")
    bus = start_private_bus(directory)
    running = start_daemon(bus.address, directory / "daemon.log")
    yield running
    running.stop()
    bus.stop()


@pytest.fixture
async def client(daemon: RunningDaemon) -> AsyncIterator[SessionsClient]:
    connected = await SessionsClient.connect(daemon.address)
    yield connected
    connected.close()


@pytest.fixture
def activating_bus(tmp_path: Path) -> Iterator[str]:
    """A bus whose only service directory is where ``service install`` put the activation file."""
    env = isolated_env(tmp_path)
    installed = subprocess.run(
        [AGENT_CONSOLE, "service", "install"], env=env, capture_output=True, text=True, check=False
    )
    assert installed.returncode == 0, installed.stderr
    services = Path(env["XDG_DATA_HOME"]) / "dbus-1" / "services"
    assert (services / f"{BUS_NAME}.service").is_file(), installed.stdout
    config_dir = tmp_path / "bus"
    config_dir.mkdir()
    bus = start_private_bus(config_dir, [services])
    yield bus.address
    pid = bus_owner_pid(bus.address)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
    bus.stop()


@pytest.fixture
def desk(tmp_path: Path, daemon: RunningDaemon) -> Iterator[Tmux]:
    """A person's tmux on the daemon's bus (``tmux_support.start_desk``): the inner server."""
    inner, outer = start_desk(tmp_path, daemon.address)
    yield inner
    outer.kill()
    inner.kill()
