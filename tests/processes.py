"""Starting the real programs, shared by the test fixtures and the benchmarks.

No pytest here, so ``benchmarks/`` can use it with only the package installed.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agent_console.wire.private_bus import PrivateBus


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


def start_daemon(
    address: str, log_path: Path, *extra_args: str, command: "Sequence[str | Path]" = (AGENT_CONSOLE, "daemon"),
    env: dict[str, str] | None = None,
) -> RunningDaemon:
    """Start ``agent-console daemon`` (or ``command``) and return once it owns the name (or has exited)."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*command, "--address", address, *extra_args],
            env=env,
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


def stop(*processes: "subprocess.Popen[bytes]") -> None:
    """Terminate each, in order, and wait for it; kill one that does not end within ``READY_TIMEOUT_S``."""
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=READY_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def env_with_bus(address: str) -> dict[str, str]:
    return {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address}


def bus_owner_pid(address: str, name: str = "io.github.AgentConsole1") -> int | None:
    """The pid owning ``name``, asked with busctl (a foreign client) and without activating it."""
    done = subprocess.run(
        ["busctl", f"--address={address}", "--json=short", "call", "org.freedesktop.DBus",
         "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s", name],
        capture_output=True, text=True, check=False, timeout=READY_TIMEOUT_S,
    )
    return json.loads(done.stdout)["data"][0] if done.returncode == 0 else None


def start_activating_bus(directory: Path, exec_line: str) -> "PrivateBus":
    """A private bus in ``directory`` whose one activation file runs ``exec_line`` for the name."""
    from agent_console.wire.private_bus import start_private_bus

    services = directory / "services"
    services.mkdir()
    (services / "io.github.AgentConsole1.service").write_text(
        f"[D-BUS Service]\nName=io.github.AgentConsole1\nExec={exec_line}\n"
    )
    config = directory / "activating-bus"
    config.mkdir()
    return start_private_bus(config, [services])
