"""``agent-console hook [--agent NAME] [--owner PID]``: record a coding agent's session status from a hook event.

Claude Code, Gemini CLI and Codex run this on every event it is registered
for (opencode's plugin spawns it), so two rules outrank everything else.  It
never disturbs the agent: it exits 0 whatever happens (2 would block the tool
call), prints on stdout only what the agent expects there (nothing, or ``{}``
for Gemini) and says in one stderr line why an event was not recorded, unless
the agent would show that line to the person.  And it never makes the agent
wait long: Claude Code's registration starts it in the background
(``agents.settings_file.in_background``), so that Claude waits for a shell's
fork only, and names Claude's process with ``--owner``, since the shell that
started it is gone by then.  It stays quick all the same, because its start
competes with the agent for the CPU: stdlib only, no ``dbus_fast``,
``asyncio``, ``typer`` or ``pydantic``, whose imports alone would take longer
than the whole hook may; of ``agent_console`` only the bus names, the process
and terminal facts and the agent's own module in ``agents``.

Events may therefore reach the daemon out of order: each is stamped with
``event_time``, when the hook was started, and the daemon drops one older than
what it already applied.

Every wait is bounded: reading stdin and draining unread input get a second
each, the bus call (connect included) the agent's ``BUS_SECONDS``.
"""

import os
import sys
from collections.abc import Mapping
from types import ModuleType

from agent_console.agents import OWNER_OPTION, Reading, agent_named
from agent_console.hook.payload import MalformedPayload, top_level_fields
from agent_console.hook.stdin import drain, read_head
from agent_console.limits import MAX_ID_LENGTH, MAX_WORKING_DIR_BYTES
from agent_console.system import boottime
from agent_console.system.process_info import controlling_tty, owner_process, start_time
from agent_console.system.terminal import fits, terminal_from_environment
from agent_console.vocabulary import DEFAULT_AGENT, Status
from agent_console.wire.address import AddressError, session_bus_sockets
from agent_console.wire.blocking_transport import BusError, Connection, MethodCall
from agent_console.wire.marshal import Variant, WireError
from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH

CLOSE_REASON = "session-end"

STDIN_LIMIT_BYTES = 64 * 1024
"""The head that is parsed: the fields needed come first and fit many times over."""

STDIN_SECONDS = 1.0
DRAIN_SECONDS = 1.0

STDIN_FD = 0
"""The descriptor itself, not ``sys.stdin``, which is None when Claude Code's pipe is closed."""

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
"""The unit of a process's start time in /proc (Linux: 100)."""

USAGE = """\
usage: agent-console hook [--agent NAME] [--owner PID]

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

--owner PID names the agent's process, for a hook started in the background
(whose parent is gone): PID or its first ancestor that is not a shell.
"""


def main(argv: list[str]) -> int:
    """Always 0: a failure here is reported, never passed on to the agent.

    With stderr closed, ``sys.stderr`` is None and ``print`` would fall back to
    stdout, which the agent reads: then nothing is printed at all.
    """
    event_time = started_us()
    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write(USAGE)
        return 0
    name, owner, rest = _options(argv)
    if owner is not None:
        _leave_session()
    agent = agent_named(name)
    if agent is None:
        problem: str | None = f"unknown agent {name!r}; nothing recorded"
    else:
        try:
            problem = record(STDIN_FD, os.environ, agent, event_time, owner)
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


def _options(argv: list[str]) -> tuple[str, int | None, list[str]]:
    """The agent's name (Claude Code when none is named), the owner's pid (``--owner``) and the
    arguments left over, from the first one that is not such an option (or not a pid)."""
    name: str = DEFAULT_AGENT
    owner, rest = None, argv
    while rest:
        option, joined, value = rest[0].partition("=")
        if option not in ("--agent", OWNER_OPTION) or not (joined or len(rest) > 1):
            break
        value = value if joined else rest[1]
        if option == OWNER_OPTION:
            if not value.isdigit():
                break
            owner = int(value)
        else:
            name = value
        rest = rest[1:] if joined else rest[2:]
    return name, owner, rest


def started_us() -> int:
    """When this hook was started, on the boot clock: now, but never later than the end of the
    clock tick in which its process was forked, as /proc tells.

    A hook started in the background may get the CPU long after its event
    fired (the agent's own work comes first), so its own start alone would
    order two events wrongly; the fork is the event's moment, to within a tick
    (10 ms).  Off Linux, now.
    """
    now = boottime.now_us()
    if sys.platform != "linux":
        return now
    ticks = start_time(os.getpid())
    return now if ticks is None else min(now, (ticks + 1) * 1_000_000 // TICKS_PER_SECOND - 1)


def _leave_session() -> None:
    """A hook in the background starts a session of its own: whatever ends the agent's hooks (a
    signal to their process group) must not end it before its call.  Its stdout and stderr are
    /dev/null already (``settings_file.in_background``)."""
    try:
        os.setsid()
    except OSError:
        pass


def record(
    stdin_fd: int, environ: Mapping[str, str], agent: ModuleType, event_time: int, owner: int | None = None
) -> str | None:
    """Send the event's status to the service; why not, when it was not sent.

    All of stdin is consumed first, so that the agent's write never fails
    whatever happens next.  ``owner`` is where the search for the agent's
    process starts (default: this process's parent).
    """
    head, complete = read_head(stdin_fd, STDIN_LIMIT_BYTES, STDIN_SECONDS)
    if not complete:
        drain(stdin_fd, DRAIN_SECONDS)
    try:
        event = top_level_fields(head, complete)
    except MalformedPayload as error:
        return f"{error}; ignored"
    return _record_fields(agent, event, environ, event_time, owner)


def _record_fields(
    agent: ModuleType, event: Mapping[str, object], environ: Mapping[str, str], event_time: int, owner: int | None
) -> str | None:
    reading = agent.read(event)
    if reading is None:
        return None
    if reading.session_id is None:
        return f"{agent.event_name(event)} without a session_id; ignored"
    attributes = _attributes(agent, reading, environ, event_time, owner)
    try:
        _call_set(reading.session_id, reading.status, attributes, environ, agent.BUS_SECONDS)
    except (AddressError, BusError, WireError) as error:
        return (
            f"{agent.event_name(event)} of session {reading.session_id} "
            f"not recorded as {reading.status}: {error}"
        )
    return None


def _attributes(
    agent: ModuleType, reading: Reading, environ: Mapping[str, str], event_time: int, owner_pid: int | None
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
    if reading.subagent is not None and len(reading.subagent) <= MAX_ID_LENGTH:
        attributes["subagent"] = Variant("s", reading.subagent)
    if reading.status == Status.CLOSED:
        attributes["reason"] = Variant("s", reading.reason or CLOSE_REASON)
    owner = _owner(owner_pid)
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


def _owner(pid: int | None) -> tuple[int, int] | None:
    """(pid, start time) of the agent's process: ``pid`` (default: our parent) or its first
    ancestor that is not a shell.  A process started after this hook is not it, but
    another that took the pid of an agent that has exited meanwhile: then None.
    """
    owner = owner_process(pid)
    if owner is None or pid is None:
        return owner
    ours = start_time(os.getpid())
    return owner if ours is not None and owner[1] <= ours else None


def _call_set(
    session_id: str, status: str, attributes: dict[str, object], environ: Mapping[str, str], seconds: float
) -> None:
    set_status = MethodCall(BUS_NAME, OBJECT_PATH, INTERFACE, "Set", "ssa{sv}", [session_id, status, attributes])
    connection = Connection.open(session_bus_sockets(environ), seconds)
    try:
        connection.call(set_status)
    finally:
        connection.close()
