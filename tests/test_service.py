"""Every method, signal, property and named error, through our own client."""

import pytest
from dbus_fast import Message, MessageType, Variant

from agent_console import __version__
from agent_console.client.async_client import SessionsClient
from agent_console.errors import InvalidArgs, NotFound
from agent_console.wire.names import BUS_NAME, INTERFACE, OBJECT_PATH

pytestmark = pytest.mark.bus

SUMMARY_KEYS = {
    "id", "agent_type", "status", "working_dir", "display_name", "since", "last_activity", "closed", "detail",
    "close_reason", "stale", "pid", "terminal", "seq", "permission", "seen", "host", "host_state",
}


class Recorder:
    """Collects signals in arrival order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    async def attach(self, client: SessionsClient) -> "Recorder":
        await client.subscribe(
            lambda s: self.events.append(("changed", s)), lambda i: self.events.append(("removed", i))
        )
        return self


async def test_set_get_list_remove(client: SessionsClient) -> None:
    created = await client.set("abc", "working", working_dir="/tmp/x", agent_type="claude-code")
    assert set(created) == SUMMARY_KEYS
    assert created["display_name"] == "x" and created["closed"] is False
    await client.set("abc", "closed")
    full = await client.get("abc")
    assert set(full) == SUMMARY_KEYS | {"history"}
    [transition] = full["history"]
    assert (transition["from"], transition["to"], transition["reason"]) == ("working", "closed", "user")
    assert transition["at"] == full["since"] and transition["duration"] >= 0
    assert full["closed"] is True
    assert [s["id"] for s in await client.list_all()] == ["abc"]
    assert "history" not in (await client.list_all())[0]
    assert await client.remove("abc") is True
    assert await client.remove("abc") is False
    assert await client.list_all() == []


async def test_signals_follow_every_change_in_call_order(client: SessionsClient) -> None:
    recorder = await Recorder().attach(client)
    await client.set("a", "working")
    await client.set("a", "working")
    await client.set("b", "question", working_dir="/q")
    await client.set("a", "attention")
    await client.remove("a")
    await client.remove("a")
    assert [(kind, s if kind == "removed" else (s["id"], s["status"])) for kind, s in recorder.events] == [
        ("changed", ("a", "working")),
        ("changed", ("a", "working")),
        ("changed", ("b", "question")),
        ("changed", ("a", "attention")),
        ("removed", "a"),
    ]
    assert all("history" not in s for kind, s in recorder.events if kind == "changed")


async def test_set_reply_equals_its_signal(client: SessionsClient) -> None:
    recorder = await Recorder().attach(client)
    reply = await client.set("a", "working", working_dir="/w")
    assert recorder.events == [("changed", reply)]


async def test_unknown_id_is_not_found(client: SessionsClient) -> None:
    with pytest.raises(NotFound, match="no session with id 'nope'"):
        await client.get("nope")


@pytest.mark.parametrize(
    ("status", "attributes", "message"),
    [
        ("busy", {}, "status: Input should be 'working'"),
        ("working", {"colour": Variant("s", "red")}, "unknown attribute 'colour'"),
        ("working", {"working_dir": Variant("i", 3)}, "attribute 'working_dir' must have D-Bus type 's'"),
        ("working", {"agent_type": Variant("s", "vim")}, "agent_type: Input should be 'claude-code'"),
    ],
)
async def test_bad_input_is_a_named_error_and_changes_nothing(client, daemon, status, attributes, message):
    await client.set("keep", "working", working_dir="/k")
    before = await client.get("keep")
    reply = await client.bus.call(
        Message(destination=BUS_NAME, path=OBJECT_PATH, interface=INTERFACE, member="Set",
                signature="ssa{sv}", body=["keep", status, attributes])
    )
    assert reply.message_type is MessageType.ERROR
    assert reply.error_name == "io.github.AgentConsole1.Error.InvalidArgs"
    assert message in reply.body[0]
    assert await client.get("keep") == before
    assert "Traceback" not in daemon.log


async def test_over_long_id_is_invalid_args(client: SessionsClient) -> None:
    with pytest.raises(InvalidArgs, match="at most 256 characters"):
        await client.set("x" * 257, "working")
    assert await client.list_all() == []


async def _property(client: SessionsClient, name: str):
    reply = await client.bus.call(
        Message(destination=BUS_NAME, path=OBJECT_PATH, interface="org.freedesktop.DBus.Properties",
                member="Get", signature="ss", body=[INTERFACE, name])
    )
    return reply.body[0].value


async def test_properties_and_count_changes(client: SessionsClient) -> None:
    assert await _property(client, "Version") == __version__
    changes: list[dict] = []

    def on_message(msg: Message) -> None:
        if msg.member == "PropertiesChanged":
            changes.append({k: v.value for k, v in msg.body[1].items()})

    client.bus.add_message_handler(on_message)
    await client.bus.call(
        Message(destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus", member="AddMatch", signature="s",
                body=[f"type='signal',interface='org.freedesktop.DBus.Properties',sender='{BUS_NAME}'"])
    )
    await client.set("a", "working")
    await client.set("a", "attention")
    await client.set("b", "working")
    await client.remove("a")
    assert await _property(client, "SessionCount") == 1
    assert await _property(client, "Sequence") == 4
    assert changes == [
        {"SessionCount": 1, "Sequence": 1}, {"SessionCount": 2, "Sequence": 3}, {"SessionCount": 1, "Sequence": 4}
    ]


async def test_snapshot_is_the_sequence_with_every_session(client: SessionsClient) -> None:
    assert await client.snapshot() == (0, [])
    await client.set("a", "working")
    changed = await client.set("a", "attention")
    sequence, sessions = await client.snapshot()
    assert sequence == changed["seq"] == 2
    assert sessions == await client.list_all() == [changed]
