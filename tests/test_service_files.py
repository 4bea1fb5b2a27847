"""The service files themselves: rendering, systemd's own checks, the launchd agent.

systemd-analyze judges the unit offline (no manager is started: a temporary
XDG_RUNTIME_DIR is all it needs).  The launchd agent's program is plain sh,
so it runs here under every sh there is, first around a stand-in daemon,
then around the real one on a private bus.
"""

import json
import os
import plistlib
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import AGENT_CONSOLE, READY_TIMEOUT_S

from agent_console.service_manager.files import (
    NOTIFY_PLIST_NAME,
    UnsupportedPath,
    activation_file,
    hidden_by_private_tmp,
    launchd_file,
    notify_unit_file,
    unit_file,
)
from agent_console.wire.names import BUS_NAME
from agent_console.wire.private_bus import start_private_bus

pytestmark = pytest.mark.bus

REPO = Path(__file__).resolve().parent.parent
UNIT = REPO / "systemd" / "agent-console.service"
NOTIFY_UNIT = REPO / "systemd" / "agent-console-notify.service"
NOTIFY_PLIST = REPO / "packaging" / "launchd" / NOTIFY_PLIST_NAME
ACTIVATION = REPO / "packaging" / "dbus" / f"{BUS_NAME}.service"
PLIST = REPO / "packaging" / "launchd" / f"{BUS_NAME}.plist"

EXPOSURE_CEILING = 4.5
"""What ``systemd-analyze security --offline=yes --user`` says of the unit now; it may only go down."""
NOTIFY_EXPOSURE_CEILING = 5.1
"""The same for the notifier's unit: higher, since tmux and X11 need /tmp and abstract sockets the network."""

OPTIONS_A_USER_MANAGER_CANNOT_APPLY = (
    "CapabilityBoundingSet=",
    "AmbientCapabilities=",
    "PrivateDevices=",
    "ProtectClock=",
    "ProtectKernelModules=",
    "ProtectKernelLogs=",
    "ProtectControlGroups=",
    "ProtectProc=",
    "ProcSubset=",
    "IPAddressDeny=",
    "DevicePolicy=",
    "DeviceAllow=",
    "User=",
    "DynamicUser=",
)

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing (Debian: apt install systemd)"
)


def unit_directives(text: str) -> dict[str, list[str]]:
    """Every ``Key=value`` of a unit, keys repeated as systemd allows."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.fixture
def analyze_env(tmp_path: Path) -> dict[str, str]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    return {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}


def systemd_analyze(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", *args], env=env, capture_output=True, text=True, check=False)


# Rendering


@pytest.mark.parametrize(
    "service_file",
    [
        unit_file({}, Path("/h")),
        activation_file({}, Path("/h")),
        launchd_file(Path("/h")),
        notify_unit_file({}, Path("/h")),
        launchd_file(Path("/h"), NOTIFY_PLIST_NAME, "notify launchd agent", managed=False),
    ],
)
def test_rendering_changes_only_the_executable_line(service_file) -> None:
    template = service_file.template_text()
    rendered = service_file.render("/home/u/my venv/bin/agent-console")
    changed = [(old, new) for old, new in zip(template.splitlines(), rendered.splitlines(), strict=True) if old != new]
    assert len(template.splitlines()) == len(rendered.splitlines())
    [(old, new)] = changed
    assert service_file.default_executable in old and "my venv/bin/agent-console" in new


def test_a_path_with_a_space_is_quoted_for_each_format() -> None:
    path = "/home/u/my venv/bin/agent-console"
    assert f'ExecStart="{path}" daemon --address unix:path=%t/bus' in unit_file({}, Path("/h")).render(path)
    assert f"Exec='{path}' daemon\n" in activation_file({}, Path("/h")).render(path)
    rendered_plist = plistlib.loads(launchd_file(Path("/h")).render(path).encode())
    assert rendered_plist["ProgramArguments"][-1] == path


@pytest.mark.parametrize(
    "path", ["relative/agent-console", "/a/b$c", "/a/100%", '/a/"q"', "/a/b\\c", "/a/new\nline"]
)
def test_paths_a_format_would_misread_are_refused(path: str) -> None:
    with pytest.raises(UnsupportedPath):
        unit_file({}, Path("/h")).render(path)


def test_xdg_dirs_are_honoured_and_relative_ones_ignored() -> None:
    env = {"XDG_CONFIG_HOME": "/c", "XDG_DATA_HOME": "relative"}
    assert unit_file(env, Path("/h")).target == Path("/c/systemd/user/agent-console.service")
    assert activation_file(env, Path("/h")).target == Path(
        f"/h/.local/share/dbus-1/services/{BUS_NAME}.service"
    )


# The systemd unit


def test_the_unit_says_what_the_issue_asks() -> None:
    directives = unit_directives(UNIT.read_text())
    assert directives["Type"] == ["dbus"] and directives["BusName"] == [BUS_NAME]
    assert directives["ExecStart"] == ["/usr/bin/agent-console daemon --address unix:path=%t/bus"]
    assert directives["Restart"] == ["on-failure"] and directives["RestartPreventExitStatus"] == ["2 3"]
    assert directives["WantedBy"] == ["default.target"]
    assert (
        "Requisite" not in directives
        and "graphical-session.target" not in UNIT.read_text().split("[Unit]")[1]
    )


def test_the_notify_unit_belongs_to_the_graphical_session() -> None:
    directives = unit_directives(NOTIFY_UNIT.read_text())
    assert directives["ExecStart"] == ["/usr/bin/agent-console notify --address unix:path=%t/bus"]
    assert directives["PartOf"] == directives["After"] == directives["WantedBy"] == ["graphical-session.target"]
    assert directives["Restart"] == ["on-failure"] and directives["RestartPreventExitStatus"] == ["2"]
    assert "PrivateTmp" not in directives, "tmux and X11 sockets live in /tmp"


@pytest.mark.parametrize("unit", [UNIT, NOTIFY_UNIT], ids=["daemon", "notify"])
def test_the_unit_uses_no_option_a_user_manager_cannot_apply(unit: Path) -> None:
    """Each of these fails the unit (218/CAPABILITIES), is for system services only, or silently does nothing."""
    used = set(unit_directives(unit.read_text()))
    assert not used & {option.rstrip("=") for option in OPTIONS_A_USER_MANAGER_CANNOT_APPLY}


@needs_systemd_analyze
@pytest.mark.parametrize("make", [unit_file, notify_unit_file], ids=["daemon", "notify"])
def test_systemd_analyze_verify_accepts_the_installed_unit(
    tmp_path: Path, analyze_env: dict[str, str], make
) -> None:
    service_file = make({}, tmp_path)
    installed = tmp_path / service_file.target.name
    installed.write_text(service_file.render(AGENT_CONSOLE))
    verified = systemd_analyze(analyze_env, "verify", "--user", str(installed))
    assert verified.returncode == 0 and service_file.target.name not in verified.stderr, verified.stderr


@needs_systemd_analyze
def test_systemd_analyze_verify_has_teeth(tmp_path: Path, analyze_env: dict[str, str]) -> None:
    """The same check fails for a unit whose executable is not there."""
    installed = tmp_path / "agent-console.service"
    installed.write_text(unit_file({}, tmp_path).render(str(tmp_path / "no-such-agent-console")))
    verified = systemd_analyze(analyze_env, "verify", "--user", str(installed))
    assert verified.returncode != 0 and "no-such-agent-console" in verified.stderr


@needs_systemd_analyze
@pytest.mark.parametrize(
    ("unit", "ceiling"), [(UNIT, EXPOSURE_CEILING), (NOTIFY_UNIT, NOTIFY_EXPOSURE_CEILING)], ids=["daemon", "notify"]
)
def test_security_exposure_stays_at_or_below_the_ceiling(
    analyze_env: dict[str, str], unit: Path, ceiling: float
) -> None:
    analyzed = systemd_analyze(analyze_env, "security", "--offline=yes", "--user", str(unit))
    assert analyzed.returncode == 0, analyzed.stderr
    overall = re.search(r"Overall exposure level for \S+: (\d+\.\d)", analyzed.stdout)
    assert overall is not None, analyzed.stdout
    exposure = float(overall.group(1))
    assert exposure <= ceiling, analyzed.stdout


# The D-Bus activation file


def test_the_activation_file_names_the_bus_name_and_the_unit() -> None:
    header, *entries = [
        line for line in ACTIVATION.read_text().splitlines() if line and not line.startswith("#")
    ]
    assert header == "[D-BUS Service]"
    assert dict(entry.split("=", 1) for entry in entries) == {
        "Name": BUS_NAME,
        "Exec": "/usr/bin/agent-console daemon",
        "SystemdService": "agent-console.service",
    }


# The launchd agent


@pytest.mark.parametrize(
    ("plist", "label"), [(PLIST, BUS_NAME), (NOTIFY_PLIST, f"{BUS_NAME}.Notify")], ids=["daemon", "notify"]
)
def test_the_plist_has_what_launchd_needs(plist: Path, label: str) -> None:
    agent = plistlib.loads(plist.read_bytes())
    assert agent["Label"] == label
    assert all(isinstance(arg, str) for arg in agent["ProgramArguments"])
    assert agent["ProgramArguments"][:2] == ["/bin/sh", "-c"]
    assert agent["ProgramArguments"][-1] == "/usr/local/bin/agent-console"
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"] == {"SuccessfulExit": False}
    assert isinstance(agent["ThrottleInterval"], int) and agent["ThrottleInterval"] >= 10


def available_shells() -> list[str]:
    """Every distinct sh here: macOS's /bin/sh is bash, Debian's is dash."""
    found = {os.path.realpath(path): path for name in ("sh", "dash", "bash") if (path := shutil.which(name))}
    return sorted(found.values())


def agent_program(shell: str, executable: str) -> list[str]:
    """The agent's ProgramArguments with ``shell`` for /bin/sh and ``executable`` as $0."""
    arguments = plistlib.loads(PLIST.read_bytes())["ProgramArguments"]
    return [shell, *arguments[1:-1], executable]


STAND_IN = """\
import json, os, signal, sys, time
log = os.environ["STAND_IN_LOG"]
def note(entry):
    with open(log, "a") as out:
        out.write(json.dumps(entry) + "\\n")
signal.signal(signal.SIGTERM, lambda *_: (note("SIGTERM"), sys.exit(0)))
note(sys.argv[1:])
if os.environ["STAND_IN_EXIT"]:
    sys.exit(int(os.environ["STAND_IN_EXIT"]))
while True:
    time.sleep(1)
"""


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    """An ``agent-console`` that notes its arguments and exits as told, or waits for SIGTERM."""
    executable = tmp_path / "agent-console"
    executable.write_text(f"#!{sys.executable}\n{STAND_IN}")
    executable.chmod(0o755)
    return executable


def stand_in_env(
    tmp_path: Path, exit_status: str, socket: str | None = "/run/launchd/socket"
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DBUS_LAUNCHD_SESSION_BUS_SOCKET"}
    env.update(STAND_IN_LOG=str(tmp_path / "log"), STAND_IN_EXIT=exit_status)
    if socket is not None:
        env["DBUS_LAUNCHD_SESSION_BUS_SOCKET"] = socket
    return env


def stand_in_log(tmp_path: Path) -> list:
    path = tmp_path / "log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("shell", available_shells())
@pytest.mark.parametrize(("daemon_exit", "agent_exit"), [("0", 0), ("1", 1), ("3", 0)])
def test_the_agent_program_reports_name_taken_as_success(
    shell, daemon_exit, agent_exit, stand_in, tmp_path
) -> None:
    done = subprocess.run(
        agent_program(shell, str(stand_in)), env=stand_in_env(tmp_path, daemon_exit), check=False
    )
    assert done.returncode == agent_exit
    assert stand_in_log(tmp_path) == [["daemon", "--address", "unix:path=/run/launchd/socket"]]


@pytest.mark.parametrize("shell", available_shells())
def test_the_agent_program_waits_for_the_bus_socket(shell, stand_in, tmp_path) -> None:
    done = subprocess.run(
        agent_program(shell, str(stand_in)),
        env=stand_in_env(tmp_path, "0", socket=None),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "DBUS_LAUNCHD_SESSION_BUS_SOCKET" in done.stderr
    assert stand_in_log(tmp_path) == []


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.mark.parametrize("shell", available_shells())
def test_the_agent_program_hands_sigterm_to_the_daemon(shell, stand_in, tmp_path) -> None:
    agent = subprocess.Popen(agent_program(shell, str(stand_in)), env=stand_in_env(tmp_path, ""))
    wait_for(lambda: stand_in_log(tmp_path), "the stand-in to start")
    agent.send_signal(signal.SIGTERM)
    assert agent.wait() == 0
    assert stand_in_log(tmp_path)[-1] == "SIGTERM"


@pytest.fixture
def launchd_like_bus(tmp_path: Path) -> Iterator[str]:
    """A private bus, and its socket path as Homebrew's launchd agent would export it."""
    config_dir = tmp_path / "bus"
    config_dir.mkdir()
    bus = start_private_bus(config_dir)
    yield bus.address.removeprefix("unix:path=").partition(",")[0]
    bus.stop()


def name_owned(socket: str) -> bool:
    asked = subprocess.run(
        [
            "busctl",
            f"--address=unix:path={socket}",
            "call",
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameHasOwner",
            "s",
            BUS_NAME,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return asked.stdout.strip() == "b true"


@pytest.mark.skipif(shutil.which("busctl") is None, reason="busctl is missing (Debian: apt install systemd)")
def test_the_agent_program_runs_the_real_daemon(launchd_like_bus: str, tmp_path: Path) -> None:
    env = {**os.environ, "DBUS_LAUNCHD_SESSION_BUS_SOCKET": launchd_like_bus}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    program = agent_program("/bin/sh", AGENT_CONSOLE)
    with (tmp_path / "agent.log").open("w") as log:
        agent = subprocess.Popen(program, env=env, stderr=log)
    wait_for(lambda: name_owned(launchd_like_bus), "the daemon to own the name")
    second = subprocess.run(program, env=env, capture_output=True, text=True, check=False)
    assert second.returncode == 0 and "already owned" in second.stderr
    agent.send_signal(signal.SIGTERM)
    assert agent.wait() == 0
    assert not name_owned(launchd_like_bus)


@pytest.mark.parametrize(
    ("path", "hidden"),
    [
        ("/tmp/venv/bin/agent-console", True),
        ("/var/tmp/v/bin/agent-console", True),
        ("/home/u/.venv/bin/agent-console", False),
        ("/tmpfoo/bin/agent-console", False),
        ("/usr/bin/agent-console", False),
    ],
)
def test_private_tmp_hides_executables_under_tmp_and_var_tmp(path: str, hidden: bool) -> None:
    assert (hidden_by_private_tmp(path) is not None) == hidden
