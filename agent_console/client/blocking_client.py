"""The client of one-shot commands (list, get, set, rm, status): blocking, standard library only.

A person waits for these, so they cannot afford what the asyncio client
costs before its first byte (asyncio, dbus-fast and pydantic: several times
the interpreter's own start).  One connection, a call at a time, each bounded:
connecting by ``CLIENT_CONNECT_TIMEOUT_S``, every reply by
``CLIENT_CALL_TIMEOUT_S``.  Errors come back as the same
``agent_console.errors`` exceptions, with the same messages, as from
``agent_console.client.async_client.SessionsClient``.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

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
from agent_console.wire.error_replies import error_from_reply, no_reply
from agent_console.wire.marshal import Variant, WireError
from agent_console.wire.names import (
    ATTRIBUTE_TYPES,
    BUS_DRIVER,
    BUS_DRIVER_PATH,
    BUS_NAME,
    INTERFACE,
    NOTIFICATIONS_NAME,
    NOTIFICATIONS_PATH,
    OBJECT_PATH,
)

if TYPE_CHECKING:
    from agent_console.client.mirror import SessionDict

PROPERTIES_INTERFACE = "org.freedesktop.DBus.Properties"

class BlockingSessionsClient:
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

    def set(self, session_id: str, status: str, **attributes: Any) -> SessionDict:
        """Attributes get their D-Bus types from the wire table; an unknown name goes as a
        string so that the service, not the client, says it is unknown."""
        wire = {name: Variant(ATTRIBUTE_TYPES.get(name, "s"), value) for name, value in attributes.items()}
        return self._call("Set", "ssa{sv}", [session_id, status, wire])

    def get(self, session_id: str) -> SessionDict:
        return self._call("Get", "s", [session_id])

    def remove(self, session_id: str) -> bool:
        return self._call("Remove", "s", [session_id])

    def ack(self, session_id: str) -> SessionDict:
        return self._call("Ack", "s", [session_id])

    def list_all(self) -> list[SessionDict]:
        return self._call("ListAll", "", [])

    def hosts(self) -> list[SessionDict]:
        """Every remote host followed: name, state, since, detail, sessions, skipped."""
        hosts: list[SessionDict] = self._call("Hosts", "", [])
        return hosts

    def forget_host(self, host: str) -> int:
        return int(self._call("ForgetHost", "s", [host]))

    def version(self) -> str:
        """The daemon's ``Version`` property; like any call, it starts an activatable daemon."""
        return self._call_on(BUS_NAME, OBJECT_PATH, PROPERTIES_INTERFACE, "Get", "ss", [INTERFACE, "Version"])

    def daemon_running(self) -> bool:
        """Whether a daemon owns the name now; asking the bus does not start one."""
        return self.name_owned(BUS_NAME)

    def daemon_activatable(self) -> bool:
        """Whether the bus would start the daemon on the first call (a service file is installed)."""
        return self.name_activatable(BUS_NAME)

    def name_owned(self, name: str) -> bool:
        """Whether a program owns ``name`` now; asking the bus starts nothing."""
        return self._call_bus_driver("NameHasOwner", "s", [name])

    def name_activatable(self, name: str) -> bool:
        return name in self._call_bus_driver("ListActivatableNames", "", [])

    def notification_server(self) -> str | None:
        """The running notification server's name (``dunst``), None when none owns the name.

        Asked only of a running one, so that asking never starts a server by activation.
        """
        if not self.name_owned(NOTIFICATIONS_NAME):
            return None
        try:
            name = self._request(NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "GetServerInformation", "", [])
        except (DBusError, AgentConsoleError):
            return "a server that does not say its name"
        return str(name)

    def daemon_pid(self) -> int | None:
        """The daemon's process id as the bus saw it connect; None if none runs or the bus cannot tell."""
        try:
            return self._request(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, "GetConnectionUnixProcessID", "s", [BUS_NAME])
        except DBusError:
            return None

    def _call(self, member: str, signature: str, body: list[Any]) -> Any:
        return self._call_on(BUS_NAME, OBJECT_PATH, INTERFACE, member, signature, body)

    def _call_bus_driver(self, member: str, signature: str, body: list[Any]) -> Any:
        return self._call_on(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, member, signature, body)

    def failed_start(self) -> ActivationFailed | None:
        """The error to give when no daemon runs and its unit is failed, so a call would wait on nothing."""
        from agent_console.client.unit_state import failed_start

        if self.daemon_running():
            return None
        return failed_start(self._request, self._ask_bus_driver)

    def _ask_bus_driver(self, member: str, signature: str, body: list[Any]) -> Any:
        return self._request(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, member, signature, body)

    def _call_on(self, destination: str, path: str, interface: str, member: str, signature: str, body: list[Any]) -> Any:
        """Before the first call to the daemon, one look at whether it could start at all (see ``unit_state``)."""
        if destination == BUS_NAME and not self._start_checked:
            self._start_checked = True
            failed = self.failed_start()
            if failed is not None:
                raise failed
        try:
            return self._request(destination, path, interface, member, signature, body)
        except DBusError as error:
            raise error_from_reply(error.name, error.text) from None

    def _request(self, destination: str, path: str, interface: str, member: str, signature: str, body: list[Any]) -> Any:
        """The reply's first value; an error reply stays a ``DBusError``, everything else is translated.

        A call to the daemon unanswered while nobody owns its name waits on the
        daemon's start (D-Bus activation), which failed or hangs: systemd does
        not report a failed unit to dbus-daemon, so no error reply would come
        for 120 s.  That is said as such, with the fix (the unit's failure where
        systemd holds it failed, else where to look).
        """
        try:
            reply = self._connection.call(MethodCall(destination, path, interface, member, signature, body), CLIENT_CALL_TIMEOUT_S)
        except WireError as error:
            raise InvalidArgs(f"cannot send that over D-Bus: {error}") from None
        except ReplyTimeout:
            if destination == BUS_NAME:
                raise self.failed_start() or no_reply(destination, member, self.daemon_running()) from None
            raise no_reply(destination, member, destination == BUS_DRIVER or self.daemon_running()) from None
        except BusUnavailable as error:
            raise Unavailable(f"lost the connection to the bus: {error}") from None
        except DBusError:
            raise
        except BusError as error:
            raise Unavailable(str(error)) from None
        try:
            values = reply.body()
        except WireError as error:
            raise AgentConsoleError(f"the daemon's reply to {member} is malformed: {error}") from None
        return values[0] if values else None
