"""Seen, in the store alone: which waits a person can mark, and what clears the mark."""

import pytest
from test_store import FakeClock, Heard

from agent_console.daemon.session_replies import session_values
from agent_console.daemon.store import SessionStore

pytestmark = pytest.mark.pure


@pytest.fixture
def store() -> SessionStore:
    return SessionStore(FakeClock())


@pytest.mark.parametrize("status", ["question", "attention"])
def test_a_wait_is_marked_seen_and_signalled_once(store: SessionStore, status: str) -> None:
    heard = Heard()
    store.set("s", status)
    store.add_listener(heard)
    before = store.sequence
    seen = store.mark_seen("s")
    assert seen is not None and seen.seen and seen.status == status
    assert store.mark_seen("s") is seen, "a second mark changes nothing"
    assert [s.seen for s in heard.changes] == [True]
    assert store.sequence == before + 1 == seen.seq


@pytest.mark.parametrize("status", ["working", "closed"])
def test_what_does_not_wait_cannot_be_marked(store: SessionStore, status: str) -> None:
    session = store.set("s", status)
    assert store.mark_seen("s") is session
    assert store.sequence == session.seq


def test_an_unknown_id_is_none(store: SessionStore) -> None:
    assert store.mark_seen("nobody") is None


def test_a_new_wait_is_unseen_again(store: SessionStore) -> None:
    store.set("s", "question")
    store.mark_seen("s")
    assert store.set("s", "question", detail="still the same wait").seen, "the same status keeps the mark"
    assert not store.set("s", "attention").seen, "entering another wait clears it"
    store.mark_seen("s")
    store.set("s", "working")
    assert not store.get("s").seen  # type: ignore[union-attr]
    assert not store.set("s", "attention").seen


def test_a_reminder_of_a_seen_question_keeps_it_seen(store: SessionStore) -> None:
    store.set("s", "question")
    store.mark_seen("s")
    assert store.set("s", "attention", event="reminder").seen


def test_closing_a_seen_wait_clears_the_mark(store: SessionStore) -> None:
    store.set("s", "attention")
    store.mark_seen("s")
    assert not store.set("s", "closed").seen


def test_seen_travels_as_a_boolean(store: SessionStore) -> None:
    store.set("s", "question")
    assert session_values(store.get("s"))["seen"] is False  # type: ignore[arg-type]
    assert session_values(store.mark_seen("s"))["seen"] is True  # type: ignore[arg-type]
