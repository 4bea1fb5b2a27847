"""Connecting to a bus, with two dbus-fast flaws fixed where they live.

EAGAIN.
dbus-fast (5.2, as dbus-next before it, issue #153 there) writes queued
messages in a loop from the event loop's writer callback and treats *any*
exception from ``socket.send`` as fatal: it finalises the whole connection.
When the kernel's socket buffer fills, which a burst of pipelined calls or
signals does within seconds, ``send`` raises ``BlockingIOError`` (EAGAIN) and
the daemon falls off the bus.  EAGAIN only means "not now": the fix wraps the
writer's socket so that EAGAIN reports zero bytes sent.  The writer already
treats a short send as "wait until writable" and keeps its callback
registered, so it resumes exactly where it stopped.  We never negotiate Unix
fd passing, so ``send`` is the only call the writer makes.  The writer is made
by ``connect``, so the socket is wrapped right after it.  ``_writer`` is one
of the two private members this module uses, because no public one reaches
the writer; the other is ``Message._marshall``, below.

Sending after a disconnect.  Once the connection is gone, dbus-fast still
registers a call's reply handler, which nothing will ever invoke (the caller
waits forever: a daemon told to stop just after its bus died hung that way,
releasing its name), and its writer then fails on the closed socket with an
``OSError`` that reaches whoever sent, a signal's sender included.  Here
``send`` (public, and what every call goes through) refuses a call at once with
``org.freedesktop.DBus.Error.Disconnected`` and drops anything else.

Replies written in steps.  Not a flaw: a method marked ``@marshalled`` returns
its reply's body as steps that write it (``BodyInSteps``), so a reply of 10,000
sessions never exists as variants and never holds the event loop for long (see
``daemon.session_replies.write_listing``).  Such a call is answered by a message
handler (``add_message_handler``, public) ahead of the library's dispatch: the
method runs at once (a listing takes its sessions then), and a task writes the
body behind the reply's header, returning to the loop after each step, then
sends it.  The reply is a ``Message`` whose ``_marshall`` returns that buffer,
the only way to hand the writer a body it did not marshal itself.  One such
reply is written at a time, and the next is handed to the writer only once the
last is sent (the future ``send`` returns): the writer sends its queue in order,
so a small reply or signal queued meanwhile goes ahead of a large one not yet
begun, and only one large buffer lives at a time however many callers list.
Other messages keep their order; a large reply may follow signals of changes
made after its call, whose ``seq`` tells a subscriber they are newer.

Error replies need nothing here: dbus-fast sends a ``DBusError`` raised by a
handler as that error, and any other exception as a named error
(``...ServiceError``, "The service interface raised an error: KeyError") with
the traceback in the log, never in the reply.
"""

import asyncio
import logging
import os
import socket
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast, get_args, get_type_hints

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusSignature
from dbus_fast.constants import ErrorType, MessageFlag
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface

from agent_console.errors import Unavailable
from agent_console.limits import CLIENT_CALL_TIMEOUT_S, CLIENT_CONNECT_TIMEOUT_S
from agent_console.wire.address import NO_SESSION_BUS
from agent_console.wire.blocking_transport import (
    DESTINATION_FIELD,
    HEADER_LENGTH_AND_SERIAL,
    METHOD_RETURN,
    REPLY_SERIAL_FIELD,
    header,
)
from agent_console.wire.marshal import Variant, Writer
from agent_console.wire.names import BUS_DRIVER, BUS_DRIVER_PATH, BUS_NAME

log = logging.getLogger(__name__)


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
    unobserved, a future that failed with it would also print "Future exception was
    never retrieved" with a traceback when it is collected."""
    if not future.cancelled():
        future.exception()


_MARSHALLED = "_agent_console_marshalled"

BodyInSteps = Callable[[Writer], Iterator[None]]
"""A reply's body, written into the ``Writer`` given (which starts where a body does) a part
at a time: the bus returns to the event loop after each part."""


def marshalled(fn: Callable[[Any], BodyInSteps]) -> Callable[[Any], BodyInSteps]:
    """Marks a method without arguments (beneath ``@dbus_method()``) whose result writes its
    reply's body, of the D-Bus type its return annotation names, in steps."""
    setattr(fn, _MARSHALLED, fn)
    return fn


def _return_signature(fn: Callable[..., object]) -> str:
    """The ``DBusSignature`` in ``Annotated[BodyInSteps, DBusSignature(...)]``."""
    hint = get_type_hints(fn, include_extras=True)["return"]
    return next(arg.signature for arg in get_args(hint) if isinstance(arg, DBusSignature))


class _MarshalledReply(Message):
    """A method return whose body is written into ``writer`` behind its header, whose serial
    and body length are set when it is sent: the writer asks a message only for ``_marshall``."""

    def __init__(self, call: Message, signature: str) -> None:
        super().__init__(
            message_type=MessageType.METHOD_RETURN, reply_serial=call.serial, destination=call.sender, signature=signature
        )
        fields = [(REPLY_SERIAL_FIELD, Variant("u", call.serial))]
        if call.sender:
            fields.append((DESTINATION_FIELD, Variant("s", call.sender)))
        self.writer = Writer(header(METHOD_RETURN, 0, fields, signature, 0))
        self._body_start = len(self.writer.buffer)

    def _marshall(self, negotiate_unix_fd: bool) -> bytearray:
        buffer = self.writer.buffer
        struct.pack_into("<II", buffer, HEADER_LENGTH_AND_SERIAL, len(buffer) - self._body_start, self.serial)
        return buffer


class ResilientMessageBus(MessageBus):
    """A dbus-fast ``MessageBus`` that survives a full socket buffer and refuses calls once gone."""

    async def connect(self) -> "ResilientMessageBus":
        await super().connect()
        writer = self._writer
        assert writer is not None and writer.sock is not None, "connect() makes the writer"
        writer.sock = cast(socket.socket, _EagainTolerantSocket(writer.sock))
        self._ended = asyncio.ensure_future(self.wait_for_disconnect())
        self._ended.add_done_callback(_observe)
        self._large_replies: asyncio.Queue[tuple[Message, str, BodyInSteps]] = asyncio.Queue()
        """Replies to write in steps, in the order their calls came: one task writes and sends
        them one at a time (a queue, not a lock: nothing in the daemon locks)."""
        replier = asyncio.ensure_future(self._reply_in_turn())
        self._ended.add_done_callback(lambda _: replier.cancel())
        return self

    async def wait_for_disconnect(self) -> None:
        """dbus-fast's, with the annotation it lacks (pyproject.toml exempts that one call from mypy's check)."""
        await MessageBus.wait_for_disconnect(self)

    # As dbus-fast's own asyncio MessageBus.send does, this returns a future where the base class returns None.
    def send(self, msg: Message) -> "asyncio.Future[None]":  # type: ignore[override]
        """On a bus that is gone, a call fails at once and anything else is dropped.

        A send that fails as the connection breaks fails its future, which a call
        (``call``, ``request_name``) never looks at: it is observed here, so asyncio
        does not print it with a traceback when the future is collected."""
        if self.connected:
            sent: asyncio.Future[None] = super().send(msg)
            if sent.done():  # written (or failed) at once: a callback might not run before the loop closes
                _observe(sent)
            else:
                sent.add_done_callback(_observe)
            return sent
        if msg.message_type is MessageType.METHOD_CALL:
            raise DBusError(ErrorType.DISCONNECTED, "the bus connection is closed")
        dropped = asyncio.get_running_loop().create_future()
        dropped.set_result(None)
        return dropped

    def export(self, path: str, interface: ServiceInterface) -> None:
        super().export(path, interface)
        for member in vars(type(interface)).values():
            if (fn := getattr(member, _MARSHALLED, None)) is not None:
                handler = self._marshalled_handler(path, interface, fn.__name__, fn, _return_signature(fn))
                self.add_message_handler(handler)

    def _marshalled_handler(
        self, path: str, interface: ServiceInterface, member: str, fn: Callable[[Any], BodyInSteps], signature: str
    ) -> Callable[[Message], bool]:
        def answer(msg: Message) -> bool:
            if (
                msg.message_type is not MessageType.METHOD_CALL
                or msg.member != member
                or msg.path != path
                or msg.interface not in (interface.name, None)
                or msg.signature != ""
            ):
                return False
            steps = fn(interface)
            if not msg.flags & MessageFlag.NO_REPLY_EXPECTED:
                self._large_replies.put_nowait((msg, signature, steps))
            return True

        return answer

    async def _reply_in_turn(self) -> None:
        """Until the bus is gone (then cancelled): each queued reply written and sent in turn."""
        while True:
            call, signature, steps = await self._large_replies.get()
            try:
                await self._reply_in_steps(call, signature, steps)
            except Exception:
                log.exception("%s's reply could not be sent", call.member)

    async def _reply_in_steps(self, call: Message, signature: str, steps: BodyInSteps) -> None:
        """Writes the reply, returning to the loop between steps, then sends it and waits until
        it is sent (or the bus is gone): see "Replies written in steps" above."""
        reply = _MarshalledReply(call, signature)
        try:
            for _ in steps(reply.writer):
                await asyncio.sleep(0)
        except DBusError as error:
            self.send(Message.new_error(call, error.type, error.text))
            return
        except Exception:
            log.exception("%s failed while its reply was written", call.member)
            self.send(Message.new_error(call, ErrorType.SERVICE_ERROR, f"{call.member} failed while its reply was written"))
            return
        sent = self.send(reply)
        await asyncio.wait((sent, self._ended), return_when=asyncio.FIRST_COMPLETED)


def session_bus_address() -> str | None:
    """The session bus as libdbus and sd-bus find it, or None where there is none.

    dbus-fast itself only reads the environment and X11 files, and so misses
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
