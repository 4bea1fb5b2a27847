"""A hook's report, read by the agent it came from: the update the daemon applies.

The hooks only forward: they hand the daemon the agent's payload as the agent
wrote it (its first ``MAX_PAYLOAD_BYTES``) and what only the hook's own process
can know, its ``context``.  Reading the payload happens here, in the daemon,
so that a change in what an agent sends is one change in the agent's module,
which reaches every user with the daemon, whichever handler they registered.

Everything from outside is checked: the agent's name, the payload's size, the
context's keys and types here, every value's bound by the store's own
``SessionUpdate`` afterwards.  Strings from the payload may hold what no D-Bus
string can (NUL, a lone surrogate from a ``\\ud800`` escape): they are escaped
(``\\x00``, ``\\ud800``), so the event is recorded under a name that says what it
was, and the same id always escapes alike.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agent_console.agents import Reading, agent_named, agent_names
from agent_console.agents.payload import MalformedPayload, top_level_fields
from agent_console.errors import InvalidArgs
from agent_console.limits import MAX_ID_LENGTH, MAX_PAYLOAD_BYTES, MAX_WORKING_DIR_BYTES
from agent_console.vocabulary import Status

CONTEXT_TYPES: dict[str, str] = {
    "fork_time": "t",
    "pid": "u",
    "pid_start": "t",
    "terminal": "a{ss}",
    "truncated": "b",
}
"""What a hook's own process knows, with its D-Bus type: when it was forked (boot-clock
microseconds), the agent's process and its start time, the terminal it runs in, and
whether the payload is only the head of a longer one.  Unknown keys are ignored, so that a
newer hook still reports to this daemon; a known key of another type is refused."""

CLOSE_REASON = "session-end"
"""The close reason of an agent's end that names none."""

if TYPE_CHECKING:
    from agent_console.agents.contract import Agent

Update = tuple[str, str, dict[str, Any]]
"""A session id, a status and the store's attributes: the arguments of ``SessionStore.set``."""


def reported_update(agent_name: str, payload: bytes, context: Mapping[str, tuple[str, Any]]) -> Update | None:
    """What ``agent_name``'s payload says about its session, or None for an event that says
    nothing about the status; ``context`` maps each key to its (signature, value).

    Raises InvalidArgs, with a message a hook can print as its one line, when
    the report cannot be read.
    """
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidArgs(f"payload: at most {MAX_PAYLOAD_BYTES} bytes are allowed, not {len(payload)}")
    facts: dict[str, Any] = {}
    for key, (signature, value) in context.items():
        expected = CONTEXT_TYPES.get(key)
        if expected is not None and signature != expected:
            raise InvalidArgs(f"context {key!r} must have D-Bus type {expected!r}, not {signature!r}")
        if expected is not None:
            facts[key] = value
    return update_from(agent_name, bytes(payload), facts)


def update_from(agent_name: str, payload: bytes, facts: Mapping[str, Any]) -> Update | None:
    """``reported_update`` once the context's types are known good: also what the Python hook
    sends through ``Set`` to a daemon from before ``Report``."""
    agent = agent_named(agent_name)
    if agent is None:
        raise InvalidArgs(f"unknown agent {sendable(agent_name)!r}: the agents are {', '.join(agent_names())}")
    try:
        event = top_level_fields(payload, not facts.get("truncated", False))
    except MalformedPayload as error:
        raise InvalidArgs(f"{error}; ignored") from None
    reading = agent.read(event)
    if reading is None:
        return None
    if reading.session_id is None:
        raise InvalidArgs(f"{sendable(agent.event_name(event))} without a session_id; ignored")
    owner = (facts["pid"], facts["pid_start"]) if "pid" in facts and "pid_start" in facts else None
    attributes = session_attributes(agent, reading, facts.get("fork_time"), owner, facts.get("terminal", {}))
    return sendable(reading.session_id), reading.status, attributes


def session_attributes(
    agent: "Agent", reading: Reading, fork_time: int | None, owner: tuple[int, int] | None, terminal: Mapping[str, str]
) -> dict[str, Any]:
    """The store's attributes for ``reading``: with the owner process the daemon closes the
    session when the agent dies without saying so; with its terminal ``agent-console focus``
    brings it in front; the transcript shows what no hook reports; the event's time lets
    the daemon drop it if it comes late.

    For an agent whose process hosts many sessions, ``shared_owner`` says that a
    new session there replaces none of the others.  Also the Python hook's
    fallback for a daemon without ``Report``, which sends these through ``Set``.
    """
    attributes: dict[str, Any] = {"agent_type": agent.NAME}
    event_time = _event_time(reading, fork_time)
    if event_time is not None:
        attributes["event_time"] = event_time
    if reading.working_dir is not None:
        attributes["working_dir"] = sendable(reading.working_dir)
    transcript = reading.transcript_path
    if transcript is not None and transcript.startswith("/") and len(transcript.encode(errors="replace")) <= MAX_WORKING_DIR_BYTES:
        attributes["transcript_path"] = sendable(transcript)
    if reading.detail is not None:
        attributes["detail"] = sendable(reading.detail)
    if reading.event is not None:
        attributes["event"] = reading.event
    if reading.subagent is not None and len(reading.subagent) <= MAX_ID_LENGTH:
        attributes["subagent"] = sendable(reading.subagent)
    if reading.status == Status.CLOSED:
        attributes["reason"] = reading.reason or CLOSE_REASON
    if owner is not None:
        attributes["pid"], attributes["pid_start"] = owner
        if agent.SHARED_PROCESS:
            attributes["shared_owner"] = True
    if terminal:
        attributes["terminal"] = dict(terminal)
    return attributes


def _event_time(reading: Reading, fork_time: int | None) -> int | None:
    """The agent's own stamp where it gave one (opencode's plugin) and it is not later than
    the hook's fork, which it must precede; else the hook's fork."""
    stamp = reading.event_time
    if stamp is not None and (fork_time is None or stamp <= fork_time):
        return stamp
    return fork_time


def sendable(text: str) -> str:
    """``text`` with NUL and lone surrogates escaped (``\\x00``, ``\\udc80``): what a D-Bus
    string cannot carry, and what would cost the daemon its bus connection if it went out
    in a signal."""
    if not any(_unsendable(character) for character in text):
        return text
    return "".join(repr(character)[1:-1] if _unsendable(character) else character for character in text)


def _unsendable(character: str) -> bool:
    return character == "\0" or 0xD800 <= ord(character) < 0xE000
