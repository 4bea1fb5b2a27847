"""Subscribers believe only the daemon, and survive whatever it sends.

Any client may send a unicast signal to a subscriber, and the bus does not
filter those by the match rule, so ``watch`` (through the real executable)
must check who sent it.  A body of the wrong shape, even from the daemon's
own connection, is dropped rather than ending the watch with a traceback.
"""

import asyncio
import json
import subprocess
from typing import Annotated

import pytest
from conftest import READY_TIMEOUT_S
from dbus_fast import Message, MessageType, Variant
from dbus_fast._private.marshaller import Marshaller
from dbus_fast.annotations import DBusSignature
from dbus_fast.service import ServiceInterface, dbus_method
from test_watch import Watch, cli, watch  # noqa: F401 - watch is a fixture

from agent_console.client.async_client import SessionsClient
from agent_console.daemon.interface import SessionsInterface
from agent_console.daemon.model import Instant, Session, SessionUpdate, new_session
from agent_console.daemon.session_replies import LISTING_SLICE, session_to_wire, write_listing
from agent_console.daemon.store import SessionStore
from agent_console.wire.connection import connect
from agent_console.wire.marshal import Writer
from agent_console.wire.names import (
    BUS_DRIVER,
    BUS_DRIVER_PATH,
    BUS_NAME,
    INTERFACE,
    OBJECT_PATH,
)
from agent_console.wire.session_form import SESSION_TYPES

pytestmark = pytest.mark.bus


def busctl_json(address: str, *args: str) -> list | None:
    """The reply's values, None for an error reply (a connection gone meanwhile)."""
    done = subprocess.run(
        ["busctl", f"--address={address}", "--json=short", "call", BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, *args],
        capture_output=True, text=True, check=False, timeout=READY_TIMEOUT_S,
    )
    return json.loads(done.stdout)["data"] if done.returncode == 0 else None


def unique_name_of(address: str, pid: int) -> str:
    """The connection the process ``pid`` holds on the bus, found with busctl."""
    names = busctl_json(address, "ListNames")
    assert names is not None
    for name in names[0]:
        if name.startswith(":") and busctl_json(address, "GetConnectionUnixProcessID", "s", name) == [pid]:
            return name
    raise AssertionError(f"pid {pid} has no connection on the bus")


def forge(address: str, destination: str, member: str, *args: str) -> None:
    """A unicast signal that looks like the daemon's, sent by gdbus, an ordinary client."""
    done = subprocess.run(
        ["gdbus", "emit", "--address", address, "--dest", destination, "--object-path", OBJECT_PATH,
         "--signal", f"{INTERFACE}.{member}", *args],
        capture_output=True, text=True, timeout=READY_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr


def lines_until_end(shown: Watch) -> list[str]:
    """Stop the watch and return every line it printed that was not read yet."""
    stderr = shown.stop_and_stderr()
    assert stderr == "", stderr
    rest = []
    while (line := shown._lines.get(timeout=READY_TIMEOUT_S)) is not None:
        rest.append(line)
    return rest


def test_watch_ignores_session_signals_from_other_clients(daemon, watch) -> None:
    cli(daemon.address, "set", "real", "working")
    shown = watch("--format", "json")
    assert [s["id"] for s in shown.next_json()["sessions"]] == ["real"]
    watcher = unique_name_of(daemon.address, shown.process.pid)
    forge(daemon.address, watcher, "SessionChanged", "{'id': <'fake'>, 'status': <'question'>}")
    forge(daemon.address, watcher, "SessionRemoved", "'real'")
    forge(daemon.address, watcher, "SessionChanged", "'not a session'")
    cli(daemon.address, "set", "real", "attention")
    changed = shown.next_json()
    assert (changed["event"], changed["session"]["id"], changed["session"]["status"]) == (
        "changed", "real", "attention"
    )
    assert lines_until_end(shown) == []
    assert shown.process.returncode == 0


class _ListsNothing(ServiceInterface):
    """Just enough of a daemon for watch to take its first snapshot."""

    def __init__(self) -> None:
        super().__init__(INTERFACE)

    @dbus_method()
    def Snapshot(self) -> Annotated[list[object], DBusSignature("taa{sv}")]:
        return [0, []]


async def test_malformed_signals_from_the_owner_are_dropped(bus_address: str, watch) -> None:
    owner = await connect(bus_address)
    owner.export(OBJECT_PATH, _ListsNothing())
    await owner.request_name(BUS_NAME)
    shown = watch("--format", "json")
    assert await asyncio.to_thread(shown.next_json) == {"event": "snapshot", "sessions": []}

    def emit(member: str, signature: str, body: list) -> None:
        owner.send(Message(message_type=MessageType.SIGNAL, path=OBJECT_PATH, interface=INTERFACE,
                           member=member, signature=signature, body=body))

    emit("SessionChanged", "s", ["not a session"])
    emit("SessionChanged", "a{sv}", [{"status": Variant("s", "working")}])
    emit("SessionChanged", "a{sv}", [{"id": Variant("u", 7)}])
    emit("SessionChanged", "a{sv}", [{"id": Variant("s", "s1"), "status": Variant("u", 1)}])
    emit("SessionChanged", "a{sv}", [{"id": Variant("s", "x" * 10_000)}])
    emit("SessionRemoved", "u", [7])
    emit("SessionRemoved", "s", [""])
    emit("SessionRemoved", "ss", ["s1", "s2"])
    emit("SessionChanged", "a{sv}", [{"id": Variant("s", "s1"), "status": Variant("s", "working"),
                                       "from_a_newer_daemon": Variant("as", ["kept"])}])
    changed = await asyncio.to_thread(shown.next_json)
    assert changed["event"] == "changed" and changed["session"]["id"] == "s1"
    assert changed["session"]["from_a_newer_daemon"] == ["kept"]
    assert await asyncio.to_thread(lines_until_end, shown) == []
    owner.disconnect()


def test_the_signal_types_are_what_the_daemon_sends() -> None:
    update = SessionUpdate.parse(session_id="s1", status="working", working_dir="/w", pid=1, pid_start=2)
    wire = session_to_wire(new_session(update, Instant(1, 1)), with_history=True)
    assert {key: value.signature for key, value in wire.items()} == SESSION_TYPES


def listing_bytes(sessions: list[Session], sequence: int | None = None) -> bytes:
    writer = Writer()
    for _ in write_listing(writer, sessions, sequence):
        pass
    return bytes(writer.buffer)


def test_listings_carry_the_sessions_as_signals_do() -> None:
    """ListAll and Snapshot are marshalled without variants: byte for byte what dbus-fast makes of them."""
    store = SessionStore()
    store.set("s1", "working", working_dir="/srv/api", pid=10, pid_start=20, terminal={"tmux_pane": "%3", "tty": "/dev/pts/1"})
    store.set("s2", "question", detail="Allow Bash: rm -rf build… é 😀", agent_type="codex")
    store.set("s3", "closed", reason="session-end")
    sessions = store.list_all()
    as_signals = [session_to_wire(session, with_history=False) for session in sessions]
    assert listing_bytes(sessions) == bytes(Marshaller("aa{sv}", [as_signals]).marshall())
    assert listing_bytes(sessions, 7) == bytes(Marshaller("taa{sv}", [7, as_signals]).marshall())
    assert listing_bytes([]) == bytes(Marshaller("aa{sv}", [[]]).marshall())


async def test_a_listing_is_taken_as_called_and_written_while_others_are_served(bus_address: str) -> None:
    """A Get and a Set sent behind a ListAll and a Snapshot are answered before them, and the
    listings are of the moment they were called (served in-process, on this test's loop)."""
    store = SessionStore()
    count = 20 * LISTING_SLICE
    for n in range(count):
        store.set(f"s{n}", "working", working_dir=f"/w/{n}")
    owner = await connect(bus_address)
    owner.export(OBJECT_PATH, SessionsInterface(store))
    await owner.request_name(BUS_NAME)
    client = await SessionsClient.connect(bus_address)
    try:
        listing = asyncio.ensure_future(client.list_all())
        snapshot = asyncio.ensure_future(client.snapshot())
        got = await client.get("s0")
        changed = await client.set("s0", "attention")
        assert not listing.done() and not snapshot.done()
        sequence, sessions = await snapshot
        assert got["status"] == "working" and sequence == changed["seq"] - 1 == count
        assert [s["status"] for s in sessions if s["id"] == "s0"] == ["working"]
        assert [s["id"] for s in await listing] == [f"s{n}" for n in range(count)]
    finally:
        client.close()
        owner.disconnect()
