"""The client of one-shot commands (list, get, set, rm, status): blocking, standard library only.

A person waits for these, so they cannot afford what the asyncio client
costs before its first byte (asyncio, dbus-fast and pydantic: several times
the interpreter's own start).  One connection, a call at a time, each bounded:
connecting by ``CLIENT_CONNECT_TIMEOUT_S``, every reply by
``CLIENT_CALL_TIMEOUT_S``.  Errors come back as the same
``agent_console.errors`` exceptions, with the same messages, as from
``agent_console.client.async_client.SessionsClient``, whose methods are
the same ``client.requests.SessionMethods``.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any, Self, TypeVar

from agent_console.client import requests
from agent_console.client.requests import Request, SessionMethods
from agent_console.errors import ActivationFailed, AgentConsoleError, InvalidArgs, Unavailable
from agent_console.limits import CLIENT_CALL_TIMEOUT_S, CLIENT_CONNECT_TIMEOUT_S
from agent_console.wire.address import (
    NO_SESSION_BUS,
    AddressError,
    address_sockets,
    session_bus_sockets,
)
from agent_console.wire.blocking_transport import (
    BusError,
    BusUnavailable,
    Connection,
    DBusError,
    DeadlinePassed,
    MethodCall,
    ReplyTimeout,
)
from agent_console.wire.error_replies import no_reply
from agent_console.wire.marshal import WireError
from agent_console.wire.names import BUS_DRIVER, BUS_DRIVER_PATH, BUS_NAME, NOTIFICATIONS_NAME

T = TypeVar("T")


class BlockingSessionsClient(SessionMethods):
    """A connection to the bus and the daemon's methods on it; close it, or use it in ``with``."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._start_checked = False

    @classmethod
    def connect(cls, address: str | None = None) -> BlockingSessionsClient:
        """Connect to ``address``, else the session bus as libdbus finds it."""
        try:
            sockets = address_sockets(address, "--address ") if address else session_bus_sockets(os.environ)
        except AddressError as error:
            raise Unavailable(str(error) if address else NO_SESSION_BUS.format(detail=error)) from None
        try:
            return cls(Connection.open(sockets, CLIENT_CONNECT_TIMEOUT_S))
        except DeadlinePassed:
            shown = address or os.environ.get("DBUS_SESSION_BUS_ADDRESS") or f"unix:path={sockets[0]}"
            raise Unavailable(f"the D-Bus bus at {shown} did not answer within {CLIENT_CONNECT_TIMEOUT_S:g} s") from None
        except BusError as error:
            raise Unavailable(str(error)) from None

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def call(self, request: Request[T]) -> T:
        """Send ``request`` and wait for its result; every failure is an ``agent_console.errors`` exception.

        Before the first call to the daemon, one look at whether it could start
        at all (see ``unit_state``).  A call to the daemon unanswered while
        nobody owns its name waits on the daemon's start (D-Bus activation),
        which failed or hangs: systemd does not report a failed unit to
        dbus-daemon, so no error reply would come for 120 s.  That is said as
        such, with the fix (the unit's failure where systemd holds it failed,
        else where to look).
        """
        if request.call.destination == BUS_NAME and not self._start_checked:
            self._start_checked = True
            failed = self.failed_start()
            if failed is not None:
                raise failed
        try:
            values = self._values(request.call)
        except DBusError as error:
            return request.refused(error.name, error.text)
        return request.result(values)

    def notification_server(self) -> str | None:
        """The running notification server's name (``dunst``), None when none owns the name.

        Asked only of a running one, so that asking never starts a server by activation.
        """
        if not self.name_owned(NOTIFICATIONS_NAME):
            return None
        try:
            return self.call(requests.notification_server_name())
        except AgentConsoleError:
            return "a server that does not say its name"

    def failed_start(self) -> ActivationFailed | None:
        """The error to give when no daemon runs and its unit is failed, so a call would wait on nothing."""
        from agent_console.client.unit_state import failed_start

        if self.daemon_running():
            return None
        return failed_start(self._first_value, self._ask_bus_driver)

    def _ask_bus_driver(self, member: str, signature: str, body: list[Any]) -> Any:
        return self._first_value(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, member, signature, body)

    def _first_value(self, destination: str, path: str, interface: str, member: str, signature: str, body: list[Any]) -> Any:
        """``unit_state``'s way to ask: the reply's first value; an error reply raises ``DBusError``."""
        values = self._values(MethodCall(destination, path, interface, member, signature, body))
        return values[0] if values else None

    def _values(self, call: MethodCall) -> list[object]:
        """The reply's values; an error reply stays a ``DBusError``, every other failure is translated."""
        try:
            reply = self._connection.call(call, CLIENT_CALL_TIMEOUT_S)
        except WireError as error:
            raise InvalidArgs(f"cannot send that over D-Bus: {error}") from None
        except ReplyTimeout:
            if call.destination == BUS_NAME:
                raise self.failed_start() or no_reply(call.destination, call.member, self.daemon_running()) from None
            raise no_reply(call.destination, call.member, call.destination == BUS_DRIVER or self.daemon_running()) from None
        except BusUnavailable as error:
            raise Unavailable(f"lost the connection to the bus: {error}") from None
        except DBusError:
            raise
        except BusError as error:
            raise Unavailable(str(error)) from None
        try:
            return reply.body()
        except WireError as error:
            raise AgentConsoleError(f"the reply to {call.member} is malformed: {error}") from None
