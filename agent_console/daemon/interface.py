"""The exported object: ``io.github.AgentConsole1.Sessions``, and beside it ``.Hooks``.

Every method handler runs on the asyncio event loop that owns the store and
returns before the next message is read: this is the single-threaded actor
model of the design, so the store needs no lock.  Handlers are plain
functions, not coroutines, so no call can interleave with another.

Signals come from the store's listener callbacks, so changes no caller made
(a replaced session, an owner gone, a session gone stale or expired) are
signalled exactly like a Set.  They are queued before the method's reply,
hence a caller that receives its reply can rely on subscribers having been
sent the change already, in call order.

The annotations carry the D-Bus signatures (``typing.Annotated``, as
``dbus_fast.annotations`` spells them): dbus-fast reads them to build the
introspection data and to marshal arguments, and they stay Python types for
the type checker.  ListAll and Snapshot take their sessions when called and
return the steps that write their replies' bodies (``@marshalled``): a listing
of 10,000 sessions is the daemon's one large reply, written while other calls
are served.
"""

import functools
import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar, cast

from dbus_fast import Variant
from dbus_fast.annotations import DBusBool, DBusBytes, DBusDict, DBusSignature, DBusStr, DBusUInt32, DBusUInt64
from dbus_fast.constants import PropertyAccess
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

from agent_console import __version__
from agent_console.agents.report import reported_update
from agent_console.daemon.model import Session
from agent_console.daemon.remote_hosts import RemoteHosts, check_host_name
from agent_console.daemon.session_replies import session_to_wire, write_listing
from agent_console.daemon.store import SessionStore
from agent_console.errors import AgentConsoleError, Internal, InvalidArgs, NotFound, quoted
from agent_console.limits import MAX_ID_LENGTH
from agent_console.vocabulary import CloseReason
from agent_console.wire.connection import BodyInSteps, marshalled
from agent_console.wire.marshal import Writer
from agent_console.wire.names import ERROR_PREFIX, HOOKS_INTERFACE, INTERFACE
from agent_console.wire.session_form import attributes_from_wire, unwrap, valid_session_id

log = logging.getLogger(__name__)

Sessions = Annotated[list[dict[str, Variant]], DBusSignature("aa{sv}")]


def _as_dbus_error(error: AgentConsoleError) -> DBusError:
    """Our exceptions become ``io.github.AgentConsole1.Error.<ClassName>`` replies."""
    return DBusError(f"{ERROR_PREFIX}.{type(error).__name__}", str(error))


Handler = TypeVar("Handler", bound=Callable[..., Any])


def replies_with_named_errors(handler: Handler) -> Handler:
    """Every error a method meets becomes a named reply, and none ends the daemon.

    Ours keep their class's name and message.  Anything else is a bug: its
    traceback goes to the log, and the caller gets ``Error.Internal`` with one
    short line, never the traceback the D-Bus library would put in the reply
    (it names our files and our callers' data).  ``functools.wraps`` keeps the
    signature the library reads the D-Bus types from.
    """

    @functools.wraps(handler)
    def handled(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 (each becomes its named reply)
            raise _named(error, handler.__name__) from None

    return cast(Handler, handled)


def _steps_with_named_errors(method: str, steps: BodyInSteps) -> BodyInSteps:
    """``replies_with_named_errors`` for a body written after its method returned."""

    def written(writer: Writer) -> Iterator[None]:
        try:
            yield from steps(writer)
        except Exception as error:  # noqa: BLE001 (as above)
            raise _named(error, method) from None

    return written


def _named(error: Exception, method: str) -> DBusError:
    if isinstance(error, DBusError):
        return error
    if isinstance(error, AgentConsoleError):
        return _as_dbus_error(error)
    log.error("%s failed", method, exc_info=error)
    return _as_dbus_error(Internal(f"{method} failed inside the daemon; the daemon's log has the details"))


def _bounded_id(session_id: str) -> str:
    """Get and Remove check the id as Set does: no stored id can be longer, so a longer one is a mistake."""
    if not valid_session_id(session_id):
        raise InvalidArgs(f"session_id: 1 to {MAX_ID_LENGTH} characters are allowed, not {len(session_id)}")
    return session_id


class SessionsInterface(ServiceInterface):
    def __init__(self, store: SessionStore, hosts: RemoteHosts | None = None) -> None:
        super().__init__(INTERFACE)
        self._store = store
        self._hosts = hosts or RemoteHosts(store)
        store.add_listener(self)

    @dbus_method()
    @replies_with_named_errors
    def Set(self, session_id: DBusStr, status: DBusStr, attributes: DBusDict) -> DBusDict:
        session = self._store.set(session_id, status, **attributes_from_wire(attributes))
        return session_to_wire(session, with_history=False)

    @dbus_method()
    @replies_with_named_errors
    def Get(self, session_id: DBusStr) -> DBusDict:
        session = self._store.get(_bounded_id(session_id))
        if session is None:
            raise NotFound(f"no session with id {quoted(session_id)}")
        return session_to_wire(session, with_history=True)

    @dbus_method()
    @replies_with_named_errors
    def Remove(self, session_id: DBusStr) -> DBusBool:
        return self._store.remove(_bounded_id(session_id)) is not None

    @dbus_method()
    @replies_with_named_errors
    def Ack(self, session_id: DBusStr) -> DBusDict:
        """A person saw the session's wait: what a face calls from a key, a menu or a dismissed bubble."""
        session = self._store.mark_seen(_bounded_id(session_id))
        if session is None:
            raise NotFound(f"no session with id {quoted(session_id)}")
        return session_to_wire(session, with_history=False)

    @dbus_method()
    @marshalled
    @replies_with_named_errors
    def ListAll(self) -> Annotated[BodyInSteps, DBusSignature("aa{sv}")]:
        """The sessions as they are now, written while the daemon serves other calls."""
        listing = functools.partial(write_listing, sessions=self._store.list_all())
        return _steps_with_named_errors("ListAll", listing)

    @dbus_method()
    @marshalled
    @replies_with_named_errors
    def Snapshot(self) -> Annotated[BodyInSteps, DBusSignature("taa{sv}")]:
        """The sequence number and every session, taken together: a subscriber drops the
        signals it holds with a ``seq`` up to this one, and knows of a gap after it."""
        listing = functools.partial(write_listing, sessions=self._store.list_all(), sequence=self._store.sequence)
        return _steps_with_named_errors("Snapshot", listing)

    @dbus_method()
    @replies_with_named_errors
    def MirrorHost(self, host: DBusStr, sessions: Sessions) -> DBusUInt32:
        """A remote host's snapshot, from ``agent-console remote``: its sessions are now exactly these."""
        return self._hosts.mirror_host(host, unwrap(sessions))

    @dbus_method()
    @replies_with_named_errors
    def MirrorChanges(
        self, host: DBusStr, changed: Sessions, removed: Annotated[list[str], DBusSignature("as")]
    ) -> DBusUInt32:
        return self._hosts.mirror_changes(host, unwrap(changed), removed)

    @dbus_method()
    @replies_with_named_errors
    def SetHostState(self, host: DBusStr, state: DBusStr, detail: DBusStr) -> None:
        self._hosts.set_state(host, state, detail)

    @dbus_method()
    @replies_with_named_errors
    def ForgetHost(self, host: DBusStr) -> DBusUInt32:
        return self._hosts.forget(check_host_name(host))

    @dbus_method()
    @replies_with_named_errors
    def Hosts(self) -> Sessions:
        return [
            {
                "name": Variant("s", record.name),
                "state": Variant("s", record.state.value),
                "since": Variant("t", record.since),
                "detail": Variant("s", record.detail),
                "sessions": Variant("u", self._hosts.session_count(record.name)),
                "skipped": Variant("u", record.skipped),
            }
            for record in self._hosts.records()
        ]

    @dbus_signal()
    def SessionChanged(self, session: dict[str, Variant]) -> DBusDict:
        return session

    @dbus_signal()
    def SessionRemoved(self, session_id: str) -> DBusStr:
        return session_id

    @dbus_property(access=PropertyAccess.READ)
    def Version(self) -> DBusStr:
        return __version__

    @dbus_property(access=PropertyAccess.READ)
    def SessionCount(self) -> DBusUInt32:
        return len(self._store)

    @dbus_property(access=PropertyAccess.READ)
    def Sequence(self) -> DBusUInt64:
        return self._store.sequence

    def session_changed(self, session: Session, created: bool) -> None:
        if session.host:
            log.debug("session %r of host %r is %s", session.id, session.host, session.status.value)
        elif created:
            log.info("session %r created (%s) in %r", session.id, session.status.value, session.working_dir)
        elif session.closed and session.close_reason is not CloseReason.USER:
            log.info("session %r closed: %s", session.id, session.close_reason)
        else:
            log.debug("session %r is %s%s", session.id, session.status.value, " (stale)" if session.stale else "")
        self.SessionChanged(session_to_wire(session, with_history=False))
        if created:
            self._count_changed()

    def session_removed(self, session: Session) -> None:
        (log.debug if session.host else log.info)("session %r removed", session.id)
        self.SessionRemoved(session.id)
        self._count_changed()

    def _count_changed(self) -> None:
        """Sequence rides along: after a removal it is the only place its number is sent."""
        self.emit_properties_changed({"SessionCount": len(self._store), "Sequence": self._store.sequence})


class HooksInterface(ServiceInterface):
    """What the hooks call: an agent's payload, read here by the agent's module.

    The hooks only forward, so what an event means is decided by the daemon
    that runs, and a change to an agent's table reaches every user with it,
    whichever handler they registered and whenever they did.
    """

    def __init__(self, store: SessionStore) -> None:
        super().__init__(HOOKS_INTERFACE)
        self._store = store

    @dbus_method()
    @replies_with_named_errors
    def Report(self, agent: DBusStr, payload: DBusBytes, context: DBusDict) -> DBusStr:
        """The status recorded, or "" for an event that says nothing about it."""
        update = reported_update(agent, payload, {key: (value.signature, value.value) for key, value in context.items()})
        if update is None:
            return ""
        session_id, status, attributes = update
        return self._store.set(session_id, status, **attributes).status.value
