"""The other supported Pythons: the pure and bus tiers pass on each, and the daemon and the
asyncio client run on the newest with deprecation warnings as errors, where a library on
its way out of the standard library (dbus-next used ``typing.no_type_check_decorator``,
gone in 3.15) shows first.  Each version's venv is made once (tests/other_pythons.py)."""

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from other_pythons import OTHER_VERSIONS, ROOT, venv_for
from processes import READY_TIMEOUT_S, RunningDaemon, env_with_bus, start_daemon

from agent_console.wire.private_bus import start_private_bus

pytestmark = pytest.mark.versions

NEWEST = OTHER_VERSIONS[-1]
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


TIERS_TIMEOUT_S = 1800.0
"""The pure and bus tiers take one to three minutes on two cores (two workers), more on a loaded machine."""


def bin_of(version: str) -> Path:
    """The venv's bin/ for ``version``; a skip in one line where that Python is missing, except under CI."""
    venv = venv_for(version)
    if venv is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Python {version} is missing: CI must test on it (pyenv, or apt python{version})")
        pytest.skip(f"no Python {version} here (pyenv or apt python{version}): not tested on it")
    return venv / "bin"


@pytest.fixture(scope="module")
def newest_python() -> Path:
    return bin_of(NEWEST)


@pytest.mark.parametrize("version", OTHER_VERSIONS)
def test_the_pure_and_bus_tiers_pass(version: str) -> None:
    python = bin_of(version)
    env = {**os.environ, "PATH": f"{python}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(python.parent)}
    done = subprocess.run(
        [python / "python", "-m", "pytest", "-m", "pure or bus", "-n", "2", "-q", "-x", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIERS_TIMEOUT_S, check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


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
