"""Owner identity read from the OS, with real processes."""

import os
import subprocess
import sys
import time

import pytest

from agent_console.system.process_info import is_running, owner_process, start_time

pytestmark = pytest.mark.pure


def test_start_time_identifies_a_live_process() -> None:
    started = start_time(os.getpid())
    assert started is not None
    assert is_running(os.getpid(), started)
    assert not is_running(os.getpid(), started + 1), "same pid, other start: another process"


def test_an_exited_process_is_not_running() -> None:
    child = subprocess.Popen(["sleep", "60"])
    started = start_time(child.pid)
    assert started is not None and is_running(child.pid, started)
    child.kill()
    child.wait()
    assert start_time(child.pid) is None


def test_a_zombie_is_not_running() -> None:
    """An exited child nobody has reaped yet still has /proc; it must count as gone."""
    child = subprocess.Popen(["true"])
    while _state(child.pid) != "Z":
        time.sleep(0.01)
    assert start_time(child.pid) is None
    child.wait()


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0]
    except OSError:
        return None


def test_owner_is_the_first_ancestor_that_is_not_a_shell() -> None:
    probe = "from agent_console.system.process_info import owner_process; print(owner_process())"
    shown = subprocess.run(
        ["sh", "-c", f"bash -c '{sys.executable} -c \"{probe}\"; true'; true"],
        capture_output=True, text=True, check=True,
    )
    assert shown.stdout.strip() == str((os.getpid(), start_time(os.getpid())))


def test_owner_of_a_process_with_no_ancestors_is_none() -> None:
    assert owner_process(1) is None
