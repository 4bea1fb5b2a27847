"""ListAll and Snapshot written a slice at a time: byte for byte what the marshaller writes
of the same sessions in one go (which test_subscribers.py holds to the D-Bus library's),
whatever the number of sessions around a slice's size, behind a header of any 8-aligned
length, and however the store changes between two slices (the listing is of the moment
it was taken)."""

import pytest

from agent_console.daemon.session_replies import LISTING_SLICE, session_values, write_listing
from agent_console.daemon.store import SessionStore
from agent_console.wire.marshal import TypedValues, Writer
from agent_console.wire.session_form import SESSION_TYPES

pytestmark = pytest.mark.pure

COUNTS = (0, 1, LISTING_SLICE - 1, LISTING_SLICE, LISTING_SLICE + 1, 2 * LISTING_SLICE + 3)


def reference(store: SessionStore, sequence: int | None = None) -> bytes:
    writer = Writer()
    listing = [TypedValues(SESSION_TYPES, session_values(session)) for session in store.list_all()]
    writer.write("aa{sv}" if sequence is None else "taa{sv}", [listing] if sequence is None else [sequence, listing])
    return bytes(writer.buffer)


def filled(count: int) -> SessionStore:
    store = SessionStore()
    for n in range(count):
        store.set(f"s{n}", "working", detail="x" * (n % 40), working_dir="/w" + "é" * (n % 5))
    return store


@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("sequence", [None, 9])
@pytest.mark.parametrize("header", [0, 16, 24])
def test_a_listing_written_in_slices_is_the_marshallers_bytes(count: int, sequence: int | None, header: int) -> None:
    store = filled(count)
    expected = reference(store, sequence)
    writer = Writer(bytes(header))
    steps = sum(1 for _ in write_listing(writer, store.list_all(), sequence))
    assert steps == -(-count // LISTING_SLICE)
    assert bytes(writer.buffer[header:]) == expected


def test_changes_between_slices_leave_the_listing_as_it_was_taken() -> None:
    store = filled(2 * LISTING_SLICE + 3)
    expected = reference(store, store.sequence)
    writer = Writer()
    for n, _ in enumerate(write_listing(writer, store.list_all(), store.sequence)):
        store.set(f"s{n}", "attention", detail="changed meanwhile")
        store.remove(f"s{LISTING_SLICE + n}")
        store.set(f"new{n}", "working")
    assert bytes(writer.buffer) == expected
