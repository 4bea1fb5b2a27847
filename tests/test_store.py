"""The store on its own: rules, snapshots and every bound."""

import ast
import dataclasses
from pathlib import Path

import pytest

from agent_console.errors import InvalidArgs, LimitExceeded
from agent_console.limits import MAX_HISTORY, MAX_ID_LENGTH, MAX_SESSIONS, MAX_WORKING_DIR_BYTES
from agent_console.model import AgentType, CloseReason, Session, Status
from agent_console.store import SessionStore


class FakeClock:
    """Time that moves only when told, so durations are exact."""

    def __init__(self) -> None:
        self.wall = 1_700_000_000_000_000
        self.monotonic = 5_000_000

    def advance(self, microseconds: int) -> None:
        self.wall += microseconds
        self.monotonic += microseconds

    def wall_us(self) -> int:
        return self.wall

    def monotonic_us(self) -> int:
        return self.monotonic


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> SessionStore:
    return SessionStore(clock)


def test_first_set_creates(store: SessionStore, clock: FakeClock) -> None:
    session = store.set("abc", "working", working_dir="/home/me/project")
    assert session.id == "abc"
    assert session.status is Status.WORKING
    assert session.agent_type is AgentType.CLAUDE_CODE
    assert session.display_name == "project"
    assert session.since == session.last_activity == clock.wall
    assert session.history == ()
    assert not session.closed
    assert store.get("abc") == session


def test_get_unknown_is_none(store: SessionStore) -> None:
    assert store.get("nope") is None


def test_status_is_case_insensitive(store: SessionStore) -> None:
    assert store.set("abc", "QuEsTiOn").status is Status.QUESTION


def test_status_change_records_a_transition(store: SessionStore, clock: FakeClock) -> None:
    store.set("abc", "working")
    clock.advance(2_500_000)
    session = store.set("abc", "attention")
    [transition] = session.history
    assert (transition.from_status, transition.to_status) == (Status.WORKING, Status.ATTENTION)
    assert transition.duration == 2_500_000
    assert transition.at == session.since == clock.wall


def test_same_status_refreshes_last_activity_only(store: SessionStore, clock: FakeClock) -> None:
    first = store.set("abc", "working")
    clock.advance(1_000)
    again = store.set("abc", "working")
    assert again.since == first.since
    assert again.last_activity == first.last_activity + 1_000
    assert again.history == ()


def test_duration_survives_a_wall_clock_step_back(store: SessionStore, clock: FakeClock) -> None:
    store.set("abc", "working")
    clock.wall -= 3_600_000_000
    clock.monotonic += 7
    assert store.get("abc") is not None
    assert store.set("abc", "closed").history[0].duration == 7


def test_working_dir_and_agent_type_update_when_given(store: SessionStore) -> None:
    store.set("abc", "working", working_dir="/a")
    assert store.set("abc", "working").working_dir == "/a"
    assert store.set("abc", "working", working_dir="/b/c/").display_name == "c"
    assert store.set("abc", "working", agent_type="Claude-Code").agent_type is AgentType.CLAUDE_CODE


def test_display_name_falls_back_to_the_id(store: SessionStore) -> None:
    assert store.set("0123456789abcdef", "working").display_name == "01234567"
    assert store.set("0123456789abcdef", "working", working_dir="/").display_name == "01234567"


def test_closed_is_exactly_status_closed(store: SessionStore) -> None:
    assert store.set("abc", "closed").closed
    assert not store.set("abc", "working").closed


def test_snapshots_cannot_change_the_store(store: SessionStore) -> None:
    session = store.set("abc", "working")
    with pytest.raises(dataclasses.FrozenInstanceError):
        session.status = Status.CLOSED  # type: ignore[misc]
    assert isinstance(session.history, tuple)
    listed = store.list_all()
    listed.clear()
    assert store.get("abc") is session
    assert len(store) == 1


def test_remove(store: SessionStore) -> None:
    session = store.set("abc", "working")
    assert store.remove("abc") == session
    assert store.remove("abc") is None
    assert store.list_all() == []


def test_list_all(store: SessionStore) -> None:
    for n in range(3):
        store.set(f"s{n}", "working")
    assert sorted(s.id for s in store.list_all()) == ["s0", "s1", "s2"]


def test_repr_counts_by_status(store: SessionStore) -> None:
    store.set("a", "working")
    store.set("b", "question")
    store.set("c", "working")
    assert repr(store) == "<SessionStore 3 sessions: 1 question, 2 working>"


def test_container_is_a_plain_dict_and_nothing_locks() -> None:
    assert type(SessionStore()._sessions) is dict
    package = Path(__file__).parent.parent / "agent_console"
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text())
        names = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "") for n in ast.walk(tree)}
        imports = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        assert not names & {"Lock", "RLock", "Semaphore", "Condition"}, source
        assert "threading" not in imports and "Thread" not in names, source


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"session_id": "x" * (MAX_ID_LENGTH + 1)}, f"session_id: at most {MAX_ID_LENGTH} characters"),
        ({"session_id": ""}, "session_id: must not be empty"),
        ({"status": "busy"}, "status: Input should be 'working', 'attention', 'question' or 'closed'"),
        ({"working_dir": "/" + "é" * (MAX_WORKING_DIR_BYTES // 2)}, f"at most {MAX_WORKING_DIR_BYTES} bytes"),
        ({"working_dir": 3}, "working_dir: Input should be a valid string"),
        ({"agent_type": "emacs"}, "agent_type: Input should be 'claude-code'"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(store: SessionStore, fields: dict, message: str) -> None:
    before = store.set("keep", "working", working_dir="/k")
    arguments = {"session_id": "keep", "status": "attention", **fields}
    with pytest.raises(InvalidArgs, match=message.replace("(", r"\(")):
        store.set(arguments.pop("session_id"), arguments.pop("status"), **arguments)
    assert store.list_all() == [before]


def test_longest_allowed_values_fit(store: SessionStore) -> None:
    store.set("x" * MAX_ID_LENGTH, "working", working_dir="/" + "d" * (MAX_WORKING_DIR_BYTES - 1))
    assert len(store) == 1


def test_history_keeps_the_newest(store: SessionStore, clock: FakeClock) -> None:
    statuses = ["working", "attention"]
    transition_times = []
    for n in range(MAX_HISTORY + 11):
        clock.advance(1)
        store.set("abc", statuses[n % 2])
        transition_times.append(clock.wall)
    history = store.get("abc").history
    assert [t.at for t in history] == transition_times[-MAX_HISTORY:]


def test_most_sessions_is_a_clear_refusal(store: SessionStore) -> None:
    for n in range(MAX_SESSIONS):
        store.set(f"s{n}", "working")
    with pytest.raises(LimitExceeded, match=f"{MAX_SESSIONS} sessions"):
        store.set("one-too-many", "working")
    assert store.get("one-too-many") is None
    assert store.set("s0", "closed").closed, "existing sessions still update when full"
    store.remove("s1")
    store.set("one-too-many", "working")


def test_every_change_and_removal_takes_the_next_sequence_number(store: SessionStore) -> None:
    assert store.set("a", "working").seq == 1
    assert store.set("a", "working").seq == 2
    assert store.set("b", "question").seq == 3
    store.remove("a")
    assert store.sequence == 4
    assert [s.seq for s in store.list_all()] == [3]


def test_a_new_owner_finds_its_siblings_without_scanning_the_store(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions are indexed by owner: a Set in a crowded store looks only at that owner's sessions."""
    for n in range(1000):
        store.set(f"other{n}", "working", pid=100 + n, pid_start=1)
    store.set("old", "working", pid=7, pid_start=1)
    store.set("moved-away", "working", pid=7, pid_start=1)
    store.set("moved-away", "working", pid=8, pid_start=1)
    store.remove("other0")
    owners_read = 0
    owner = Session.owner.fget

    def counting(session: Session) -> tuple[int, int] | None:
        nonlocal owners_read
        owners_read += 1
        return owner(session)

    monkeypatch.setattr(Session, "owner", property(counting))
    store.set("new", "working", pid=7, pid_start=1)
    assert owners_read < 20, owners_read
    assert store.get("old").close_reason is CloseReason.REPLACED
    assert not store.get("moved-away").closed, "it left owner 7 before the new session came"
