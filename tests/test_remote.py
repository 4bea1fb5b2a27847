"""Following remote hosts for real: sshd, ssh and a daemon on each side, hosts made of network namespaces.

``remote_hosts.World`` makes the person's machine and two hosts (each its own
namespace, user, bus, daemon and sshd; keys made here), and removes them
afterwards.  The local user follows both with ``agent-console remote``, as its
unit would run it.  The bounds checked are the issue's: a cut link is seen
within 15 s (ssh's keep-alives find it in about 9 s), and a restored one
brings the local copy equal to the remote's within 5 s.

Needs root, sshd, ssh and ip: skipped in one line elsewhere, except under
CI=true, where it must run (``packaging/install-deps --test`` installs them).
"""

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from remote_hosts import World, missing

from agent_console.client.async_client import SessionsClient
from agent_console.client.blocking_client import BlockingSessionsClient

MISSING = missing()
pytestmark = [
    pytest.mark.remote,
    pytest.mark.skipif(MISSING is not None and os.environ.get("CI") != "true", reason=MISSING or ""),
]

UNREACHABLE_WITHIN_S = 15.0
"""The issue's bound for a cut link to show: ssh's keep-alives (3 s x 3) find it in about 9 s."""
RESYNC_WITHIN_S = 5.0
"""The issue's bound for a restored link to bring the local copy equal to the remote's."""
SHOWS_WITHIN_S = 5.0
"""A change on a healthy link shows in well under a second (benchmarks/remote_hosts.py);
this only bounds how long a broken test waits."""


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    if MISSING is not None:
        pytest.fail(f"CI=true, yet {MISSING}")
    with World(("h1", "h2")) as made:
        for name in made.hosts:
            added = made.local.agent_console("remote", "add", name, name)
            assert added.returncode == 0, added.stderr
        made.local.start("remote", "agent-console", "remote", "--verbose")
        yield made


def sessions_of(world: World, side: str) -> list[dict[str, Any]]:
    address = world.local.bus_address if side == "local" else world.hosts[side].bus_address
    with BlockingSessionsClient.connect(address) as client:
        return client.list_all()


def remote_copy(world: World, host: str) -> dict[str, dict[str, Any]]:
    """The local daemon's sessions of ``host``, by their id on that host."""
    return {s["id"].split(":", 1)[1]: s for s in sessions_of(world, "local") if s.get("host") == host}


def same(local: dict[str, dict[str, Any]], remote: list[dict[str, Any]]) -> bool:
    """Equal as a person sees them: the same ids, each with the same status, detail and directory."""
    fields = ("status", "detail", "working_dir", "agent_type", "since")
    return {k: tuple(v[f] for f in fields) for k, v in local.items()} == {
        s["id"]: tuple(s[f] for f in fields) for s in remote
    }


def wait_until(what: str, condition: Callable[[], bool], within_s: float) -> float:
    """Seconds until ``condition`` held; fails saying ``what`` did not happen within ``within_s``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > within_s:
            pytest.fail(f"{what}: not within {within_s:g} s")
        time.sleep(0.1)
    return time.monotonic() - start


def remote_list(world: World) -> dict[str, dict[str, Any]]:
    listed = world.local.agent_console("remote", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return {host["name"]: host for host in json.loads(listed.stdout)}


def test_a_set_on_a_remote_shows_locally_with_its_host(world: World) -> None:
    assert world.hosts["h1"].agent_console("set", "shown", "question", "--cwd", "/srv/api",
                                           "--detail", "Which database?").returncode == 0  # fmt: skip
    wait_until("h1:shown locally", lambda: "shown" in remote_copy(world, "h1"), SHOWS_WITHIN_S)
    listed = world.local.agent_console("list", "--json")
    [session] = [s for s in json.loads(listed.stdout) if s["id"] == "h1:shown"]
    assert (session["host"], session["host_state"], session["status"]) == ("h1", "connected", "question")
    assert (session["detail"], session["working_dir"]) == ("Which database?", "/srv/api")
    got = world.local.agent_console("get", "h1:shown", "--json")
    assert got.returncode == 0 and json.loads(got.stdout)["host"] == "h1", got.stderr
    refused = world.local.agent_console("set", "h1:shown", "working")
    assert refused.returncode == 2 and "mirrored from host 'h1'" in refused.stderr
    assert all(s["host"] == "" for s in sessions_of(world, "h1")), "the remote's own sessions are local there"
    hosts = remote_list(world)
    assert hosts["h1"]["state"] == "connected" and hosts["h1"]["sessions"] >= 1


def test_a_cut_link_marks_the_host_unreachable_and_a_restored_one_resyncs(world: World) -> None:
    h1 = world.hosts["h1"]
    for session_id, status in (("cut-a", "working"), ("cut-b", "attention")):
        assert h1.agent_console("set", session_id, status, "--detail", f"{session_id} before").returncode == 0
    wait_until("h1's sessions locally", lambda: same(remote_copy(world, "h1"), sessions_of(world, "h1")), SHOWS_WITHIN_S)
    before = remote_copy(world, "h1")

    world.cut("h1")
    try:
        def all_unreachable() -> bool:
            return all(s["host_state"] == "unreachable" for s in remote_copy(world, "h1").values())

        wait_until("h1's sessions marked unreachable", all_unreachable, UNREACHABLE_WITHIN_S)
        marked = remote_copy(world, "h1")
        assert {k: v["status"] for k, v in marked.items()} == {k: v["status"] for k, v in before.items()}
        assert marked["cut-a"]["detail"].startswith("h1 unreachable since ")
        assert marked["cut-a"]["detail"].endswith("· cut-a before")
        assert remote_list(world)["h1"]["state"] == "unreachable"
        assert all(s["host_state"] == "connected" for s in remote_copy(world, "h2").values())
        # Meanwhile, on h1: one session gone, one changed, one new.
        assert h1.agent_console("rm", "cut-a").returncode == 0
        assert h1.agent_console("set", "cut-b", "working", "--detail", "cut-b after").returncode == 0
        assert h1.agent_console("set", "cut-c", "question").returncode == 0
    finally:
        world.restore("h1")

    def resynced() -> bool:
        copy = remote_copy(world, "h1")
        return same(copy, sessions_of(world, "h1")) and all(s["host_state"] == "connected" for s in copy.values())

    wait_until("h1's local copy equal to h1's store", resynced, RESYNC_WITHIN_S)
    assert "cut-a" not in remote_copy(world, "h1")
    assert remote_list(world)["h1"]["state"] == "connected"


def test_a_remote_daemon_restart_is_followed(world: World) -> None:
    h2 = world.hosts["h2"]
    assert h2.agent_console("set", "before-restart", "working").returncode == 0
    wait_until("h2:before-restart locally", lambda: "before-restart" in remote_copy(world, "h2"), SHOWS_WITHIN_S)
    h2.restart_daemon()  # a new daemon: its store is empty until its hooks speak again
    wait_until("h2's old session gone locally", lambda: "before-restart" not in remote_copy(world, "h2"),
               SHOWS_WITHIN_S)  # fmt: skip
    assert h2.agent_console("set", "after-restart", "attention").returncode == 0
    wait_until("h2:after-restart locally", lambda: same(remote_copy(world, "h2"), sessions_of(world, "h2")),
               SHOWS_WITHIN_S)  # fmt: skip


def test_a_local_daemon_restart_gets_every_hosts_sessions_again(world: World) -> None:
    assert world.hosts["h1"].agent_console("set", "across-restart", "question").returncode == 0
    wait_until("h1:across-restart locally", lambda: "across-restart" in remote_copy(world, "h1"), SHOWS_WITHIN_S)
    world.local.restart_daemon()  # empty at start: the follower sees the new owner and sends everything again
    for name in ("h1", "h2"):
        wait_until(f"{name}'s sessions back", lambda n=name: same(remote_copy(world, n), sessions_of(world, n)),
                   SHOWS_WITHIN_S)  # fmt: skip
    assert remote_list(world)["h1"]["state"] == "connected"


FLOOD_CHANGES = 3000
HOSTILE = f"""#!/usr/bin/python3
# A stand-in for agent-console on a broken or hostile host: whatever it is asked, it prints this.
import sys, time
w = sys.stdout.write
w("not json at all\\n")
w("x" * (9 * 1024 * 1024) + "\\n")  # past MAX_REMOTE_LINE_BYTES
w('{{"event": "snapshot", "sessions": [{{"id": "ok", "status": "working"}}, {{"id": 5}},'
  ' {{"id": "bad-status", "status": "sleeping"}}, {{"id": "long-dir", "status": "working", "working_dir": "/{"d" * 5000}"}},'
  ' {{"id": "lone", "status": "working", "detail": "\\\\ud800"}}, {{"id": "mirrored", "status": "working", "host": "x"}}]}}\\n')
w("[" * 100000 + "\\n")
for n in range({FLOOD_CHANGES}):
    w('{{"event": "changed", "session": {{"id": "flood", "status": "working", "detail": "change %d"}}}}\\n' % n)
w('{{"event": "changed", "session": {{"id": "negative", "status": "working", "since": -1}}}}\\n')
w('{{"event": "changed", "session": {{"id": "last", "status": "question"}}}}\\n')
sys.stdout.flush()
time.sleep(3600)
"""


async def test_a_malformed_and_flooding_stream_is_skipped_counted_and_paced(world: World) -> None:
    script = world.hosts["h1"].bin_dir / "hostile"
    script.write_text(HOSTILE)
    os.chown(script, world.hosts["h1"].uid, world.hosts["h1"].gid)
    script.chmod(0o755)
    client = await SessionsClient.connect(world.local.bus_address)
    flood_signals: list[str] = []
    await client.subscribe(lambda s: flood_signals.append(s["detail"]) if s["id"] == "bad:flood" else None,
                           lambda _: None)  # fmt: skip
    try:
        added = world.local.agent_console("remote", "add", "bad", "h1", "--command", str(script))
        assert added.returncode == 0, added.stderr

        def arrived() -> bool:
            copy = remote_copy(world, "bad")
            return "last" in copy and copy.get("flood", {}).get("detail") == f"change {FLOOD_CHANGES - 1}"

        await asyncio.to_thread(wait_until, "the hostile stream's valid part", arrived, 30)
        assert set(remote_copy(world, "bad")) == {"ok", "flood", "last"}
        assert len(flood_signals) < FLOOD_CHANGES / 10, "coalesced: the daemon's subscribers are not flooded"
        bad = remote_list(world)["bad"]
        assert bad["state"] == "connected" and bad["sessions"] == 3
        assert bad["skipped"] >= 2, bad  # bad-status and long-dir: checked by the daemon
        assert "malformed" in bad["detail"], bad  # the lines and sessions the follower could not read
        assert sessions_of(world, "local"), "the daemon still answers"
    finally:
        client.close()
        removed = world.local.agent_console("remote", "rm", "bad")
        assert removed.returncode == 0, removed.stderr
    assert remote_copy(world, "bad") == {}


def test_focus_on_a_remote_session_selects_its_tmux_pane_there(world: World) -> None:
    h1 = world.hosts["h1"]
    socket = h1.runtime_dir / f"tmux-{h1.uid}" / "default"  # tmux's own place for it (TMUX_TMPDIR)
    tmux = ("tmux",)
    assert h1.run(*tmux, "new-session", "-d", "-s", "work", "-x", "80", "-y", "20").returncode == 0
    try:
        assert h1.run(*tmux, "new-window", "-t", "work").returncode == 0
        pane = h1.run(*tmux, "display", "-p", "-t", "work:0", "#{pane_id}").stdout.strip()
        server_pid = h1.run(*tmux, "display", "-p", "#{pid}").stdout.strip()
        with BlockingSessionsClient.connect(h1.bus_address) as client:
            client.set("in-tmux", "attention", terminal={"tmux": f"{socket},{server_pid},0", "tmux_pane": pane})
            client.set("no-tmux", "attention", terminal={"tty": "/dev/pts/9"})
        wait_until("both locally", lambda: {"in-tmux", "no-tmux"} <= set(remote_copy(world, "h1")), SHOWS_WITHIN_S)
        assert h1.run(*tmux, "display", "-p", "-t", "work", "#{window_index}").stdout.strip() == "1"

        focused = world.local.agent_console("focus", "h1:in-tmux")
        assert focused.returncode == 0, focused.stderr
        assert h1.run(*tmux, "display", "-p", "-t", "work", "#{window_index}").stdout.strip() == "0"

        refused = world.local.agent_console("focus", "h1:no-tmux")
        assert refused.returncode == 6
        assert refused.stderr.strip() == (
            "agent-console: session lives on h1 outside tmux: only a tmux pane there can be brought forward over ssh"
        )
    finally:
        h1.run(*tmux, "kill-server")


def test_a_removed_remote_takes_its_sessions_with_it(world: World) -> None:
    assert world.hosts["h2"].agent_console("set", "to-go", "working").returncode == 0
    wait_until("h2:to-go locally", lambda: "to-go" in remote_copy(world, "h2"), SHOWS_WITHIN_S)
    removed = world.local.agent_console("remote", "rm", "h2")
    assert removed.returncode == 0 and "no longer following h2" in removed.stdout, removed.stderr
    assert remote_copy(world, "h2") == {}
    assert "h2" not in remote_list(world)
    time.sleep(2)  # the follower hears config.toml change: it stops the link, and sends nothing more
    assert remote_copy(world, "h2") == {} and "h2" not in remote_list(world)
    assert "h1" in remote_list(world)
