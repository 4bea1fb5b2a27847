"""The hook's own D-Bus client: its marshalling checked byte for byte against
dbus-fast's, its address parsing, and real calls to a real dbus-daemon."""

import socket
import subprocess
import threading
import time
from pathlib import Path

import dbus_fast
import pytest
from conftest import RunningDaemon
from dbus_fast._private.marshaller import Marshaller

from agent_console.wire.address import AddressError, session_bus_sockets
from agent_console.wire.blocking_transport import (
    BusError,
    BusUnavailable,
    Connection,
    DBusError,
    MethodCall,
)
from agent_console.wire.marshal import Reader, TypedValues, Variant, WireError, Writer
from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH
from agent_console.wire.private_bus import session_config

pytestmark = pytest.mark.bus

DBUS = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")

BODIES = [
    ("ssa{sv}", ["id", "working", {"working_dir": Variant("s", "/tmp/x"), "agent_type": Variant("s", "claude-code")}]),
    ("ssa{sv}", ["id", "closed", {}]),
    ("yt", [7, 2**64 - 1]),
    ("ybnqiuxtd", [1, True, -2, 3, -4, 5, -6, 7, 0.5]),
    ("a(yv)", [[(1, Variant("o", "/a/b")), (8, Variant("g", "sa{sv}"))]]),
    ("aan", [[[1, -2], [], [3]]]),
    ("a{sa{sv}}", [{"k": {"n": Variant("t", 9)}, "e": {}}]),
    ("(sv)as", [("x", Variant("as", ["é", "😀"])), ["a", ""]]),
    ("v", [Variant("(ii)", (1, 2))]),
]


def as_dbus_fast(value: object) -> object:
    """The same value as dbus-fast wants it: its own Variant, structs as lists."""
    if isinstance(value, Variant):
        return dbus_fast.Variant(value.signature, as_dbus_fast(value.value))
    if isinstance(value, dict):
        return {key: as_dbus_fast(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_dbus_fast(item) for item in value]
    return value


def unwrapped(value: object) -> object:
    """What our Reader gives back: variants as their bare values, structs as tuples."""
    if isinstance(value, Variant):
        return unwrapped(value.value)
    if isinstance(value, dict):
        return {key: unwrapped(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(unwrapped(item) for item in value)
    return value


@pytest.mark.parametrize(("signature", "body"), BODIES, ids=[s for s, _ in BODIES])
def test_marshalling_matches_dbus_fast_byte_for_byte(signature: str, body: list[object]) -> None:
    ours = Writer()
    ours.write(signature, body)
    assert bytes(ours.buffer) == bytes(Marshaller(signature, as_dbus_fast(body)).marshall())


def test_typed_values_and_iterators_marshal_as_variants_and_lists_do() -> None:
    """How the daemon streams a listing: plain values with a type table, sessions from a generator."""
    types = {"n": "t", "s": "s", "m": "a{ss}", "b": "b"}
    rows = [{"n": 1, "s": "é", "m": {"k": "v", "k2": ""}, "b": True}, {"m": {}, "n": 2**64 - 1, "s": "", "b": False}]
    ours = Writer()
    ours.write("taa{sv}", [3, (TypedValues(types, row) for row in rows)])
    as_variants = [{key: dbus_fast.Variant(types[key], item) for key, item in row.items()} for row in rows]
    assert bytes(ours.buffer) == bytes(Marshaller("taa{sv}", [3, as_variants]).marshall())


@pytest.mark.parametrize(("signature", "body"), BODIES, ids=[s for s, _ in BODIES])
def test_reading_back_what_was_written(signature: str, body: list[object]) -> None:
    written = Writer()
    written.write(signature, body)
    assert Reader(bytes(written.buffer)).read(signature) == unwrapped(body)


def test_reading_big_endian_values() -> None:
    """A peer on a big-endian machine sends its own byte order; the bus passes it on."""
    data = b"\0\0\0\x05hello\0\0\0" + b"\0\0\0\x08" + b"\0\0\0\x01" + b"\xff\xff\xff\xfe"
    assert Reader(data, little_endian=False).read("sai") == ["hello", [1, -2]]


@pytest.mark.parametrize(
    ("signature", "values"),
    [("s", [1]), ("v", ["bare"]), ("as", ["not a list"]), ("s", ["\ud800"]), ("h", [0]), ("a", [[]]), ("(s", [("x",)])],
    ids=["int-as-string", "bare-variant", "string-as-array", "lone-surrogate", "unix-fd", "no-element", "unclosed"],
)
def test_writing_what_the_signature_does_not_allow_fails_clearly(signature: str, values: list[object]) -> None:
    with pytest.raises(WireError):
        Writer().write(signature, values)


@pytest.mark.parametrize(
    "data", [b"\x05\0\0\0abc", b"\x03\0\0\0abcX", b"\xff\0\0\0"], ids=["short", "no-nul", "huge-length"]
)
def test_reading_a_malformed_string_fails_clearly(data: bytes) -> None:
    with pytest.raises(WireError):
        Reader(data).read("s")


@pytest.mark.parametrize(
    ("environ", "sockets"),
    [
        ({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}, ["/run/user/1000/bus"]),
        ({"DBUS_SESSION_BUS_ADDRESS": "unix:abstract=/tmp/dbus-x,guid=0f"}, ["\0/tmp/dbus-x"]),
        ({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/tmp/a%20b%2cc,guid=1"}, ["/tmp/a b,c"]),
        ({"DBUS_SESSION_BUS_ADDRESS": "tcp:host=x,port=1;unix:path=/s;unix:abstract=t"}, ["/s", "\0t"]),
        ({"XDG_RUNTIME_DIR": "/run/user/7"}, ["/run/user/7/bus"]),
        ({"DBUS_SESSION_BUS_ADDRESS": "", "XDG_RUNTIME_DIR": "/run/user/7"}, ["/run/user/7/bus"]),
        ({"DBUS_LAUNCHD_SESSION_BUS_SOCKET": "/private/tmp/com.apple.launchd.x/unix_domain_listener"},
         ["/private/tmp/com.apple.launchd.x/unix_domain_listener"]),
        ({"XDG_RUNTIME_DIR": "/run/user/7", "DBUS_LAUNCHD_SESSION_BUS_SOCKET": "/l"}, ["/run/user/7/bus", "/l"]),
    ],
    ids=["path", "abstract", "escaped", "mixed", "runtime-dir", "empty-address", "launchd", "both"],
)
def test_socket_addresses(environ: dict[str, str], sockets: list[str]) -> None:
    assert session_bus_sockets(environ) == sockets


@pytest.mark.parametrize(
    "environ",
    [{}, {"DBUS_SESSION_BUS_ADDRESS": "tcp:host=localhost,port=1"}, {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/a%zz"}],
    ids=["nothing-set", "tcp-only", "bad-escape"],
)
def test_unusable_addresses_are_refused(environ: dict[str, str]) -> None:
    with pytest.raises(AddressError):
        session_bus_sockets(environ)


def open_bus(address: str, seconds: float = 5.0) -> Connection:
    return Connection.open(session_bus_sockets({"DBUS_SESSION_BUS_ADDRESS": address}), seconds)


def test_calls_to_the_bus_itself(bus_address: str) -> None:
    bus = open_bus(bus_address)
    try:
        (machine_id,) = bus.call(MethodCall(*DBUS, "GetId")).body()
        assert isinstance(machine_id, str) and len(machine_id) == 32
        assert bus.call(MethodCall(*DBUS, "NameHasOwner", "s", ["org.freedesktop.DBus"])).body() == [True]
        assert bus.call(MethodCall(*DBUS, "NameHasOwner", "s", [BUS_NAME])).body() == [False]
    finally:
        bus.close()


def test_an_error_reply_carries_its_name_and_message(bus_address: str) -> None:
    bus = open_bus(bus_address)
    try:
        with pytest.raises(DBusError) as raised:
            bus.call(MethodCall(*DBUS, "GetNameOwner", "s", ["no.such.Name"]))
    finally:
        bus.close()
    assert raised.value.name == "org.freedesktop.DBus.Error.NameHasNoOwner"
    assert "no.such.Name" in str(raised.value)


def test_set_on_the_daemon_returns_the_session(daemon: RunningDaemon) -> None:
    bus = open_bus(daemon.address)
    try:
        attributes = {"working_dir": Variant("s", "/srv/shop"), "agent_type": Variant("s", "claude-code")}
        set_question = MethodCall(BUS_NAME, OBJECT_PATH, INTERFACE, "Set", "ssa{sv}", ["s1", "question", attributes])
        (session,) = bus.call(set_question).body()
        with pytest.raises(DBusError) as raised:
            bus.call(MethodCall(BUS_NAME, OBJECT_PATH, INTERFACE, "Set", "ssa{sv}", ["s1", "sleeping", {}]))
    finally:
        bus.close()
    assert isinstance(session, dict)
    assert (session["id"], session["status"], session["display_name"]) == ("s1", "question", "shop")
    assert raised.value.name == "io.github.AgentConsole1.Error.InvalidArgs"


def test_an_abstract_socket(tmp_path: Path) -> None:
    config = tmp_path / "session.conf"
    config.write_text(session_config())
    name = f"agent-console-test-{tmp_path.name}"
    process = subprocess.Popen(
        ["dbus-daemon", "--nofork", "--print-address=1", f"--config-file={config}", f"--address=unix:abstract={name}"],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().decode().strip()
        assert address.startswith("unix:abstract=")
        bus = open_bus(address)
        try:
            assert bus.call(MethodCall(*DBUS, "NameHasOwner", "s", ["org.freedesktop.DBus"])).body() == [True]
        finally:
            bus.close()
    finally:
        process.terminate()
        process.wait()


def test_no_socket_fails_at_once(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(BusUnavailable, match="cannot connect"):
        open_bus(f"unix:path={tmp_path}/absent")
    assert time.monotonic() - started < 1.0


def test_a_listener_that_never_answers_costs_the_deadline_and_no_more(tmp_path: Path) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "mute"))
    listener.listen()
    try:
        started = time.monotonic()
        with pytest.raises(BusUnavailable, match="no answer from the bus within 0.3 s"):
            open_bus(f"unix:path={tmp_path}/mute", seconds=0.3)
        assert 0.3 <= time.monotonic() - started < 3.0
    finally:
        listener.close()


def test_a_peer_that_refuses_authentication(tmp_path: Path) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "strict"))
    listener.listen()

    def refuse() -> None:
        peer, _ = listener.accept()
        peer.recv(1024)
        peer.sendall(b"REJECTED DBUS_COOKIE_SHA1\r\n")
        peer.close()

    refusing = threading.Thread(target=refuse)
    refusing.start()
    try:
        with pytest.raises(BusError, match="refused authentication: REJECTED DBUS_COOKIE_SHA1"):
            open_bus(f"unix:path={tmp_path}/strict", seconds=5)
    finally:
        refusing.join()
        listener.close()
