"""Sessions as they travel over D-Bus: ``a{sv}`` dictionaries.

A dictionary of variants, not a struct, so that fields can be added within
API version 1 without breaking a widget that reads only the keys it knows.
The keys and their types (``SESSION_TYPES``) live here, with the reading side,
so the service and the client cannot disagree; the daemon writes its own
sessions by that table (``daemon.session_replies``).
"""

from typing import Any

from dbus_fast import Variant

from agent_console.errors import InvalidArgs, quoted
from agent_console.limits import MAX_ID_LENGTH
from agent_console.wire.names import ATTRIBUTE_TYPES

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
