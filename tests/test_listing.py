"""ListAll and Snapshot joined from each session's bytes, made once: byte for byte what
the marshaller writes of the same sessions in one go (which test_subscribers.py holds
to the D-Bus library's), whichever offset a session's bytes land at and however the
listing changed since they were made."""

import pytest

from agent_console.daemon.session_replies import MarshalledSessions, session_values, sessions_to_bytes
from agent_console.daemon.store import SessionStore
from agent_console.wire.marshal import TypedValues, Writer
from agent_console.wire.session_form import SESSION_TYPES

pytestmark = pytest.mark.pure


def reference(store: SessionStore, sequence: int | None = None) -> bytes:
    writer = Writer()
    listing = [TypedValues(SESSION_TYPES, session_values(session)) for session in store.list_all()]
    writer.write("aa{sv}" if sequence is None else "taa{sv}", [listing] if sequence is None else [sequence, listing])
    return bytes(writer.buffer)


def test_kept_bytes_are_joined_exactly_at_every_offset() -> None:
    store = SessionStore()
    marshalled = MarshalledSessions()
    for n in range(40):
        store.set(f"s{n}", "working", detail="x" * n, working_dir="/w" + "é" * (n % 5))
    for _ in range(3):
        assert sessions_to_bytes(store.list_all(), marshalled=marshalled) == reference(store)
        assert sessions_to_bytes(store.list_all(), 9, marshalled) == reference(store, 9)
        for n in range(0, 40, 3):
            store.set(f"s{n}", "attention", detail="y" * (n + 1))
        store.remove("s1")
        marshalled.forget("s1")
    for keep in list(store.list_all())[1:]:
        store.remove(keep.id)
    assert sessions_to_bytes(store.list_all(), marshalled=marshalled) == reference(store)
