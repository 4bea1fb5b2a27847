"""The store on its own: rules, snapshots and every bound."""

import ast
import dataclasses
import gc
from pathlib import Path

import pytest

from agent_console.daemon.model import Session
from agent_console.daemon.store import SessionStore
from agent_console.errors import InvalidArgs, LimitExceeded
from agent_console.limits import (
    MAX_DETAIL_CHARS,
    MAX_HISTORY,
    MAX_ID_LENGTH,
    MAX_SESSIONS,
    MAX_WORKING_DIR_BYTES,
)
from agent_console.vocabulary import AgentType, CloseReason, Status

pytestmark = pytest.mark.pure


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
    # A bus connection an earlier test dropped (test_daemon's dead bus) is finalized by
    # dbus-fast's compiled code; on CPython 3.11 a finalizer that the collector runs in the
    # middle of ast.parse makes it fail with "AST constructor recursion depth mismatch".
    gc.collect()
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
        ({"detail": "d" * (MAX_DETAIL_CHARS + 1)}, f"detail: at most {MAX_DETAIL_CHARS} characters"),
        ({"detail": "two\nlines"}, "detail: must be one line"),
        ({"detail": "carriage\rreturn"}, "detail: must be one line"),
        ({"transcript_path": "relative/t.jsonl"}, "transcript_path: must be an absolute path"),
        ({"transcript_path": "/" + "t" * MAX_WORKING_DIR_BYTES}, f"at most {MAX_WORKING_DIR_BYTES} bytes"),
        ({"event_time": -1}, "event_time: Input should be greater than or equal to 0"),
        ({"event": "whenever"}, "event: Input should be 'session-start', 'permission' or 'reminder'"),
        ({"status": "working", "reason": "cleared"}, "a reason goes only with status 'closed'"),
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


def test_longest_detail_fits_and_cleared_is_a_callers_reason(store: SessionStore) -> None:
    assert store.set("d", "attention", detail="é" * MAX_DETAIL_CHARS).detail == "é" * MAX_DETAIL_CHARS
    assert store.set("d", "closed", reason="cleared").close_reason.value == "cleared"


class Heard:
    """A store listener that counts what would become signals."""

    def __init__(self) -> None:
        self.changes: list[Session] = []

    def session_changed(self, session: Session, created: bool) -> None:
        self.changes.append(session)

    def session_removed(self, session: Session) -> None:
        raise AssertionError("nothing is removed here")


@pytest.fixture
def heard(store: SessionStore) -> Heard:
    listener = Heard()
    store.add_listener(listener)
    return listener


def test_an_event_older_than_the_last_applied_changes_nothing(store: SessionStore, heard: Heard) -> None:
    store.set("s", "working", event_time=2_000)
    stood = store.set("s", "attention", event_time=3_000, detail="Bash: ls")
    assert store.set("s", "working", event_time=2_500) is stood
    assert len(heard.changes) == 2
    assert store.set("s", "working", event_time=3_000).status is Status.WORKING, "the same instant is applied"
    assert store.set("s", "attention").event_time == 3_000, "a Set without a time is applied and keeps the newest"


def test_after_the_agent_ends_a_session_only_a_start_reopens_it(store: SessionStore, heard: Heard) -> None:
    store.set("s", "attention", event="session-start")
    store.set("s", "working")
    ended = store.set("s", "closed", reason="session-end")
    for late in ("attention", "working", "question", "closed"):
        assert store.set("s", late, detail="late") is ended
    assert store.set("s", "attention", event="reminder") is ended
    assert len(heard.changes) == 3
    reopened = store.set("s", "attention", event="session-start")
    assert (reopened.status, reopened.close_reason) == (Status.ATTENTION, None)


def test_a_start_that_lands_after_the_prompt_still_keeps_the_ended_session_closed(
    store: SessionStore, heard: Heard
) -> None:
    """Seen with the real CLI: hooks in the background race, SessionStart's landed after
    UserPromptSubmit's (dropped as older, no signal), then StopFailure's after SessionEnd's."""
    store.set("s", "working", event_time=2_000)
    store.set("s", "attention", event="session-start", event_time=1_000)
    assert len(heard.changes) == 1, "the start is late: it changes nothing anyone sees"
    ended = store.set("s", "closed", reason="session-end", event_time=3_000)
    assert store.set("s", "attention", detail="API Error", event_time=3_000) is ended


@pytest.mark.parametrize("reason", ["cleared", "replaced", "process-exited"])
def test_ended_by_clear_or_found_over_by_the_daemon_also_waits_for_a_start(
    store: SessionStore, reason: str
) -> None:
    store.set("s", "working", pid=4242, pid_start=7, event="session-start")
    if reason == "cleared":
        store.set("s", "closed", reason="cleared")
    elif reason == "replaced":
        store.set("newer", "attention", pid=4242, pid_start=7)
    else:
        store.sweep(stale_after_us=10**9, retention_us=10**9, owner_alive=lambda pid, start: False)
    assert store.get("s").close_reason.value == reason
    assert store.set("s", "working").status is Status.CLOSED
    assert store.set("s", "working", event="session-start").status is Status.WORKING


def test_a_session_closed_by_hand_reopens_with_any_set(store: SessionStore) -> None:
    store.set("s", "closed")
    assert store.set("s", "working").status is Status.WORKING


def test_a_reminder_never_turns_a_question_into_attention(store: SessionStore) -> None:
    store.set("s", "question", detail="Which database?")
    kept = store.set("s", "attention", event="reminder")
    assert (kept.status, kept.detail) == (Status.QUESTION, "Which database?")
    assert store.set("w", "working").status is Status.WORKING
    assert store.set("w", "attention", event="reminder").status is Status.ATTENTION
    assert store.set("s", "working").status is Status.WORKING, "an event that is no reminder moves on"


def test_detail_is_replaced_kept_while_the_status_stays_and_cleared_when_it_changes(store: SessionStore) -> None:
    assert store.set("s", "attention", detail="Bash: npm test").detail == "Bash: npm test"
    assert store.set("s", "attention").detail == "Bash: npm test"
    assert store.set("s", "attention", detail="Bash: ls").detail == "Bash: ls"
    assert store.set("s", "working").detail == ""
    assert store.set("s", "working", detail="2 background tasks").detail == "2 background tasks"


def test_a_permission_awaits_its_tool_until_anything_else_happens(store: SessionStore) -> None:
    assert store.set("s", "attention", event="permission", detail="Bash: make").awaiting_tool
    assert store.set("s", "attention", event="reminder").awaiting_tool, "a reminder of the same dialog"
    assert not store.set("s", "attention").awaiting_tool
    assert not store.set("s", "attention", event="reminder").awaiting_tool
    assert not store.set("q", "question", event="permission").awaiting_tool


def test_what_the_daemon_observes_obeys_the_same_order(store: SessionStore, heard: Heard) -> None:
    store.set("s", "working", event_time=5_000)
    store.observe("s", Status.ATTENTION, "interrupted", 4_000)
    assert store.get("s").status is Status.WORKING
    store.observe("s", Status.ATTENTION, "interrupted", 6_000)
    assert (store.get("s").status, store.get("s").detail) == (Status.ATTENTION, "interrupted")
    store.set("s", "closed")
    store.observe("s", Status.ATTENTION, "interrupted", 7_000)
    store.observe("gone", Status.ATTENTION, "interrupted", 7_000)
    assert store.get("s").closed and store.get("gone") is None
    assert len(heard.changes) == 3


def test_an_agent_that_announces_no_start_reopens_with_any_set(store: SessionStore) -> None:
    """Gemini CLI, Codex and opencode send no session-start: their sessions keep the older rule."""
    store.set("s", "attention")
    store.set("s", "closed", reason="session-end")
    assert store.set("s", "working").status is Status.WORKING


def test_a_sweep_checks_each_owner_once_however_many_sessions_it_holds() -> None:
    store = SessionStore()
    for n in range(500):
        store.set(f"s{n}", "working", pid=42, pid_start=7, shared_owner=True)
    store.set("other", "working", pid=43, pid_start=8)
    asked: list[tuple[int, int]] = []
    store.sweep(stale_after_us=10**12, retention_us=10**12,
                owner_alive=lambda pid, started: asked.append((pid, started)) or True)
    assert sorted(asked) == [(42, 7), (43, 8)]


# --- permission dialogs and the threads that answer them (Claude Code 2.1.332's background subagents)

SUB = "af1d9f9773f226bc1"
DIALOG = (Status.ATTENTION, "Bash: touch x", True)


def shown(session: Session) -> tuple[Status, str, bool]:
    return session.status, session.detail, session.awaiting_tool


def test_a_subagents_dialog_stays_until_its_own_thread_goes_on(store: SessionStore) -> None:
    """The order seen on 2.1.332: the main turn's Stop lands after the subagent's dialog opened."""
    store.set("s", "working", detail="Bash: touch x", subagent=SUB, event_time=1_000)
    assert shown(store.set("s", "attention", event="permission", detail="Bash: touch x", subagent=SUB,
                           event_time=1_100)) == DIALOG
    assert shown(store.set("s", "working", detail="1 background task", event_time=1_200)) == DIALOG
    assert shown(store.set("s", "attention", event="reminder", event_time=7_000)) == DIALOG
    assert shown(store.set("s", "working", event_time=8_000)) == DIALOG, "an automatic turn of the main thread"
    ran = store.set("s", "working", detail="", subagent=SUB, event_time=9_000)
    assert shown(ran) == (Status.WORKING, "", False)
    assert [t.to_status for t in ran.history] == [Status.ATTENTION, Status.WORKING]


def test_a_dialog_that_lands_after_another_threads_newer_event_still_shows(store: SessionStore) -> None:
    """Hooks in the background race: the Stop forked 10 ms after the PermissionRequest may land first."""
    store.set("s", "working", detail="Bash: touch x", subagent=SUB, event_time=1_000)
    store.set("s", "working", detail="1 background task", event_time=1_200)
    assert shown(store.set("s", "attention", event="permission", detail="Bash: touch x", subagent=SUB,
                           event_time=1_100)) == DIALOG
    assert store.get("s").event_time == 1_200
    answered = store.set("s", "working", subagent=SUB, event_time=1_150)
    assert shown(answered) == (Status.WORKING, "1 background task", False), "what lay beneath shows again"


def test_an_event_late_within_its_own_thread_changes_nothing(store: SessionStore, heard: Heard) -> None:
    store.set("s", "working", subagent=SUB, event_time=2_000)
    stood = store.set("s", "attention", event="permission", detail="Bash: x", subagent=SUB, event_time=1_500)
    assert shown(stood) == (Status.WORKING, "", False)
    store.set("s", "working", event_time=3_000)
    store.set("s", "working", subagent=SUB, event_time=2_500)
    assert len(heard.changes) == 2, "overtaken, and no dialog of its thread to answer: no signal"


def test_the_main_threads_dialog_is_not_answered_by_a_subagent(store: SessionStore) -> None:
    store.set("s", "attention", event="permission", detail="Bash: touch x", event_time=1_000)
    assert shown(store.set("s", "working", detail="Read: a.py", subagent=SUB, event_time=1_100)) == DIALOG
    assert shown(store.set("s", "working", detail="", event_time=1_200)) == (Status.WORKING, "", False)


def test_dialogs_of_two_subagents_show_one_after_the_other(store: SessionStore) -> None:
    store.set("s", "attention", event="permission", detail="Bash: one", subagent="a", event_time=1_000)
    store.set("s", "attention", event="permission", detail="Bash: two", subagent="b", event_time=1_100)
    assert shown(store.get("s")) == (Status.ATTENTION, "Bash: one", True)
    assert shown(store.set("s", "working", subagent="a", event_time=1_200)) == (Status.ATTENTION, "Bash: two", True)
    assert shown(store.set("s", "working", subagent="b", event_time=1_300)) == (Status.WORKING, "", False)


def test_what_the_daemon_observes_answers_the_dialog_on_screen(store: SessionStore) -> None:
    store.set("s", "working", detail="1 background task", event_time=1_000)
    store.set("s", "attention", event="permission", detail="Bash: touch x", subagent=SUB, event_time=1_100)
    store.observe("s", Status.WORKING, "Bash: touch x", 1_300)
    assert shown(store.get("s")) == (Status.WORKING, "Bash: touch x", False)


def test_an_end_or_a_start_closes_every_dialog(store: SessionStore) -> None:
    store.set("s", "attention", event="permission", detail="Bash: x", subagent=SUB)
    assert store.set("s", "attention", event="session-start").awaiting_tool is False
    store.set("s", "attention", event="permission", detail="Bash: x", subagent=SUB)
    ended = store.set("s", "closed", reason="session-end")
    assert (ended.dialogs, ended.beneath, ended.awaiting_tool) == ((), None, False)


def test_a_resumed_session_reopens_with_its_new_process(store: SessionStore) -> None:
    """``claude --continue`` (2.1.332): SessionStart ``source: resume``, the same id, a new pid."""
    store.set("s", "attention", event="session-start", pid=4242, pid_start=7, event_time=1_000)
    store.sweep(stale_after_us=10**9, retention_us=10**9, owner_alive=lambda pid, start: False)
    assert store.get("s").close_reason is CloseReason.PROCESS_EXITED
    resumed = store.set("s", "attention", event="session-start", pid=5151, pid_start=9, event_time=2_000)
    assert (resumed.status, resumed.owner, resumed.close_reason) == (Status.ATTENTION, (5151, 9), None)


def test_an_overtaken_start_or_end_touches_only_its_own_threads_dialog(store: SessionStore) -> None:
    store.set("s", "attention", event="permission", detail="Bash: x", subagent=SUB, event_time=1_000)
    store.set("s", "working", detail="Read: a.py", subagent="another", event_time=1_200)
    kept = store.set("s", "attention", event="session-start", event_time=1_100)
    assert shown(kept) == (Status.ATTENTION, "Bash: x", True)
