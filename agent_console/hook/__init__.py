"""``agent-console hook``: record a Claude Code session's status from a hook event.

Claude Code runs this on every tool call and waits for it, so two rules
outrank everything else.  It never disturbs Claude: it exits 0 whatever
happens (2 would block the tool call), prints nothing on stdout (which Claude
may read as instructions) and says in one stderr line why an event was not
recorded.  And it is quick: stdlib only, no ``dbus_next``, ``asyncio``,
``typer`` or ``pydantic``, whose imports alone would take longer than the
whole hook may; nothing of ``agent_console`` but the bus names either.

Every wait is bounded: reading stdin, the bus call (connect included) and
draining unread input each get about a second.
"""

import os
import sys
from collections.abc import Mapping

from agent_console.bus.names import BUS_NAME, INTERFACE, OBJECT_PATH
from agent_console.process_info import controlling_tty, owner_process
from agent_console.terminal import fits, terminal_from_environment
from agent_console.hook.address import AddressError, session_bus_sockets
from agent_console.hook.dbus_call import BusError, Connection, MethodCall
from agent_console.hook.events import CLOSED, status_for
from agent_console.hook.payload import MalformedPayload, top_level_fields
from agent_console.hook.stdin import drain, read_head
from agent_console.hook.wire import Variant, WireError

AGENT_TYPE = "claude-code"
CLOSE_REASON = "session-end"

STDIN_LIMIT_BYTES = 64 * 1024
"""The head that is parsed: the fields needed come first and fit many times over."""

STDIN_SECONDS = 1.0
BUS_SECONDS = 1.0
DRAIN_SECONDS = 1.0

STDIN_FD = 0
"""The descriptor itself, not ``sys.stdin``, which is None when Claude Code's pipe is closed."""

USAGE = """\
usage: agent-console hook

Reads one Claude Code hook event (JSON) on stdin and records the session's
status (working, attention, question, closed) with the agent-console service
on the session bus.  Events that say nothing about the status are ignored.

Always exits 0 and prints nothing on stdout, so it can never block or steer
Claude Code; when an event is not recorded, one line on stderr says why.
Register it in ~/.claude/settings.json, e.g. for PostToolUse:
  {"hooks": {"PostToolUse": [{"hooks": [
    {"type": "command", "command": "agent-console hook", "timeout": 5}]}]}}
"""


def main(argv: list[str]) -> int:
    """Always 0: a failure here is reported, never passed on to Claude Code."""
    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write(USAGE)
        return 0
    try:
        problem = record(STDIN_FD, os.environ)
    except Exception as error:  # noqa: BLE001 - a bug here must not reach Claude Code
        problem = f"internal error: {error!r}"
    if argv:
        problem = f"unexpected arguments {argv!r} ignored" + (f"; {problem}" if problem else "")
    if problem:
        print(f"agent-console hook: {' '.join(problem.split())}", file=sys.stderr)
    return 0


def record(stdin_fd: int, environ: Mapping[str, str]) -> str | None:
    """Send the event's status to the service; why not, when it was not sent."""
    head, complete = read_head(stdin_fd, STDIN_LIMIT_BYTES, STDIN_SECONDS)
    try:
        try:
            return _record_fields(top_level_fields(head, complete), environ)
        except MalformedPayload as error:
            return f"{error}; ignored"
    finally:
        if not complete:
            drain(stdin_fd, DRAIN_SECONDS)


def _record_fields(event: Mapping[str, object], environ: Mapping[str, str]) -> str | None:
    status = status_for(event)
    if status is None:
        return None
    session_id = event.get("session_id")
    if not isinstance(session_id, str) or not session_id:
        return f"{event.get('hook_event_name')} without a session_id; ignored"
    attributes = _attributes(event, status, environ)
    try:
        _call_set(session_id, status, attributes, environ)
    except (AddressError, BusError, WireError) as error:
        return f"{event.get('hook_event_name')} of session {session_id} not recorded as {status}: {error}"
    return None


def _attributes(event: Mapping[str, object], status: str, environ: Mapping[str, str]) -> dict[str, object]:
    """The owner process lets the daemon close the session when Claude Code dies without a
    SessionEnd; its terminal lets ``agent-console focus`` bring it in front."""
    attributes: dict[str, object] = {"agent_type": Variant("s", AGENT_TYPE)}
    if isinstance(event.get("cwd"), str):
        attributes["working_dir"] = Variant("s", event["cwd"])
    if status == CLOSED:
        attributes["reason"] = Variant("s", CLOSE_REASON)
    owner = owner_process()
    if owner is not None:
        attributes["pid"] = Variant("u", owner[0])
        attributes["pid_start"] = Variant("t", owner[1])
    terminal = terminal_from_environment(environ)
    tty = controlling_tty(owner[0]) if owner is not None else None
    if tty is not None and fits(tty):
        terminal["tty"] = tty
    if terminal:
        attributes["terminal"] = Variant("a{ss}", terminal)
    return attributes


def _call_set(session_id: str, status: str, attributes: dict[str, object], environ: Mapping[str, str]) -> None:
    set_status = MethodCall(BUS_NAME, OBJECT_PATH, INTERFACE, "Set", "ssa{sv}", [session_id, status, attributes])
    connection = Connection.open(session_bus_sockets(environ), BUS_SECONDS)
    try:
        connection.call(set_status)
    finally:
        connection.close()
