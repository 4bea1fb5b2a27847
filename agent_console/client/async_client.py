"""The Python client of the service: what the CLI, tests and benchmarks use.

Calls are built as raw messages rather than through a proxy object: a proxy
needs an Introspect round trip first, which would double the cost of a
one-shot ``agent-console set``.  D-Bus errors come back as the exceptions of
``agent_console.errors``, so a caller handles one family of errors.
"""

import asyncio
from collections.abc import Callable
from typing import Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.errors import DBusError

from agent_console.client.mirror import SessionDict
from agent_console.errors import AgentConsoleError, InvalidArgs, Unavailable
from agent_console.limits import CLIENT_CALL_TIMEOUT_S
from agent_console.wire.connection import ResilientMessageBus, connect, name_owner_pid
from agent_console.wire.error_replies import error_from_reply, no_reply
from agent_console.wire.names import (
    ATTRIBUTE_TYPES,
    BUS_DRIVER,
    BUS_DRIVER_PATH,
    BUS_NAME,
    INTERFACE,
    OBJECT_PATH,
)
from agent_console.wire.session_form import (
    session_from_signal,
    unwrap,
    valid_session_id,
)

PROPERTIES_INTERFACE = "org.freedesktop.DBus.Properties"


def _error_from_reply(reply: Message) -> AgentConsoleError:
    name = reply.error_name or ""
    return error_from_reply(name, reply.body[0] if reply.body else name)


def _announced_sequence(msg: Message) -> int | None:
    """The ``Sequence`` in a well-formed PropertiesChanged of our interface, else None."""
    if msg.member != "PropertiesChanged" or msg.signature != "sa{sv}as" or msg.body[0] != INTERFACE:
        return None
    sequence = msg.body[1].get("Sequence")
    return sequence.value if isinstance(sequence, Variant) and sequence.signature == "t" else None


class SessionsClient:
    """Every call is bounded by ``CLIENT_CALL_TIMEOUT_S``, connecting by ``CLIENT_CONNECT_TIMEOUT_S``."""

    def __init__(self, bus: ResilientMessageBus, call_timeout_s: float = CLIENT_CALL_TIMEOUT_S) -> None:
        self.bus = bus
        self._call_timeout_s = call_timeout_s
        self._daemon_owner: str | None = None
        """The unique name owning ``BUS_NAME`` ("" for none), once followed; None before."""
        self._following_owner = False
        self._owner_listeners: list[Callable[[str, str], None]] = []

    @classmethod
    async def connect(
        cls, address: str | None = None, call_timeout_s: float = CLIENT_CALL_TIMEOUT_S
    ) -> "SessionsClient":
        """``call_timeout_s`` is for a load test that keeps hundreds of calls in flight on
        purpose; everyone else keeps the default, which bounds a stuck daemon."""
        return cls(await connect(address), call_timeout_s)

    def close(self) -> None:
        self.bus.disconnect()

    async def set(self, session_id: str, status: str, **attributes: str | int) -> SessionDict:
        """Attributes get their D-Bus types from the wire table; an unknown name goes as a
        string so that the service, not the client, says it is unknown."""
        wire_attributes = {name: Variant(ATTRIBUTE_TYPES.get(name, "s"), value) for name, value in attributes.items()}
        return await self._call("Set", "ssa{sv}", [session_id, status, wire_attributes])

    async def get(self, session_id: str) -> SessionDict:
        return await self._call("Get", "s", [session_id])

    async def remove(self, session_id: str) -> bool:
        return await self._call("Remove", "s", [session_id])

    async def ack(self, session_id: str) -> SessionDict:
        return await self._call("Ack", "s", [session_id])

    async def list_all(self) -> list[SessionDict]:
        return await self._call("ListAll", "", [])

    async def snapshot(self) -> tuple[int, list[SessionDict]]:
        """The daemon's sequence number and its sessions, taken at one moment (see ``SessionMirror``)."""
        sequence, sessions = await self._values_on(BUS_NAME, OBJECT_PATH, INTERFACE, "Snapshot", "", [])
        return sequence, unwrap(sessions)

    async def mirror_host(self, host: str, sessions: list[dict[str, Variant]]) -> int:
        """A remote host's snapshot (``agent_console.daemon.remote_hosts``); how many of its sessions are held."""
        return int(await self._call("MirrorHost", "saa{sv}", [host, sessions]))

    async def mirror_changes(self, host: str, changed: list[dict[str, Variant]], removed: list[str]) -> int:
        return int(await self._call("MirrorChanges", "saa{sv}as", [host, changed, removed]))

    async def set_host_state(self, host: str, state: str, detail: str) -> None:
        await self._call("SetHostState", "sss", [host, state, detail])

    async def forget_host(self, host: str) -> int:
        return int(await self._call("ForgetHost", "s", [host]))

    async def hosts(self) -> list[dict[str, Any]]:
        """Every remote host followed: name, state, since, detail, sessions, skipped."""
        hosts: list[dict[str, Any]] = await self._call("Hosts", "", [])
        return hosts

    async def version(self) -> str:
        """The daemon's ``Version`` property; like any call, it starts an activatable daemon."""
        return await self._call_on(
            BUS_NAME, OBJECT_PATH, PROPERTIES_INTERFACE, "Get", "ss", [INTERFACE, "Version"]
        )

    async def daemon_running(self) -> bool:
        """Whether a daemon owns the name now; asking the bus does not start one."""
        return await self._call_bus_driver("NameHasOwner", "s", [BUS_NAME])

    async def daemon_activatable(self) -> bool:
        """Whether the bus would start the daemon on the first call (a service file is installed)."""
        return BUS_NAME in await self._call_bus_driver("ListActivatableNames", "", [])

    async def daemon_pid(self) -> int | None:
        """The daemon's process id as the bus saw it connect; None if none runs or the bus cannot tell."""
        return await name_owner_pid(self.bus)

    async def wait_disconnected(self) -> None:
        """Return once the bus connection is gone, for whatever reason.

        dbus-fast re-raises whatever broke the connection (EOF, a reset, a
        parse error); the caller only needs to know that it is gone.
        """
        try:
            await self.bus.wait_for_disconnect()
        except Exception:  # noqa: BLE001
            return

    async def _call(self, member: str, signature: str, body: list[Any]) -> Any:
        return await self._call_on(BUS_NAME, OBJECT_PATH, INTERFACE, member, signature, body)

    async def _call_bus_driver(self, member: str, signature: str, body: list[Any]) -> Any:
        return await self._call_on(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, member, signature, body)

    async def _call_on(
        self, destination: str, path: str, interface: str, member: str, signature: str, body: list[Any]
    ) -> Any:
        """The reply's one value, variants unwrapped."""
        values = await self._values_on(destination, path, interface, member, signature, body)
        return unwrap(values[0]) if values else None

    async def _values_on(
        self, destination: str, path: str, interface: str, member: str, signature: str, body: list[Any]
    ) -> list[Any]:
        """Every value of the reply as received; an error reply raises its named exception."""
        reply = await self._reply(destination, path, interface, member, signature, body)
        if reply.message_type is MessageType.ERROR:
            raise _error_from_reply(reply)
        return reply.body

    async def _reply(
        self, destination: str, path: str, interface: str, member: str, signature: str, body: list[Any]
    ) -> Message:
        """The reply, error replies included; only a lost bus or no reply in time raises."""
        message = Message(
            destination=destination, path=path, interface=interface, member=member, signature=signature, body=body
        )
        try:
            reply = await asyncio.wait_for(self.bus.call(message), self._call_timeout_s)
        except TimeoutError:
            raise await self._no_reply(destination, member) from None
        except (DBusError, EOFError, OSError) as error:
            raise Unavailable(f"lost the connection to the bus: {str(error) or type(error).__name__}") from None
        except UnicodeEncodeError:
            raise InvalidArgs("ids, statuses and paths must be valid UTF-8 to travel over D-Bus") from None
        assert reply is not None
        return reply

    async def _no_reply(self, destination: str, member: str) -> Unavailable:
        """Why a call went unanswered; asking whether anyone owns the name tells a stuck
        daemon from an activation that never completed."""
        name_owned = destination == BUS_DRIVER or await self.daemon_running()
        return no_reply(destination, member, name_owned, self._call_timeout_s)

    async def subscribe(
        self,
        on_changed: Callable[[SessionDict], None],
        on_removed: Callable[[str], None],
        on_sequence: Callable[[int], None] | None = None,
    ) -> None:
        """Deliver every signal of the daemon from now on; returns once the bus has the match rules.

        Only signals whose sender is the current owner of the name count: any
        client can send a unicast ``SessionChanged`` to a subscriber, and the
        match rule's sender (a well-known name) does not filter those.  A body
        of the wrong shape is dropped.  ``on_sequence`` gets the ``Sequence``
        of each PropertiesChanged, the number a removal carries.
        """
        await self._follow_owner()

        def dispatch(msg: Message) -> None:
            if (
                msg.message_type is not MessageType.SIGNAL
                or msg.path != OBJECT_PATH
                or not msg.sender
                or msg.sender != self._daemon_owner
            ):
                return
            if msg.interface == PROPERTIES_INTERFACE:
                sequence = _announced_sequence(msg)
                if sequence is not None and on_sequence is not None:
                    on_sequence(sequence)
            elif msg.interface != INTERFACE:
                return
            elif msg.member == "SessionChanged" and msg.signature == "a{sv}":
                session = session_from_signal(msg.body[0])
                if session is not None:
                    on_changed(session)
            elif msg.member == "SessionRemoved" and msg.signature == "s" and valid_session_id(msg.body[0]):
                on_removed(msg.body[0])

        self.bus.add_message_handler(dispatch)
        await self._add_match(f"type='signal',sender='{BUS_NAME}',interface='{INTERFACE}',path='{OBJECT_PATH}'")
        if on_sequence is not None:
            await self._add_match(
                f"type='signal',sender='{BUS_NAME}',interface='{PROPERTIES_INTERFACE}',"
                f"member='PropertiesChanged',path='{OBJECT_PATH}',arg0='{INTERFACE}'"
            )

    async def watch_daemon(self, on_owner_changed: Callable[[str, str], None]) -> None:
        """Report every change of the daemon's owner as ``(old, new)`` unique names, "" for none.

        A daemon that stops and comes back starts with an empty store, so a
        long-running subscriber needs this to know when to list again.
        Returns once the bus has the match rule.
        """
        self._owner_listeners.append(on_owner_changed)
        await self._follow_owner()

    async def _follow_owner(self) -> None:
        """Know the unique name that owns ``BUS_NAME`` from now on: NameOwnerChanged, then GetNameOwner.

        The match rule comes first, so no change falls between the two; a
        NameOwnerChanged that arrives before GetNameOwner's reply is at least
        as new as that reply, so it wins.
        """
        if self._following_owner:
            return
        self._following_owner = True
        self.bus.add_message_handler(self._on_driver_signal)
        await self._add_match(
            f"type='signal',sender='{BUS_DRIVER}',interface='{BUS_DRIVER}',"
            f"member='NameOwnerChanged',arg0='{BUS_NAME}'"
        )
        reply = await self._reply(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, "GetNameOwner", "s", [BUS_NAME])
        owner = reply.body[0] if reply.message_type is MessageType.METHOD_RETURN and reply.signature == "s" else ""
        if self._daemon_owner is None:
            self._daemon_owner = owner

    def _on_driver_signal(self, msg: Message) -> None:
        if (
            msg.message_type is MessageType.SIGNAL
            and msg.sender == BUS_DRIVER
            and msg.interface == BUS_DRIVER
            and msg.member == "NameOwnerChanged"
            and msg.signature == "sss"
            and msg.body[0] == BUS_NAME
        ):
            self._daemon_owner = msg.body[2]
            for listener in self._owner_listeners:
                listener(msg.body[1], msg.body[2])

    async def _add_match(self, rule: str) -> None:
        try:
            await self._call_bus_driver("AddMatch", "s", [rule])
        except AgentConsoleError as error:
            raise Unavailable(f"the bus refused the signal subscription: {error}") from None
