"""The unit under a real systemd user manager, booted in a container (tests/systemd_container.py).

What only a real manager can show: D-Bus activation through ``SystemdService=``,
the journal, ``systemctl --user stop``, the restart policy (after ``kill -9``
yes; after exit 2, a bad configuration, and exit 3, the name taken, no),
and ``service uninstall``.  The package goes in as a user would install it:
the wheel built from this tree, with its dependencies, into a venv under the
user's home (not /tmp, which the unit cannot see), then ``service install``.

One container serves the whole module (booting is the slow part), so the
tests run in file order and each starts from a stopped unit with no
configuration; the last one uninstalls.  Every command inside has a timeout.
It needs root or ``sudo -n`` (tests/privileged.py) and systemd-nspawn; without
them it is skipped with one line saying why, except under ``CI=true``.
"""

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import privileged
import pytest
from conftest import skip_unless_ci
from systemd_container import COMMAND_TIMEOUT_S, Container, boot

from agent_console.errors import INSTALL_HINT, SYSTEMD_START_HINT
from agent_console.limits import CLIENT_CALL_TIMEOUT_S, CLIENT_CONNECT_TIMEOUT_S
from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH

pytestmark = [pytest.mark.container, pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="systemd-nspawn boots Linux containers only"
)]

REPO = Path(__file__).resolve().parent.parent
CONTAINER_PYTHON = "3.11"
"""Debian 12's python3: the version whose wheels (pydantic-core) are fetched on the host."""
VENV = "venv"
"""Under the user's home, where ``service install`` puts nothing the unit cannot see."""
RESTART_TIMEOUT_S = 20.0
"""For a killed daemon to serve again: the unit's RestartSec=2s plus a start of about 0.3 s."""
CALL = f"busctl --user --timeout=5 call {BUS_NAME} {OBJECT_PATH} {INTERFACE}"
"""A foreign client's call, bounded by busctl itself well below dbus-daemon's 120 s activation timeout."""
UNIT = "agent-console.service"
REMOTE_UNIT = "agent-console-remote.service"
FOLLOWER_READY = "following 0 hosts"
"""The follower's log line once it has read config.toml and made every call of its start."""
CLI_SAFETY_NET_S = CLIENT_CONNECT_TIMEOUT_S + 2 * CLIENT_CALL_TIMEOUT_S + 10
"""Turns a CLI that hangs (dbus-daemon would hold it 120 s) into a failure: its deadlines plus room, no more."""


def _wheels(into: Path) -> None:
    """This tree's wheel and the wheels it depends on, fetched on the host: nothing inside has a network."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(into), str(REPO)],
        check=True,
        timeout=COMMAND_TIMEOUT_S,
    )
    [wheel] = into.glob("agent_console-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:",
         f"--python-version={CONTAINER_PYTHON}", "-d", str(into), str(wheel)],
        check=True,
        timeout=COMMAND_TIMEOUT_S,
    )


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    cannot = privileged.unavailable()
    if cannot is not None:
        skip_unless_ci(f"systemd tier: {cannot}")
    for tool in ("systemd-nspawn", "debootstrap"):
        if privileged.tool(tool) is None:
            skip_unless_ci(f"systemd tier: {tool} is missing: run packaging/install-deps --test")
    wheels = tmp_path_factory.mktemp("wheels")
    _wheels(wheels)
    booted = boot(tmp_path_factory.mktemp("container"))
    try:
        booted.put(wheels, "wheels")
        installed = booted.as_user(
            f"python3 -m venv {VENV} && {VENV}/bin/pip install -q --no-index --find-links wheels agent-console"
            f" && {VENV}/bin/agent-console service install"
        )
        assert installed.returncode == 0, installed.stderr
        yield booted
    finally:
        booted.stop()


def unit(container: Container) -> dict[str, str]:
    shown = container.as_user(
        f"systemctl --user show {UNIT} -p LoadState,ActiveState,Result,MainPID,NRestarts,ExecMainStatus"
    )
    return dict(line.partition("=")[::2] for line in shown.stdout.splitlines())


def owner_pid(container: Container) -> str:
    """Who owns the name, per the bus; "" when nobody does (asking never activates)."""
    asked = container.as_user(
        "busctl --user --timeout=5 call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus"
        f" GetConnectionUnixProcessID s {BUS_NAME}"
    )
    return asked.stdout.split()[1] if asked.returncode == 0 else ""


def journal(container: Container, unit_name: str = UNIT) -> str:
    return container.as_user(f"journalctl --user -u {unit_name} -o cat --no-pager").stdout


def wait_for(what: str, check, timeout: float = RESTART_TIMEOUT_S):
    """Poll ``check`` until it returns something true; the journal and restarts arrive a little later."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"no {what} within {timeout:g} s"
        time.sleep(0.2)
    return found


@pytest.fixture
def stopped(container: Container) -> Container:
    """The unit stopped, its failure forgotten, no configuration file."""
    done = container.as_user(
        f"systemctl --user stop {UNIT}; systemctl --user reset-failed {UNIT};"
        " rm -f ~/.config/agent-console/config.toml"
    )
    assert done.returncode in (0, 1), done.stderr
    assert unit(container)["ActiveState"] in ("inactive", "failed")
    return container


def test_the_first_call_starts_the_unit_through_systemd_service(stopped: Container) -> None:
    assert owner_pid(stopped) == ""
    called = stopped.as_user(f"{CALL} ListAll")
    assert called.returncode == 0 and called.stdout.strip() == "aa{sv} 0", called.stderr + journal(stopped)
    state = unit(stopped)
    assert state["ActiveState"] == "active" and state["MainPID"] == owner_pid(stopped) != "0", state


def test_the_remote_hosts_follower_leaves_it_stopped(stopped: Container) -> None:
    """``service install`` enabled and started the follower, a client of the daemon: with no host
    configured it calls nothing that would start it, so it stays stopped until a client calls."""
    starts = journal(stopped, REMOTE_UNIT).count(FOLLOWER_READY)
    assert stopped.as_user(f"systemctl --user restart {REMOTE_UNIT}").returncode == 0
    wait_for("follower ready", lambda: journal(stopped, REMOTE_UNIT).count(FOLLOWER_READY) > starts)
    assert owner_pid(stopped) == "" and unit(stopped)["ActiveState"] == "inactive", journal(stopped, REMOTE_UNIT)
    assert stopped.as_user(f"{CALL} ListAll").returncode == 0
    assert owner_pid(stopped) != ""


def test_the_hardening_holds_under_the_manager(stopped: Container) -> None:
    assert stopped.as_user(f"{CALL} ListAll").returncode == 0
    status = stopped.as_user(f"cat /proc/{unit(stopped)['MainPID']}/status").stdout
    assert "NoNewPrivs:\t1" in status and "Seccomp:\t2" in status, status


def test_the_journal_shows_its_log(stopped: Container) -> None:
    assert stopped.as_user(f"{CALL} ListAll").returncode == 0
    wait_for("serving line", lambda: f"serving {BUS_NAME}" in journal(stopped))


def test_stop_stops_it_cleanly(stopped: Container) -> None:
    assert stopped.as_user(f"{CALL} ListAll").returncode == 0
    done = stopped.as_user(f"systemctl --user stop {UNIT}")
    assert done.returncode == 0, done.stderr
    state = unit(stopped)
    assert state["ActiveState"] == "inactive" and state["Result"] == "success", state
    assert owner_pid(stopped) == ""
    wait_for("stop line", lambda: "stopped (SIGTERM)" in journal(stopped))


def test_it_is_restarted_after_kill_9(stopped: Container) -> None:
    assert stopped.as_user(f"{CALL} Set 'ssa{{sv}}' before-kill working 0").returncode == 0
    killed = unit(stopped)["MainPID"]
    assert stopped.as_user(f"systemctl --user kill --signal=SIGKILL {UNIT}").returncode == 0
    wait_for("restart", lambda: unit(stopped)["MainPID"] not in ("0", killed) and owner_pid(stopped))
    state = unit(stopped)
    assert state["ActiveState"] == "active" and int(state["NRestarts"]) >= 1, state
    assert stopped.as_user(f"{CALL} ListAll").stdout.strip() == "aa{sv} 0"


def test_a_bad_configuration_is_not_restarted(stopped: Container) -> None:
    """Exit 2 is final: the unit fails and stays failed, rather than restart in a loop."""
    stopped.as_user("mkdir -p ~/.config/agent-console && echo 'bogus = 1' > ~/.config/agent-console/config.toml")
    assert stopped.as_user(f"systemctl --user start {UNIT}").returncode != 0
    state = unit(stopped)
    assert state["ActiveState"] == "failed" and state["ExecMainStatus"] == "2", state
    assert state["NRestarts"] == "0", state
    assert "bogus" in journal(stopped)


def test_a_bad_configuration_is_reported_with_its_fix_and_then_at_once(stopped: Container) -> None:
    """systemd never tells dbus-daemon that the unit failed, so the first call ends at the CLI's deadline,
    which then asks the manager why and names the fix.  The start stays pending in dbus-daemon (120 s),
    and a call meanwhile would join it even once the cause is fixed; so later commands see the unit
    failed and say so at once, and starting the unit clears it."""
    failed = (
        "agent-console: the agent-console service failed to start (exit status 2: an invalid config.toml or"
        f" option): {SYSTEMD_START_HINT}\n"
    )
    stopped.as_user("mkdir -p ~/.config/agent-console && echo 'bogus = 1' > ~/.config/agent-console/config.toml")
    listed = stopped.as_user(f"{VENV}/bin/agent-console list", timeout=CLI_SAFETY_NET_S)
    assert (listed.returncode, listed.stderr) == (5, failed)
    state = unit(stopped)
    assert state["ActiveState"] == "failed" and state["ExecMainStatus"] == "2" and state["NRestarts"] == "0", state

    # At once: well within the call deadline the first one waited for (a bound, not a measurement).
    again = stopped.as_user(f"{VENV}/bin/agent-console list", timeout=CLIENT_CALL_TIMEOUT_S)
    assert (again.returncode, again.stderr) == (5, failed)
    status = stopped.as_user(f"{VENV}/bin/agent-console status", timeout=CLIENT_CALL_TIMEOUT_S)
    assert status.returncode == 5
    assert status.stdout.splitlines()[0] == f"daemon:         not running: {failed.removeprefix('agent-console: ').rstrip()}"

    stopped.as_user("rm ~/.config/agent-console/config.toml")
    fixed = stopped.as_user(f"{VENV}/bin/agent-console list", timeout=CLIENT_CALL_TIMEOUT_S)
    assert (fixed.returncode, fixed.stderr) == (5, failed), "the unit is still failed: the fix says to start it"
    waiting = stopped.as_user(f"busctl --user --timeout=2 call {BUS_NAME} {OBJECT_PATH} {INTERFACE} ListAll")
    assert waiting.returncode != 0 and "timed out" in waiting.stderr, "a plain call still joins the pending start"
    started = stopped.as_user(
        f"(busctl --user --timeout=10 call {BUS_NAME} {OBJECT_PATH} {INTERFACE} ListAll > queued.out) &"
        f" sleep 0.5; systemctl --user start {UNIT}; wait; cat queued.out"
    )
    assert started.returncode == 0 and started.stdout.strip() == "aa{sv} 0", started.stderr
    assert stopped.as_user(f"{VENV}/bin/agent-console list").returncode == 0


def test_a_taken_name_is_not_restarted(stopped: Container) -> None:
    """Exit 3: another instance (here a transient unit, which may not claim the BusName) serves the name."""
    rival = stopped.as_user(
        f"systemd-run --user --unit=rival {VENV}/bin/agent-console daemon --address unix:path=$XDG_RUNTIME_DIR/bus"
    )
    assert rival.returncode == 0, rival.stderr
    try:
        wait_for("rival", lambda: owner_pid(stopped))
        stopped.as_user(f"systemctl --user start {UNIT}")
        state = wait_for("failure", lambda: (s := unit(stopped))["ActiveState"] == "failed" and s)
        assert state["ExecMainStatus"] == "3" and state["NRestarts"] == "0", state
    finally:
        stopped.as_user("systemctl --user stop rival")


def test_a_missing_unit_is_reported_at_once_with_where_to_look(stopped: Container) -> None:
    """The activation file names SystemdService=, the unit is gone: systemd refuses, the CLI says so."""
    unit_file = f"~/.config/systemd/user/{UNIT}"
    stopped.as_user(f"mv {unit_file} unit.away && systemctl --user daemon-reload")
    try:
        listed = stopped.as_user(f"{VENV}/bin/agent-console list")
    finally:
        stopped.as_user(f"mv unit.away {unit_file} && systemctl --user daemon-reload")
    assert listed.returncode == 5
    assert listed.stderr == (
        f"agent-console: systemd could not start the agent-console daemon: Unit {UNIT} not found; {INSTALL_HINT}\n"
    )


def test_installing_again_reloads_nothing_unless_systemd_holds_an_older_unit(stopped: Container) -> None:
    install = f"{VENV}/bin/agent-console service install"
    again = stopped.as_user(install)
    assert again.returncode == 0, again.stderr
    # The daemon's unit, its activation file, the notifier's unit and the remote follower's unit.
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["unchanged"] * 4, again.stdout
    # Running, so systemd keeps the unit loaded (a stopped one it may drop, and then read afresh).
    assert stopped.as_user(f"systemctl --user start {UNIT} && touch ~/.config/systemd/user/{UNIT}").returncode == 0
    assert stopped.as_user(f"systemctl --user show {UNIT} -p NeedDaemonReload").stdout.strip() == "NeedDaemonReload=yes"
    reloaded = stopped.as_user(install)
    assert reloaded.returncode == 0, reloaded.stderr
    assert "ran systemctl --user daemon-reload" in reloaded.stdout
    assert stopped.as_user(f"systemctl --user show {UNIT} -p NeedDaemonReload").stdout.strip() == "NeedDaemonReload=no"


def test_uninstall_removes_the_unit_and_activation(stopped: Container) -> None:
    assert stopped.as_user(f"{CALL} ListAll").returncode == 0
    done = stopped.as_user(f"{VENV}/bin/agent-console service uninstall")
    assert done.returncode == 0, done.stderr
    assert unit(stopped)["LoadState"] == "not-found"
    assert owner_pid(stopped) == ""
    left = stopped.as_user(f"ls ~/.config/systemd/user/{UNIT} ~/.local/share/dbus-1/services/{BUS_NAME}.service")
    assert left.stdout == "", left.stdout
    called = stopped.as_user(f"{CALL} ListAll")
    assert called.returncode != 0 and "not provided by any .service files" in called.stderr, called.stderr
    listed = stopped.as_user(f"{VENV}/bin/agent-console list")
    assert (listed.returncode, listed.stderr) == (
        5, f"agent-console: the agent-console daemon is not running, and nothing starts it: {INSTALL_HINT}\n"
    )
