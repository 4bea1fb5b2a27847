"""A blocking D-Bus client that can do one thing: call a method and wait for its reply.

It exists so that the hook and the CLI's one-shot commands can talk to the bus
without ``dbus_fast`` and ``asyncio``, whose imports alone cost more than the
whole hook may take, and several times what a person waiting for
``agent-console list`` should.  Standard library only.

Every wait is bounded by a deadline: ``Connection.open`` sets one for
connecting and authenticating, and each ``call`` may set a fresh one for its
own reply (the hook uses one deadline for all of it).  A bus or a service
that hangs costs at most that long, and ``ReplyTimeout`` tells a silent
service apart from an unreachable bus.

The SASL exchange sends ``AUTH EXTERNAL`` and ``BEGIN`` together, as sd-bus
does, saving a round trip; ``Hello`` is sent but its reply not awaited, since
the bus handles it before the next message anyway.  Method calls carry no
flags: the bus may auto-start the service from an activation file, and the
caller hears of errors.
"""

import os
import socket
import struct
import time

from agent_console.wire.marshal import Reader, Variant, WireError, Writer
from agent_console.wire.names import BUS_DRIVER, BUS_DRIVER_PATH

METHOD_CALL = 1
METHOD_RETURN = 2
ERROR = 3

PATH_FIELD = 1
INTERFACE_FIELD = 2
MEMBER_FIELD = 3
ERROR_NAME_FIELD = 4
REPLY_SERIAL_FIELD = 5
DESTINATION_FIELD = 6
SIGNATURE_FIELD = 8

_MAX_MESSAGE_BYTES = 2**27
"""The spec's maximum message size: anything bigger is a corrupt stream."""

_MAX_AUTH_LINE_BYTES = 1024
"""A line of the SASL handshake: the bus sends a few dozen bytes (``OK <guid>``); more is a stream gone wrong."""


class BusError(Exception):
    """The call did not succeed; the message says why in one line."""


class BusUnavailable(BusError):
    """The bus could not be reached or did not answer in time."""


class DeadlinePassed(BusUnavailable):
    """The bus did not answer before the deadline: while connecting, or (``ReplyTimeout``) a call."""


class ReplyTimeout(DeadlinePassed):
    """A call was sent but its reply did not come before the deadline."""


class DBusError(BusError):
    """The bus or the service answered with an error reply."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}" if message else name)
        self.name = name
        self.text = message


class MethodCall:
    """A method call to send; marshalled only once it has its serial."""

    def __init__(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str = "",
        args: list[object] | tuple[object, ...] = (),
    ) -> None:
        self.destination = destination
        self.path = path
        self.interface = interface
        self.member = member
        self.signature = signature
        self.args = args

    def marshal(self, serial: int) -> bytes:
        body = Writer()
        body.write(self.signature, self.args)
        fields: list[tuple[int, Variant]] = [
            (PATH_FIELD, Variant("o", self.path)),
            (INTERFACE_FIELD, Variant("s", self.interface)),
            (MEMBER_FIELD, Variant("s", self.member)),
            (DESTINATION_FIELD, Variant("s", self.destination)),
        ]
        return frame(METHOD_CALL, serial, fields, self.signature, bytes(body.buffer))


def frame(kind: int, serial: int, fields: list[tuple[int, Variant]], signature: str, body: bytes) -> bytes:
    """A whole message: the header with ``fields`` (and the signature's, if any), then ``body``."""
    return header(kind, serial, fields, signature, len(body)) + body


def header(kind: int, serial: int, fields: list[tuple[int, Variant]], signature: str, body_length: int) -> bytes:
    """A message's header, padded to 8 as its body starts; its body's length and its serial are
    the little-endian ``uu`` at ``HEADER_LENGTH_AND_SERIAL``, so a sender may set them last."""
    if signature:
        fields = [*fields, (SIGNATURE_FIELD, Variant("g", signature))]
    writer = Writer()
    writer.write("yyyyuua(yv)", [ord("l"), kind, 0, 1, body_length, serial, fields])
    writer.pad(8)
    return bytes(writer.buffer)


HEADER_LENGTH_AND_SERIAL = 4
"""Where a header holds its body's length and its serial (``yyyy`` before them)."""


_HELLO = MethodCall(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, "Hello")


class Message:
    """A received message; its body is decoded only if asked for, so an unexpected
    type in a reply nobody reads cannot fail the call."""

    def __init__(self, data: bytes, little_endian: bool, body_offset: int, fields: dict[int, object]) -> None:
        self.kind = data[1]
        self.fields = fields
        self.signature = str(fields.get(SIGNATURE_FIELD, ""))
        self._data = data
        self._little_endian = little_endian
        self._body_offset = body_offset

    def body(self) -> list[object]:
        return Reader(self._data, self._little_endian, self._body_offset).read(self.signature)

    def answers(self, first_serial: int, last_serial: int) -> bool:
        """Whether this is the reply or error to one of the calls sent so far."""
        serial = self.fields.get(REPLY_SERIAL_FIELD)
        return self.kind in (METHOD_RETURN, ERROR) and isinstance(serial, int) and first_serial <= serial <= last_serial

    def error(self) -> "DBusError":
        message = self.body()[0] if self.signature.startswith("s") else ""
        return DBusError(str(self.fields.get(ERROR_NAME_FIELD, "")), str(message))


class Connection:
    """An authenticated connection to a message bus; its owner closes it."""

    def __init__(self, sock: socket.socket, deadline: float, seconds: float) -> None:
        self._socket = sock
        self._deadline = deadline
        self._seconds = seconds
        self._buffer = bytearray()
        self._serial = 0
        self._awaiting_reply = False

    @classmethod
    def open(cls, socket_paths: list[str], seconds: float) -> "Connection":
        """Connected and authenticated; it and every call on it must end within ``seconds`` of now."""
        deadline = time.monotonic() + seconds
        connection = cls(_connect(socket_paths, deadline), deadline, seconds)
        try:
            connection._authenticate()
            connection._send(_HELLO)
        except BaseException:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        self._socket.close()

    def call(self, method: MethodCall, seconds: float | None = None) -> Message:
        """Waits for this call's reply, for ``seconds`` from now if given, else until the
        connection's deadline; an error to an earlier call (Hello) fails it too."""
        if seconds is not None:
            self._deadline = time.monotonic() + seconds
            self._seconds = seconds
        serial = self._send(method)
        self._awaiting_reply = True
        while True:
            message = self._receive()
            if not message.answers(1, serial):
                continue
            if message.kind == ERROR:
                raise message.error()
            if message.fields[REPLY_SERIAL_FIELD] == serial:
                return message

    def _send(self, method: MethodCall) -> int:
        self._serial += 1
        self._send_bytes(method.marshal(self._serial))
        return self._serial

    def _authenticate(self) -> None:
        uid_hex = str(os.getuid()).encode().hex().encode()
        self._send_bytes(b"\0AUTH EXTERNAL " + uid_hex + b"\r\nBEGIN\r\n")
        line = self._receive_line()
        if not line.startswith(b"OK "):
            raise BusError(f"the bus refused authentication: {line.decode(errors='replace')}")

    def _receive_line(self) -> bytes:
        while b"\r\n" not in self._buffer:
            if len(self._buffer) > _MAX_AUTH_LINE_BYTES:
                raise BusError("the bus sent an overlong authentication line")
            self._fill()
        line, _, rest = bytes(self._buffer).partition(b"\r\n")
        self._buffer = bytearray(rest)
        return line

    def _receive(self) -> Message:
        fixed = self._receive_exactly(16)
        if fixed[0] not in b"lB":
            raise BusError(f"the bus sent a message in unknown byte order {fixed[0]!r}")
        little_endian = fixed[0] == ord("l")
        body_length, _, fields_length = struct.unpack_from("<III" if little_endian else ">III", fixed, 4)
        body_offset = 16 + fields_length + (-fields_length % 8)
        if body_offset + body_length > _MAX_MESSAGE_BYTES:
            raise BusError("the bus sent a message larger than the spec allows")
        data = fixed + self._receive_exactly(body_offset + body_length - 16)
        try:
            entries = Reader(data, little_endian, 12).read_value("a(yv)")
        except WireError as error:
            raise BusError(f"the bus sent a malformed message: {error}") from None
        assert isinstance(entries, list)
        return Message(data, little_endian, body_offset, dict(entries))

    def _receive_exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _fill(self) -> None:
        self._socket.settimeout(self._remaining())
        try:
            chunk = self._socket.recv(65536)
        except TimeoutError:
            raise self._too_late() from None
        except OSError as error:
            raise BusUnavailable(f"lost the bus: {error.strerror or error}") from None
        if not chunk:
            raise BusUnavailable("the bus closed the connection")
        self._buffer += chunk

    def _send_bytes(self, data: bytes) -> None:
        self._socket.settimeout(self._remaining())
        try:
            self._socket.sendall(data)
        except OSError as error:
            raise BusUnavailable(f"cannot write to the bus: {error.strerror or error}") from None

    def _remaining(self) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise self._too_late()
        return remaining

    def _too_late(self) -> BusUnavailable:
        kind = ReplyTimeout if self._awaiting_reply else DeadlinePassed
        return kind(f"no answer from the bus within {self._seconds:g} s")


def _connect(socket_paths: list[str], deadline: float) -> socket.socket:
    """The first path that accepts; the last failure is the one reported."""
    failure = "no socket to try"
    for path in socket_paths:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock.connect(path)
            return sock
        except OSError as error:
            sock.close()
            shown = "@" + path[1:] if path.startswith("\0") else path
            failure = f"cannot connect to the D-Bus bus at {shown}: {error.strerror or error}"
    raise BusUnavailable(failure)
