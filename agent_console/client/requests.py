"""Every call a client makes, defined once: what to send and what the reply means.

Sans-I/O: a ``Request`` is a method call (the blocking transport's
``MethodCall``: destination, path, interface, member, signature and arguments
as D-Bus values) and knows how to turn the reply (its values, variants unwrapped) or an
error reply into the result.  The two transports drive it: the asyncio client
of long-lived faces (``async_client``) and the blocking one of one-shot
commands (``blocking_client``), each with a ``call(request)`` of its own.
``SessionMethods`` gives both the same named methods (``set``, ``get``,
``list_all``, ``version``...): on the blocking client they return the result,
on the asyncio one a coroutine of it.

Standard library only, and no dataclasses: a one-shot command imports this.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Generic, NoReturn, ParamSpec, Protocol, TypeVar, overload

from agent_console.errors import AgentConsoleError, Unavailable
from agent_console.wire.blocking_transport import MethodCall
from agent_console.wire.error_replies import error_from_reply
from agent_console.wire.marshal import Variant
from agent_console.wire.names import (
    ATTRIBUTE_TYPES,
    BUS_DRIVER,
    BUS_DRIVER_PATH,
    BUS_NAME,
    INTERFACE,
    NOTIFICATIONS_NAME,
    NOTIFICATIONS_PATH,
    OBJECT_PATH,
    PROPERTIES_INTERFACE,
)

if TYPE_CHECKING:
    from agent_console.presentation import SessionDict


T = TypeVar("T")
P = ParamSpec("P")


def _named_error(name: str, text: str) -> NoReturn:
    raise error_from_reply(name, text)


class Request(Generic[T]):
    """One method call, and how its reply becomes a ``T``."""

    __slots__ = ("call", "decode", "refused")

    def __init__(
        self, call: MethodCall, decode: Callable[[list[object]], T], refused: Callable[[str, str], T] = _named_error
    ) -> None:
        self.call = call
        self.decode = decode
        """The result from the reply's values, variants unwrapped."""
        self.refused = refused
        """The result from an error reply's name and text; by default its ``agent_console.errors`` exception is raised."""

    def result(self, values: list[object]) -> T:
        """``decode``, with a reply of another shape than expected said as such."""
        try:
            return self.decode(values)
        except (IndexError, TypeError, ValueError) as error:
            raise AgentConsoleError(f"the reply to {self.call.member} is malformed: {error}") from None


def _of(kind: type[T]) -> Callable[[list[object]], T]:
    """The reply's one value, which must be a ``kind``."""

    def decode(values: list[object]) -> T:
        if len(values) != 1 or not isinstance(values[0], kind):
            raise TypeError(f"expected one {kind.__name__}, got {[type(value).__name__ for value in values]}")
        return values[0]

    return decode


def _to_daemon(member: str, signature: str, body: list[object], decode: Callable[[list[object]], T]) -> Request[T]:
    return Request(MethodCall(BUS_NAME, OBJECT_PATH, INTERFACE, member, signature, body), decode)


def _to_bus(
    member: str, signature: str, body: list[object], decode: Callable[[list[object]], T],
    refused: Callable[[str, str], T] = _named_error,
) -> Request[T]:
    return Request(MethodCall(BUS_DRIVER, BUS_DRIVER_PATH, BUS_DRIVER, member, signature, body), decode, refused)


def set_session(session_id: str, status: str, **attributes: str | int) -> Request[SessionDict]:
    """Attributes get their D-Bus types from the wire table; an unknown name goes as a
    string so that the service, not the client, says it is unknown."""
    wire = {name: Variant(ATTRIBUTE_TYPES.get(name, "s"), value) for name, value in attributes.items()}
    return _to_daemon("Set", "ssa{sv}", [session_id, status, wire], _of(dict))


def get_session(session_id: str) -> Request[SessionDict]:
    return _to_daemon("Get", "s", [session_id], _of(dict))


def remove_session(session_id: str) -> Request[bool]:
    return _to_daemon("Remove", "s", [session_id], _of(bool))


def ack_session(session_id: str) -> Request[SessionDict]:
    return _to_daemon("Ack", "s", [session_id], _of(dict))


def list_all() -> Request[list[SessionDict]]:
    return _to_daemon("ListAll", "", [], _of(list))


def _sequence_and_sessions(values: list[object]) -> tuple[int, list[SessionDict]]:
    sequence, sessions = values
    if not isinstance(sequence, int) or not isinstance(sessions, list):
        raise TypeError("expected a sequence number and a list of sessions")
    return sequence, sessions


def snapshot() -> Request[tuple[int, list[SessionDict]]]:
    """The daemon's sequence number and its sessions, taken at one moment (see ``SessionMirror``)."""
    return _to_daemon("Snapshot", "", [], _sequence_and_sessions)


def _count(values: list[object]) -> int:
    return int(_of(int)(values))


def mirror_host(host: str, sessions: list[object]) -> Request[int]:
    """A remote host's snapshot (``agent_console.daemon.remote_hosts``); how many of its sessions are held."""
    return _to_daemon("MirrorHost", "saa{sv}", [host, sessions], _count)


def mirror_changes(host: str, changed: list[object], removed: list[str]) -> Request[int]:
    return _to_daemon("MirrorChanges", "saa{sv}as", [host, changed, removed], _count)


def set_host_state(host: str, state: str, detail: str) -> Request[None]:
    return _to_daemon("SetHostState", "sss", [host, state, detail], lambda values: None)


def forget_host(host: str) -> Request[int]:
    return _to_daemon("ForgetHost", "s", [host], _count)


def hosts() -> Request[list[dict[str, Any]]]:
    """Every remote host followed: name, state, since, detail, sessions, skipped."""
    return _to_daemon("Hosts", "", [], _of(list))


def version() -> Request[str]:
    """The daemon's ``Version`` property; like any call, it starts an activatable daemon."""
    return Request(MethodCall(BUS_NAME, OBJECT_PATH, PROPERTIES_INTERFACE, "Get", "ss", [INTERFACE, "Version"]), _of(str))


def name_owned(name: str) -> Request[bool]:
    """Whether a program owns ``name`` now; asking the bus starts nothing."""
    return _to_bus("NameHasOwner", "s", [name], _of(bool))


def name_activatable(name: str) -> Request[bool]:
    """Whether the bus would start a program for ``name`` on the first call (a service file is installed)."""
    return _to_bus("ListActivatableNames", "", [], lambda values: name in _of(list)(values))


def daemon_running() -> Request[bool]:
    """Whether a daemon owns the name now; asking the bus does not start one."""
    return name_owned(BUS_NAME)


def daemon_activatable() -> Request[bool]:
    """Whether the bus would start the daemon on the first call (a service file is installed)."""
    return name_activatable(BUS_NAME)


def daemon_pid() -> Request[int | None]:
    """The daemon's process id as the bus saw it connect; None if none runs or the bus cannot tell."""
    return _to_bus("GetConnectionUnixProcessID", "s", [BUS_NAME], _of(int), lambda name, text: None)


def daemon_owner() -> Request[str]:
    """The unique name owning the daemon's name now, "" for nobody."""
    return _to_bus("GetNameOwner", "s", [BUS_NAME], _of(str), lambda name, text: "")


def _first_of_strings(values: list[object]) -> str:
    name = values[0]
    if not isinstance(name, str):
        raise TypeError(f"expected a name, got {type(name).__name__}")
    return name


def notification_server_name() -> Request[str]:
    """The name the desktop's notification server gives itself (``dunst``): the first of its four strings."""
    return Request(
        MethodCall(NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_NAME, "GetServerInformation"), _first_of_strings
    )


def _subscription_refused(name: str, text: str) -> NoReturn:
    raise Unavailable(f"the bus refused the signal subscription: {error_from_reply(name, text)}")


def add_match(rule: str) -> Request[None]:
    """Have the bus route the signals ``rule`` matches to this connection."""
    return _to_bus("AddMatch", "s", [rule], lambda values: None, _subscription_refused)


class BlockingCaller(Protocol):
    def call(self, request: Request[T]) -> T: ...


class AsyncCaller(Protocol):
    def call(self, request: Request[T]) -> Coroutine[Any, Any, T]: ...


class _Method(Generic[P, T]):
    """A client method made of a request: the client's ``call`` sends it and gives what that gives."""

    def __init__(self, make: Callable[P, Request[T]]) -> None:
        self._make = make

    @overload
    def __get__(self, client: None, owner: type) -> _Method[P, T]: ...
    @overload
    def __get__(self, client: AsyncCaller, owner: type) -> Callable[P, Coroutine[Any, Any, T]]: ...
    @overload
    def __get__(self, client: BlockingCaller, owner: type) -> Callable[P, T]: ...
    def __get__(self, client: Any, owner: type) -> Any:
        if client is None:
            return self
        make = self._make

        @functools.wraps(make)
        def method(*args: P.args, **kwargs: P.kwargs) -> Any:
            return client.call(make(*args, **kwargs))

        return method


class SessionMethods:
    """The daemon's methods and the bus's answers about it, for a client with a ``call``."""

    set = _Method(set_session)
    get = _Method(get_session)
    remove = _Method(remove_session)
    ack = _Method(ack_session)
    list_all = _Method(list_all)
    snapshot = _Method(snapshot)
    mirror_host = _Method(mirror_host)
    mirror_changes = _Method(mirror_changes)
    set_host_state = _Method(set_host_state)
    forget_host = _Method(forget_host)
    hosts = _Method(hosts)
    version = _Method(version)
    name_owned = _Method(name_owned)
    name_activatable = _Method(name_activatable)
    daemon_running = _Method(daemon_running)
    daemon_activatable = _Method(daemon_activatable)
    daemon_pid = _Method(daemon_pid)
