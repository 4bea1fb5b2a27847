"""The daemon as a supervisor sees it: name ownership, signals, exit codes, logs."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, READY_TIMEOUT_S, start_daemon
from dbus_fast import Message, MessageType
from dbus_fast.annotations import DBusStr
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface, dbus_method
from processes import bus_owner_pid

from agent_console.client.async_client import SessionsClient
from agent_console.errors import Unavailable
from agent_console.system import process_info
from agent_console.wire.connection import connect
from agent_console.wire.names import BUS_DRIVER, BUS_DRIVER_PATH, BUS_NAME
from agent_console.wire.private_bus import start_private_bus

pytestmark = pytest.mark.bus


def test_second_instance_exits_3_with_one_line(daemon, tmp_path: Path) -> None:
    second = start_daemon(daemon.address, tmp_path / "second.log")
    assert second.process.wait(timeout=READY_TIMEOUT_S) == 3
    [line] = second.log.strip().splitlines()
    assert f"{BUS_NAME} is already owned by another process (pid {daemon.process.pid})" in line
    assert "--replace" in line
    assert daemon.process.poll() is None


def test_replace_takes_over_and_the_old_one_exits_0(daemon, tmp_path: Path) -> None:
    newer = start_daemon(daemon.address, tmp_path / "newer.log", "--replace")
    assert daemon.process.wait(timeout=READY_TIMEOUT_S) == 0
    assert "stopped (replaced)" in daemon.log
    assert bus_owner_pid(daemon.address) == newer.process.pid
    assert newer.stop() == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_releases_the_name_and_exits_0(daemon, signum: int) -> None:
    assert bus_owner_pid(daemon.address) == daemon.process.pid
    assert daemon.stop(signum) == 0
    assert f"stopped ({signal.Signals(signum).name})" in daemon.log
    assert bus_owner_pid(daemon.address) is None


def test_lost_bus_exits_1_so_a_supervisor_restarts(tmp_path: Path) -> None:
    bus = start_private_bus(tmp_path)
    running = start_daemon(bus.address, tmp_path / "daemon.log")
    bus.stop()
    assert running.process.wait(timeout=READY_TIMEOUT_S) == 1
    assert "lost the bus connection" in running.log


def test_unreachable_bus_exits_1_with_one_line(tmp_path: Path) -> None:
    ran = subprocess.run(
        [AGENT_CONSOLE, "daemon", "--address", f"unix:path={tmp_path}/nothing"],
        capture_output=True, text=True, timeout=READY_TIMEOUT_S,
    )
    assert ran.returncode == 1
    [line] = ran.stderr.strip().splitlines()
    assert "cannot connect to the D-Bus bus" in line


def test_without_any_session_bus_it_brings_its_own(tmp_path: Path) -> None:
    """And Ctrl-C in its terminal (SIGINT to the whole process group) stops both cleanly."""
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")}
    with subprocess.Popen(
        [AGENT_CONSOLE, "daemon"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        process_group=0,
    ) as process:
        line = process.stdout.readline()
        address = re.fullmatch(r"DBUS_SESSION_BUS_ADDRESS='(.+)'; export DBUS_SESSION_BUS_ADDRESS;\n", line)
        assert address, line
        deadline = time.monotonic() + READY_TIMEOUT_S
        while bus_owner_pid(address.group(1)) is None:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        bus_pid = bus_owner_pid(address.group(1), BUS_DRIVER)
        assert bus_pid is not None
        bus_started = process_info.start_time(bus_pid)
        assert bus_started is not None
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=READY_TIMEOUT_S) == 0, process.stderr.read()
    assert not process_info.is_running(bus_pid, bus_started), "its private dbus-daemon outlived the daemon"


def test_a_forged_name_lost_does_not_stop_the_daemon(daemon) -> None:
    """Any client can send a unicast signal named NameLost; only the bus driver's counts."""
    unique_name = _owner_unique_name(daemon.address)
    for member in ("NameLost", "NameAcquired"):
        forged = subprocess.run(
            ["gdbus", "emit", "--address", daemon.address, "--dest", unique_name,
             "--object-path", BUS_DRIVER_PATH, "--signal", f"{BUS_DRIVER}.{member}", BUS_NAME],
            capture_output=True, text=True, timeout=READY_TIMEOUT_S,
        )
        assert forged.returncode == 0, forged.stderr
    answered = subprocess.run(
        [AGENT_CONSOLE, "list", "--json", "--address", daemon.address],
        capture_output=True, text=True, timeout=READY_TIMEOUT_S,
    )
    assert answered.returncode == 0, answered.stderr
    assert daemon.process.poll() is None, daemon.log
    assert "stopped" not in daemon.log


def _owner_unique_name(address: str) -> str:
    done = subprocess.run(
        ["busctl", f"--address={address}", "--json=short", "call", BUS_DRIVER, BUS_DRIVER_PATH,
         BUS_DRIVER, "GetNameOwner", "s", BUS_NAME],
        capture_output=True, text=True, check=True, timeout=READY_TIMEOUT_S,
    )
    return json.loads(done.stdout)["data"][0]


def test_journal_stream_gets_priorities_and_no_timestamps(
    bus_address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOURNAL_STREAM", "8:1234")
    running = start_daemon(bus_address, tmp_path / "daemon.log")
    running.stop()
    lines = running.log.splitlines()
    assert lines and all(re.match(r"<[0-7]>", line) for line in lines), lines
    assert f"<6>serving {BUS_NAME}" in lines[0]


def test_stop_signal_just_after_the_bus_died_still_exits(tmp_path: Path) -> None:
    """Both arrive together: the daemon must not wait forever to release a name on a dead bus."""
    bus = start_private_bus(tmp_path)
    running = start_daemon(bus.address, tmp_path / "daemon.log")
    running.process.send_signal(signal.SIGSTOP)
    bus.stop()
    running.process.send_signal(signal.SIGTERM)
    running.process.send_signal(signal.SIGCONT)
    assert running.process.wait(timeout=READY_TIMEOUT_S) in (0, 1), running.log
    assert "Traceback" not in running.log


async def test_a_call_on_a_closed_connection_fails_at_once(daemon) -> None:
    bus = await connect(daemon.address)
    bus.disconnect()
    with pytest.raises(DBusError, match="closed"):
        await bus.release_name(BUS_NAME)
    await bus.wait_for_disconnect()
    with pytest.raises(DBusError, match="closed"):
        await bus.release_name(BUS_NAME)


async def test_a_client_whose_bus_died_gets_unavailable_not_a_traceback(tmp_path: Path) -> None:
    bus = start_private_bus(tmp_path)
    client = await SessionsClient.connect(bus.address)
    bus.stop()
    with pytest.raises(Unavailable, match="lost the connection to the bus"):
        await client.list_all()


def test_the_daemon_validates_with_pydantic_core_alone() -> None:
    """What keeps its idle memory and D-Bus activation time within their targets
    (benchmarks/targets.py measures them): pydantic's models, ssl, OpenSSL's hashes and the TOML parser stay out."""
    script = (
        "import sys\n"
        "from agent_console.daemon.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(name for name, module in sys.modules.items() if module is not None)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=READY_TIMEOUT_S)
    loaded = {name.partition(".")[0] for name in done.stderr.splitlines()[-1].split()}
    assert {"agent_console", "asyncio", "dbus_fast", "pydantic_core"} <= loaded, done.stderr
    assert loaded & {"pydantic", "ssl", "_hashlib", "tomllib", "textual", "annotated_types"} == set()


class _Broken(ServiceInterface):
    """A handler that fails in a way nobody planned for."""

    def __init__(self) -> None:
        super().__init__("io.github.AgentConsole1.Test")

    @dbus_method()
    def Fail(self) -> DBusStr:
        return {}["missing"]


async def test_an_unexpected_exception_is_a_named_error_without_its_traceback(bus_address: str, caplog) -> None:
    """The reply names an error and says what kind of failure it was; the traceback (paths, lines,
    locals) goes to the log only."""
    server, caller = await connect(bus_address), await connect(bus_address)
    try:
        server.export("/test", _Broken())
        reply = await caller.call(Message(
            destination=server.unique_name, path="/test", interface="io.github.AgentConsole1.Test", member="Fail"
        ))
    finally:
        server.disconnect()
        caller.disconnect()
    assert reply.message_type is MessageType.ERROR
    assert reply.error_name and reply.error_name.count(".") >= 2
    [text] = reply.body
    assert "KeyError" in text and "Traceback" not in text and "test_daemon.py" not in text
    assert "Traceback" in caplog.text or any(record.exc_info for record in caplog.records)
