"""The parts of following remote hosts that need no network: the daemon's rules for mirrored
sessions, the follower's stream parsing and coalescing, the [remotes] table, and hearing it change."""

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from agent_console.config import load_remotes
from agent_console.daemon.remote_hosts import RemoteHosts
from agent_console.daemon.store import SessionStore
from agent_console.errors import InvalidArgs, NotFound
from agent_console.limits import MAX_SESSIONS_PER_HOST
from agent_console.remote.outbox import ChangesCall, Outbox, SnapshotCall, StateCall
from agent_console.remote.remotes_file import add_remote, remove_remote
from agent_console.remote.stream import BoundedLines, RemoteChanged, RemoteSnapshot, parse_event
from agent_console.system import file_changes
from agent_console.system.file_changes import FileChanges
from agent_console.vocabulary import HostState
from agent_console.wire.session_form import with_variants

pytestmark = pytest.mark.pure


def remote(session_id: str, status: str = "working", **fields: Any) -> dict[str, Any]:
    return {"id": session_id, "status": status, **fields}


def wire(session_id: str, detail: str = "") -> dict[str, object]:
    return {"id": session_id, "status": "working", "detail": detail}


# --- the daemon's side -------------------------------------------------------------------------


def test_a_snapshot_replaces_the_hosts_sessions_and_prefixes_their_ids() -> None:
    store = SessionStore()
    hosts = RemoteHosts(store)
    store.set("local-one", "working")
    assert hosts.mirror_host("h1", [remote("a"), remote("b", "question", detail="Which?")]) == 2
    assert {s.id for s in store.list_all()} == {"local-one", "h1:a", "h1:b"}
    assert hosts.mirror_host("h1", [remote("b", "question", detail="Which?"), remote("c")]) == 2
    assert {s.id for s in store.list_all()} == {"local-one", "h1:b", "h1:c"}
    [record] = hosts.records()
    assert (record.name, record.state, record.skipped) == ("h1", HostState.CONNECTED, 0)


def test_an_unchanged_session_in_a_snapshot_is_not_signalled_again() -> None:
    store = SessionStore()
    hosts = RemoteHosts(store)
    hosts.mirror_host("h1", [remote("a")])
    sequence = store.sequence
    hosts.mirror_host("h1", [remote("a")])
    assert store.sequence == sequence


def test_malformed_oversized_and_colliding_sessions_are_skipped_and_counted() -> None:
    store = SessionStore()
    hosts = RemoteHosts(store)
    store.set("h1:taken", "working")
    held = hosts.mirror_host("h1", [
        remote("ok"), remote("taken"), remote("bad", "sleeping"), remote("x" * 256), "not a dict",
        remote("dir", working_dir="relative/" + "d" * 5000), remote("mirrored-elsewhere", host="h0"),
    ])  # fmt: skip
    assert held == 1 and {s.id for s in store.list_all()} == {"h1:taken", "h1:ok"}
    assert store.get("h1:taken").host == ""  # the local session keeps its id
    assert hosts.records()[0].skipped == 5  # mirrored-elsewhere is left out, not counted


def test_a_host_holds_at_most_its_bound() -> None:
    store = SessionStore()
    hosts = RemoteHosts(store)
    held = hosts.mirror_host("h1", [remote(f"s{n}") for n in range(MAX_SESSIONS_PER_HOST + 5)])
    assert held == MAX_SESSIONS_PER_HOST and hosts.records()[0].skipped == 5
    hosts.mirror_changes("h1", [remote("one-more")], [])
    assert hosts.session_count("h1") == MAX_SESSIONS_PER_HOST and hosts.records()[0].skipped == 6


def test_a_plain_set_cannot_change_a_remote_session_but_get_and_remove_work() -> None:
    store = SessionStore()
    RemoteHosts(store).mirror_host("h1", [remote("a")])
    with pytest.raises(InvalidArgs, match="mirrored from host 'h1'"):
        store.set("h1:a", "closed")
    assert store.get("h1:a") is not None
    assert store.remove("h1:a") is not None


def test_unreachable_keeps_status_and_says_so_in_the_detail_until_the_next_snapshot() -> None:
    store = SessionStore()
    hosts = RemoteHosts(store)
    hosts.mirror_host("h1", [remote("a", "attention", detail="Bash: npm test")])
    hosts.set_state("h1", "unreachable", "ssh: connect to host h1 port 22: No route to host")
    marked = store.get("h1:a")
    assert (marked.status, marked.host_state) == ("attention", "unreachable")
    assert marked.detail.startswith("h1 unreachable since ") and marked.detail.endswith(" · Bash: npm test")
    assert hosts.records()[0].detail == "ssh: connect to host h1 port 22: No route to host"
    hosts.mirror_host("h1", [remote("a", "working")])
    assert (store.get("h1:a").host_state, store.get("h1:a").detail) == ("connected", "")


def test_remote_sessions_are_not_checked_against_local_processes() -> None:
    store = SessionStore()
    RemoteHosts(store).mirror_host("h1", [remote("a", pid=1)])
    asked = []
    store.sweep(stale_after_us=1, retention_us=0, owner_alive=lambda pid, start: asked.append(pid) or False)
    assert asked == [] and store.get("h1:a").status == "working"


def test_forget_removes_the_host_and_its_sessions() -> None:
    store = SessionStore()
    hosts = RemoteHosts(store)
    hosts.mirror_host("h1", [remote("a"), remote("b")])
    assert hosts.forget("h1") == 2 and store.list_all() == [] and hosts.records() == []


def test_changes_need_a_snapshot_first_and_host_names_are_checked() -> None:
    hosts = RemoteHosts(SessionStore())
    with pytest.raises(InvalidArgs, match="MirrorHost its snapshot first"):
        hosts.mirror_changes("h1", [remote("a")], [])
    with pytest.raises(InvalidArgs, match="host name"):
        hosts.mirror_host("bad name", [])
    with pytest.raises(InvalidArgs, match="state"):
        hosts.set_state("h1", "asleep", "")


# --- the follower's side -----------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    b"", b"not json", b"[]", b'{"event": "other"}', b'{"event": "changed", "session": {"id": 5}}',
    b'{"event": "changed", "session": {"id": "a", "since": -1}}', b'{"event": "removed", "id": ""}',
    b"[" * 100_000, b'{"event": "changed", "session": {"id": "a", "detail": "\\ud800"}}',
])  # fmt: skip
def test_what_is_not_one_of_watchs_events_is_none(line: bytes) -> None:
    assert parse_event(line) is None


def test_a_snapshot_keeps_its_well_formed_sessions_and_counts_the_rest() -> None:
    event = parse_event(b'{"event": "snapshot", "sessions": [{"id": "a", "status": "working", "x": 1}, {"id": 2}]}')
    assert isinstance(event, RemoteSnapshot) and event.malformed == 1
    assert [s["id"] for s in event.sessions] == ["a"] and "x" not in event.sessions[0]
    changed = parse_event(b'{"event": "changed", "session": {"id": "a", "status": "working", "pid": 7}}')
    assert isinstance(changed, RemoteChanged) and with_variants(changed.session)["pid"].signature == "u"


async def test_an_over_long_line_is_skipped_whole_and_the_next_one_read() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(b"short\n" + b"x" * 1000 + b"\nnext\n")
    reader.feed_eof()
    lines = BoundedLines(reader, max_bytes=100)
    assert [line async for line in lines] == [b"short", b"next"] and lines.skipped == 1


def test_changes_are_coalesced_by_id_the_newest_wins() -> None:
    outbox = Outbox()
    outbox.snapshot([wire("a")])
    assert isinstance(outbox.take(100), SnapshotCall)
    for n in range(50):
        outbox.change(wire("a", f"change {n}"))
    outbox.change(wire("b"))
    outbox.remove("b")
    call = outbox.take(100)
    assert isinstance(call, ChangesCall)
    assert [s["detail"] for s in call.changed] == ["change 49"] and call.removed == ["b"]
    assert outbox.take(100) is None and not outbox.ready.is_set()


def test_a_state_goes_first_and_drops_changes_a_snapshot_supersedes_both() -> None:
    outbox = Outbox()
    outbox.snapshot([wire("a")])
    outbox.take(100)
    outbox.change(wire("a", "late"))
    outbox.set_state(HostState.UNREACHABLE, "gone")
    assert outbox.take(100) == StateCall(HostState.UNREACHABLE, "gone") and outbox.take(100) is None
    outbox.set_state(HostState.UNREACHABLE, "still gone")
    outbox.snapshot([wire("a", "back")])
    call = outbox.take(100)
    assert isinstance(call, SnapshotCall) and call.sessions[0]["detail"] == "back"


def test_after_a_daemon_restart_a_connected_host_sends_its_snapshot_a_down_one_its_state() -> None:
    outbox = Outbox()
    outbox.snapshot([wire("a")])
    outbox.take(100)
    outbox.resend()
    assert isinstance(outbox.take(100), SnapshotCall)
    outbox.set_state(HostState.UNREACHABLE, "gone")
    outbox.take(100)
    outbox.resend()
    assert outbox.take(100) == StateCall(HostState.UNREACHABLE, "gone")


def test_the_outbox_holds_at_most_a_hosts_bound() -> None:
    outbox = Outbox(max_sessions=2)
    outbox.snapshot([wire("a"), wire("b"), wire("c")])
    outbox.change(wire("d"))
    assert set(outbox.known) == {"a", "b"} and outbox.over_bound == 2


# --- the [remotes] table -----------------------------------------------------------------------


def test_add_and_rm_edit_one_line_and_keep_the_rest(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("# mine\nretention = 60\n\n[notify]\nsound = \"bell\"\n")
    add_remote(config, "devbox", "me@devbox.example.org", None)
    add_remote(config, "ci", "ci", "/opt/agent-console/bin/agent-console")
    remotes = load_remotes(config)
    assert remotes["devbox"].destination == "me@devbox.example.org" and remotes["devbox"].command == "agent-console"
    assert remotes["ci"].command == "/opt/agent-console/bin/agent-console"
    with pytest.raises(InvalidArgs, match="followed already"):
        add_remote(config, "ci", "other", None)
    remove_remote(config, "devbox")
    assert list(load_remotes(config)) == ["ci"]
    assert config.read_text().startswith("# mine\nretention = 60\n\n[notify]\nsound = \"bell\"\n")
    with pytest.raises(NotFound):
        remove_remote(config, "devbox")


@pytest.mark.parametrize(("table", "message"), [
    ('[remotes]\n"a b" = "h"\n', "a name is"),
    ('[remotes]\nh = "-oProxyCommand=evil"\n', "remotes.h.destination"),
    ("[remotes]\nh = 5\n", "a destination string or a table"),
    ('[remotes]\nh = { destination = "h", port = 22 }\n', "remotes.h.port"),
])  # fmt: skip
def test_a_bad_remotes_table_is_refused_in_one_line(tmp_path: Path, table: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(table)
    with pytest.raises(InvalidArgs, match=message):
        load_remotes(config)
    with pytest.raises(InvalidArgs, match="bad name|a name is|1 to 32"):
        add_remote(config.with_name("other.toml"), "bad name", "h", None)


# --- config.toml's changes, heard without polling ----------------------------------------------


SETTLE_S = 0.1
"""Time for inotify's events to reach the loop before checking that one was not reported."""


async def next_change(changes: FileChanges) -> None:
    await asyncio.wait_for(changes.changed(), 5.0)  # bounds a broken test only


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
async def test_a_rename_over_the_file_is_heard_and_other_names_are_not(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("a = 1\n")
    changes = FileChanges(config)
    try:
        assert not changes.polls
        waiting = asyncio.ensure_future(changes.changed())
        (tmp_path / "other.toml").write_text("b = 2\n")
        await asyncio.sleep(SETTLE_S)
        assert not waiting.done()
        (tmp_path / ".config.toml.new").write_text("a = 2\n")
        (tmp_path / ".config.toml.new").rename(config)
        await asyncio.wait_for(waiting, 5.0)
        config.unlink()
        await next_change(changes)
    finally:
        changes.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
async def test_a_directory_made_removed_and_made_again_is_followed(tmp_path: Path) -> None:
    config = tmp_path / "a" / "b" / "config.toml"
    changes = FileChanges(config)
    try:
        config.parent.mkdir(parents=True)
        await next_change(changes)  # the watch moved down
        config.write_text("x = 1\n")
        await next_change(changes)
        config.unlink()
        config.parent.rmdir()
        await next_change(changes)
        config.parent.mkdir()
        config.write_text("x = 2\n")
        await next_change(changes)
    finally:
        changes.close()


async def test_without_inotify_the_file_is_polled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel without inotify cannot be had here: ``open_watch`` answers as it would there."""
    monkeypatch.setattr(file_changes, "open_watch", lambda: None)
    config = tmp_path / "config.toml"
    changes = FileChanges(config, poll_s=0.01)
    assert changes.polls
    config.write_text("a = 1\n")
    await next_change(changes)
    changes.close()
