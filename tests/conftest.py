"""Fixtures that give every test real parts: a private dbus-daemon with the
distribution's session.conf limits, the real ``agent-console`` executable, and
the daemon running as a subprocess on that bus."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent_console.bus.private_bus import start_private_bus
from agent_console.client import SessionsClient


def _agent_console_executable() -> str:
    """The installed script beside this interpreter, not a shim that adds its own start-up."""
    beside = Path(sys.executable).with_name("agent-console")
    found = str(beside) if beside.exists() else shutil.which("agent-console")
    if found is None:
        raise RuntimeError("agent-console is not installed: pip install -e '.[test]'")
    return found


AGENT_CONSOLE = _agent_console_executable()
READY_TIMEOUT_S = 15.0


@dataclass
class RunningDaemon:
    address: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=READY_TIMEOUT_S)


def start_daemon(address: str, log_path: Path, *extra_args: str) -> RunningDaemon:
    """Start ``agent-console daemon`` and return once it owns the name (or has exited)."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [AGENT_CONSOLE, "daemon", "--address", address, *extra_args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    daemon = RunningDaemon(address, process, log_path)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while "serving io.github.AgentConsole1" not in daemon.log and process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the daemon did not start:\n{daemon.log}")
        time.sleep(0.01)
    return daemon


def env_with_bus(address: str) -> dict[str, str]:
    return {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address}


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


@pytest.fixture
async def client(daemon: RunningDaemon) -> AsyncIterator[SessionsClient]:
    connected = await SessionsClient.connect(daemon.address)
    yield connected
    connected.close()
