"""Sessions as they travel over D-Bus: ``a{sv}`` dictionaries.

A dictionary of variants, not a struct, so that fields can be added within
API version 1 without breaking a widget that reads only the keys it knows.
Both directions live here so the service and the client cannot disagree.
"""

import struct
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dbus_fast import Variant

from agent_console.errors import InvalidArgs, quoted
from agent_console.limits import MAX_ID_LENGTH
from agent_console.wire.marshal import TypedValues, Writer
from agent_console.wire.names import ATTRIBUTE_TYPES

if TYPE_CHECKING:
    # Only the daemon builds sessions; a client that merely unwraps replies must not load pydantic-core.
    from agent_console.daemon.model import Session, StateTransition


SESSION_TYPES: dict[str, str] = {
    "id": "s",
    "agent_type": "s",
    "status": "s",
    "working_dir": "s",
    "display_name": "s",
    "since": "t",
    "last_activity": "t",
    "closed": "b",
    "close_reason": "s",
    "stale": "b",
    "pid": "u",
    "terminal": "a{ss}",
    "seq": "t",
    "detail": "s",
    "permission": "b",
    "seen": "b",
    "host": "s",
    "host_state": "s",
    "history": "aa{sv}",
}
"""The keys of a session on the wire with their D-Bus types: what a subscriber checks a signal against."""


def session_values(session: "Session") -> dict[str, object]:
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


def session_to_wire(session: "Session", *, with_history: bool) -> dict[str, Variant]:
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

    def element(self, session: "Session", start: int) -> bytes:
        """The session's ``a{sv}`` as it is written at offset ``start`` (4-aligned), followed by
        the padding that 4-aligns the next element."""
        cached = self._elements.get(session.id)
        if cached is None or cached[0] is not session:
            cached = (session, *_elements_of(session))
            self._elements[session.id] = cached
        return cached[1] if start % 8 == 0 else cached[2]

    def forget(self, session_id: str) -> None:
        self._elements.pop(session_id, None)


def _elements_of(session: "Session") -> tuple[bytes, bytes]:
    """The element starting 8-aligned, and starting 4 past that: its length, the padding to 8, its entries."""
    writer = Writer()
    writer.write_value("a{sv}", TypedValues(SESSION_TYPES, session_values(session)))
    entries = bytes(writer.buffer[8:])
    length = _LENGTH.pack(len(entries))
    tail = bytes(-len(entries) % 4)
    return length + bytes(4) + entries + tail, length + entries + tail


def sessions_to_bytes(
    sessions: Iterable["Session"], sequence: int | None = None, marshalled: MarshalledSessions | None = None
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


def _transition_to_wire(transition: "StateTransition") -> dict[str, Variant]:
    return {
        "from": Variant("s", transition.from_status.value),
        "to": Variant("s", transition.to_status.value),
        "at": Variant("t", transition.at),
        "duration": Variant("t", transition.duration),
        "reason": Variant("s", transition.reason.value if transition.reason else ""),
    }


def attributes_from_wire(attributes: dict[str, Variant]) -> dict[str, Any]:
    """Check names and types here: a typo in a hook must be an error, not a silent no-op."""
    for name, value in attributes.items():
        expected = ATTRIBUTE_TYPES.get(name)
        if expected is None:
            known = ", ".join(ATTRIBUTE_TYPES)
            raise InvalidArgs(f"unknown attribute {quoted(name)}: the known ones are {known}")
        if value.signature != expected:
            raise InvalidArgs(
                f"attribute {name!r} must have D-Bus type {expected!r}, not {quoted(value.signature)}"
            )
    return {name: value.value for name, value in attributes.items()}


def session_from_signal(wire: Any) -> dict[str, Any] | None:
    """A ``SessionChanged`` body as plain values, or None when it is not a session.

    A subscriber must not crash on a body of the wrong shape: the id must be
    a string within ``MAX_ID_LENGTH`` and every known key must have its type.
    Unknown keys pass, so a newer daemon may add fields within version 1.
    """
    if not isinstance(wire, dict) or not all(isinstance(value, Variant) for value in wire.values()):
        return None
    if any(SESSION_TYPES.get(key, value.signature) != value.signature for key, value in wire.items()):
        return None
    session = unwrap(wire)
    session_id = session.get("id")
    return session if isinstance(session_id, str) and valid_session_id(session_id) else None


def valid_session_id(session_id: str) -> bool:
    return 0 < len(session_id) <= MAX_ID_LENGTH


def unwrap(value: Any) -> Any:
    """Plain Python values from variants, recursively: what a client or JSON wants."""
    if isinstance(value, Variant):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def _fits(signature: str, value: object) -> bool:
    """Whether ``value`` (plain, as JSON gives it) marshals as ``signature`` without error."""
    if signature == "s":
        return isinstance(value, str) and _utf8_encodable(value)
    if signature == "b":
        return isinstance(value, bool)
    if signature in ("t", "u"):
        return type(value) is int and 0 <= value < 2 ** (64 if signature == "t" else 32)
    if signature == "a{ss}":
        return isinstance(value, dict) and all(_fits("s", k) and _fits("s", v) for k, v in value.items())
    return False


def _utf8_encodable(text: str) -> bool:
    """JSON may carry a lone surrogate (``\\ud800``), which no D-Bus string can."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def session_from_json(value: object) -> dict[str, object] | None:
    """A session as another daemon's ``watch --format json`` printed it, kept as plain values
    that ``with_variants`` can send on; None when it is not one (no string id, or a known key
    of the wrong type).

    Only the keys of ``SESSION_TYPES`` are kept, history aside; the receiving
    daemon checks the values' bounds itself.  Plain values, not variants: a
    follower holds every remote session, and variants take twice the memory.
    """
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return None
    kept = {}
    for key, item in value.items():
        signature = SESSION_TYPES.get(key)
        if signature is None or key == "history":
            continue
        if not _fits(signature, item):
            return None
        kept[key] = item
    return kept


def with_variants(session: dict[str, object]) -> dict[str, Variant]:
    """A session of plain values (``session_from_json``) in its wire form."""
    return {key: Variant(SESSION_TYPES[key], item) for key, item in session.items()}
