"""The API as busctl, gdbus and dbus-send users see it: no Python on their side."""

import json
import subprocess
import time
from pathlib import Path

import pytest

from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH

pytestmark = pytest.mark.bus

TIMEOUT_S = 15


def busctl(address: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["busctl", f"--address={address}", *args], capture_output=True, text=True, timeout=TIMEOUT_S
    )


def busctl_call(address: str, member: str, *args: str) -> subprocess.CompletedProcess[str]:
    return busctl(address, "--json=short", "call", BUS_NAME, OBJECT_PATH, INTERFACE, member, *args)


def gdbus_call(address: str, member: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["gdbus", "call", "--address", address, "--dest", BUS_NAME, "--object-path", OBJECT_PATH,
         "--method", f"{INTERFACE}.{member}", *args],
        capture_output=True, text=True, timeout=TIMEOUT_S,
    )


def test_busctl_set_get_list_remove(daemon) -> None:
    created = busctl_call(daemon.address, "Set", "ssa{sv}", "abc", "working", "1", "working_dir", "s", "/tmp/x")
    assert created.returncode == 0, created.stderr
    session = json.loads(created.stdout)["data"][0]
    assert session["display_name"] == {"type": "s", "data": "x"}
    got = json.loads(busctl_call(daemon.address, "Get", "s", "abc").stdout)["data"][0]
    assert got["history"] == {"type": "aa{sv}", "data": []}
    listed = json.loads(busctl_call(daemon.address, "ListAll").stdout)["data"][0]
    assert [s["id"]["data"] for s in listed] == ["abc"]
    removed = json.loads(busctl_call(daemon.address, "Remove", "s", "abc").stdout)
    assert removed["data"] == [True]


def test_busctl_errors_are_named(daemon) -> None:
    missing = busctl(daemon.address, "call", BUS_NAME, OBJECT_PATH, INTERFACE, "Get", "s", "nope")
    assert missing.returncode != 0
    assert "no session with id 'nope'" in missing.stderr
    bad = gdbus_call(daemon.address, "Set", "abc", "sleeping", "{}")
    assert bad.returncode != 0
    assert "io.github.AgentConsole1.Error.InvalidArgs" in bad.stderr
    assert "'working', 'attention', 'question' or 'closed'" in bad.stderr


def test_gdbus_set_and_get(daemon) -> None:
    created = gdbus_call(daemon.address, "Set", "g1", "question", "{'working_dir': <'/srv/repo'>}")
    assert created.returncode == 0, created.stderr
    assert "'display_name': <'repo'>" in created.stdout
    assert "'status': <'question'>" in gdbus_call(daemon.address, "Get", "g1").stdout


def test_busctl_and_gdbus_read_the_listings(daemon) -> None:
    """The daemon marshals ListAll and Snapshot itself: parsers other than dbus-fast read them whole."""
    terminal = ("terminal", "a{ss}", "2", "tmux_pane", "%3", "tty", "/dev/pts/1")
    assert busctl_call(daemon.address, "Set", "ssa{sv}", "ls1", "working", "1", *terminal).returncode == 0
    assert busctl_call(daemon.address, "Set", "ssa{sv}", "ls2", "question", "1", "detail", "s", "é 😀").returncode == 0
    sequence, listed = json.loads(busctl_call(daemon.address, "Snapshot").stdout)["data"]
    assert sequence == 2
    assert [(s["id"]["data"], s["terminal"]["data"], s["detail"]["data"]) for s in listed] == [
        ("ls1", {"tmux_pane": "%3", "tty": "/dev/pts/1"}, ""), ("ls2", {}, "é 😀")
    ]
    assert [s["id"]["data"] for s in json.loads(busctl_call(daemon.address, "ListAll").stdout)["data"][0]] == ["ls1", "ls2"]
    snapshot = gdbus_call(daemon.address, "Snapshot")
    assert snapshot.returncode == 0, snapshot.stderr
    assert snapshot.stdout.startswith("(uint64 2, [{'id': <'ls1'>")
    assert "'terminal': <{'tmux_pane': '%3', 'tty': '/dev/pts/1'}>" in snapshot.stdout
    assert "'detail': <'é 😀'>" in snapshot.stdout
    listed_by_gdbus = gdbus_call(daemon.address, "ListAll")
    assert listed_by_gdbus.returncode == 0 and listed_by_gdbus.stdout.startswith("([{'id': <'ls1'>")


def test_dbus_send_reads_and_removes(daemon) -> None:
    """dbus-send cannot build an a{sv} of variants, so it cannot Set; everything else works."""
    busctl_call(daemon.address, "Set", "ssa{sv}", "ds1", "attention", "1", "working_dir", "s", "/opt/w")

    def dbus_send(member: str, *args: str) -> str:
        sent = subprocess.run(
            ["dbus-send", f"--bus={daemon.address}", "--print-reply", f"--dest={BUS_NAME}", OBJECT_PATH,
             f"{INTERFACE}.{member}", *args],
            capture_output=True, text=True, timeout=TIMEOUT_S,
        )
        assert sent.returncode == 0, sent.stderr
        return sent.stdout

    assert 'string "attention"' in dbus_send("Get", "string:ds1")
    assert 'string "ds1"' in dbus_send("ListAll")
    assert "boolean true" in dbus_send("Remove", "string:ds1")


def test_introspection_shows_the_typed_interface(daemon) -> None:
    shown = busctl(daemon.address, "introspect", BUS_NAME, OBJECT_PATH, INTERFACE)
    assert shown.returncode == 0, shown.stderr
    rows = {line.split()[0]: line.split()[1:3] for line in shown.stdout.splitlines()[1:] if line.strip()}
    assert rows[".Set"] == ["method", "ssa{sv}"]
    assert rows[".Get"] == ["method", "s"]
    assert rows[".Remove"] == ["method", "s"]
    assert rows[".ListAll"] == ["method", "-"]
    assert rows[".SessionChanged"] == ["signal", "a{sv}"]
    assert rows[".SessionRemoved"] == ["signal", "s"]
    assert rows[".Version"] == ["property", "s"]
    assert rows[".SessionCount"] == ["property", "u"]


def _wait_for(path: Path, text: str) -> str:
    deadline = time.monotonic() + TIMEOUT_S
    while text not in (output := path.read_text()):
        assert time.monotonic() < deadline, f"{text!r} never appeared in:\n{output}"
        time.sleep(0.02)
    return output


def _monitor(command: list[str], ready: str, trigger, expected: str, log: Path) -> str:
    """Run a monitor until it is listening, trigger, and return its output once ``expected`` shows."""
    with log.open("w") as sink, subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT) as monitor:
        try:
            _wait_for(log, ready)
            trigger()
            return _wait_for(log, expected)
        finally:
            monitor.terminate()


def test_gdbus_monitor_sees_signals(daemon, tmp_path: Path) -> None:
    def trigger() -> None:
        busctl_call(daemon.address, "Set", "ssa{sv}", "mon1", "working", "0")
        busctl_call(daemon.address, "Remove", "s", "mon1")

    output = _monitor(
        ["gdbus", "monitor", "--address", daemon.address, "--dest", BUS_NAME],
        f"The name {BUS_NAME} is owned by", trigger, f"{INTERFACE}.SessionRemoved ('mon1',)",
        tmp_path / "gdbus-monitor.log",
    )
    assert f"{INTERFACE}.SessionChanged" in output and "'mon1'" in output


def test_busctl_monitor_sees_signals(daemon, tmp_path: Path) -> None:
    def trigger() -> None:
        busctl_call(daemon.address, "Set", "ssa{sv}", "mon2", "question", "0")

    output = _monitor(
        ["busctl", f"--address={daemon.address}", "monitor", "--json=short", BUS_NAME],
        "Monitoring bus message stream.", trigger, '"member":"SessionChanged"',
        tmp_path / "busctl-monitor.log",
    )
    signals = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    changed = [s for s in signals if s.get("member") == "SessionChanged"]
    assert changed and changed[0]["payload"]["data"][0]["status"]["data"] == "question"
