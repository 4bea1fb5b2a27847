"""``agent-console hook [--agent NAME]``: record a coding agent's session status from a hook event.

Claude Code, Gemini CLI and Codex run this on every event it is registered
for (opencode's plugin spawns it), so two rules outrank everything else.  It
never disturbs the agent: it exits 0 whatever happens (2 would block the tool
call), prints on stdout only what the agent expects there (nothing, or ``{}``
for Gemini) and says in one stderr line why an event was not recorded, unless
the agent would show that line to the person.  And it never makes the agent
wait long: Claude Code's hooks are registered ``async`` but for the events it
must wait for (``agents.claude_code.WAITED_FOR``), and for those the call is handed to
a detached process of its own, so that Claude waits for a start and a fork
only.  It stays quick all the same: stdlib only, no ``dbus_next``, ``asyncio``,
``typer`` or ``pydantic``, whose imports alone would take longer than the whole
hook may; of ``agent_console`` only the bus names, the process and terminal
facts and the agent's own module in ``agents``.

Events may therefore reach the daemon out of order: each is stamped with
``event_time`` when the hook starts, and the daemon drops one older than what
it already applied.

Every wait is bounded: reading stdin and draining unread input get a second
each, the bus call (connect included) the agent's ``BUS_SECONDS``.
"""

import os
import sys
from collections.abc import Mapping
from types import ModuleType

from agent_console import boottime
from agent_console.agents import CLOSED, DEFAULT_AGENT, Reading, agent_named
from agent_console.bus.address import AddressError, session_bus_sockets
from agent_console.bus.blocking import BusError, Connection, MethodCall
from agent_console.bus.marshal import Variant, WireError
from agent_console.bus.names import BUS_NAME, INTERFACE, OBJECT_PATH
from agent_console.limits import MAX_WORKING_DIR_BYTES
from agent_console.process_info import controlling_tty, owner_process
from agent_console.terminal import fits, terminal_from_environment
from agent_console.hook.payload import MalformedPayload, top_level_fields
from agent_console.hook.stdin import drain, read_head

CLOSE_REASON = "session-end"

STDIN_LIMIT_BYTES = 64 * 1024
"""The head that is parsed: the fields needed come first and fit many times over."""

STDIN_SECONDS = 1.0
DRAIN_SECONDS = 1.0

STDIN_FD = 0
"""The descriptor itself, not ``sys.stdin``, which is None when Claude Code's pipe is closed."""

USAGE = """\
usage: agent-console hook [--agent NAME]

Reads one hook event (JSON) of a coding agent on stdin and records the
session's status (working, attention, question, closed) with the
agent-console service on the session bus.  Events that say nothing about the
status are ignored.  NAME is claude-code (the default), gemini-cli, codex or
opencode.

Always exits 0 and prints on stdout only what the agent expects (nothing, or
{} for Gemini CLI), so it can never block or steer the agent; when an event
is not recorded, one line on stderr says why (not for Gemini CLI and Codex,
which would show it).  'agent-console install-hooks --agent NAME' registers
it where the agent looks.
"""


def main(argv: list[str]) -> int:
    """Always 0: a failure here is reported, never passed on to the agent.

    With stderr closed, ``sys.stderr`` is None and ``print`` would fall back to
    stdout, which the agent reads: then nothing is printed at all.
    """
    event_time = boottime.now_us()
    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write(USAGE)
        return 0
    name, rest = _agent_option(argv)
    agent = agent_named(name)
    if agent is None:
        problem: str | None = f"unknown agent {name!r}; nothing recorded"
    else:
        try:
            problem = record(STDIN_FD, os.environ, agent, event_time)
        except Exception as error:  # noqa: BLE001 - a bug here must not reach the agent
            problem = f"internal error: {error!r}"
        sys.stdout.write(agent.HOOK_STDOUT)
    if rest:
        problem = f"unexpected arguments {rest!r} ignored" + (f"; {problem}" if problem else "")
    if problem and (agent is None or agent.HOOK_STDERR) and sys.stderr is not None:
        print(f"agent-console hook: {_one_line(problem)}", file=sys.stderr)
    return 0


def _one_line(text: str) -> str:
    """Whitespace runs become one space and anything else unprintable an escape such as
    ``\\x1b``: the message quotes ids and event names from the payload, which must not
    drive the terminal that shows the agent's stderr.
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in " ".join(text.split()))


def _agent_option(argv: list[str]) -> tuple[str, list[str]]:
    """The agent's name and the arguments left over; Claude Code when none is named."""
    if argv[:1] == ["--agent"] and len(argv) > 1:
        return argv[1], argv[2:]
    if argv[:1] and argv[0].startswith("--agent="):
        return argv[0].partition("=")[2], argv[1:]
    return DEFAULT_AGENT, argv


def record(stdin_fd: int, environ: Mapping[str, str], agent: ModuleType, event_time: int) -> str | None:
    """Send the event's status to the service; why not, when it was not sent.

    All of stdin is consumed first, so that the agent's write never fails
    whatever happens next, and a detached process needs none of it.
    """
    head, complete = read_head(stdin_fd, STDIN_LIMIT_BYTES, STDIN_SECONDS)
    if not complete:
        drain(stdin_fd, DRAIN_SECONDS)
    try:
        event = top_level_fields(head, complete)
    except MalformedPayload as error:
        return f"{error}; ignored"
    return _record_fields(agent, event, environ, event_time)


def _record_fields(
    agent: ModuleType, event: Mapping[str, object], environ: Mapping[str, str], event_time: int
) -> str | None:
    reading = agent.read(event)
    if reading is None:
        return None
    if reading.session_id is None:
        return f"{agent.event_name(event)} without a session_id; ignored"
    attributes = _attributes(agent, reading, environ, event_time)
    if reading.waited_for and _detached():
        return None
    try:
        _call_set(reading.session_id, reading.status, attributes, environ, agent.BUS_SECONDS)
    except (AddressError, BusError, WireError) as error:
        return (
            f"{agent.event_name(event)} of session {reading.session_id} "
            f"not recorded as {reading.status}: {error}"
        )
    return None


def _attributes(
    agent: ModuleType, reading: Reading, environ: Mapping[str, str], event_time: int
) -> dict[str, object]:
    """The owner process lets the daemon close the session when the agent dies without saying
    so; its terminal lets ``agent-console focus`` bring it in front; the transcript shows
    what no hook reports; the event's time lets the daemon drop it if it comes late.

    For an agent whose process hosts many sessions, ``shared_owner`` tells the
    daemon that a new session there replaces none of the others.
    """
    attributes: dict[str, object] = {
        "agent_type": Variant("s", agent.NAME),
        "event_time": Variant("t", _event_time(reading, event_time)),
    }
    if reading.working_dir is not None:
        attributes["working_dir"] = Variant("s", reading.working_dir)
    transcript = reading.transcript_path
    if transcript is not None and transcript.startswith("/") and len(transcript.encode(errors="replace")) <= MAX_WORKING_DIR_BYTES:
        attributes["transcript_path"] = Variant("s", transcript)
    if reading.detail is not None:
        attributes["detail"] = Variant("s", reading.detail)
    if reading.event is not None:
        attributes["event"] = Variant("s", reading.event)
    if reading.status == CLOSED:
        attributes["reason"] = Variant("s", reading.reason or CLOSE_REASON)
    owner = owner_process()
    if owner is not None:
        attributes["pid"] = Variant("u", owner[0])
        attributes["pid_start"] = Variant("t", owner[1])
        if agent.SHARED_PROCESS:
            attributes["shared_owner"] = Variant("b", True)
    terminal = terminal_from_environment(environ)
    tty = controlling_tty(owner[0]) if owner is not None else None
    if tty is not None and fits(tty):
        terminal["tty"] = tty
    if terminal:
        attributes["terminal"] = Variant("a{ss}", terminal)
    return attributes


def _event_time(reading: Reading, started: int) -> int:
    """The agent's own stamp where it gave one (opencode's plugin) and it is not later than
    this hook's start, which it must precede; else the hook's start."""
    stamp = reading.event_time
    return stamp if stamp is not None and stamp <= started else started


def _detached() -> bool:
    """Fork a child that outlives the agent: True in the parent, which is done.

    The child starts a session of its own (a signal to the agent's process
    group does not reach it) and lets go of the agent's pipes (the agent would
    wait for them to close), so it cannot report on stderr: a failure it meets
    is lost, as it would be if the agent had ended the hook.  Where fork fails
    the call is made in this process: late is better than never.
    """
    try:
        if os.fork():
            return True
    except OSError:
        return False
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
    except OSError:
        os._exit(0)
    return False


def _call_set(
    session_id: str, status: str, attributes: dict[str, object], environ: Mapping[str, str], seconds: float
) -> None:
    set_status = MethodCall(BUS_NAME, OBJECT_PATH, INTERFACE, "Set", "ssa{sv}", [session_id, status, attributes])
    connection = Connection.open(session_bus_sockets(environ), seconds)
    try:
        connection.call(set_status)
    finally:
        connection.close()
