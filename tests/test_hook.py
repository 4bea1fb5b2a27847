"""Both hooks, the Python handler and the shell script, run as the agents run them:
a subprocess with the event on stdin, against a private bus and the real daemon.

Whatever happens, a hook must exit 0 with only what the agent reads on stdout; when
it cannot record an event it says why in one stderr line, and it never takes long.
The hooks only forward, so every row of every agent's table goes through each of
them (``TABLE_ROWS``); what the daemon reads from a payload (details, odd JSON)
is tested through one of them, the Python handler, since it is read once, in the
daemon; how the hook reaches the bus (sh, bash, gdbus) through each.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from types import ModuleType

import pytest
from conftest import AGENT_CONSOLE, RunningDaemon, env_with_bus
from hook_support import (
    HOOK_NAMES,
    HOOK_SCRIPT,
    RUN_TIMEOUT_S,
    Hook,
    all_hooks,
    event_payload,
    start_older_daemon,
    stored_session,
)
from processes import start_activating_bus

from agent_console.agents import all_agents, claude_code, codex, gemini_cli, opencode
from agent_console.agents.settings_file import in_background
from agent_console.limits import MAX_PAYLOAD_BYTES
from agent_console.system import boottime
from agent_console.wire.names import BUS_NAME
from agent_console.wire.private_bus import PrivateBus, start_private_bus

pytestmark = pytest.mark.bus

WELL_UNDER_CLAUDE_TIMEOUT_S = 5.0
"""Claude Code waits up to 10 minutes; the hooks' own bounds are about 1 s each."""

REPO = Path(__file__).resolve().parents[1]

ROW_ID = "{session_id}"


def _claude_rows() -> Iterator[tuple[str, str, Callable[[str], bytes], str | None]]:
    for (event, field, value), rule in claude_code.RULES.items():
        fields = {} if field is None else {field: [{"id": "b1"}] if value == claude_code.NON_EMPTY else value}
        yield (claude_code.NAME, f"{event}-{value}" if field else event,
               partial(event_payload, event, **fields), None if rule is None else rule[0])


def _command_hook_rows(agent: ModuleType) -> Iterator[tuple[str, str, Callable[[str], bytes], str | None]]:
    for event, status in agent.STATUS_BY_EVENT.items():
        yield agent.NAME, event, partial(event_payload, event), status


def _opencode_payload(kind: str, session_id: str, status: str | None = None) -> bytes:
    properties: dict[str, object] = {"sessionID": session_id}
    if status is not None:
        properties["status"] = {"type": status}
    return json.dumps({"directory": "/home/dev/projects/shop", "event": {"type": kind, "properties": properties}}).encode()


def _opencode_rows() -> Iterator[tuple[str, str, Callable[[str], bytes], str | None]]:
    for kind, status in opencode.STATUS_BY_EVENT.items():
        yield opencode.NAME, kind, partial(_opencode_payload, kind), status
    for value, status in opencode.STATUS_BY_SESSION_STATUS.items():
        yield opencode.NAME, f"{opencode.STATUS_EVENT}-{value}", partial(_opencode_payload, opencode.STATUS_EVENT, status=value), status


TABLE_ROWS = [*_claude_rows(), *_command_hook_rows(gemini_cli), *_command_hook_rows(codex), *_opencode_rows()]
"""Every row of every agent's table: (agent, row, payload for a session id, the status it
records or None when the row ignores the event).  Derived, so a row added is a row tested."""

UNUSUAL_DIRS = [
    '/home/dev/my "quoted" dir',
    "/home/dev/back\\slash\\",
    "/home/dev/naïve/日本語/😀",
    "/home/dev/tab\tand\nnewline",
    "/home/dev/colon: brace{ bracket[",
    "/home/dev/glob*?[a-z]",
]


@pytest.fixture(params=HOOK_NAMES)
def hook(request: pytest.FixtureRequest, tmp_path: Path) -> Hook:
    """Each handler, and the shell one with each way of reaching the bus."""
    return next(h for h in all_hooks(tmp_path) if h.name == request.param)


HANDLERS = ["python", "sh"]


@pytest.fixture(params=HANDLERS)
def handler(request: pytest.FixtureRequest, tmp_path: Path) -> Hook:
    """Each handler: the Python one and the shell one."""
    return next(h for h in all_hooks(tmp_path) if h.name == request.param)


@pytest.fixture
def python_hook(tmp_path: Path) -> Hook:
    """One handler, for what the daemon reads from the payload: it is read once, there."""
    return all_hooks(tmp_path)[0]


def case_id(event: str, fields: dict[str, object]) -> str:
    detail = next((fields[key] for key in CASE_KEYS if isinstance(fields.get(key), str)), None)
    return f"{event}-{detail}" if detail else event


CASE_KEYS = ("notification_type", "tool_name", "trigger", "source", "reason")


def settled_session(address: str, session_id: str, status: str) -> dict[str, object] | None:
    """The session once it reads ``status``: a hook started in the background records
    it after the line that started it has returned.  Polls with a deadline, never forever."""
    deadline = time.monotonic() + WELL_UNDER_CLAUDE_TIMEOUT_S
    while True:
        session = stored_session(address, session_id)
        if (session is not None and session["status"] == status) or time.monotonic() > deadline:
            return session
        time.sleep(POLL_S)


POLL_S = 0.02


def fresh_id() -> str:
    return str(uuid.uuid4())


def assert_silent_success(result: subprocess.CompletedProcess[bytes]) -> None:
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def assert_reported(result: subprocess.CompletedProcess[bytes], *words: str) -> str:
    """Exit 0, nothing on stdout, and exactly one stderr line that mentions ``words``."""
    assert result.returncode == 0
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize(("agent", "row", "payload", "status"), TABLE_ROWS, ids=[f"{a}-{r}" for a, r, _, _ in TABLE_ROWS])
def test_every_row_of_every_table_through_each_handler(
    handler: Hook, shared_daemon: RunningDaemon, agent: str, row: str, payload: Callable[[str], bytes], status: str | None
) -> None:
    """The status recorded is the row's, the agent is named, and the agent reads on stdout
    what its module says (``{}`` for Gemini CLI) and nothing on stderr."""
    session_id = fresh_id()
    result = handler.run_as(agent, payload(session_id), env_with_bus(shared_daemon.address))
    module = next(module for module in all_agents() if module.NAME == agent)
    assert (result.returncode, result.stdout, result.stderr) == (0, module.HOOK_STDOUT.encode(), b"")
    session = stored_session(shared_daemon.address, session_id)
    if status is None:
        assert session is None
    else:
        assert session is not None
        assert (session["status"], session["agent_type"]) == (status, agent)


LIFECYCLE = [
    ("SessionStart", {"source": "startup"}, "attention"),
    ("UserPromptSubmit", {"prompt": 'Fix the "flaky" test'}, "working"),
    ("PermissionRequest", {"tool_name": "Bash", "tool_input": {"command": "rm -rf build"}}, "attention"),
    ("PostToolUse", {"tool_name": "Bash", "tool_response": {"stdout": "ok"}}, "working"),
    ("Stop", {"stop_hook_active": False}, "attention"),
    ("SessionEnd", {"reason": "prompt_input_exit"}, "closed"),
]


def test_a_session_lifecycle(hook: Hook, shared_daemon: RunningDaemon) -> None:
    session_id = fresh_id()
    env = env_with_bus(shared_daemon.address)
    for event, fields, status in LIFECYCLE:
        assert_silent_success(hook.run(event_payload(event, session_id, **fields), env))
        session = settled_session(shared_daemon.address, session_id, status)
        assert session is not None and session["status"] == status, (event, fields)
    assert session["closed"] is True


def run_under_a_shell(hook: Hook, payload: bytes, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """As Claude Code runs a hook: through ``sh -c``, which stays in between (no exec)."""
    return subprocess.run(
        ["/bin/sh", "-c", '"$@"; true', "sh", *hook.command], input=payload, env=hook.env(env),
        check=False, capture_output=True, timeout=RUN_TIMEOUT_S,
    )


def test_the_owner_process_and_the_close_reason_are_sent(hook: Hook, shared_daemon: RunningDaemon) -> None:
    """The owner is the first ancestor that is not a shell: here this test process."""
    session_id = fresh_id()
    env = env_with_bus(shared_daemon.address)
    assert_silent_success(run_under_a_shell(hook, event_payload("UserPromptSubmit", session_id, prompt="hi"), env))
    assert stored_session(shared_daemon.address, session_id)["pid"] == os.getpid()
    assert_silent_success(run_under_a_shell(hook, event_payload("SessionEnd", session_id, reason="exit"), env))
    session = settled_session(shared_daemon.address, session_id, "closed")
    assert (session["status"], session["close_reason"]) == ("closed", "session-end")


def test_clear_in_the_same_process_replaces_the_old_session(handler: Hook, shared_daemon: RunningDaemon) -> None:
    before, after = fresh_id(), fresh_id()
    env = env_with_bus(shared_daemon.address)
    assert_silent_success(run_under_a_shell(handler, event_payload("UserPromptSubmit", before, prompt="hi"), env))
    assert_silent_success(run_under_a_shell(handler, event_payload("SessionStart", after, source="clear"), env))
    assert stored_session(shared_daemon.address, before)["close_reason"] == "replaced"
    assert stored_session(shared_daemon.address, after)["status"] == "attention"


@pytest.mark.parametrize("cwd", UNUSUAL_DIRS)
@pytest.mark.parametrize("ascii_only", [False, True], ids=["raw-utf8", "escaped"])
def test_working_dir_arrives_exactly(python_hook: Hook, shared_daemon: RunningDaemon, cwd: str, ascii_only: bool) -> None:
    """Claude Code writes non-ASCII as is; other writers escape it (\\u, surrogate pairs)."""
    session_id = fresh_id()
    body = json.loads(event_payload("PermissionRequest", session_id, cwd))
    payload = json.dumps(body, ensure_ascii=ascii_only).encode()
    assert_silent_success(python_hook.run(payload, env_with_bus(shared_daemon.address)))
    session = stored_session(shared_daemon.address, session_id)
    assert session is not None and session["working_dir"] == cwd


def test_only_top_level_members_count(python_hook: Hook, shared_daemon: RunningDaemon) -> None:
    """Nested objects and string contents may spell the same member names."""
    session_id = fresh_id()
    payload = (
        b'{"hook_event_name":"Notification",'
        b'"message":"see \\"session_id\\":\\"decoy-1\\", \\"cwd\\":\\"/decoy\\"",'
        b'"extra":{"session_id":"decoy-2","cwd":"/decoy","hook_event_name":"SessionEnd"},'
        b'"list":[{"notification_type":"auth_success"}],'
        b'"session_id":"' + session_id.encode() + b'","cwd":"/real",'
        b'"notification_type":"elicitation_dialog"}'
    )
    assert_silent_success(python_hook.run(payload, env_with_bus(shared_daemon.address)))
    session = stored_session(shared_daemon.address, session_id)
    assert session is not None
    assert (session["status"], session["working_dir"]) == ("question", "/real")
    assert stored_session(shared_daemon.address, "decoy-1") is None
    assert stored_session(shared_daemon.address, "decoy-2") is None


def test_whitespace_between_tokens_is_allowed(python_hook: Hook, shared_daemon: RunningDaemon) -> None:
    session_id = fresh_id()
    payload = f'\n {{ "session_id" :\t"{session_id}" ,\n "cwd" : "/spaced" , "hook_event_name" : "PermissionRequest" }}\n'
    assert_silent_success(python_hook.run(payload.encode(), env_with_bus(shared_daemon.address)))
    session = stored_session(shared_daemon.address, session_id)
    assert session is not None and session["working_dir"] == "/spaced"


def test_a_long_escaped_prompt_before_cwd_is_skipped_not_decoded(python_hook: Hook, shared_daemon: RunningDaemon) -> None:
    """Members the status does not need are not unescaped: decoding thousands of
    escapes in sh took minutes (the run timeout guards against that hang)."""
    session_id = fresh_id()
    body = {"session_id": session_id, "prompt": 'say \\"hi\\" \\\\ \n' * 2000, "cwd": "/w/p",
            "hook_event_name": "UserPromptSubmit"}
    assert_silent_success(python_hook.run(json.dumps(body).encode(), env_with_bus(shared_daemon.address)))
    assert stored_session(shared_daemon.address, session_id)["working_dir"] == "/w/p"


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"", ["empty"]),
        (b"not json at all", ["not a JSON object"]),
        (b'["session_id"]', ["not a JSON object"]),
        (b'{"hook_event_name":"Stop","cwd":"/x"}', ["Stop", "session_id"]),
    ],
    ids=["empty", "garbage", "array", "no-session-id"],
)
def test_unusable_input_is_reported_in_one_line(
    handler: Hook, shared_daemon: RunningDaemon, payload: bytes, words: list[str]
) -> None:
    assert_reported(handler.run(payload, env_with_bus(shared_daemon.address)), *words)


def test_ten_megabytes_of_tool_response_are_drained_and_recorded(handler: Hook, shared_daemon: RunningDaemon) -> None:
    """The writer must be able to write every byte: a hook that stops reading would
    make Claude Code's write fail with EPIPE."""
    session_id = fresh_id()
    payload = event_payload(
        "PostToolUse", session_id, tool_name="Bash", tool_input={"command": "cat big.log"},
        tool_response={"stdout": "log line with \"quotes\" and {braces}\n" * 300_000, "stderr": ""},
    )
    assert len(payload) > 10_000_000
    started = time.monotonic()
    process = subprocess.Popen(
        handler.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=handler.env(env_with_bus(shared_daemon.address)),
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    process.stdin.write(payload)
    process.stdin.close()
    assert process.wait(timeout=RUN_TIMEOUT_S) == 0
    assert (process.stdout.read(), process.stderr.read()) == (b"", b"")
    assert time.monotonic() - started < WELL_UNDER_CLAUDE_TIMEOUT_S
    session = stored_session(shared_daemon.address, session_id)
    assert session is not None and session["status"] == "working"


def test_no_daemon_on_the_bus(hook: Hook, bus_env: dict[str, str]) -> None:
    line = assert_reported(hook.run(event_payload("PermissionRequest", fresh_id()), bus_env), "not recorded")
    assert "ServiceUnknown" in line or "not provided by any .service files" in line


def test_no_bus_at_all(hook: Hook, tmp_path: Path) -> None:
    env = env_with_bus(f"unix:path={tmp_path}/no-such-socket")
    assert_reported(hook.run(event_payload("PermissionRequest", fresh_id()), env), "not recorded")


@pytest.fixture
def silent_service(bus_address: str) -> Iterator[None]:
    """A process that owns the service's name on the bus and never answers a call."""
    script = (
        "import sys, time\n"
        "from agent_console.wire.address import session_bus_sockets\n"
        "from agent_console.wire.blocking_transport import Connection, MethodCall\n"
        "bus = Connection.open(session_bus_sockets({'DBUS_SESSION_BUS_ADDRESS': sys.argv[1]}), 3600)\n"
        "bus.call(MethodCall('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',\n"
        "         'RequestName', 'su', [sys.argv[2], 4]))\n"
        "print('owned', flush=True)\n"
        "time.sleep(3600)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, bus_address, BUS_NAME], stdout=subprocess.PIPE, cwd=REPO
    )
    assert process.stdout is not None and process.stdout.readline() == b"owned\n"
    yield
    process.kill()
    process.wait()


@pytest.mark.usefixtures("silent_service")
def test_a_service_that_never_answers(hook: Hook, bus_env: dict[str, str]) -> None:
    """Whichever bound fires first, the hook's own or the bus tool's, says so."""
    started = time.monotonic()
    line = assert_reported(hook.run(event_payload("PermissionRequest", fresh_id()), bus_env), "not recorded")
    assert "no answer" in line or "timed out" in line, line
    assert time.monotonic() - started < WELL_UNDER_CLAUDE_TIMEOUT_S, line


@pytest.fixture
def frozen_bus(tmp_path: Path) -> Iterator[PrivateBus]:
    """A bus daemon that accepts connections and never answers (stopped with SIGSTOP)."""
    directory = tmp_path / "frozen"
    directory.mkdir()
    bus = start_private_bus(directory)
    os.kill(bus.process.pid, signal.SIGSTOP)
    yield bus
    os.kill(bus.process.pid, signal.SIGCONT)
    bus.stop()


def test_a_bus_that_never_answers(hook: Hook, frozen_bus: PrivateBus) -> None:
    started = time.monotonic()
    line = assert_reported(hook.run(event_payload("PermissionRequest", fresh_id()), env_with_bus(frozen_bus.address)), "no answer")
    assert time.monotonic() - started < WELL_UNDER_CLAUDE_TIMEOUT_S, line


def test_auto_start_from_an_activation_file(hook: Hook, tmp_path: Path) -> None:
    """The call leaves auto-start on: an installed activation file starts the daemon,
    and the event reaches it even if starting took longer than the hook waited."""
    bus = start_activating_bus(tmp_path, f"{AGENT_CONSOLE} daemon")
    try:
        session_id = fresh_id()
        result = hook.run(event_payload("SessionStart", session_id, source="startup"), env_with_bus(bus.address))
        assert result.returncode == 0 and result.stdout == b""
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while (session := stored_session(bus.address, session_id)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session is not None and session["status"] == "attention"
    finally:
        bus.stop()


def test_python_hook_help_is_plain_usage() -> None:
    result = subprocess.run([AGENT_CONSOLE, "hook", "--help"], check=False, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("usage: agent-console hook [--agent NAME] [--owner PID]\n")


def test_python_hook_ignores_unexpected_arguments(shared_daemon: RunningDaemon) -> None:
    session_id = fresh_id()
    result = subprocess.run(
        [AGENT_CONSOLE, "hook", "--bogus"], input=event_payload("PermissionRequest", session_id),
        env=env_with_bus(shared_daemon.address), check=False, capture_output=True, timeout=RUN_TIMEOUT_S,
    )
    assert_reported(result, "--bogus")
    assert stored_session(shared_daemon.address, session_id) is not None


def test_a_stdin_that_is_never_closed_still_ends_the_hook(handler: Hook, shared_daemon: RunningDaemon) -> None:
    """A pipe held open must not hold the hook: about 2 s at most.  The Python handler still
    records the event; the shell one, whose od loses its buffer when timed out, says why not."""
    session_id = fresh_id()
    process = subprocess.Popen(
        handler.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=handler.env(env_with_bus(shared_daemon.address)),
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    process.stdin.write(event_payload("UserPromptSubmit", session_id, prompt="hi"))
    process.stdin.flush()
    try:
        assert process.wait(timeout=WELL_UNDER_CLAUDE_TIMEOUT_S) == 0
    finally:
        process.stdin.close()
    assert process.stdout.read() == b""
    session = stored_session(shared_daemon.address, session_id)
    if handler.name == "python":
        assert session is not None and session["status"] == "working"
    else:
        assert session is None and b"not closed" in process.stderr.read()

def test_a_value_cut_by_the_input_bound_is_dropped_not_shortened(handler: Hook, shared_daemon: RunningDaemon) -> None:
    session_id = fresh_id()
    head = event_payload("Stop", session_id, cwd="/placeholder")[: -len(b"}")]
    head = head.replace(b'"cwd":"/placeholder",', b"")
    padding = MAX_PAYLOAD_BYTES - len(head) - 100
    payload = head + b',"padding":"' + b"p" * padding + b'","cwd":"/' + b"d" * 1000 + b'"}'
    assert_silent_success(handler.run(payload, env_with_bus(shared_daemon.address)))
    session = settled_session(shared_daemon.address, session_id, "attention")
    assert session is not None and session["working_dir"] == ""


def test_a_value_nested_past_any_recursion_limit_is_skipped(python_hook: Hook, shared_daemon: RunningDaemon) -> None:
    session_id = fresh_id()
    deep = "[" * 20_000 + "]" * 20_000
    payload = event_payload("PostToolUse", session_id, tool_name="Bash")[:-1] + f',"tool_response":{deep}}}'.encode()
    assert_silent_success(python_hook.run(payload, env_with_bus(shared_daemon.address)))
    session = stored_session(shared_daemon.address, session_id)
    assert session is not None and session["status"] == "working"


def test_with_stderr_closed_nothing_reaches_stdout(handler: Hook, tmp_path: Path) -> None:
    """stdout is what Claude Code reads; a diagnostic must never land there."""
    result = subprocess.run(
        handler.command, input=b"not json", capture_output=False, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=handler.env(env_with_bus(f"unix:path={tmp_path}/no-such-socket")), timeout=RUN_TIMEOUT_S,
        preexec_fn=lambda: os.close(2),
    )
    assert (result.returncode, result.stdout) == (0, b"")


def test_python_hook_imports_nothing_heavy() -> None:
    """The hook path runs on every tool call: no dbus_fast, asyncio, typer, pydantic,
    typing, subprocess or json, and of agent_console only the hook, the bus names and the
    stdlib-only process_info, terminal and limits: no agent's module, since it only forwards.
    Modules that the interpreter's own start-up (site, .pth files) loaded are not the hook's doing."""
    script = (
        "import sys\n"
        "at_startup = set(sys.modules)\n"
        "sys.argv = ['agent-console', 'hook']\n"
        "from agent_console.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(set(sys.modules) - at_startup)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], input=event_payload("PermissionRequest", fresh_id()), check=False, capture_output=True,
        env=env_with_bus("unix:path=/nonexistent"), timeout=RUN_TIMEOUT_S, cwd=REPO,
    )
    imported = set(result.stdout.decode().split())
    assert "agent_console.wire.blocking_transport" in imported
    heavy = {"dbus_fast", "asyncio", "typer", "pydantic", "click", "typing", "subprocess", "json"}
    assert {name.partition(".")[0] for name in imported} & heavy == set()
    ours = {name for name in imported if name.startswith("agent_console") and not name.startswith("agent_console.hook")}
    assert ours <= {
        "agent_console", "agent_console.cli", "agent_console.wire", "agent_console.wire.names",
        "agent_console.wire.address", "agent_console.wire.blocking_transport", "agent_console.wire.marshal",
        "agent_console.system", "agent_console.system.process_info", "agent_console.system.terminal", "agent_console.limits",
        "agent_console.system.boottime", "agent_console.vocabulary",
    }


LONG_LINE = "é" * 150 + " and more"
DETAILED = [
    ("PermissionRequest", {"tool_name": "Bash", "tool_input": {"command": "npm test", "description": "Run the tests"}},
     "attention", "Bash: npm test"),
    ("PermissionRequest", {"tool_name": "Edit", "tool_input": {"file_path": "/srv/shop/cart.py", "old_string": "a"}},
     "attention", "Edit: /srv/shop/cart.py"),
    ("PermissionRequest", {"tool_name": "Bash", "tool_input": {"command": "\n  set -e\nmake all\n"}},
     "attention", "Bash: set -e"),
    ("PermissionRequest", {"tool_name": "mcp__db__query", "tool_input": {"sql": "select 1"}},
     "attention", "mcp__db__query"),
    ("PreToolUse", {"tool_name": "AskUserQuestion", "tool_input": {"questions": [
        {"question": 'Which "database" — Postgres?', "header": "DB", "options": [{"label": "Yes", "description": "d"}]},
        {"question": "Second?", "header": "2", "options": []}]}},
     "question", 'Which "database" — Postgres?'),
    ("PermissionRequest", {"tool_name": "AskUserQuestion", "tool_input": {"questions": [
        {"header": "H", "question": "Deploy now?\nReally?", "options": []}]}},
     "question", "Deploy now?"),
    ("Notification", {"message": "MCP server github requests input", "notification_type": "elicitation_dialog"},
     "question", "MCP server github requests input"),
    ("Notification", {"message": "Auto mode can't check actions in this session and needs your choice",
                      "notification_type": "agent_needs_input"},
     "attention", "Auto mode can't check actions in this session and needs your choice"),
    ("PreToolUse", {"tool_name": "Bash", "tool_input": {"command": "npm test", "description": "Run the tests"},
                    "tool_use_id": "toolu_01"}, "working", "Bash: npm test"),
    ("PermissionRequest", {"tool_name": "ExitPlanMode", "tool_input": {
        "plan": "# Rename the cart module\n\n1. Move it.", "planFilePath": "/home/dev/.claude/plans/p.md"}},
     "attention", "# Rename the cart module"),
    ("Stop", {"stop_hook_active": False, "last_assistant_message": "\n\nAll tests pass.\nDetails follow.",
              "background_tasks": []}, "attention", "All tests pass."),
    ("Stop", {"last_assistant_message": LONG_LINE}, "attention", "é" * 98 + "…"),
    ("Stop", {"last_assistant_message": "x" * 300}, "attention", "x" * 197 + "…"),
    ("Stop", {"last_assistant_message": "Started the build.", "background_tasks": [
        {"id": "b1", "type": "shell", "status": "running", "description": "npm run build"},
        {"id": "b2", "type": "shell", "status": "running", "description": "npm run watch"}]},
     "working", "2 background tasks"),
    ("Stop", {"background_tasks": [{"id": "b1", "type": "subagent", "status": "pending", "description": "x"}]},
     "working", "1 background task"),
    ("StopFailure", {"error": "invalid_request", "error_details": "400 bad request",
                     "last_assistant_message": "API Error: 400 fake: this request is refused"},
     "attention", "API Error: 400 fake: this request is refused"),
    ("StopFailure", {"error": "rate_limit", "last_assistant_message": ""}, "attention", "rate_limit"),
]


@pytest.mark.parametrize(
    ("event", "fields", "status", "detail"), DETAILED, ids=[f"{case_id(e, f)}-{n}" for n, (e, f, _, _) in enumerate(DETAILED)]
)
def test_each_detail_as_the_table_reads_it(
    python_hook: Hook, shared_daemon: RunningDaemon, event: str, fields: dict[str, object], status: str, detail: str
) -> None:
    """Every rule of Claude Code's table with a detail, as the daemon reads it."""
    session_id = fresh_id()
    assert_silent_success(python_hook.run(event_payload(event, session_id, **fields), env_with_bus(shared_daemon.address)))
    session = settled_session(shared_daemon.address, session_id, status)
    assert session is not None
    assert (session["status"], session["detail"]) == (status, detail)


@pytest.mark.parametrize(("reason", "close_reason"), [("clear", "cleared"), ("logout", "session-end")])
def test_session_end_says_why(python_hook: Hook, shared_daemon: RunningDaemon, reason: str, close_reason: str) -> None:
    session_id = fresh_id()
    env = env_with_bus(shared_daemon.address)
    assert_silent_success(python_hook.run(event_payload("SessionEnd", session_id, reason=reason), env))
    session = settled_session(shared_daemon.address, session_id, "closed")
    assert (session["status"], session["close_reason"]) == ("closed", close_reason)


def test_an_ask_user_question_dialog_reads_question_to_its_answer(python_hook: Hook, shared_daemon: RunningDaemon) -> None:
    """PreToolUse, then PermissionRequest for the same tool, then permission_prompt 6 s later."""
    session_id = fresh_id()
    env = env_with_bus(shared_daemon.address)
    tool_input = {"questions": [{"question": "Which database?", "header": "DB", "options": []}]}
    for event, fields in [
        ("PreToolUse", {"tool_name": "AskUserQuestion", "tool_input": tool_input}),
        ("PermissionRequest", {"tool_name": "AskUserQuestion", "tool_input": tool_input}),
        ("Notification", {"message": "Claude needs your permission", "notification_type": "permission_prompt"}),
    ]:
        assert_silent_success(python_hook.run(event_payload(event, session_id, **fields), env))
        session = stored_session(shared_daemon.address, session_id)
        assert (session["status"], session["detail"]) == ("question", "Which database?"), event
    assert_silent_success(python_hook.run(event_payload("PostToolUse", session_id, tool_name="AskUserQuestion"), env))
    assert stored_session(shared_daemon.address, session_id)["status"] == "working"


def test_a_subagents_dialog_stays_in_front_until_its_thread_goes_on(handler: Hook, shared_daemon: RunningDaemon) -> None:
    """2.1.332, a background subagent's Bash refused: the order observed (PostToolBatch is not registered)."""
    session_id = fresh_id()
    env = env_with_bus(shared_daemon.address)
    bash = {"tool_name": "Bash", "tool_input": {"command": "touch made-by-sub"}}
    subagent = {"agent_id": "af1d9f9773f226bc1", "agent_type": "general-purpose"}
    task = [{"id": "af1d9f9773f226bc1", "type": "subagent", "status": "running", "description": "Run it"}]
    dialog = ("attention", "Bash: touch made-by-sub", True)
    for event, fields, shown in [
        ("PreToolUse", {**subagent, **bash, "tool_use_id": "toolu_1"}, ("working", "Bash: touch made-by-sub", False)),
        ("PermissionRequest", {**subagent, **bash}, dialog),
        ("Stop", {"last_assistant_message": "Done.", "background_tasks": task}, dialog),
        ("Notification", {"message": "Claude needs your permission", "notification_type": "permission_prompt"}, dialog),
        ("SubagentStop", {**subagent, "last_assistant_message": "Done."}, ("working", "1 background task", False)),
        ("UserPromptSubmit", {"prompt": "<task-notification>\n<task-id>af1d9f9773f226bc1</task-id>"},
         ("working", "1 background task", False)),
        ("PreToolUse", {**bash, "tool_use_id": "toolu_2"}, ("working", "Bash: touch made-by-sub", False)),
        ("PostToolUse", {**bash, "tool_use_id": "toolu_2"}, ("working", "", False)),
    ]:
        assert_silent_success(handler.run(event_payload(event, session_id, **fields), env))
        session = stored_session(shared_daemon.address, session_id)
        assert (session["status"], session["detail"], session["permission"]) == shown, event


def test_a_subagent_id_past_the_daemons_bound_still_records_the_event(python_hook: Hook, shared_daemon: RunningDaemon) -> None:
    session_id = fresh_id()
    payload = event_payload("PreToolUse", session_id, agent_id="a" * 300, tool_name="Bash", tool_input={"command": "ls"})
    assert_silent_success(python_hook.run(payload, env_with_bus(shared_daemon.address)))
    session = settled_session(shared_daemon.address, session_id, "working")
    assert session is not None and session["detail"] == "Bash: ls"


def test_after_session_end_only_a_session_start_reopens(python_hook: Hook, shared_daemon: RunningDaemon) -> None:
    """An event's call may land after SessionEnd's (hooks in the background finish in any order)."""
    session_id = fresh_id()
    env = env_with_bus(shared_daemon.address)
    assert_silent_success(python_hook.run(event_payload("SessionStart", session_id, source="startup"), env))
    assert_silent_success(python_hook.run(event_payload("SessionEnd", session_id, reason="other"), env))
    assert settled_session(shared_daemon.address, session_id, "closed")["status"] == "closed"
    assert_silent_success(python_hook.run(event_payload("PermissionRequest", session_id, tool_name="Bash"), env))
    assert stored_session(shared_daemon.address, session_id)["status"] == "closed"
    assert_silent_success(python_hook.run(event_payload("SessionStart", session_id, source="resume"), env))
    assert stored_session(shared_daemon.address, session_id)["status"] == "attention"


def test_events_are_stamped_on_the_boot_clock(handler: Hook, shared_daemon: RunningDaemon) -> None:
    """A Set stamped before the hook ran is too late; one stamped after it is applied."""
    session_id = fresh_id()
    before = boottime.now_us()
    assert_silent_success(handler.run(event_payload("UserPromptSubmit", session_id, prompt="go"), env_with_bus(shared_daemon.address)))
    assert set_stamped(shared_daemon.address, session_id, before - STAMP_RESOLUTION_US)["status"] == "working"
    assert set_stamped(shared_daemon.address, session_id, boottime.now_us())["status"] == "attention"


STAMP_RESOLUTION_US = 10_000
"""The shell hook reads /proc/uptime, in hundredths of a second, and rounds down."""



def set_stamped(address: str, session_id: str, event_time: int) -> dict[str, object]:
    """busctl's Set of attention at ``event_time``; the reply, as the store has it."""
    result = subprocess.run(
        ["busctl", f"--address={address}", "--json=short", "call", BUS_NAME, "/io/github/AgentConsole1",
         "io.github.AgentConsole1.Sessions", "Set", "ssa{sv}", "--", session_id, "attention", "1",
         "event_time", "t", str(event_time)],
        check=False, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr
    return {key: entry["data"] for key, entry in json.loads(result.stdout)["data"][0].items()}


def run_registered(hook: Hook, payload: bytes, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """The hook as install-hooks registers it for Claude Code: a line for ``/bin/sh -c``."""
    line = in_background(list(hook.command))
    return subprocess.run(["/bin/sh", "-c", line], input=payload, env=hook.env(env), check=False,
                          capture_output=True, timeout=RUN_TIMEOUT_S)


def processes_with(marker: str) -> list[int]:
    """The pids whose environment holds ``marker``: a hook started under it, at any depth."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_the_registered_line_records_with_claude_as_the_owner(handler: Hook, shared_daemon: RunningDaemon) -> None:
    """The shell that started the hook is gone when it looks: the owner comes from its $PPID
    (here this test process, standing for Claude), and the payload from its saved stdin."""
    session_id = fresh_id()
    assert_silent_success(run_registered(handler, event_payload("Stop", session_id), env_with_bus(shared_daemon.address)))
    session = settled_session(shared_daemon.address, session_id, "attention")
    assert session is not None and session["pid"] == os.getpid()


def test_the_registered_line_returns_before_the_bus_answers(handler: Hook, frozen_bus: PrivateBus) -> None:
    """Claude waits for the shell alone: it has exited while the hook still waits for the
    frozen bus, and the hook gives up on its own."""
    name, value = "AGENT_CONSOLE_TEST_MARK", fresh_id()
    env = {**env_with_bus(frozen_bus.address), name: value}
    assert_silent_success(run_registered(handler, event_payload("SessionEnd", fresh_id()), env))
    marker = f"{name}={value}"
    # A process's environment reads empty while it execs (sh, nice, the handler): look again.
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not processes_with(marker) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    assert processes_with(marker), "the hook did not outlive the shell that started it"
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    assert not processes_with(marker), "the hook did not give up on a bus that never answers"


ODD_ARGUMENTS = [
    ["--owner", "\u00b2"],
    ["--owner", "1" * 30],
    ["--owner=-5"],
    ["--owner", "0x10"],
    ["--owner"],
    ["--agent"],
    ["--agent", "Claude Code; rm -rf /"],
    ["--agent", "x" * 100_000],
    ["--", "--owner", "1"],
]


@pytest.mark.parametrize("argv", ODD_ARGUMENTS, ids=[f"argv{n}" for n in range(len(ODD_ARGUMENTS))])
def test_any_arguments_exit_0_without_noise(handler: Hook, shared_daemon: RunningDaemon, argv: list[str]) -> None:
    """Exit 0, nothing on stdout, at most the one line that says why; an --owner that is no
    pid counts as not given (``²`` and thirty digits once gave a traceback and "Illegal number")."""
    session_id = fresh_id()
    result = Hook(handler.name, (*handler.command, *argv), handler.path).run(
        event_payload("UserPromptSubmit", session_id), env_with_bus(shared_daemon.address)
    )
    assert (result.returncode, result.stdout) == (0, b"")
    lines = result.stderr.decode(errors="replace").splitlines()
    assert len(lines) <= 1 and all(line.startswith(("agent-console hook:", "agent-console-hook:")) for line in lines), lines
    if argv[0] == "--owner" and len(argv) == 2:
        session = stored_session(shared_daemon.address, session_id)
        assert session is not None and session["status"] == "working"


@pytest.mark.parametrize("stdin", [b"\0" * 10, b"\xff\xfe{", b"{" * 70_000, b'{"session_id": 5}'], ids=["nul", "bytes", "deep", "typed"])
def test_any_input_exits_0_without_noise(handler: Hook, shared_daemon: RunningDaemon, stdin: bytes) -> None:
    result = handler.run(stdin, env_with_bus(shared_daemon.address))
    assert (result.returncode, result.stdout) == (0, b"")
    assert len(result.stderr.splitlines()) <= 1


def test_a_nul_in_the_session_id_is_recorded_escaped(handler: Hook, shared_daemon: RunningDaemon) -> None:
    """The bus would drop a connection whose message held a NUL in a string: the id goes as
    the payload's bytes, and the daemon records it escaped; the daemon stays on the bus."""
    session_id = fresh_id()
    payload = event_payload("UserPromptSubmit", session_id).replace(session_id.encode(), session_id.encode() + b"\\u0000x\\ud800", 1)
    assert_silent_success(handler.run(payload, env_with_bus(shared_daemon.address)))
    session = stored_session(shared_daemon.address, session_id + "\\x00x\\ud800")
    assert session is not None and session["status"] == "working"
    assert shared_daemon.process.poll() is None


@pytest.fixture
def older_daemon(bus_address: str) -> Iterator[subprocess.Popen[bytes]]:
    process = start_older_daemon(bus_address)
    yield process
    process.kill()
    process.wait()


def test_an_older_daemon_gets_the_event_through_set(older_daemon: subprocess.Popen[bytes], bus_env: dict[str, str]) -> None:
    """The Python handler reads the payload itself then, with the agent's module."""
    session_id = fresh_id()
    result = subprocess.run([AGENT_CONSOLE, "hook"], input=event_payload("Stop", session_id), env=bus_env,
                            check=False, capture_output=True, timeout=RUN_TIMEOUT_S)
    assert_silent_success(result)
    assert older_daemon.stdout is not None
    assert older_daemon.stdout.readline().decode().split() == [session_id, "attention", "claude-code", str(os.getpid())]


def test_the_shell_hook_says_the_daemon_is_older(older_daemon: subprocess.Popen[bytes], bus_env: dict[str, str]) -> None:
    result = subprocess.run([str(HOOK_SCRIPT)], input=event_payload("Stop", fresh_id()), env=bus_env,
                            check=False, capture_output=True, timeout=RUN_TIMEOUT_S)
    assert_reported(result, "older", "restart")


def test_claude_pid_names_the_owner_where_no_owner_is_given(handler: Hook, shared_daemon: RunningDaemon) -> None:
    """Claude Code 2.1.332 sets CLAUDE_PID in every hook's environment: the owner is that
    process (here a sleep started before the hook), not the hook's parent."""
    claude = subprocess.Popen(["sleep", "30"])
    try:
        session_id = fresh_id()
        env = {**env_with_bus(shared_daemon.address), "CLAUDE_PID": str(claude.pid)}
        assert_silent_success(handler.run(event_payload("UserPromptSubmit", session_id), env))
        session = stored_session(shared_daemon.address, session_id)
        assert session is not None and session["pid"] == claude.pid
    finally:
        claude.kill()
        claude.wait()


def test_install_hooks_stops_a_daemon_of_another_version(tmp_path: Path, bus_env: dict[str, str], bus_address: str) -> None:
    """The hooks forward to whatever daemon runs: one older than this package is stopped, so
    that the next call starts the installed one (here none is activatable)."""
    older = start_older_daemon(bus_address)
    try:
        env = {**bus_env, "HOME": str(tmp_path), "CODEX_HOME": str(tmp_path / "codex")}
        done = subprocess.run([AGENT_CONSOLE, "install-hooks", "--agent", "codex"], env=env, check=False,
                              capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        output = done.stdout
        assert older.wait(timeout=RUN_TIMEOUT_S) is not None
        assert f"stopped the agent-console service an unknown version (pid {older.pid})" in output
    finally:
        older.kill()
        older.wait()
