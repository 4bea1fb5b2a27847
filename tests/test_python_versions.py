"""The daemon and the asyncio client on the newest Python supported, with deprecation
warnings as errors: a library on its way out of the standard library (dbus-next used
``typing.no_type_check_decorator``, gone in 3.15) shows here first."""

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from other_pythons import venv_for
from processes import READY_TIMEOUT_S, RunningDaemon, env_with_bus, start_daemon

from agent_console.wire.private_bus import start_private_bus

NEWEST = "3.13"
WARNINGS_AS_ERRORS = "error::DeprecationWarning,error::PendingDeprecationWarning"

ASYNC_CLIENT = """
import asyncio
from agent_console.client.async_client import SessionsClient

async def main(address):
    client = await SessionsClient.connect(address)
    changed = asyncio.get_running_loop().create_future()
    await client.subscribe(lambda s: changed.done() or changed.set_result(s), lambda i: None)
    await client.set("newest", "question")
    print((await asyncio.wait_for(changed, 10))["status"], len((await client.snapshot())[1]), await client.version())
    client.close()

import sys
asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture(scope="module")
def newest_python() -> Path:
    venv = venv_for(NEWEST)
    if venv is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Python {NEWEST} is missing: CI must try the daemon on it (pyenv, or apt python{NEWEST})")
        pytest.skip(f"no Python {NEWEST} here (pyenv or apt python{NEWEST}): the daemon is not tried on it")
    return venv / "bin"


@pytest.fixture
def daemon_on_newest(newest_python: Path, tmp_path: Path) -> Iterator[RunningDaemon]:
    bus = start_private_bus(tmp_path)
    running = start_daemon(
        bus.address, tmp_path / "daemon.log", command=[newest_python / "agent-console-daemon"],
        env={**os.environ, "PYTHONWARNINGS": WARNINGS_AS_ERRORS},
    )
    try:
        yield running
    finally:
        running.stop()
        bus.stop()


def test_the_daemon_serves_on_the_newest_python_with_deprecations_as_errors(
    newest_python: Path, daemon_on_newest: RunningDaemon
) -> None:
    env = {**env_with_bus(daemon_on_newest.address), "PYTHONWARNINGS": WARNINGS_AS_ERRORS}
    done = subprocess.run(
        [newest_python / "python", "-c", ASYNC_CLIENT, daemon_on_newest.address],
        env=env, capture_output=True, text=True, timeout=READY_TIMEOUT_S, check=False,
    )
    assert done.returncode == 0, done.stderr + daemon_on_newest.log
    status, count, version = done.stdout.split()
    assert (status, count) == ("question", "1")
    listed = subprocess.run(
        [newest_python / "agent-console", "list"], env=env, capture_output=True, text=True, timeout=READY_TIMEOUT_S, check=False
    )
    assert listed.returncode == 0 and "newest" in listed.stdout, listed.stderr
    assert daemon_on_newest.stop(signal.SIGTERM) == 0, daemon_on_newest.log
    assert "Warning" not in daemon_on_newest.log and "Traceback" not in daemon_on_newest.log, daemon_on_newest.log
