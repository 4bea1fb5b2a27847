"""What only the shell hook has to get right: the tools it finds or lacks.
Behaviour shared with the Python hook is tested for both in test_hook.py; it
reads no JSON (the daemon does)."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from conftest import RunningDaemon, env_with_bus
from hook_support import (
    HOOK_SCRIPT,
    RUN_TIMEOUT_S,
    SHELL_TOOLS,
    Hook,
    event_payload,
    stored_session,
    tools_dir,
)

pytestmark = pytest.mark.bus


def run_with_tools(tmp_path: Path, tools: tuple[str, ...], payload: bytes, address: str) -> subprocess.CompletedProcess[bytes]:
    return Hook("narrowed", (str(HOOK_SCRIPT),), tools_dir(tmp_path / "bin", tools)).run(payload, env_with_bus(address))


def test_script_is_executable_posix_sh() -> None:
    assert os.access(HOOK_SCRIPT, os.X_OK)
    assert HOOK_SCRIPT.read_text().startswith("#!/bin/sh\n")


def test_shellcheck_finds_nothing() -> None:
    """shellcheck comes with packaging/install-deps --test: a missing one fails, it does not skip."""
    result = subprocess.run(
        ["shellcheck", "--shell=sh", str(HOOK_SCRIPT)], check=False, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    assert result.returncode == 0, result.stdout


def test_without_timeout_the_bus_tool_bounds_the_call(tmp_path: Path, daemon: RunningDaemon) -> None:
    """macOS has no timeout(1): the call must still work."""
    session_id = str(uuid.uuid4())
    result = run_with_tools(tmp_path, ("cat", "od", "busctl"), event_payload("PermissionRequest", session_id), daemon.address)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    session = stored_session(daemon.address, session_id)
    assert session is not None and session["status"] == "attention"


def test_without_any_bus_tool_it_says_so(tmp_path: Path, daemon: RunningDaemon) -> None:
    result = run_with_tools(tmp_path, SHELL_TOOLS, event_payload("PermissionRequest", str(uuid.uuid4())), daemon.address)
    assert (result.returncode, result.stdout) == (0, b"")
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and "neither busctl nor gdbus" in lines[0], lines
