"""D-Bus activation without systemd, through the files ``service install`` writes.

A private dbus-daemon lists the directory install wrote the activation file
to; nothing runs on the bus until the first call, which must start the
installed ``agent-console daemon`` and be answered by it.  No systemd
manager is involved anywhere: the bus runs ``Exec=`` itself.
"""

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import AGENT_CONSOLE

from agent_console.bus.names import BUS_NAME, INTERFACE, OBJECT_PATH
from agent_console.bus.private_bus import start_private_bus

pytestmark = pytest.mark.skipif(
    not (shutil.which("busctl") and shutil.which("gdbus")),
    reason="busctl and gdbus are needed (Debian: systemd, libglib2.0-bin)",
)


def isolated_env(root: Path) -> dict[str, str]:
    """HOME and XDG dirs under ``root``, and no session bus or user manager to find."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")
    }
    env.update(
        HOME=str(root / "home"), XDG_CONFIG_HOME=str(root / "config"), XDG_DATA_HOME=str(root / "data")
    )
    return env


def bus_owner_pid(address: str) -> int | None:
    """The pid owning the name, asked without activating it."""
    asked = subprocess.run(
        [
            "busctl",
            f"--address={address}",
            "--json=short",
            "call",
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetConnectionUnixProcessID",
            "s",
            BUS_NAME,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(asked.stdout)["data"][0] if asked.returncode == 0 else None


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


def busctl_set(address: str, session_id: str, status: str) -> dict:
    done = subprocess.run(
        [
            "busctl",
            f"--address={address}",
            "--json=short",
            "call",
            BUS_NAME,
            OBJECT_PATH,
            INTERFACE,
            "Set",
            "ssa{sv}",
            session_id,
            status,
            "0",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["data"][0]


def busctl_list(address: str) -> list[dict]:
    done = subprocess.run(
        [
            "busctl",
            f"--address={address}",
            "--json=short",
            "call",
            BUS_NAME,
            OBJECT_PATH,
            INTERFACE,
            "ListAll",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["data"][0]


def gdbus_set(address: str, session_id: str, status: str) -> str:
    done = subprocess.run(
        [
            "gdbus",
            "call",
            "--address",
            address,
            "--dest",
            BUS_NAME,
            "--object-path",
            OBJECT_PATH,
            "--method",
            f"{INTERFACE}.Set",
            session_id,
            status,
            "{}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_first_busctl_call_starts_the_installed_daemon(activating_bus: str) -> None:
    assert bus_owner_pid(activating_bus) is None
    reply = busctl_set(activating_bus, "first", "working")
    assert reply["status"] == {"type": "s", "data": "working"}
    pid = bus_owner_pid(activating_bus)
    assert pid is not None
    command_line = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    assert AGENT_CONSOLE in command_line and "daemon" in command_line


def test_a_second_call_reuses_the_started_daemon(activating_bus: str) -> None:
    busctl_set(activating_bus, "first", "working")
    started = bus_owner_pid(activating_bus)
    assert "'status': <'question'>" in gdbus_set(activating_bus, "second", "question")
    assert bus_owner_pid(activating_bus) == started
    assert sorted(s["id"]["data"] for s in busctl_list(activating_bus)) == ["first", "second"]


def test_the_first_gdbus_call_starts_it_too(activating_bus: str) -> None:
    assert "'status': <'attention'>" in gdbus_set(activating_bus, "g", "attention")
    assert bus_owner_pid(activating_bus) is not None


HOOK_PAYLOAD = json.dumps(
    {"session_id": "from-a-hook", "hook_event_name": "UserPromptSubmit", "cwd": "/srv/project"}
)
REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "hook",
    [[AGENT_CONSOLE, "hook"], ["sh", str(REPO / "hooks" / "agent-console-hook")]],
    ids=["python", "sh"],
)
def test_the_first_hook_event_starts_it(activating_bus: str, hook: list[str]) -> None:
    """What Claude Code runs: the hook's bounded call must cover the daemon's start."""
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": activating_bus}
    done = subprocess.run(hook, input=HOOK_PAYLOAD, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    [session] = busctl_list(activating_bus)
    assert session["id"]["data"] == "from-a-hook" and session["status"]["data"] == "working"
