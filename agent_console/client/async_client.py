"""The Python client of the service: what the CLI, tests and benchmarks use.

Its methods are ``client.requests.SessionMethods``, as the blocking client's
are; this transport sends each request as a raw message rather than through
a proxy object (a proxy needs an Introspect round trip first).  D-Bus errors
come back as the exceptions of ``agent_console.errors``, so a caller handles
one family of errors.
"""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from dbus_fast import Message, MessageType
from dbus_fast import Variant as LibraryVariant
from dbus_fast.errors import DBusError

from agent_console.client import requests
from agent_console.client.requests import Request, SessionMethods
from agent_console.errors import InvalidArgs, Unavailable
from agent_console.limits import CLIENT_CALL_TIMEOUT_S
from agent_console.presentation import SessionDict
from agent_console.wire.connection import ResilientMessageBus, connect
from agent_console.wire.error_replies import no_reply
from agent_console.wire.marshal import Variant
from agent_console.wire.names import BUS_DRIVER, BUS_NAME, INTERFACE, OBJECT_PATH, PROPERTIES_INTERFACE
from agent_console.wire.session_form import (
    session_from_signal,
    unwrap,
    valid_session_id,
)

T = TypeVar("T")


def _library_value(value: object) -> object:
    """A request's value as dbus-fast marshals it: its own ``Variant`` for ours, recursively."""
    if isinstance(value, Variant):
        return LibraryVariant(value.signature, _library_value(value.value))
    if isinstance(value, dict):
        return {key: _library_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_library_value(item) for item in value]
    return value


def _announced_sequence(msg: Message) -> int | None:
    """The ``Sequence`` in a well-formed PropertiesChanged of our interface, else None."""
    if msg.member != "PropertiesChanged" or msg.signature != "sa{sv}as" or msg.body[0] != INTERFACE:
        return None
    sequence = msg.body[1].get("Sequence")
    return sequence.value if isinstance(sequence, LibraryVariant) and sequence.signature == "t" else None


class SessionsClient(SessionMethods):
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

    async def call(self, request: Request[T]) -> T:
        """Send ``request`` and wait for its result; every failure is an ``agent_console.errors`` exception."""
        call = request.call
        message = Message(
            destination=call.destination, path=call.path, interface=call.interface, member=call.member,
            signature=call.signature, body=[_library_value(value) for value in call.args],
        )
        try:
            reply = await asyncio.wait_for(self.bus.call(message), self._call_timeout_s)
        except TimeoutError:
            name_owned = call.destination == BUS_DRIVER or await self.daemon_running()
            raise no_reply(call.destination, call.member, name_owned, self._call_timeout_s) from None
        except (DBusError, EOFError, OSError) as error:
            raise Unavailable(f"lost the connection to the bus: {str(error) or type(error).__name__}") from None
        except UnicodeEncodeError:
            raise InvalidArgs("ids, statuses and paths must be valid UTF-8 to travel over D-Bus") from None
        if reply.message_type is MessageType.ERROR:
            return request.refused(reply.error_name or "", str(reply.body[0]) if reply.body else "")
        return request.result(unwrap(reply.body))

    async def wait_disconnected(self) -> None:
        """Return once the bus connection is gone, for whatever reason.

        dbus-fast re-raises whatever broke the connection (EOF, a reset, a
        parse error); the caller only needs to know that it is gone.
        """
        try:
            await self.bus.wait_for_disconnect()
        except Exception:  # noqa: BLE001
            return

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

    @property
    def followed_owner(self) -> str:
        """The unique name that owns the daemon's name as last heard from the bus ("" for none),
        once ``watch_daemon`` or ``subscribe`` follows it: knowing it asks nothing, starts nothing."""
        return self._daemon_owner or ""

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
        owner = await self.call(requests.daemon_owner())
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
        await self.call(requests.add_match(rule))
