"""The transcript follower by itself: inotify where a directory can be watched, turns of
``stat`` where it cannot (no inotify, the directory not there yet), the same observations."""

from pathlib import Path

import pytest
from test_truth import now_iso, transcript_entry

from agent_console.agents.claude_code.transcripts import MAX_POLLED, TranscriptFollower
from agent_console.daemon.store import SessionStore
from agent_console.system.inotify import open_watch

pytestmark = pytest.mark.pure

ESC = transcript_entry("user", "[Request interrupted by user]", now_iso())


def followed(follower: TranscriptFollower, paths: list[Path]) -> SessionStore:
    store = SessionStore()
    store.add_listener(follower)
    for n, path in enumerate(paths):
        store.set(f"s{n}", "working", transcript_path=str(path))
    return store


def append_esc(path: Path) -> None:
    with path.open("a") as appended:
        appended.write(ESC)


def test_without_inotify_every_transcript_is_looked_at_in_turn(tmp_path: Path) -> None:
    paths = [tmp_path / f"{n}.jsonl" for n in range(3 * MAX_POLLED)]
    follower = TranscriptFollower(None)
    store = followed(follower, paths)
    append_esc(paths[-1])
    seen = [follower.look(store.get) for _ in range(3)]
    assert [[o.session_id for o in looked] for looked in seen] == [[], [], [f"s{len(paths) - 1}"]]
    assert follower.wanted(), "polling goes on while transcripts are followed"


def test_inotify_names_the_written_transcript_and_a_missing_directory_is_polled(tmp_path: Path) -> None:
    watch = open_watch()
    assert watch is not None
    try:
        later = tmp_path / "later"
        follower = TranscriptFollower(watch)
        store = followed(follower, [tmp_path / "a.jsonl", tmp_path / "b.jsonl", later / "c.jsonl"])
        assert follower.wanted(), "the transcript whose directory is missing is polled"
        follower.notice_writes(watch.events())
        follower.look(store.get)
        append_esc(tmp_path / "b.jsonl")
        follower.notice_writes(watch.events())
        assert [o.session_id for o in follower.look(store.get)] == ["s1"]
        later.mkdir()
        append_esc(later / "c.jsonl")
        assert [o.session_id for o in follower.look(store.get)] == ["s2"]
        store.set("s2", "closed")
        assert not follower.wanted(), "nothing to poll once the polled session closed"
    finally:
        watch.close()
