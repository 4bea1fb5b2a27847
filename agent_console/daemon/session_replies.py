"""The daemon's sessions as replies and signals carry them, by the wire's ``SESSION_TYPES``.

Only the daemon holds ``Session`` objects, so writing them lives here, beside
the model; the wire keeps the table of keys and types, and the reading side
every client shares (``wire.session_form``).
"""

from collections.abc import Iterator, Sequence

from dbus_fast import Variant

from agent_console.daemon.model import Session, StateTransition
from agent_console.wire.marshal import TypedValues, Writer
from agent_console.wire.session_form import SESSION_TYPES


def session_values(session: Session) -> dict[str, object]:
    """A session's wire form as plain values, each of its ``SESSION_TYPES`` type; history aside."""
    return {
        "id": session.id,
        "agent_type": session.agent_type.value,
        "status": session.status.value,
        "working_dir": session.working_dir,
        "display_name": session.display_name,
        "since": session.since,
        "last_activity": session.last_activity,
        "closed": session.closed,
        "close_reason": session.close_reason.value if session.close_reason else "",
        "stale": session.stale,
        "pid": session.pid,
        "terminal": dict(session.terminal),
        "seq": session.seq,
        "detail": session.detail,
        "permission": session.awaiting_tool,
        "seen": session.seen,
        "host": session.host,
        "host_state": session.host_state,
    }


def session_to_wire(session: Session, *, with_history: bool) -> dict[str, Variant]:
    """History is left out of replies and signals so their size does not grow with a session's age."""
    wire = {key: Variant(SESSION_TYPES[key], value) for key, value in session_values(session).items()}
    if with_history:
        wire["history"] = Variant("aa{sv}", [_transition_to_wire(t) for t in session.history])
    return wire


LISTING_SLICE = 128
"""Sessions a listing writes before it lets the event loop serve others: 2 to 3 ms on a
shared 2-core machine (some 20 µs a session), so a Get waits at most about that long for it."""


def write_listing(writer: Writer, sessions: Sequence[Session], sequence: int | None = None) -> Iterator[None]:
    """Writes the body of a ListAll reply (``aa{sv}``), or of Snapshot's (``taa{sv}``) given its
    sequence, into ``writer``: what ``session_to_wire`` gives, ``LISTING_SLICE`` sessions at a
    time, yielding after each slice so that the caller can return to the event loop.

    ``sessions`` is taken when the call arrives: sessions are immutable, so it stays the
    listing of that moment however the store changes while it is written.  Built as
    variants and marshalled by dbus-next (before dbus-fast), a reply of 10,000 sessions left the
    daemon 24 MiB bigger for good (140,000 variant objects alive at once, in memory the
    allocator keeps); keeping each session's bytes made (011f037) cost 1.2 KiB a session.
    """
    if sequence is not None:
        writer.write_value("t", sequence)
    array = writer.begin_array("a{sv}")
    for start in range(0, len(sessions), LISTING_SLICE):
        for session in sessions[start : start + LISTING_SLICE]:
            writer.write_value("a{sv}", TypedValues(SESSION_TYPES, session_values(session)))
        yield
    writer.end_array(array)


def _transition_to_wire(transition: StateTransition) -> dict[str, Variant]:
    return {
        "from": Variant("s", transition.from_status.value),
        "to": Variant("s", transition.to_status.value),
        "at": Variant("t", transition.at),
        "duration": Variant("t", transition.duration),
        "reason": Variant("s", transition.reason.value if transition.reason else ""),
    }
