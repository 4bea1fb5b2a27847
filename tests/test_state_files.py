"""Claude Code's own state file (``<config>/sessions/<pid>.json``, 2.1.332): when it settles
a doubt, and every file it must not believe.  Real files in a temporary config directory;
whether the owner runs is given as a plain function here (tests/test_real_claude.py reads
the files the real CLI writes)."""

import json
import os
import time
from pathlib import Path

import pytest

from agent_console.agents.claude_code.state_files import (
    MAX_STATE_BYTES,
    SETTLE_MS,
    WATCH_AFTER_EVENT_S,
    StateFiles,
    state_path,
)
from agent_console.daemon.store import SessionStore
from agent_console.system import boottime
from agent_console.system.inotify import open_watch
from agent_console.vocabulary import Status

pytestmark = pytest.mark.pure

PID, START = 4242, 108974
SESSION = "9d710329-5037-4f9c-85bd-2298397a16ac"


class Owner:
    running = True

    def __call__(self, pid: int, start: int) -> bool:
        return self.running and (pid, start) == (PID, START)


@pytest.fixture
def owner() -> Owner:
    return Owner()


@pytest.fixture
def store(tmp_path: Path, owner: Owner) -> tuple[SessionStore, StateFiles]:
    store = SessionStore()
    files = StateFiles(owner)
    store.add_listener(files)
    transcript = tmp_path / "projects" / "-home-dev-shop" / f"{SESSION}.jsonl"
    store.set(SESSION, "working", pid=PID, pid_start=START, transcript_path=str(transcript),
              detail="Bash: rm -rf build", event_time=boottime.now_us() - 5_000_000)
    (tmp_path / "sessions").mkdir()
    return store, files


def write_state(config: Path, **changes: object) -> Path:
    settled = int(time.time() * 1000) - SETTLE_MS
    state = {"pid": PID, "sessionId": SESSION, "cwd": "/home/dev/shop", "procStart": str(START),
             "kind": "interactive", "status": "waiting", "waitingFor": "input needed",
             "updatedAt": settled, "statusUpdatedAt": settled, "version": "2.1.332"}
    path = config / "sessions" / f"{PID}.json"
    path.write_text(json.dumps({**state, **changes}))
    return path


def looked(setup: tuple[SessionStore, StateFiles]) -> list[tuple[Status, str]]:
    store, files = setup
    return [(seen.status, seen.detail) for seen in files.look(store.get)]


def test_waiting_while_the_session_reads_working_is_attention_with_its_detail(
    tmp_path: Path, store: tuple[SessionStore, StateFiles]
) -> None:
    write_state(tmp_path)
    assert looked(store) == [(Status.ATTENTION, "Bash: rm -rf build")]
    assert looked(store) == [], "an unchanged file is not read again"


def test_without_a_detail_it_names_what_claude_waits_for(tmp_path: Path, store: tuple[SessionStore, StateFiles]) -> None:
    store[0].set(SESSION, "working", detail="")
    write_state(tmp_path, waitingFor="permission prompt")
    assert looked(store) == [(Status.ATTENTION, "permission prompt")]


def test_a_wait_counts_once_the_hooks_had_time_to_land(tmp_path: Path, store: tuple[SessionStore, StateFiles]) -> None:
    """The PreToolUse naming the tool is stamped just before Claude's wait, and lands after it."""
    write_state(tmp_path, statusUpdatedAt=int(time.time() * 1000))
    assert looked(store) == []
    time.sleep(SETTLE_MS / 1000)
    assert looked(store) == [(Status.ATTENTION, "Bash: rm -rf build")], "the same file, read again once settled"


def test_the_observation_is_stamped_when_claude_changed_its_status(
    tmp_path: Path, store: tuple[SessionStore, StateFiles]
) -> None:
    """The store drops it if a hook told something newer."""
    stamped = int(time.time() * 1000) - 3_000
    write_state(tmp_path, statusUpdatedAt=stamped)
    (seen,) = store[1].look(store[0].get)
    assert abs(seen.event_time - (boottime.now_us() - 3_000_000)) < 500_000


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "busy"},
        {"status": "idle"},
        {"pid": PID + 1},
        {"procStart": str(START + 1)},
        {"procStart": START},
        {"sessionId": "another"},
        {"statusUpdatedAt": "soon"},
        {"statusUpdatedAt": True},
    ],
    ids=["busy", "idle", "other-pid", "other-start", "start-not-a-string", "other-session", "bad-time", "bool-time"],
)
def test_a_file_that_is_not_the_owners_or_says_no_wait_changes_nothing(
    tmp_path: Path, store: tuple[SessionStore, StateFiles], changes: dict[str, object]
) -> None:
    write_state(tmp_path, **changes)
    assert looked(store) == []


def test_a_file_left_by_a_process_that_no_longer_runs_is_ignored(
    tmp_path: Path, store: tuple[SessionStore, StateFiles], owner: Owner
) -> None:
    owner.running = False
    write_state(tmp_path)
    assert looked(store) == []


def test_only_working_sessions_are_looked_at(tmp_path: Path, store: tuple[SessionStore, StateFiles]) -> None:
    store[0].set(SESSION, "attention", detail="Done.")
    write_state(tmp_path)
    assert looked(store) == []
    store[0].set(SESSION, "closed")
    assert looked(store) == []


def test_what_cannot_be_read_is_ignored(tmp_path: Path, store: tuple[SessionStore, StateFiles]) -> None:
    path = tmp_path / "sessions" / f"{PID}.json"
    path.write_text('{"pid": 4242, ' + " " * MAX_STATE_BYTES + "}")
    assert looked(store) == []
    path.write_text("[1, 2]")
    assert looked(store) == []
    path.unlink()
    os.mkfifo(path)
    assert looked(store) == [], "a FIFO is never opened"


def test_the_file_is_found_beside_the_transcripts(tmp_path: Path, store: tuple[SessionStore, StateFiles]) -> None:
    session = store[0].get(SESSION)
    assert session is not None
    assert state_path(session) == str(tmp_path / "sessions" / f"{PID}.json")
    moved = store[0].set(SESSION, "working", transcript_path="/srv/elsewhere/x.jsonl")
    assert state_path(moved) is None


def test_looked_at_only_while_the_session_changed_lately(
    tmp_path: Path, store: tuple[SessionStore, StateFiles], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No wakeups for a session working quietly for long (a build), nor for a Claude that keeps no file."""
    files = store[1]
    assert files.wanted()
    later = time.monotonic() + WATCH_AFTER_EVENT_S + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert not files.wanted()
    store[0].set(SESSION, "working", detail="Bash: make")
    assert files.wanted(), "its next event looks again"
    assert looked(store) == [], "no state file: a Claude before 2.1.332"
    assert not files.wanted()


def test_a_file_nested_past_the_parser_is_ignored_and_spoils_no_other_session(
    tmp_path: Path, store: tuple[SessionStore, StateFiles]
) -> None:
    """Anyone on the bus can name a transcript, and so the state file read beside it: one nested
    deeper than json.loads recurses (RecursionError) must cost its own session only."""
    path = tmp_path / "sessions" / f"{PID}.json"
    path.write_text('{"pid": ' + "[" * 5000 + "]" * 5000 + "}")
    other_config = tmp_path / "other"
    (other_config / "sessions").mkdir(parents=True)
    store[0].set("other", "working", pid=PID, pid_start=START, shared_owner=True,
                 transcript_path=str(other_config / "projects" / "p" / "other.jsonl"),
                 event_time=boottime.now_us() - 5_000_000)
    write_state(other_config, sessionId="other")
    assert [(seen.session_id, seen.detail) for seen in store[1].look(store[0].get)] == [("other", "input needed")]


def test_with_inotify_a_file_is_looked_at_only_once_written(tmp_path: Path, owner: Owner) -> None:
    """No look while no state file is written: 500 quiet working sessions cost no wakeup."""
    watch = open_watch()
    assert watch is not None
    try:
        store, files = SessionStore(), StateFiles(owner, watch)
        store.add_listener(files)
        (tmp_path / "sessions").mkdir()
        store.set(SESSION, "working", pid=PID, pid_start=START, detail="Bash: make",
                  transcript_path=str(tmp_path / "projects" / "p" / f"{SESSION}.jsonl"),
                  event_time=boottime.now_us() - 5_000_000)
        assert files.wanted(), "a session that starts working is looked at once"
        assert files.look(store.get) == []
        assert not files.wanted(), "then not until its file is written"
        write_state(tmp_path, statusUpdatedAt=int(time.time() * 1000))
        files.notice_writes(watch.events())
        assert files.wanted() and files.look(store.get) == []
        assert files.wanted(), "a wait younger than SETTLE_MS is looked at again"
        write_state(tmp_path)
        files.notice_writes(watch.events())
        assert [(seen.status, seen.detail) for seen in files.look(store.get)] == [(Status.ATTENTION, "Bash: make")]
        assert not files.wanted()
    finally:
        watch.close()
