"""Connecting to a bus, with three dbus-next flaws fixed where they live.

EAGAIN.
dbus-next 0.2.3 writes queued messages in a loop from the event loop's
writer callback and treats *any* exception from ``socket.send`` as fatal: it
finalises the whole connection (dbus-next issue #153, never fixed).  When the
kernel's socket buffer fills, which a burst of pipelined calls or signals
does within seconds, ``send`` raises ``BlockingIOError`` (EAGAIN) and the
daemon falls off the bus.  EAGAIN only means "not now": the fix wraps the
writer's socket so that EAGAIN reports zero bytes sent.  The writer already
treats a short send as "wait until writable" and keeps its callback
registered, so it resumes exactly where it stopped.  We never negotiate
Unix fd passing, so ``send`` is the only call the writer makes.

Error replies.  A method handler reports a failure by raising ``DBusError``;
dbus-next sends it as the error reply, but its reply context manager then
forgets to swallow the exception, which reaches the top of the message loop
and is logged as an "unexpected error" with a traceback, on every refused
call.  The bus here drops exactly that exception after it was sent.

Calls after a disconnect.  Once the connection is gone, dbus-next still
queues a call and registers its reply handler, which nothing will ever
invoke: the caller waits forever.  A daemon told to stop just after its bus
died hung that way, releasing its name.  Here such a call fails at once with
``org.freedesktop.DBus.Error.Disconnected``.

Replies marshalled ahead.  Not a flaw: a method marked ``@marshalled`` returns
its reply's body as bytes, and the bus sends them behind a header of its
own, so a reply of 10,000 sessions never exists as dbus-next variants
(see ``wire.sessions_to_bytes``).
"""

import asyncio
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dbus_next import Message, MessageType
from dbus_next.aio import MessageBus
from dbus_next.constants import ErrorType
from dbus_next.errors import DBusError
from dbus_next.service import ServiceInterface

from agent_console.errors import Unavailable
from agent_console.limits import CLIENT_CALL_TIMEOUT_S, CLIENT_CONNECT_TIMEOUT_S
from agent_console.wire.address import NO_SESSION_BUS
from agent_console.wire.blocking_transport import (
    DESTINATION_FIELD,
    METHOD_RETURN,
    REPLY_SERIAL_FIELD,
    frame,
)
from agent_console.wire.marshal import Variant
from agent_console.wire.names import BUS_DRIVER, BUS_DRIVER_PATH, BUS_NAME


class _EagainTolerantSocket:
    """Stands in for the writer's socket; only ``send`` is called on it."""

    __slots__ = ("_sock",)

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def send(self, data: memoryview) -> int:
        try:
            return self._sock.send(data)
        except (BlockingIOError, InterruptedError):
            return 0


def _observe(future: "asyncio.Future[None]") -> None:
    """A lost connection is reported by the calls that fail and by wait_for_disconnect;
    unobserved, dbus-next's disconnect future would also print "Future exception was
    never retrieved" with a traceback when it is collected."""
    if not future.cancelled():
        future.exception()


_MARSHALLED = "_agent_console_marshalled"


def marshalled(fn: Callable[..., bytes]) -> Callable[..., bytes]:
    """Marks a method (beneath ``@method()``) whose result is its reply's body, already marshalled."""
    setattr(fn, _MARSHALLED, True)
    return fn


class _MarshalledReply(Message):
    """A method return whose body is bytes; dbus-next's writer calls only ``_marshall``."""

    def __init__(self, call: Message, signature: str, body: bytes) -> None:
        super().__init__(
            message_type=MessageType.METHOD_RETURN, reply_serial=call.serial, destination=call.sender, signature=signature
        )
        self._body = body

    def _marshall(self, negotiate_unix_fd: bool = False) -> bytes:
        fields = [(REPLY_SERIAL_FIELD, Variant("u", self.reply_serial))]
        if self.destination:
            fields.append((DESTINATION_FIELD, Variant("s", self.destination)))
        return frame(METHOD_RETURN, self.serial, fields, self.signature, self._body)


class ResilientMessageBus(MessageBus):
    """A dbus-next ``MessageBus`` that survives a full socket buffer and refuses calls quietly."""

    def __init__(self, bus_address: str) -> None:
        super().__init__(bus_address=bus_address)
        self._writer.sock = _EagainTolerantSocket(self._writer.sock)
        self._disconnect_future.add_done_callback(_observe)

    def _call(self, msg: Message, callback: Callable[[Message | None, Exception | None], None]) -> None:
        if not self.connected:
            callback(None, DBusError(ErrorType.DISCONNECTED, "the bus connection is closed"))
            return
        super()._call(msg, callback)

    def _make_method_handler(self, interface: ServiceInterface, method: Any) -> Callable[[Message, Any], None]:
        if not getattr(method.fn, _MARSHALLED, False):
            return super()._make_method_handler(interface, method)

        def handler(msg: Message, send_reply: Callable[[Message], None]) -> None:
            body = method.fn(interface, *ServiceInterface._msg_body_to_args(msg))
            send_reply(_MarshalledReply(msg, method.out_signature, body))

        return handler

    def _process_message(self, msg: Message) -> None:
        try:
            super()._process_message(msg)
        except DBusError:
            if msg.message_type is not MessageType.METHOD_CALL:
                raise


def session_bus_address() -> str | None:
    """The session bus as libdbus and sd-bus find it, or None where there is none.

    dbus-next itself only reads the environment and X11 files, and so misses
    the systemd-style ``$XDG_RUNTIME_DIR/bus`` of an SSH or TTY login.
    """
    if address := os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return address
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR")
    if runtime_dir and Path(runtime_dir, "bus").is_socket():
        return f"unix:path={runtime_dir}/bus"
    if launchd_socket := os.environ.get("DBUS_LAUNCHD_SESSION_BUS_SOCKET"):
        return f"unix:path={launchd_socket}"
    return None


async def connect(address: str | None = None) -> ResilientMessageBus:
    """Connect to ``address``, else the session bus; Unavailable says why not.

    Authenticating and Hello together get ``CLIENT_CONNECT_TIMEOUT_S``: a socket
    that accepts and then stays silent must not hold the caller forever.
    """
    address = address or session_bus_address()
    if address is None:
        raise Unavailable(
            NO_SESSION_BUS.format(detail="DBUS_SESSION_BUS_ADDRESS is unset and $XDG_RUNTIME_DIR/bus does not exist")
        )
    try:
        bus = ResilientMessageBus(address)
    except Exception as error:  # noqa: BLE001 (any failure to reach the bus is the one answer: unavailable)
        raise Unavailable(f"cannot connect to the D-Bus bus at {address}: {error}") from None
    try:
        return await asyncio.wait_for(bus.connect(), CLIENT_CONNECT_TIMEOUT_S)
    except TimeoutError:
        bus.disconnect()
        raise Unavailable(
            f"the D-Bus bus at {address} did not answer within {CLIENT_CONNECT_TIMEOUT_S:g} s"
        ) from None
    except Exception as error:  # noqa: BLE001 (as above)
        bus.disconnect()
        raise Unavailable(f"cannot connect to the D-Bus bus at {address}: {error}") from None


async def name_owner_pid(bus: MessageBus, name: str = BUS_NAME) -> int | None:
    """The pid of the process owning ``name``, or None if nobody does or the bus does not
    tell within ``CLIENT_CALL_TIMEOUT_S``; asking never activates it."""
    message = Message(
        destination=BUS_DRIVER,
        path=BUS_DRIVER_PATH,
        interface=BUS_DRIVER,
        member="GetConnectionUnixProcessID",
        signature="s",
        body=[name],
    )
    try:
        reply = await asyncio.wait_for(bus.call(message), CLIENT_CALL_TIMEOUT_S)
    except TimeoutError:
        return None
    return reply.body[0] if reply is not None and reply.message_type is MessageType.METHOD_RETURN else None
