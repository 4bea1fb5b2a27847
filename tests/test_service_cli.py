"""``agent-console service install | uninstall | status`` as a user runs them.

HOME and the XDG directories live in the test's tmp directory.  No systemd
manager is ever started: the real ``systemctl --user`` finds none here,
which is the no-manager case; where a test needs a manager that answers, a
stand-in ``systemctl`` (or ``launchctl``) on PATH records what it is asked.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from processes import AGENT_CONSOLE, RunningDaemon
from service_env import isolated_env

from agent_console.service_manager.actions import Context, install, status, uninstall
from agent_console.service_manager.files import hidden_by_private_tmp
from agent_console.wire.names import BUS_NAME

pytestmark = [pytest.mark.bus, pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the CLI tests drive the Linux layout"
)]

FAKE_SYSTEMCTL = """\
#!/bin/sh
echo "systemctl $*" >> "$FAKE_LOG"
case "$*" in
    *show-environment*) echo "HOME=$HOME" ;;
    *" show "*) printf 'LoadState=loaded\\nNeedDaemonReload=%s\\nActiveState=active\\nSubState=running\\nMainPID=4242\\n' \\
        "$(cat "$FAKE_LOG.need-reload" 2>/dev/null || echo no)" ;;
esac
"""
FAKE_BUSCTL = """\
#!/bin/sh
echo "busctl $*" >> "$FAKE_LOG"
"""
FAKE_LAUNCHCTL = """\
#!/bin/sh
echo "launchctl $*" >> "$FAKE_LOG"
case "$1 $2" in
    "print gui/"*/*)
        [ -e "$FAKE_LOADED" ] || { echo "Could not find service" >&2; exit 113; }
        printf '%s = {\\n\\tstate = running\\n\\tpid = 77\\n}\\n' "$2" ;;
    "bootstrap "*) touch "$FAKE_LOADED" ;;
    "bootout "*) rm -f "$FAKE_LOADED" ;;
esac
"""


def service(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The command's outcome, less the one warning a checkout under /tmp or /var/tmp rightly gets
    (the unit could not see this executable there), so that these tests hold wherever CI clones."""
    done = subprocess.run(
        [AGENT_CONSOLE, "service", *args], env=env, capture_output=True, text=True, check=False
    )
    if hidden_by_private_tmp(AGENT_CONSOLE) is not None:
        done.stderr = "".join(line for line in done.stderr.splitlines(True) if "PrivateTmp=yes" not in line)
    return done


def files_under(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text() for path in sorted(root.rglob("*")) if path.is_file()
    }


def unit_path(root: Path) -> Path:
    return root / "config" / "systemd" / "user" / "agent-console.service"


def notify_unit_path(root: Path) -> Path:
    return unit_path(root).with_name("agent-console-notify.service")


def activation_path(root: Path) -> Path:
    return root / "data" / "dbus-1" / "services" / f"{BUS_NAME}.service"


def with_stand_ins(env: dict[str, str], root: Path, **scripts: str) -> dict[str, str]:
    """``env`` with a PATH whose first directory holds the given stand-in programs."""
    bin_dir = root / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return {**env, "PATH": f"{bin_dir}:{env['PATH']}", "FAKE_LOG": str(root / "calls.log")}


def calls(root: Path) -> list[str]:
    log = root / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_install_points_both_files_at_the_running_executable(tmp_path: Path) -> None:
    done = service(isolated_env(tmp_path), "install")
    assert done.returncode == 0, done.stderr
    assert f"ExecStart={AGENT_CONSOLE} daemon --address unix:path=%t/bus\n" in unit_path(tmp_path).read_text()
    assert f"Exec={AGENT_CONSOLE} daemon\n" in activation_path(tmp_path).read_text()
    assert done.stdout.splitlines()[:2] == [
        f"wrote {unit_path(tmp_path)}",
        f"wrote {activation_path(tmp_path)}",
    ]


def test_without_a_user_manager_it_says_so_in_one_line_and_still_writes_activation(tmp_path: Path) -> None:
    done = service(isolated_env(tmp_path), "install")
    assert done.returncode == 0, done.stderr
    [said] = [line for line in done.stdout.splitlines() if not line.startswith("wrote ")]
    assert said.startswith("no systemd user manager is reachable (") and "D-Bus activation" in said
    assert activation_path(tmp_path).is_file()


def test_installing_again_changes_nothing(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    service(env, "install")
    before = {path: path.stat().st_mtime_ns for path in (unit_path(tmp_path), activation_path(tmp_path))}
    again = service(env, "install")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[:2] == [
        f"unchanged {unit_path(tmp_path)}",
        f"unchanged {activation_path(tmp_path)}",
    ]
    assert {path: path.stat().st_mtime_ns for path in before} == before


def test_dry_runs_write_and_remove_nothing(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    planned = service(env, "install", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert f"would write {unit_path(tmp_path)}" in planned.stdout
    assert files_under(tmp_path) == {}
    service(env, "install")
    installed = files_under(tmp_path)
    assert f"would remove {unit_path(tmp_path)}" in service(env, "uninstall", "--dry-run").stdout
    assert files_under(tmp_path) == installed


def test_a_dry_run_shows_what_would_change_as_a_diff(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    planned = service(env, "install", "--dry-run").stdout
    assert f"--- /dev/null\n+++ {unit_path(tmp_path)}\n" in planned
    assert "\n+[Service]\n" in planned
    service(env, "install")
    unit_path(tmp_path).write_text(unit_path(tmp_path).read_text().replace("Restart=", "#Restart="))
    planned = service(env, "install", "--dry-run").stdout
    assert f"--- {unit_path(tmp_path)}\n+++ {unit_path(tmp_path)}\n" in planned
    assert "\n-#Restart=" in planned and "\n+Restart=" in planned
    assert f"unchanged {activation_path(tmp_path)}" in planned


def test_uninstall_removes_exactly_what_install_wrote(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    neighbours = {
        unit_path(tmp_path).with_name("other.service"): "[Service]\nExecStart=/bin/true\n",
        activation_path(tmp_path).with_name(
            "org.example.Other.service"
        ): "[D-BUS Service]\nName=org.example.Other\n",
        tmp_path / "home" / ".bashrc": "export X=1\n",
    }
    for path, text in neighbours.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    before = files_under(tmp_path)
    service(env, "install")
    assert len(files_under(tmp_path)) == len(before) + 4  # daemon, notify and remote units, activation file
    removed = service(env, "uninstall")
    assert removed.returncode == 0, removed.stderr
    assert files_under(tmp_path) == before
    assert service(env, "uninstall").stdout.count("absent ") == 4


def test_status_tells_files_manager_and_bus(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    service(env, "install")
    shown = service(env, "status", "--json")
    assert shown.returncode == 5, shown.stderr
    report = json.loads(shown.stdout)
    assert report["manager"] == "systemd" and report["reachable"] is False and report["detail"]
    assert [(f["path"], f["state"]) for f in report["files"]] == [
        (str(unit_path(tmp_path)), "installed"),
        (str(activation_path(tmp_path)), "installed"),
        (str(notify_unit_path(tmp_path)), "installed"),
        (str(notify_unit_path(tmp_path).with_name("agent-console-remote.service")), "installed"),
    ]
    assert report["running"] is None and report["bus"]["owner_pid"] is None
    text = service(env, "status").stdout
    assert "manager: systemd, not reachable" in text and f"installed {unit_path(tmp_path)}" in text


def test_status_calls_a_file_for_another_executable_different(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    service(env, "install")
    unit = unit_path(tmp_path)
    unit.write_text(unit.read_text().replace(AGENT_CONSOLE, "/opt/old/bin/agent-console"))
    report = json.loads(service(env, "status", "--json").stdout)
    assert [f["state"] for f in report["files"]] == ["different", "installed", "installed", "installed"]


def test_install_without_the_notifier_leaves_its_unit_out(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    assert service(env, "install", "--no-notify").returncode == 0
    assert unit_path(tmp_path).is_file() and not notify_unit_path(tmp_path).exists()
    assert service(env, "install").returncode == 0
    assert f"ExecStart={AGENT_CONSOLE} notify --address unix:path=%t/bus" in notify_unit_path(tmp_path).read_text()


def test_status_sees_the_daemon_that_owns_the_name(tmp_path: Path, daemon: RunningDaemon) -> None:
    env = {**isolated_env(tmp_path), "DBUS_SESSION_BUS_ADDRESS": daemon.address}
    shown = service(env, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["bus"]["owner_pid"] == daemon.process.pid


def test_a_reachable_systemd_is_reloaded_started_and_stopped(tmp_path: Path) -> None:
    env = with_stand_ins(isolated_env(tmp_path), tmp_path, systemctl=FAKE_SYSTEMCTL, busctl=FAKE_BUSCTL)
    installed = service(env, "install", "--now")
    assert installed.returncode == 0, installed.stderr
    reload_bus = (
        "busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig"
    )
    assert calls(tmp_path) == [
        "systemctl --user show-environment",
        "systemctl --user daemon-reload",
        reload_bus,
        "systemctl --user try-restart agent-console.service",
        "systemctl --user start agent-console.service",
        "systemctl --user enable --now agent-console-remote.service",
        "systemctl --user try-restart agent-console-remote.service",
    ]
    assert "ran systemctl --user start agent-console.service" in installed.stdout
    (tmp_path / "calls.log").unlink()
    again = service(env, "install", "--now")
    assert again.returncode == 0, again.stderr
    assert calls(tmp_path) == [
        "systemctl --user show-environment",
        "systemctl --user show agent-console.service --property=LoadState,NeedDaemonReload",
        "systemctl --user start agent-console.service",
    ], "nothing changed: nothing is reloaded or restarted"
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["unchanged"] * 4 + ["ran"]
    shown = service(env, "status")
    assert shown.returncode == 0 and "service: active (running), pid 4242" in shown.stdout
    (tmp_path / "calls.log").unlink()
    assert service(env, "uninstall").returncode == 0
    assert calls(tmp_path) == [
        "systemctl --user show-environment",
        "systemctl --user disable --now agent-console.service",
        "systemctl --user disable --now agent-console-notify.service",
        "systemctl --user disable --now agent-console-remote.service",
        "systemctl --user daemon-reload",
        reload_bus,
    ]


def test_an_unchanged_unit_systemd_has_not_loaded_is_reloaded(tmp_path: Path) -> None:
    """Installed while the manager was away: the files are as they should be, systemd's copy is not."""
    env = with_stand_ins(isolated_env(tmp_path), tmp_path, systemctl=FAKE_SYSTEMCTL, busctl=FAKE_BUSCTL)
    assert service(env, "install").returncode == 0
    (tmp_path / "calls.log.need-reload").write_text("yes")
    (tmp_path / "calls.log").unlink()
    again = service(env, "install")
    assert again.returncode == 0, again.stderr
    assert calls(tmp_path)[1:3] == [
        "systemctl --user show agent-console.service --property=LoadState,NeedDaemonReload",
        "systemctl --user daemon-reload",
    ]
    assert "try-restart" not in " ".join(calls(tmp_path))


def test_a_failing_step_is_one_line_on_stderr(tmp_path: Path) -> None:
    failing = FAKE_SYSTEMCTL.replace(
        'case "$*" in', 'case "$*" in\n    *daemon-reload*) echo "Access denied" >&2; exit 1 ;;'
    )
    env = with_stand_ins(isolated_env(tmp_path), tmp_path, systemctl=failing, busctl=FAKE_BUSCTL)
    done = service(env, "install")
    assert done.returncode == 1
    assert done.stderr == "agent-console: systemctl --user daemon-reload failed: Access denied\n"


def test_an_unwritable_target_is_one_line_on_stderr(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    (tmp_path / "config").write_text("a file where a directory belongs")
    done = service(env, "install")
    assert done.returncode == 1 and done.stderr.startswith("agent-console: ")
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def test_every_command_has_an_example() -> None:
    for command in ("install", "uninstall", "status"):
        shown = subprocess.run(
            [AGENT_CONSOLE, "service", command, "--help"], capture_output=True, text=True, check=False
        )
        assert f"agent-console service {command}" in shown.stdout.split("Example:")[1]


def test_launchd_agent_is_bootstrapped_once_and_booted_out_on_uninstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = with_stand_ins(isolated_env(tmp_path), tmp_path, launchctl=FAKE_LAUNCHCTL)
    for name in ("PATH", "FAKE_LOG"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.setenv("FAKE_LOADED", str(tmp_path / "loaded"))
    home = tmp_path / "home"
    plist = home / "Library" / "LaunchAgents" / f"{BUS_NAME}.plist"
    domain = f"gui/{os.getuid()}"
    ctx = Context(platform="darwin", env={}, home=home, executable="/opt/a&b/bin/agent-console")

    install(ctx)
    assert calls(tmp_path) == [
        f"launchctl print {domain}",
        f"launchctl print {domain}/{BUS_NAME}",
        f"launchctl bootstrap {domain} {plist}",
    ]
    assert "<string>/opt/a&amp;b/bin/agent-console</string>" in plist.read_text()
    assert status(ctx)["running"] is True and status(ctx)["state"] == "running, pid 77"

    (tmp_path / "calls.log").unlink()
    install(ctx)
    assert not [call for call in calls(tmp_path) if "boot" in call]

    (tmp_path / "calls.log").unlink()
    install(Context(platform="darwin", env={}, home=home, executable="/usr/local/bin/agent-console"))
    assert [call for call in calls(tmp_path) if "boot" in call] == [
        f"launchctl bootout {domain}/{BUS_NAME}",
        f"launchctl bootstrap {domain} {plist}",
    ]

    (tmp_path / "calls.log").unlink()
    uninstall(ctx)
    assert f"launchctl bootout {domain}/{BUS_NAME}" in calls(tmp_path)
    assert not plist.exists() and status(ctx)["running"] is False


def test_install_warns_in_one_line_when_the_unit_could_not_see_the_executable(tmp_path: Path) -> None:
    """PrivateTmp=yes gives the unit an empty /var/tmp: a venv there would fail with 203/EXEC."""
    with tempfile.TemporaryDirectory(dir="/var/tmp") as venv_bin:
        linked = Path(venv_bin) / "agent-console"
        linked.symlink_to(AGENT_CONSOLE)
        done = subprocess.run(
            [str(linked), "service", "install"],
            env=isolated_env(tmp_path),
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    [warning] = done.stderr.splitlines()
    assert warning.startswith(f"agent-console: warning: {linked} is under /var/tmp"), warning
    assert "PrivateTmp=yes" in warning
    assert f"ExecStart={linked} daemon" in unit_path(tmp_path).read_text()

