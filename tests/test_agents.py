"""Gemini CLI, Codex and opencode through ``agent-console hook --agent NAME``.

The payloads are real: each fixture under ``fixtures/agents/`` is what the
agent's current version sent to a capturing hook in one run against the fake
model API (``fake_model_api.py``; how, in ``fixtures/agents/README.md``),
one payload per line, in the order sent.  Every line goes through the real
executable to a real daemon on a private bus, and the session's history as
the daemon keeps it, read with busctl, must be the timeline the agent's
table promises.
"""

import inspect
import io
import json
import subprocess
import tokenize
import uuid
from pathlib import Path
from types import ModuleType
from typing import get_origin, get_type_hints

import pytest
from conftest import AGENT_CONSOLE, RunningDaemon, env_with_bus
from hook_support import RUN_TIMEOUT_S, event_payload, stored_session

import agent_console
from agent_console.agents import agent_named, all_agents
from agent_console.agents.contract import Agent
from agent_console.vocabulary import AgentType

pytestmark = pytest.mark.bus

FIXTURES = Path(__file__).parent / "fixtures" / "agents"


def run_hook(agent: str, payload: bytes, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [AGENT_CONSOLE, "hook", "--agent", agent],
        input=payload, env=env, check=False, capture_output=True, timeout=RUN_TIMEOUT_S,
    )


def fixture_lines(name: str) -> list[bytes]:
    return since_boot((FIXTURES / name).read_bytes().splitlines())


def since_boot(lines: list[bytes]) -> list[bytes]:
    """The payloads with the plugin's recorded ``event_time`` stamps moved to the first
    microseconds after boot, their order and spacing kept.

    They were taken on the capturing machine's boot clock; on a machine up for
    less time they would lie in the future, and the hook rightly ignores a stamp
    later than its own start, which would mix the two clocks in one replay.
    """
    events = [json.loads(line) for line in lines]
    stamps = [event["event_time"] for event in events if isinstance(event.get("event_time"), int)]
    if not stamps:
        return lines
    shift = min(stamps) - 1
    for event in events:
        if isinstance(event.get("event_time"), int):
            event["event_time"] -= shift
    return [json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode() for event in events]


def renamed(lines: list[bytes], suffix: str) -> list[bytes]:
    """The payloads with every session id made unique to one test, nothing else changed."""
    ids = {session_id for line in lines for session_id in session_ids(line)}
    for session_id in ids:
        lines = [line.replace(session_id.encode(), f"{session_id}-{suffix}".encode()) for line in lines]
    return lines


def session_ids(line: bytes) -> set[str]:
    event = json.loads(line)
    inner = event.get("event", {}).get("properties", {})
    return {value for value in (event.get("session_id"), inner.get("sessionID")) if isinstance(value, str)}


def timeline(address: str, session_id: str) -> list[str]:
    """Every status the session had, first to last, from the daemon's history."""
    session = stored_session(address, session_id)
    assert session is not None, f"no session {session_id}"
    history = session["history"]
    assert isinstance(history, list)
    if not history:
        return [str(session["status"])]
    return [history[0]["from"]["data"], *(entry["to"]["data"] for entry in history)]


def replay(agent: str, name: str, daemon: RunningDaemon, until: str | None = None) -> list[str]:
    """Feed a fixture through the hook, up to the first event named ``until`` if given;
    the session ids, in order of appearance."""
    module = agent_named(agent)
    assert module is not None
    env = env_with_bus(daemon.address)
    lines = renamed(fixture_lines(name), uuid.uuid4().hex[:8])
    if until is not None:
        lines = lines[: 1 + [module.event_name(json.loads(line)) for line in lines].index(until)]
    order: list[str] = []
    for line in lines:
        result = run_hook(agent, line, env)
        assert (result.returncode, result.stdout, result.stderr) == (0, module.HOOK_STDOUT.encode(), b""), line[:200]
        order += [session_id for session_id in sorted(session_ids(line)) if session_id not in order]
    return order


A, W, Q, C = "attention", "working", "question", "closed"

END, CLEARED = "session-end", "cleared"

REPLAYS = [
    ("gemini-cli", "gemini-cli/tool-clear-quit.jsonl", [[A, W, A, C], [A, C]]),
    ("gemini-cli", "gemini-cli/permission-quit.jsonl", [[A, W, A, W, A, C]]),
    ("codex", "codex/exec-tool.jsonl", [[A, W, A, C]]),
    ("codex", "codex/tui-permission-quit.jsonl", [[A, W, A, W, A, C]]),
    ("codex", "codex/tui-interrupt-quit.jsonl", [[A, W, A, W, A, C]]),
    ("opencode", "opencode/run-tool.jsonl", [[A, W, A, C]]),
    ("opencode", "opencode/run-permission-rejected.jsonl", [[A, W, A, W, A, C]]),
]
REPLAYS_BY_AGENT = {agent: name for agent, name, _ in REPLAYS}
CLOSE_REASONS = {"gemini-cli/tool-clear-quit.jsonl": [CLEARED, END]}
"""How each session of a fixture closed, where not every one with ``session-end``: Gemini's /clear."""


@pytest.mark.parametrize(("agent", "name", "expected"), REPLAYS, ids=[name for _, name, _ in REPLAYS])
def test_a_real_run_gives_the_promised_timeline(
    agent: str, name: str, expected: list[list[str]], shared_daemon: RunningDaemon
) -> None:
    """Every event of the table, the ignored ones (Gemini's model events, opencode's
    message events) and duplicates (Gemini's triple SessionEnd) included."""
    sessions = replay(agent, name, shared_daemon)

    assert [timeline(shared_daemon.address, session_id) for session_id in sessions] == expected
    for session_id, reason in zip(sessions, CLOSE_REASONS.get(name, [END] * len(sessions)), strict=True):
        stored = stored_session(shared_daemon.address, session_id)
        assert stored is not None
        assert stored["agent_type"] == agent and stored["close_reason"] == reason
        assert str(stored["working_dir"]).startswith("/tmp/cap/")


@pytest.mark.parametrize(
    ("agent", "name", "until", "detail"),
    [
        ("gemini-cli", "gemini-cli/permission-quit.jsonl", "Notification", "Confirm Shell Command: mkdir -p agent-console-fixture"),
        ("gemini-cli", "gemini-cli/permission-quit.jsonl", "AfterAgent", "Done."),
        ("codex", "codex/tui-permission-quit.jsonl", "PermissionRequest", "Bash: mkdir -p agent-console-fixture"),
        ("codex", "codex/tui-permission-quit.jsonl", "Stop", "Done."),
        ("opencode", "opencode/run-permission-rejected.jsonl", "permission.asked", "bash: mkdir -p agent-console-fixture"),
    ],
)
def test_a_real_run_tells_why_the_session_needs_a_person(
    agent: str, name: str, until: str, detail: str, shared_daemon: RunningDaemon
) -> None:
    """The permission dialog's tool and command, the turn's answer: the session's ``detail``;
    and ``permission`` tells the dialog from the answer, whatever the detail reads."""
    [session_id] = replay(agent, name, shared_daemon, until)

    stored = stored_session(shared_daemon.address, session_id)
    assert stored is not None and (stored["status"], stored["detail"]) == (A, detail)
    assert stored["permission"] is (until in ("Notification", "PermissionRequest", "permission.asked"))


def test_gemini_repeats_of_session_end_change_nothing(shared_daemon: RunningDaemon) -> None:
    """SessionStart announces the start, so the second and third SessionEnd of /quit are late:
    the session stays as the first left it, its ``seq`` included."""
    [session_id] = replay("gemini-cli", "gemini-cli/permission-quit.jsonl", shared_daemon, "SessionEnd")
    first = stored_session(shared_daemon.address, session_id)
    repeat = {"session_id": session_id, "cwd": "/tmp/cap/g/work", "hook_event_name": "SessionEnd", "reason": "exit"}
    for _ in range(2):
        run_hook("gemini-cli", json.dumps(repeat).encode(), env_with_bus(shared_daemon.address))

    assert first is not None and first["close_reason"] == END
    assert stored_session(shared_daemon.address, session_id) == first


def test_every_event_of_each_table_is_in_a_real_run() -> None:
    """The fixtures exercise each table; the events no run could show are listed here."""
    unseen_by_runs = {
        "gemini-cli": set(),
        "codex": set(),
        "opencode": {"session.error", "session.deleted", "question.asked", "question.replied", "question.rejected"},
    }
    for agent, names in {
        "gemini-cli": ["gemini-cli/tool-clear-quit.jsonl", "gemini-cli/permission-quit.jsonl"],
        "codex": ["codex/exec-tool.jsonl", "codex/tui-permission-quit.jsonl", "codex/tui-interrupt-quit.jsonl"],
        "opencode": ["opencode/run-tool.jsonl", "opencode/run-permission-rejected.jsonl"],
    }.items():
        module = agent_named(agent)
        assert module is not None
        seen = {module.event_name(json.loads(line)) for name in names for line in fixture_lines(name)}
        assert set(module.STATUS_BY_EVENT) - seen == unseen_by_runs[agent]


@pytest.mark.parametrize(
    ("agent", "payload", "status"),
    [
        ("gemini-cli", {"hook_event_name": "BeforeTool", "tool_name": "ask_user",
                        "tool_input": {"questions": [{"question": "Which database?"}]}}, Q),
        ("gemini-cli", {"hook_event_name": "Notification", "notification_type": "ToolPermission",
                        "details": {"type": "ask_user", "questions": [{"question": "Which database?"}]}}, Q),
        ("codex", {"hook_event_name": "PreToolUse", "tool_name": "request_user_input",
                   "tool_input": {"questions": [{"question": "Which database?\nPick one."}]}}, Q),
    ],
    ids=["gemini-ask-user-tool", "gemini-ask-user-dialog", "codex-request-user-input"],
)
def test_questions(agent: str, payload: dict[str, object], status: str, shared_daemon: RunningDaemon) -> None:
    """The question tools, which no headless run can reach: real payloads' common fields, the tool's name."""
    session_id = str(uuid.uuid4())
    body = {"session_id": session_id, "cwd": "/home/dev/shop", **payload}
    run_hook(agent, json.dumps(body).encode(), env_with_bus(shared_daemon.address))

    stored = stored_session(shared_daemon.address, session_id)
    assert stored is not None and (stored["status"], stored["detail"]) == (status, "Which database?")


@pytest.mark.parametrize(
    ("agent", "event", "status", "detail"),
    [
        (
            "opencode",
            {"type": "question.asked", "properties": {"sessionID": "ses_q", "questions": [{"question": "Which database?"}]}},
            Q,
            "Which database?",
        ),
        (
            "opencode",
            {
                "type": "session.error",
                "properties": {"sessionID": "ses_q", "error": {"name": "APIError", "data": {"message": "Rate limited\nretry later"}}},
            },
            A,
            "Rate limited",
        ),
        ("opencode", {"type": "session.deleted", "properties": {"sessionID": "ses_q", "info": {}}}, C, ""),
    ],
    ids=["question", "error", "deleted"],
)
def test_opencode_events_no_run_showed(
    agent: str, event: dict[str, object], status: str, detail: str, shared_daemon: RunningDaemon
) -> None:
    session_id = f"ses_{uuid.uuid4().hex}"
    event["properties"] = {**event["properties"], "sessionID": session_id}  # type: ignore[dict-item]
    run_hook(agent, json.dumps({"directory": "/home/dev/shop", "event": event}).encode(), env_with_bus(shared_daemon.address))

    stored = stored_session(shared_daemon.address, session_id)
    assert stored is not None and stored["working_dir"] == "/home/dev/shop"
    assert (stored["status"], stored["detail"]) == (status, detail)


def test_opencode_events_keep_the_plugins_order_whatever_order_they_arrive_in(shared_daemon: RunningDaemon) -> None:
    """The plugin stamps each event when opencode emits it; its hooks race, so the idle that
    ends a turn may reach the daemon before the busy stamped earlier: it stays attention."""
    session_id = f"ses_{uuid.uuid4().hex}"
    env = env_with_bus(shared_daemon.address)
    for event_time, status in ((2, "idle"), (1, "busy")):
        event = {"type": "session.status", "properties": {"sessionID": session_id, "status": {"type": status}}}
        run_hook("opencode", json.dumps({"directory": "/home/dev/shop", "event_time": event_time, "event": event}).encode(), env)

    stored = stored_session(shared_daemon.address, session_id)
    assert stored is not None and timeline(shared_daemon.address, session_id) == [A]


def first_event(name: str, session_id: str) -> bytes:
    """The fixture's first payload, for a session of the test's own."""
    line = fixture_lines(name)[0]
    [old] = session_ids(line)
    return line.replace(old.encode(), session_id.encode())


@pytest.mark.parametrize(
    ("agent", "name", "replaces"),
    [
        ("gemini-cli", "gemini-cli/tool-clear-quit.jsonl", True),
        ("codex", "codex/exec-tool.jsonl", False),
        ("opencode", "opencode/run-tool.jsonl", False),
    ],
)
def test_a_new_session_replaces_the_others_of_its_process_only_for_one_session_agents(
    agent: str, name: str, replaces: bool, shared_daemon: RunningDaemon
) -> None:
    """Every hook here runs from this test's process, its owner: a second session
    there closes the first for Gemini (/clear), never for Codex's app-server or opencode."""
    env = env_with_bus(shared_daemon.address)
    first, second = f"first-{uuid.uuid4()}", f"second-{uuid.uuid4()}"
    for session_id in (first, second):
        assert run_hook(agent, first_event(name, session_id), env).returncode == 0

    stored = stored_session(shared_daemon.address, first)
    assert stored is not None
    assert (stored["status"], stored["close_reason"]) == ((C, "replaced") if replaces else (A, ""))


@pytest.mark.parametrize("agent", [module.NAME for module in all_agents()])
def test_no_daemon_the_agent_sees_only_what_it_expects(agent: str, bus_env: dict[str, str]) -> None:
    """Gemini shows stderr when stdout is empty and Codex may show it: both get silence."""
    module = agent_named(agent)
    assert module is not None
    payload = event_payload("SessionStart", "s1") if agent == "claude-code" else first_event(REPLAYS_BY_AGENT[agent], "s1")

    result = run_hook(agent, payload, bus_env)

    assert (result.returncode, result.stdout) == (0, module.HOOK_STDOUT.encode())
    assert (result.stderr != b"") == module.HOOK_STDERR


def test_an_unknown_agent_is_named_on_stderr(daemon: RunningDaemon) -> None:
    """The daemon knows the agents: the hook forwards, and says in one line what it answered."""
    result = run_hook("cursor", b"{}", env_with_bus(daemon.address))

    assert (result.returncode, result.stdout) == (0, b"")
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("agent-console hook: unknown agent 'cursor'"), lines


def test_every_agent_type_has_its_module_and_back() -> None:
    assert [module.NAME for module in all_agents()] == [member.value for member in AgentType]


@pytest.mark.parametrize("agent", all_agents(), ids=lambda agent: agent.NAME)
def test_every_agent_keeps_the_contract(agent: ModuleType) -> None:
    """Each member of ``contract.Agent`` is there, with its type, and each function takes what
    the Protocol says it takes."""
    assert isinstance(agent, Agent)
    for name, kind in get_type_hints(Agent).items():
        assert isinstance(getattr(agent, name), get_origin(kind) or kind), name
    for name, member in vars(Agent).items():
        if callable(member) and not name.startswith("_"):
            wanted = list(inspect.signature(member).parameters)[1:]
            assert list(inspect.signature(getattr(agent, name)).parameters) == wanted, name


AGENT_WORDS = ("claude", "gemini", "codex", "opencode")
OUTSIDE_AGENTS = ("daemon", "hook", "cli", "wire", "client")
"""Layers that must know no agent by name: everything an agent is lives under agents/.
The hook's small table of what each agent reads on stdout and stderr, and the variable in
which an agent names its process, are the exceptions (``HOOK_TABLE``); prose (a string with a
space: docstrings, help texts) naming agents as examples is allowed, names in code are not."""

HOOK_TABLE = ("STDOUT_FOR", "SHOWN_STDERR", "OWNER_VARIABLE")


def test_no_agent_is_named_in_code_outside_agents() -> None:
    package = Path(agent_console.__file__).parent
    for layer in OUTSIDE_AGENTS:
        for path in (package / layer).rglob("*.py"):
            lines = path.read_text().splitlines()
            for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
                if token.start[0] <= len(lines) and lines[token.start[0] - 1].startswith(HOOK_TABLE):
                    continue
                if token.type == tokenize.NAME or (token.type == tokenize.STRING and " " not in token.string):
                    assert not any(word in token.string.lower() for word in AGENT_WORDS), (path, token.start, token.string)
