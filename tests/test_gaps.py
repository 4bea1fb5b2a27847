"""A subscriber that missed signals notices it and resyncs.

The bus drops signals, silently, to a subscriber that does not read while
its queue is past ``max_outgoing_bytes``.  The flood test stops a real
``watch`` (SIGSTOP), floods past that limit and resumes it: its output must
end up showing exactly the store.  The bus here has the distribution's
session.conf with only that limit lowered, so that a few thousand signals
overflow it instead of a gigabyte's worth.
"""

import asyncio
import signal
from pathlib import Path

import pytest
from conftest import READY_TIMEOUT_S, start_daemon
from dbus_fast import Message, MessageType
from test_subscribers import unique_name_of
from test_watch import Watch, watch  # noqa: F401 - watch is a fixture

from agent_console.client.async_client import SessionsClient
from agent_console.client.mirror import Changed, Removed, SessionMirror
from agent_console.wire.private_bus import start_private_bus

pytestmark = pytest.mark.bus

OUTGOING_LIMIT_BYTES = 64 * 1024
"""The subscriber's queue on the bus: its own socket buffer and this are what a stopped reader can hold."""
FLOOD = 3000
"""Creations: about 1 MB of signals, many times what a stopped reader's socket and queue hold."""
IN_FLIGHT = 200
FLOOD_CALL_TIMEOUT_S = 60.0
"""Hundreds of calls in flight on a loaded machine may outwait CLIENT_CALL_TIMEOUT_S without anything stuck."""


async def _until_it_read_everything_queued(client: SessionsClient, subscriber: str) -> None:
    """Ping the subscriber until it answers: the bus delivers in order, so by its answer it has read
    every signal queued before, and the next change reaches it.  While its queue is full the bus
    refuses the Ping at once; the loop ends by READY_TIMEOUT_S at the latest."""
    ping = {"destination": subscriber, "path": "/", "interface": "org.freedesktop.DBus.Peer", "member": "Ping"}
    deadline = asyncio.get_running_loop().time() + READY_TIMEOUT_S
    while (await client.bus.call(Message(**ping))).message_type is not MessageType.METHOD_RETURN:
        assert asyncio.get_running_loop().time() < deadline, "the resumed subscriber never drained its queue"


def _session(session_id: str, seq: int, status: str = "working") -> dict:
    return {"id": session_id, "status": status, "seq": seq}


def test_the_mirror_skips_what_the_snapshot_holds_and_notices_a_jump() -> None:
    mirror = SessionMirror()
    mirror.replace([_session("a", 4)], sequence=5)
    assert mirror.change(_session("a", 5, "question")) is None, "already in the snapshot"
    assert isinstance(mirror.change(_session("b", 6)), Changed)
    assert not mirror.missed
    assert mirror.change(_session("c", 8)) is None
    assert mirror.missed
    mirror.replace([_session("c", 8)], sequence=8)
    assert not mirror.missed


def test_a_removal_waits_for_its_number() -> None:
    mirror = SessionMirror()
    mirror.replace([_session("a", 1)], sequence=3)
    assert mirror.remove("a") is None and mirror.announce(3) is None, "an old removal, before the snapshot"
    assert set(mirror.sessions) == {"a"}
    assert mirror.remove("a") is None
    assert mirror.announce(4) == Removed("a", _session("a", 1))
    assert mirror.announce(4) is None and not mirror.missed, "a creation's announcement: nothing new"
    assert mirror.announce(6) is None and mirror.missed, "a removal whose SessionRemoved was dropped"


async def test_a_stopped_watch_flooded_past_the_bus_limit_resyncs(tmp_path: Path, watch) -> None:
    config_dir = tmp_path / "limited-bus"
    config_dir.mkdir()
    bus = start_private_bus(config_dir, limits={"max_outgoing_bytes": OUTGOING_LIMIT_BYTES})
    daemon = start_daemon(bus.address, tmp_path / "daemon.log")
    client = await SessionsClient.connect(bus.address, FLOOD_CALL_TIMEOUT_S)
    try:
        shown: Watch = watch("--format", "json", address=bus.address)
        assert await asyncio.to_thread(shown.next_json) == {"event": "snapshot", "sessions": []}
        shown.process.send_signal(signal.SIGSTOP)
        for start in range(0, FLOOD, IN_FLIGHT):
            await asyncio.gather(*(client.set(f"s{n}", "working") for n in range(start, start + IN_FLIGHT)))
        await client.remove("s0")
        shown.process.send_signal(signal.SIGCONT)
        await _until_it_read_everything_queued(client, unique_name_of(bus.address, shown.process.pid))
        await client.set("after", "attention")
        expected = {session["id"] for session in await client.list_all()}
        seen: dict[str, dict] = {}
        snapshots = 0
        while set(seen) != expected:
            line = await asyncio.to_thread(shown.next_json)
            if line["event"] == "snapshot":
                snapshots += 1
                seen = {session["id"]: session for session in line["sessions"]}
            elif line["event"] == "changed":
                seen[line["session"]["id"]] = line["session"]
            elif line["event"] == "removed":
                seen.pop(line["id"], None)
        assert snapshots == 1, "the bus dropped nothing: the flood was too small to test anything"
        assert seen["after"]["status"] == "attention"
    finally:
        client.close()
        daemon.stop()
        bus.stop()
