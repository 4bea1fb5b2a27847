"""Sessions of other machines, mirrored into this store for every face to show.

Each remote host keeps its own daemon, fed by its own hooks.  ``agent-console
remote`` follows it over SSH and hands what it hears to this daemon through
``MirrorHost`` (a snapshot: the host's sessions are now exactly these),
``MirrorChanges`` (what changed since) and ``SetHostState`` (the link went
down, or is being tried again).  The rules of a session (late events, owner
checks, stale work, retention) ran on its host already: here a remote session
is only copied, never merged with an update and never checked against this
machine's processes.

A remote session's id is its host's name, ``:``, and the id its host gave it
(``h1:4f1c…``): the store, ``Get``, ``Remove``, ``focus``, the signals and every
face's own copy keep working with one string per session, and no id of one
host can equal another's.  A local session that happens to have such an id
keeps it; the remote session with the same id is then skipped and counted.
A plain ``Set`` on a remote session's id is refused: it changes on its host.

What arrives is checked like a Set (the same bounds for each field), and
bounded per host (``MAX_SESSIONS_PER_HOST``); a session that fails is skipped
and counted in the host's ``skipped``, never stored in part.  The follower
rate-limits and coalesces what it sends (``agent_console.remote``), so a
flooding remote cannot flood this daemon's subscribers either.
"""

import re
import time
from dataclasses import dataclass, replace
from typing import Any

from agent_console.daemon.clock import Clock, SystemClock
from agent_console.daemon.model import (
    AGENT_TYPE_SCHEMA,
    DETAIL_SCHEMA,
    ID_SCHEMA,
    MAX_PID,
    STATUS_SCHEMA,
    TERMINAL_SCHEMA,
    WORKING_DIR_SCHEMA,
    Session,
)
from agent_console.daemon.store import SessionStore
from agent_console.errors import InvalidArgs, LimitExceeded, quoted
from agent_console.limits import (
    MAX_DETAIL_CHARS,
    MAX_HOST_NAME_CHARS,
    MAX_ID_LENGTH,
    MAX_REMOTE_HOSTS,
    MAX_SESSIONS_PER_HOST,
)
from agent_console.validation import Checker, ValidationError, before, checked, one_of, optional
from agent_console.vocabulary import DEFAULT_AGENT, HOST_NAME_PATTERN, REMOTE_ID_SEPARATOR, AgentType, CloseReason, HostState, Status

HOST_NAME = re.compile(HOST_NAME_PATTERN)

_UINT64 = {"type": "int", "strict": True, "ge": 0, "le": 2**64 - 1}
_FLAG = {"type": "bool", "strict": True}


def check_host_name(name: str) -> str:
    if not HOST_NAME.fullmatch(name):
        raise InvalidArgs(
            f"host name {quoted(name)}: 1 to {MAX_HOST_NAME_CHARS} letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def remote_id(host: str, session_id: str) -> str:
    return f"{host}{REMOTE_ID_SEPARATOR}{session_id}"


def _close_reason(value: Any) -> Any:
    """"" while open, as the wire says it; a reason of the remote's own is any of ours."""
    return None if value == "" else value


@dataclass(frozen=True, slots=True)
class RemoteSession:
    """A session as a remote daemon sent it (its wire form), checked field by field; other keys are ignored."""

    id: str = checked(ID_SCHEMA)
    status: Status = checked(STATUS_SCHEMA)
    agent_type: AgentType = checked(AGENT_TYPE_SCHEMA, DEFAULT_AGENT)
    working_dir: str = checked(WORKING_DIR_SCHEMA, "")
    since: int = checked(_UINT64, 0)
    last_activity: int = checked(_UINT64, 0)
    close_reason: CloseReason | None = checked(before(_close_reason, optional(one_of(CloseReason, _close_reason))), None)
    stale: bool = checked(_FLAG, False)
    pid: int = checked({"type": "int", "strict": True, "ge": 0, "le": MAX_PID}, 0)
    terminal: dict[str, str] | None = checked(optional(TERMINAL_SCHEMA), None)
    detail: str = checked(DETAIL_SCHEMA, "")
    permission: bool = checked(_FLAG, False)


_check_remote = Checker(RemoteSession)


@dataclass(frozen=True, slots=True)
class HostRecord:
    """A followed host as ``Hosts`` reports it."""

    name: str
    state: HostState
    since: int
    """Wall-clock microseconds when ``state`` began."""
    detail: str = ""
    """Why it is unreachable, as the follower said it; "" otherwise."""
    skipped: int = 0
    """Sessions refused since it was first followed: malformed, past a bound, or an id a local session has."""


class RemoteHosts:
    """The hosts followed, and their sessions in the store."""

    def __init__(self, store: SessionStore, clock: Clock | None = None) -> None:
        self._store = store
        self._clock: Clock = clock or SystemClock()
        self._hosts: dict[str, HostRecord] = {}

    def records(self) -> list[HostRecord]:
        return list(self._hosts.values())

    def session_count(self, host: str) -> int:
        return len(self._store.ids_of_host(host))

    def mirror_host(self, host: str, sessions: list[dict[str, Any]]) -> int:
        """The host's sessions are now exactly ``sessions``: the others are removed.  Returns how many are held."""
        self._record(host)
        wanted: dict[str, Session] = {}
        own = _own(sessions)
        skipped = max(0, len(own) - MAX_SESSIONS_PER_HOST)  # not even looked at: a hostile list costs no more
        for raw in own[:MAX_SESSIONS_PER_HOST]:
            session = self._converted(host, raw)
            if session is None:
                skipped += 1
            else:
                wanted[session.id] = session
        for gone in self._store.ids_of_host(host) - wanted.keys():
            self._store.remove(gone)
        skipped += sum(not self._mirrored(session) for session in wanted.values())
        self._set(host, HostState.CONNECTED, "", skipped)
        return self.session_count(host)

    def mirror_changes(self, host: str, changed: list[dict[str, Any]], removed: list[str]) -> int:
        """Sessions changed and ids removed on ``host`` since its snapshot.  Returns how many are held."""
        if host not in self._hosts:
            raise InvalidArgs(f"host {quoted(host)} is not followed: MirrorHost its snapshot first")
        own = _own(changed)
        skipped = max(0, len(own) - MAX_SESSIONS_PER_HOST)
        for raw in own[:MAX_SESSIONS_PER_HOST]:
            session = self._converted(host, raw)
            if session is None or (
                self._store.get(session.id) is None and self.session_count(host) >= MAX_SESSIONS_PER_HOST
            ):
                skipped += 1
            else:
                skipped += not self._mirrored(session)
        for session_id in removed:
            full_id = remote_id(host, session_id)
            if full_id in self._store.ids_of_host(host):
                self._store.remove(full_id)
        if skipped:
            self._set(host, self._hosts[host].state, self._hosts[host].detail, skipped)
        return self.session_count(host)

    def set_state(self, host: str, state: str, detail: str) -> None:
        """The link's state; ``unreachable`` marks every session of the host as such, keeping its status."""
        try:
            link = HostState(state)
        except ValueError:
            raise InvalidArgs(f"state {quoted(state)}: one of {', '.join(s.value for s in HostState)}") from None
        if "\n" in detail or len(detail) > MAX_DETAIL_CHARS:
            raise InvalidArgs(f"detail: one line of at most {MAX_DETAIL_CHARS} characters")
        self._record(host)
        self._set(host, link, detail, 0)
        if link is HostState.UNREACHABLE:
            since = self._hosts[host].since
            for session_id in self._store.ids_of_host(host):
                session = self._store.get(session_id)
                if session is not None and session.host_state != HostState.UNREACHABLE:
                    marked = replace(session, seq=0, host_state=HostState.UNREACHABLE.value,
                                     detail=_unreachable_detail(host, since, session.detail))  # fmt: skip
                    self._store.mirror(marked)

    def forget(self, host: str) -> int:
        """No longer followed: its record and its sessions go.  Returns how many sessions were removed."""
        self._hosts.pop(host, None)
        ids = self._store.ids_of_host(host)
        for session_id in ids:
            self._store.remove(session_id)
        return len(ids)

    def _record(self, host: str) -> None:
        check_host_name(host)
        if host not in self._hosts:
            if len(self._hosts) >= MAX_REMOTE_HOSTS:
                raise LimitExceeded(f"{MAX_REMOTE_HOSTS} hosts are followed already, the limit")
            self._hosts[host] = HostRecord(host, HostState.CONNECTING, self._clock.wall_us())

    def _set(self, host: str, state: HostState, detail: str, skipped: int) -> None:
        record = self._hosts[host]
        since = record.since if record.state is state else self._clock.wall_us()
        self._hosts[host] = replace(record, state=state, since=since, detail=detail, skipped=record.skipped + skipped)

    def _converted(self, host: str, raw: Any) -> Session | None:
        """The session to store; None when malformed or its id too long."""
        try:
            checked_session = _check_remote(raw)
        except ValidationError:
            return None
        full_id = remote_id(host, checked_session.id)
        if len(full_id) > MAX_ID_LENGTH:
            return None
        return _as_session(full_id, host, checked_session)

    def _mirrored(self, session: Session) -> bool:
        """Stored (or already equal); False when a local session holds its id."""
        try:
            self._store.mirror(session)
        except InvalidArgs:
            return False
        return True


def _own(sessions: list[Any]) -> list[Any]:
    """Leave out what the remote mirrors from hosts of its own (``host`` set): following
    a follower must not mirror its hosts again, or two hosts following each other would loop."""
    return [raw if isinstance(raw, dict) else None for raw in sessions if not (isinstance(raw, dict) and raw.get("host"))]


def _as_session(full_id: str, host: str, remote: RemoteSession) -> Session:
    return Session(
        id=full_id,
        agent_type=remote.agent_type,
        status=remote.status,
        working_dir=remote.working_dir,
        since=remote.since,
        last_activity=remote.last_activity,
        since_monotonic=0,
        activity_monotonic=0,
        pid=remote.pid,
        stale=remote.stale,
        close_reason=remote.close_reason if remote.status is Status.CLOSED else None,
        terminal=tuple(sorted((remote.terminal or {}).items())),
        detail=remote.detail,
        awaiting_tool=remote.permission,
        host=host,
        host_state=HostState.CONNECTED.value,
    )


def _unreachable_detail(host: str, since_us: int, detail: str) -> str:
    """What every face shows in the session's detail while its host is out of reach, the last detail after it."""
    stamp = time.strftime("%H:%M:%S", time.localtime(since_us / 1_000_000))
    text = f"{host} unreachable since {stamp}" + (f" · {detail}" if detail else "")
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"
