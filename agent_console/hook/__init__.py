"""``agent-console hook [--agent NAME] [--owner PID]``: hand a coding agent's hook event to the daemon.

Claude Code, Gemini CLI and Codex run this on every event it is registered
for (opencode's plugin spawns it), so two rules outrank everything else.  It
never disturbs the agent: it exits 0 whatever its arguments and input (2
would block the tool call), prints on stdout only what the agent expects
there (``STDOUT_FOR``) and says in one stderr line why an event was not
recorded, unless the agent would show that line to the person.  And it never
makes the agent wait long: Claude Code's registration starts it in the
background (``agents.settings_file.in_background``), so that Claude waits for
a shell's fork only, and names Claude's process with ``--owner``, since the
shell that started it is gone by then.

It only forwards.  The payload is the agent's own: its first 64 KiB go to the
daemon as they came, with what only this process can know (when it was
forked, the agent's process and its start time, the terminal), in one call,
``io.github.AgentConsole1.Hooks.Report``; the daemon's ``agents`` read it.
So it stays quick, because its start competes with the agent for the CPU:
stdlib only, no JSON, no agent's module, no ``dbus_fast``, ``asyncio``,
``typer`` or ``pydantic``.

A daemon older than ``Report`` (one still running after an upgrade, until it
is restarted) answers UnknownMethod: then, and only then, the payload is read
here with the agent's module and sent through ``Set`` (``fallback``), so no
event is lost meanwhile; ``install-hooks`` restarts such a daemon.

Events may reach the daemon out of order: each carries its fork time, and the
daemon drops one older than what it already applied.  Every wait is bounded:
reading stdin and draining unread input get a second each, the bus call
(connect included) ``BUS_SECONDS``.
"""

import os
import sys
from collections.abc import Mapping

from agent_console.hook.stdin import drain, read_head
from agent_console.limits import MAX_PAYLOAD_BYTES
from agent_console.system import boottime
from agent_console.system.process_info import controlling_tty, owner_process, start_time
from agent_console.system.terminal import fits, terminal_from_environment
from agent_console.vocabulary import DEFAULT_AGENT, OWNER_OPTION, AgentType
from agent_console.wire.address import AddressError, session_bus_sockets
from agent_console.wire.blocking_transport import BusError, Connection, DBusError, MethodCall
from agent_console.wire.marshal import Variant, WireError
from agent_console.wire.names import BUS_NAME, ERROR_PREFIX, HOOKS_INTERFACE, OBJECT_PATH

STDOUT_FOR: dict[str, str] = {AgentType.GEMINI_CLI: "{}"}
"""What an agent reads on its hook's stdout: Gemini CLI parses it as JSON (and shows
stderr to the person when it is empty); the others expect nothing there."""

SHOWN_STDERR: frozenset[str] = frozenset({AgentType.GEMINI_CLI, AgentType.CODEX})
"""Agents that show a hook's stderr to the person: for them the hook says nothing there."""

STDIN_SECONDS = 1.0
"""How long the payload's head may take to arrive: an agent writes it at once, so a
slower stdin is a stuck writer, and the event is recorded from what came."""
DRAIN_SECONDS = 1.0
"""How long the rest of a longer payload is read and dropped, so the agent's write never fails."""

BUS_SECONDS = 1.0
"""The bus call's deadline (connect included) where the agent waits for the hook (Gemini
CLI, Codex run it in the foreground)."""
BACKGROUND_BUS_SECONDS = 3.0
"""The deadline of a hook started in the background (``--owner``): no one waits for it,
and a daemon started by this very call through D-Bus activation may take seconds on a
loaded machine."""

OLDER_DAEMON = frozenset({"org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.DBus.Error.UnknownInterface"})
"""How a daemon from before ``Report`` refuses it."""

MAX_NAME_CHARS = 64
"""An agent's name longer than this is no agent's: refused before the call."""

OWNER_VARIABLE = "CLAUDE_PID"
"""Where an agent names its own process in its hooks' environment (Claude Code since
2.1.332): the owner where no ``--owner`` is given."""

MAX_PID_DIGITS = 10
"""A pid is a 32-bit number: an ``--owner`` of more digits is no pid."""

STDIN_FD = 0
"""The descriptor itself, not ``sys.stdin``, which is None when Claude Code's pipe is closed."""

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
"""The unit of a process's start time in /proc (Linux: 100)."""

USAGE = """\
usage: agent-console hook [--agent NAME] [--owner PID]

Hands one hook event of a coding agent (its JSON, read on stdin) to the
agent-console service on the session bus, which records the session's status
(working, attention, question, closed).  NAME is claude-code (the default),
gemini-cli, codex or opencode.

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
    fork_time = started_us()
    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write(USAGE)
        return 0
    name, owner, rest = _options(argv)
    if owner is not None:
        _leave_session()
    try:
        problem = forward(STDIN_FD, os.environ, name, fork_time, owner)
    except Exception as error:  # noqa: BLE001 - a bug here must not reach the agent
        problem = f"internal error: {error!r}"
    sys.stdout.write(STDOUT_FOR.get(name, ""))
    if rest:
        problem = f"unexpected arguments {rest!r} ignored" + (f"; {problem}" if problem else "")
    if problem and name not in SHOWN_STDERR and sys.stderr is not None:
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
    arguments left over, from the first one that is not such an option.  An ``--owner``
    that is no pid (``²``, thirty digits) counts as not given: the parent is looked at."""
    name: str = DEFAULT_AGENT
    owner, rest = None, argv
    while rest:
        option, joined, value = rest[0].partition("=")
        if option not in ("--agent", OWNER_OPTION) or not (joined or len(rest) > 1):
            break
        value = value if joined else rest[1]
        if option == OWNER_OPTION:
            owner = _pid(value)
        else:
            name = value
        rest = rest[1:] if joined else rest[2:]
    return name, owner, rest


def _pid(value: str) -> int | None:
    """ASCII digits only: ``str.isdigit`` also takes ``²``, which ``int`` refuses."""
    digits = value.isascii() and value.isdigit() and len(value) <= MAX_PID_DIGITS
    return int(value) if digits and int(value) > 0 else None


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


def forward(
    stdin_fd: int, environ: Mapping[str, str], agent: str, fork_time: int, owner: int | None = None
) -> str | None:
    """Hand the event to the service; why not, when it was not recorded.

    All of stdin is consumed first, so that the agent's write never fails
    whatever happens next.  ``owner`` is where the search for the agent's
    process starts (default: this process's parent).
    """
    head, complete = read_head(stdin_fd, MAX_PAYLOAD_BYTES, STDIN_SECONDS)
    if not complete:
        drain(stdin_fd, DRAIN_SECONDS)
    if complete and not head.strip():
        return "stdin is empty; ignored"
    if not _agent_name(agent):
        return f"unknown agent {agent[:MAX_NAME_CHARS]!r}; nothing recorded"
    context = _context(environ, fork_time, owner, complete)
    seconds = BUS_SECONDS if owner is None else BACKGROUND_BUS_SECONDS
    report = MethodCall(BUS_NAME, OBJECT_PATH, HOOKS_INTERFACE, "Report", "saya{sv}", [agent, head, context])
    try:
        _call(report, environ, seconds)
    except DBusError as error:
        if error.name.startswith(ERROR_PREFIX):
            return error.text
        if error.name not in OLDER_DAEMON:
            return f"not recorded: {error.text or error}"
        from agent_console.hook.fallback import record_with_set

        return record_with_set(agent, head, context, lambda call: _call(call, environ, seconds))
    except (AddressError, BusError, WireError) as error:
        return f"not recorded: {error}"
    return None


def _agent_name(name: str) -> bool:
    """Lower-case ASCII letters, digits and dashes: nothing the bus would refuse in a string."""
    return 0 < len(name) <= MAX_NAME_CHARS and all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in name)


def _context(environ: Mapping[str, str], fork_time: int, owner_pid: int | None, complete: bool) -> dict[str, Variant]:
    """What only this process knows: its fork, the agent's process (``owner``) and the terminal
    (its variables, and the owner's controlling tty); values the bus would refuse (a
    variable that is not UTF-8) are left out."""
    context = {"fork_time": Variant("t", fork_time)}
    if not complete:
        context["truncated"] = Variant("b", True)
    owner = _owner(owner_pid if owner_pid is not None else _pid(environ.get(OWNER_VARIABLE, "")))
    if owner is not None:
        context["pid"] = Variant("u", owner[0])
        context["pid_start"] = Variant("t", owner[1])
    terminal = terminal_from_environment(environ)
    tty = controlling_tty(owner[0]) if owner is not None else None
    if tty is not None and fits(tty):
        terminal["tty"] = tty
    if terminal:
        context["terminal"] = Variant("a{ss}", terminal)
    return context


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


def _call(call: MethodCall, environ: Mapping[str, str], seconds: float) -> None:
    connection = Connection.open(session_bus_sockets(environ), seconds)
    try:
        connection.call(call)
    finally:
        connection.close()
