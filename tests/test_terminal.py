"""Where a session lives: the ``terminal`` attribute from both hooks to the wire and back.

The hooks run under an owner process that holds a real pseudo-terminal as its
controlling tty (a session leader that opened the pty), as Claude Code holds
its terminal's, so the tty the daemon stores is read from /proc for real.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import RunningDaemon, env_with_bus
from hook_support import (
    HOOK_NAMES,
    RUN_TIMEOUT_S,
    Hook,
    all_hooks,
    event_payload,
    stored_session,
)

from agent_console.client.async_client import SessionsClient
from agent_console.errors import InvalidArgs
from agent_console.limits import MAX_TERMINAL_VALUE_BYTES
from agent_console.system.process_info import controlling_tty
from agent_console.system.terminal import TERMINAL_ENVIRONMENT

pytestmark = pytest.mark.bus

OWNER_WITH_A_TTY = (
    "import os, subprocess, sys\n"
    "os.open(sys.argv[1], os.O_RDWR)\n"  # a session leader's first tty becomes its controlling tty
    "sys.exit(subprocess.run(['/bin/sh', '-c', '\"$@\"; true', 'sh', *sys.argv[2:]]).returncode)\n"
)
"""Claude Code's part: a process with a controlling terminal that runs the hook through sh."""

TERMINAL_ENV = {
    "TMUX": "/tmp/tmux-1000/default,4242,0",
    "TMUX_PANE": "%3",
    "KITTY_WINDOW_ID": "7",
    "WEZTERM_PANE": "12",
    "TERM_PROGRAM": "tmux",
    "WINDOWID": "94371843",
    "KITTY_LISTEN_ON": "unix:/tmp/" + "k" * MAX_TERMINAL_VALUE_BYTES,
}
"""Every variable a hook reads; the over-long socket path must be left out, not fail the event."""


def run_with_a_tty(hook: Hook, payload: bytes, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[bytes], str]:
    controller, terminal = os.openpty()
    try:
        tty = os.ttyname(terminal)
        result = subprocess.run(
            [sys.executable, "-c", OWNER_WITH_A_TTY, tty, *hook.command], input=payload, env=hook.env(env),
            capture_output=True, timeout=RUN_TIMEOUT_S, start_new_session=True, check=False,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    return result, tty


@pytest.mark.parametrize("hook_name", HOOK_NAMES)
def test_both_hooks_send_the_owners_tty_and_the_terminals_variables(
    hook_name: str, daemon: RunningDaemon, tmp_path: Path
) -> None:
    hook = next(h for h in all_hooks(tmp_path) if h.name == hook_name)
    session_id = str(uuid.uuid4())
    env = {k: v for k, v in env_with_bus(daemon.address).items() if k not in TERMINAL_ENVIRONMENT}
    result, tty = run_with_a_tty(hook, event_payload("UserPromptSubmit", session_id, prompt="hi"), env | TERMINAL_ENV)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    assert stored_session(daemon.address, session_id)["terminal"] == {
        "tty": tty, "tmux": TERMINAL_ENV["TMUX"], "tmux_pane": "%3", "kitty_window_id": "7",
        "wezterm_pane": "12", "term_program": "tmux", "window_id": "94371843",
    }


def test_a_process_without_a_terminal_has_no_tty() -> None:
    detached = subprocess.Popen(["sleep", "30"], start_new_session=True, stdin=subprocess.DEVNULL)
    try:
        assert controlling_tty(detached.pid) is None
    finally:
        detached.kill()
        detached.wait(timeout=RUN_TIMEOUT_S)


async def test_terminal_is_replaced_by_a_set_that_names_it_and_kept_by_one_that_does_not(
    client: SessionsClient,
) -> None:
    first = await client.set("s", "working", terminal={"tmux_pane": "%1", "tty": "/dev/pts/1"})
    assert first["terminal"] == {"tmux_pane": "%1", "tty": "/dev/pts/1"}
    assert (await client.set("s", "attention"))["terminal"] == first["terminal"]
    assert (await client.set("s", "working", terminal={"kitty_window_id": "3"}))["terminal"] == {"kitty_window_id": "3"}
    assert (await client.set("bare", "working"))["terminal"] == {}


@pytest.mark.parametrize(
    ("terminal", "message"),
    [
        ({"screen": "1"}, "unknown key 'screen'"),
        ({"tty": "x" * (MAX_TERMINAL_VALUE_BYTES + 1)}, f"at most {MAX_TERMINAL_VALUE_BYTES} bytes"),
    ],
)
async def test_an_unknown_key_or_an_over_long_value_is_invalid_args(
    client: SessionsClient, terminal: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidArgs, match=message):
        await client.set("s", "working", terminal=terminal)
    assert await client.list_all() == []
