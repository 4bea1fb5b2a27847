"""Replacement, owners gone, stale work and retention, on the store with a fake clock."""

import pytest
from test_store import FakeClock

from agent_console.daemon.model import Session
from agent_console.daemon.store import SessionStore
from agent_console.errors import InvalidArgs
from agent_console.vocabulary import CloseReason, Status

pytestmark = pytest.mark.pure

SECOND = 1_000_000
STALE_AFTER = 600 * SECOND
RETENTION = 900 * SECOND


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, object]] = []

    def session_changed(self, session: Session, created: bool) -> None:
        self.events.append(("created" if created else "changed", session.id, session.status))

    def session_removed(self, session: Session) -> None:
        self.events.append(("removed", session.id, None))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def store(clock: FakeClock, recorder: Recorder) -> SessionStore:
    store = SessionStore(clock)
    store.add_listener(recorder)
    return store


def sweep(store: SessionStore, alive: set[tuple[int, int]] = frozenset()) -> None:
    store.sweep(stale_after_us=STALE_AFTER, retention_us=RETENTION, owner_alive=lambda *owner: owner in alive)


def test_every_change_reaches_listeners(store: SessionStore, recorder: Recorder) -> None:
    store.set("a", "working")
    store.set("a", "question")
    store.remove("a")
    assert recorder.events == [
        ("created", "a", Status.WORKING),
        ("changed", "a", Status.QUESTION),
        ("removed", "a", None),
    ]


def test_a_new_session_of_the_same_process_replaces_the_old(store: SessionStore, recorder: Recorder) -> None:
    store.set("old", "working", pid=4242, pid_start=77)
    store.set("neighbour", "working", working_dir="/same", pid=5000, pid_start=1)
    store.set("new", "attention", working_dir="/same", pid=4242, pid_start=77)
    old = store.get("old")
    assert old.closed and old.close_reason is CloseReason.REPLACED
    assert old.history[-1].reason is CloseReason.REPLACED
    assert not store.get("neighbour").closed, "same working dir alone is not enough"
    assert recorder.events[-2:] == [("created", "new", Status.ATTENTION), ("changed", "old", Status.CLOSED)]


def test_the_same_pid_with_another_start_time_is_another_process(store: SessionStore) -> None:
    store.set("old", "working", pid=4242, pid_start=77)
    store.set("new", "working", pid=4242, pid_start=78)
    assert not store.get("old").closed


def test_only_a_session_newly_in_a_process_replaces(store: SessionStore, recorder: Recorder) -> None:
    store.set("a", "working", pid=1, pid_start=1, event="session-start")
    store.set("b", "working", pid=1, pid_start=1)
    assert store.get("a").closed
    before = len(recorder.events)
    store.set("b", "attention", pid=1, pid_start=1)
    assert recorder.events[before:] == [("changed", "b", Status.ATTENTION)]
    store.set("a", "working", pid=1, pid_start=1)
    assert store.get("a").closed, "only a session-start (/resume) reopens a replaced session"
    store.set("a", "working", pid=1, pid_start=1, event="session-start")
    assert not store.get("a").closed
    assert store.get("b").close_reason is CloseReason.REPLACED, "a reopened session displaces in turn"


def test_a_shared_owner_hosts_many_sessions(store: SessionStore) -> None:
    """A Codex app-server or an opencode server: a new session there replaces no other."""
    store.set("first", "working", pid=7, pid_start=3, shared_owner=True)
    store.set("second", "attention", pid=7, pid_start=3, shared_owner=True)
    assert not store.get("first").closed and not store.get("second").closed


def test_owner_gone_closes_with_a_reason(store: SessionStore, clock: FakeClock) -> None:
    store.set("a", "question", pid=10, pid_start=5)
    store.set("b", "working", pid=11, pid_start=5)
    store.set("unowned", "working")
    clock.advance(SECOND)
    sweep(store, alive={(11, 5)})
    a = store.get("a")
    assert a.closed and a.close_reason is CloseReason.PROCESS_EXITED
    assert a.history[-1].duration == SECOND
    assert a.last_activity == a.history[-1].at - SECOND, "the daemon closing it is not activity"
    assert not store.get("b").closed and not store.get("unowned").closed


def test_quiet_work_becomes_stale_once_and_a_set_clears_it(
    store: SessionStore, clock: FakeClock, recorder: Recorder
) -> None:
    store.set("busy", "working")
    store.set("waiting", "attention")
    clock.advance(STALE_AFTER - 1)
    sweep(store)
    assert not store.get("busy").stale
    clock.advance(1)
    sweep(store)
    sweep(store)
    assert store.get("busy").stale and store.get("busy").status is Status.WORKING
    assert not store.get("waiting").stale, "only working sessions go stale"
    assert [e for e in recorder.events if e[1] == "busy"][-1] == ("changed", "busy", Status.WORKING)
    assert len([e for e in recorder.events if e[1] == "busy"]) == 2, "one signal when it flips, not per sweep"
    assert not store.set("busy", "working").stale


def test_closed_sessions_expire_after_retention(store: SessionStore, clock: FakeClock, recorder: Recorder) -> None:
    store.set("done", "closed", reason="session-end")
    assert store.get("done").close_reason is CloseReason.SESSION_END
    clock.advance(RETENTION - 1)
    sweep(store)
    assert store.get("done") is not None
    clock.advance(1)
    sweep(store)
    assert store.get("done") is None
    assert recorder.events[-1] == ("removed", "done", None)


def test_reopening_clears_the_close_reason(store: SessionStore) -> None:
    store.set("a", "closed")
    assert store.get("a").close_reason is CloseReason.USER
    assert store.set("a", "working").close_reason is None


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"status": "closed", "reason": "replaced"}, "observed by the daemon"),
        ({"status": "working", "reason": "user"}, "only with status 'closed'"),
        ({"status": "working", "pid": 12}, "pid and pid_start go together"),
        ({"status": "working", "pid": 0, "pid_start": 1}, "pid: Input should be greater than or equal to 1"),
        ({"status": "working", "shared_owner": 1}, "shared_owner: Input should be a valid boolean"),
    ],
)
def test_owner_and_reason_attributes_are_checked(store: SessionStore, attributes: dict, message: str) -> None:
    with pytest.raises(InvalidArgs, match=message):
        store.set("a", attributes.pop("status"), **attributes)
    assert store.get("a") is None
