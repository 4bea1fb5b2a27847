"""The Python client of the service: what the CLI, tests and benchmarks use.

Calls are built as raw messages rather than through a proxy object: a proxy
needs an Introspect round trip first, which would double the cost of a
one-shot ``agent-console set``.  D-Bus errors come back as the exceptions of
``agent_console.errors``, so a caller handles one family of errors.
"""

from collections.abc import Callable
from typing import Any

from dbus_next import Message, MessageType, Variant

from agent_console.bus.connection import ResilientMessageBus, connect
from agent_console.bus.names import BUS_NAME, ERROR_PREFIX, INTERFACE, OBJECT_PATH
from agent_console.bus.wire import unwrap
from agent_console.errors import ERRORS_BY_NAME, AgentConsoleError, Unavailable

SessionDict = dict[str, Any]

UNAVAILABLE_ERRORS = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.Spawn.ChildExited",
    "org.freedesktop.DBus.Error.Spawn.ExecFailed",
    "org.freedesktop.DBus.Error.TimedOut",
}


def _error_from_reply(reply: Message) -> AgentConsoleError:
    name = reply.error_name or ""
    text = reply.body[0] if reply.body else name
    if name.startswith(ERROR_PREFIX + "."):
        return ERRORS_BY_NAME.get(name.removeprefix(ERROR_PREFIX + "."), AgentConsoleError)(text)
    if name in UNAVAILABLE_ERRORS:
        return Unavailable(f"the agent-console daemon is not running: {text}")
    return AgentConsoleError(f"{name}: {text}")


class SessionsClient:
    def __init__(self, bus: ResilientMessageBus) -> None:
        self.bus = bus

    @classmethod
    async def connect(cls, address: str | None = None) -> "SessionsClient":
        return cls(await connect(address))

    def close(self) -> None:
        self.bus.disconnect()

    async def set(self, session_id: str, status: str, **attributes: str) -> SessionDict:
        wire_attributes = {name: Variant("s", value) for name, value in attributes.items()}
        return await self._call("Set", "ssa{sv}", [session_id, status, wire_attributes])

    async def get(self, session_id: str) -> SessionDict:
        return await self._call("Get", "s", [session_id])

    async def remove(self, session_id: str) -> bool:
        return await self._call("Remove", "s", [session_id])

    async def list_all(self) -> list[SessionDict]:
        return await self._call("ListAll", "", [])

    async def _call(self, member: str, signature: str, body: list[Any]) -> Any:
        reply = await self.bus.call(
            Message(
                destination=BUS_NAME,
                path=OBJECT_PATH,
                interface=INTERFACE,
                member=member,
                signature=signature,
                body=body,
            )
        )
        assert reply is not None
        if reply.message_type is MessageType.ERROR:
            raise _error_from_reply(reply)
        return unwrap(reply.body[0])

    async def subscribe(
        self,
        on_changed: Callable[[SessionDict], None],
        on_removed: Callable[[str], None],
    ) -> None:
        """Deliver every signal from now on; returns once the bus has the match rule."""
        rule = f"type='signal',sender='{BUS_NAME}',interface='{INTERFACE}',path='{OBJECT_PATH}'"
        reply = await self.bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="AddMatch",
                signature="s",
                body=[rule],
            )
        )
        if reply is None or reply.message_type is MessageType.ERROR:
            raise Unavailable(f"the bus refused the signal subscription: {reply and reply.body}")

        def dispatch(msg: Message) -> None:
            if msg.message_type is not MessageType.SIGNAL or msg.interface != INTERFACE:
                return
            if msg.member == "SessionChanged":
                on_changed(unwrap(msg.body[0]))
            elif msg.member == "SessionRemoved":
                on_removed(msg.body[0])

        self.bus.add_message_handler(dispatch)
