"""The daemon's sessions as replies and signals carry them, by the wire's ``SESSION_TYPES``.

Only the daemon holds ``Session`` objects, so writing them lives here, beside
the model; the wire keeps the table of keys and types, and the reading side
every client shares (``wire.session_form``).
"""

import struct
from collections.abc import Iterable

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


class MarshalledSessions:
    """Each session as an element of ``aa{sv}``, marshalled once, kept while the session stays the same object.

    A ``ListAll`` of 10,000 sessions marshalled them all while every other
    caller waited (0.2 to 0.5 s).  An ``a{sv}`` element's bytes depend only on
    where it starts modulo 8 (its entries are 8-aligned), and an element of
    an array starts 4-aligned: so each session is marshalled for both starts
    when it changes, and a listing only joins them.  The store replaces a
    session's object on every change, so the object tells whether the bytes
    are current.  What it costs is memory: about 1 KB a session, 10 MB at 10,000.
    """

    def __init__(self) -> None:
        self._elements: dict[str, tuple[Session, bytes, bytes]] = {}

    def element(self, session: Session, start: int) -> bytes:
        """The session's ``a{sv}`` as it is written at offset ``start`` (4-aligned), followed by
        the padding that 4-aligns the next element."""
        cached = self._elements.get(session.id)
        if cached is None or cached[0] is not session:
            cached = (session, *_elements_of(session))
            self._elements[session.id] = cached
        return cached[1] if start % 8 == 0 else cached[2]

    def forget(self, session_id: str) -> None:
        self._elements.pop(session_id, None)


def _elements_of(session: Session) -> tuple[bytes, bytes]:
    """The element starting 8-aligned, and starting 4 past that: its length, the padding to 8, its entries."""
    writer = Writer()
    writer.write_value("a{sv}", TypedValues(SESSION_TYPES, session_values(session)))
    entries = bytes(writer.buffer[8:])
    length = _LENGTH.pack(len(entries))
    tail = bytes(-len(entries) % 4)
    return length + bytes(4) + entries + tail, length + entries + tail


def sessions_to_bytes(
    sessions: Iterable[Session], sequence: int | None = None, marshalled: MarshalledSessions | None = None
) -> bytes:
    """The body of a ListAll reply (``aa{sv}``), or of Snapshot's (``taa{sv}``) given its sequence,
    already marshalled: what ``session_to_wire`` gives, joined from each session's element.

    Built as variants and marshalled by dbus-next (before dbus-fast), a reply of 10,000 sessions
    left the daemon 24 MiB bigger for good (140,000 variant objects alive at
    once, in memory the allocator keeps) and took 2.5 times as long.
    """
    element = (marshalled or MarshalledSessions()).element
    head = b"" if sequence is None else struct.pack("<Q", sequence)
    parts = [head, b""]
    start = offset = len(head) + 4
    for session in sessions:
        chunk = element(session, offset)
        parts.append(chunk)
        offset += len(chunk)
    if len(parts) > 2:
        last = parts[-1]
        parts[-1] = last[: len(last) - (-_LENGTH.unpack_from(last)[0] % 4)]
        offset -= len(last) - len(parts[-1])
    parts[1] = _LENGTH.pack(offset - start)
    return b"".join(parts)


_LENGTH = struct.Struct("<I")


def _transition_to_wire(transition: StateTransition) -> dict[str, Variant]:
    return {
        "from": Variant("s", transition.from_status.value),
        "to": Variant("s", transition.to_status.value),
        "at": Variant("t", transition.at),
        "duration": Variant("t", transition.duration),
        "reason": Variant("s", transition.reason.value if transition.reason else ""),
    }
