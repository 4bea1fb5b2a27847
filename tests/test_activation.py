"""D-Bus activation without systemd, through the files ``service install`` writes.

A private dbus-daemon lists the directory install wrote the activation file
to; nothing runs on the bus until the first call, which must start the
installed ``agent-console daemon`` and be answered by it.  No systemd
manager is involved anywhere: the bus runs ``Exec=`` itself.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from processes import AGENT_CONSOLE, READY_TIMEOUT_S, bus_owner_pid, env_with_bus
from service_env import isolated_env

from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH

pytestmark = [pytest.mark.bus, pytest.mark.skipif(
    not (shutil.which("busctl") and shutil.which("gdbus")),
    reason="busctl and gdbus are needed (Debian: systemd, libglib2.0-bin)",
)]


def busctl(address: str, destination: str, path: str, interface: str, member: str, *args: str):
    """A ``busctl --json=short call``: its reply's first value, or None after an error reply."""
    command = ["busctl", f"--address={address}", "--json=short", "call"]
    argv = [*command, destination, path, interface, member, *args]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return json.loads(done.stdout)["data"][0] if done.returncode == 0 else None


def sessions_call(address: str, member: str, *args: str):
    reply = busctl(address, BUS_NAME, OBJECT_PATH, INTERFACE, member, *args)
    assert reply is not None, f"{member} failed"
    return reply


def gdbus_set(address: str, session_id: str, status: str) -> str:
    argv = ["gdbus", "call", "--address", address, "--dest", BUS_NAME, "--object-path", OBJECT_PATH]
    done = subprocess.run(
        [*argv, "--method", f"{INTERFACE}.Set", session_id, status, "{}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_first_busctl_call_starts_the_installed_daemon(activating_bus: str) -> None:
    assert bus_owner_pid(activating_bus) is None
    reply = sessions_call(activating_bus, "Set", "ssa{sv}", "first", "working", "0")
    assert reply["status"] == {"type": "s", "data": "working"}
    pid = bus_owner_pid(activating_bus)
    assert pid is not None
    command_line = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    assert AGENT_CONSOLE in command_line and "daemon" in command_line


def test_a_second_call_reuses_the_started_daemon(activating_bus: str) -> None:
    sessions_call(activating_bus, "Set", "ssa{sv}", "first", "working", "0")
    started = bus_owner_pid(activating_bus)
    assert "'status': <'question'>" in gdbus_set(activating_bus, "second", "question")
    assert bus_owner_pid(activating_bus) == started
    assert sorted(s["id"]["data"] for s in sessions_call(activating_bus, "ListAll")) == ["first", "second"]


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
    env = env_with_bus(activating_bus)
    done = subprocess.run(hook, input=HOOK_PAYLOAD, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    [session] = sessions_call(activating_bus, "ListAll")
    assert session["id"]["data"] == "from-a-hook" and session["status"]["data"] == "working"


def cli_set(address: str, session_id: str) -> None:
    env = env_with_bus(address)
    argv = [AGENT_CONSOLE, "set", session_id, "attention"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=READY_TIMEOUT_S)
    assert done.returncode == 0, done.stderr


def test_the_first_cli_set_starts_it_and_the_second_reuses_it(activating_bus: str) -> None:
    cli_set(activating_bus, "cli-1")
    started = bus_owner_pid(activating_bus)
    assert started is not None
    cli_set(activating_bus, "cli-2")
    assert bus_owner_pid(activating_bus) == started
    assert sorted(s["id"]["data"] for s in sessions_call(activating_bus, "ListAll")) == ["cli-1", "cli-2"]


def test_the_daemons_own_bus_starts_the_installed_daemon_again(tmp_path: Path) -> None:
    """Without a session bus, `service install` promises activation: the daemon's private bus must read
    the user's dbus-1/services, so after a crash (SIGKILL: the bus, in a session of its own, lives on)
    the next call starts the daemon again."""
    env = isolated_env(tmp_path)
    installed = subprocess.run(
        [AGENT_CONSOLE, "service", "install"], env=env, capture_output=True, text=True, timeout=READY_TIMEOUT_S
    )
    assert installed.returncode == 0, installed.stderr
    with subprocess.Popen(
        [AGENT_CONSOLE, "daemon"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as first:
        line = first.stdout.readline()
        found = re.fullmatch(r"DBUS_SESSION_BUS_ADDRESS='(.+)'; export DBUS_SESSION_BUS_ADDRESS;\n", line)
        assert found, line
        address = found.group(1)
        bus_pid = bus_owner_pid(address, "org.freedesktop.DBus")
        try:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while bus_owner_pid(address) != first.pid:
                assert time.monotonic() < deadline and first.poll() is None
                time.sleep(0.02)
            first.kill()
            first.wait(timeout=READY_TIMEOUT_S)
            cli_set(address, "after-a-crash")
            second = bus_owner_pid(address)
            assert second is not None and second != first.pid
            os.kill(second, signal.SIGTERM)
        finally:
            assert bus_pid is not None
            os.kill(bus_pid, signal.SIGTERM)


def test_a_daemon_that_cannot_start_is_reported_with_where_to_look(activating_bus: str, tmp_path: Path) -> None:
    """The bus runs Exec= itself here and says at once that it exited; the CLI says so in one line."""
    config = tmp_path / "bad-config" / "agent-console" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("bogus = 1\n")
    subprocess.run(
        ["busctl", f"--address={activating_bus}", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
         "org.freedesktop.DBus", "UpdateActivationEnvironment", "a{ss}", "1", "XDG_CONFIG_HOME",
         str(config.parent.parent)],
        check=True, timeout=READY_TIMEOUT_S,
    )
    done = subprocess.run(
        [AGENT_CONSOLE, "list"], env=env_with_bus(activating_bus), capture_output=True, text=True,
        timeout=READY_TIMEOUT_S, check=False,
    )
    assert done.returncode == 5
    assert done.stderr == (
        "agent-console: the bus could not start the agent-console daemon: "
        f"Process {BUS_NAME} exited with status 2; run `agent-console daemon` to see why\n"
    )
