"""The one in-memory store of sessions, owned by the daemon's event loop.

A plain ``dict``, no locks: every D-Bus call and every timer runs on the
asyncio loop, one at a time, so nothing else can touch it between two
statements (the actor model).  State is volatile by design: the hooks
re-announce a session on their next event, so a restarted daemon fills up
again by itself.

Listeners hear of every change, including those no caller asked for (a
session replaced, an owner gone, a quiet session gone stale, a closed one
expired), so whoever turns changes into signals has one place to do it.

Every change and every removal increments one store-wide ``sequence``, and a
session carries the value of its latest change as ``seq``.  A subscriber that
sees a number jump knows it missed a signal (the bus drops signals to a
subscriber that does not read) and lists again.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from agent_console.daemon.clock import Clock, SystemClock
from agent_console.daemon.model import (
    Instant,
    Session,
    SessionUpdate,
    amend_close,
    amends_close,
    apply_update,
    changes_anything,
    close,
    is_late,
    is_overtaken,
    mark_seen,
    new_session,
    with_late_start,
)
from agent_console.errors import InvalidArgs, LimitExceeded, quoted
from agent_console.limits import MAX_SESSIONS
from agent_console.vocabulary import CloseReason, Status

OwnerCheck = Callable[[int, int], bool]
"""(pid, start time) -> whether that very process still runs."""


class StoreListener(Protocol):
    def session_changed(self, session: Session, created: bool) -> None: ...

    def session_removed(self, session: Session) -> None: ...


def _newly_in_owner(before: Session | None, after: Session) -> bool:
    """Created, reopened or moved: the moments a session can displace another of its process."""
    if after.owner is None or after.closed:
        return False
    return before is None or before.closed or before.owner != after.owner


class SessionStore:
    def __init__(self, clock: Clock | None = None) -> None:
        self._sessions: dict[str, Session] = {}
        self._clock: Clock = clock or SystemClock()
        self._listeners: list[StoreListener] = []
        self.sequence = 0
        """Changes and removals so far: the ``seq`` of the latest one."""
        self._ids_by_owner: dict[tuple[int, int], set[str]] = {}
        """Sessions by owner process, so a new owner's Set finds its siblings without a scan."""
        self._ids_by_host: dict[str, set[str]] = {}
        """Remote sessions by host: what a host's snapshot replaces, and what ``MAX_SESSIONS`` leaves out."""

    def add_listener(self, listener: StoreListener) -> None:
        self._listeners.append(listener)

    def get(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def set(self, session_id: str, status: str, **attributes: Any) -> Session:
        """Create or update a session; raises InvalidArgs or LimitExceeded and then changes nothing.

        A late update (older than the newest event applied, or anything but a
        start for a session its agent ended) changes nothing and is not
        signalled: the session is returned as it stands.

        A session that newly runs in an owner process (created, reopened, or
        naming another owner) replaces every other open session of that same
        process: one Claude Code process runs one session at a time, and
        /clear and /resume start a new id in the same process (/compact keeps
        its id).  Sharing a working directory proves nothing.  An update that
        says ``shared_owner`` (a Codex app-server, an opencode server: one
        process, many sessions) replaces nothing.
        """
        update = SessionUpdate.parse(session_id=session_id, status=status, **attributes)
        current = self._sessions.get(update.session_id)
        if current is not None and current.host:
            raise InvalidArgs(
                f"session {quoted(session_id)} is mirrored from host {current.host!r}: it changes there, not here"
            )
        if current is None and self.local_count() >= MAX_SESSIONS:
            raise LimitExceeded(
                f"the store holds {MAX_SESSIONS} sessions, its limit; remove closed ones first"
            )
        return self._apply(current, update)

    def observe(self, session_id: str, status: Status, detail: str, event_time: int) -> None:
        """What the daemon saw for an open session (its transcript, its processes), as a Set would say it.

        It answers the dialog on screen, if any: the approved tool's process
        started, or the person pressed Esc.  Dropped, like a Set, when a newer
        event was applied already.
        """
        current = self._sessions.get(session_id)
        if current is not None and not current.closed:
            shown = current.dialogs[0].subagent if current.dialogs else None
            update = SessionUpdate(
                session_id=session_id, status=status, detail=detail, event_time=event_time, subagent=shown
            )
            self._apply(current, update)

    def _apply(self, current: Session | None, update: SessionUpdate) -> Session:
        now = self._now()
        if current is not None and amends_close(current, update, now):
            return self._put(amend_close(current, update), created=False)
        if current is not None and (
            is_late(current, update) or (is_overtaken(current, update) and not changes_anything(current, update))
        ):
            self._sessions[current.id] = with_late_start(current, update)
            return current
        session = new_session(update, now) if current is None else apply_update(current, update, now)
        session = self._put(session, created=current is None)
        if _newly_in_owner(current, session) and not update.shared_owner:
            self._close_others_of(session, now)
        return session

    def mirror(self, session: Session) -> bool:
        """Store a remote host's session as that host's daemon has it; False when nothing changed.

        Its rules ran on the remote: here it is only copied, so it is neither
        merged with an update nor checked against this machine's processes.
        """
        current = self._sessions.get(session.id)
        if current is not None and not current.host:
            raise InvalidArgs(f"a local session has the id {quoted(session.id)}")
        if current is not None and replace(current, seq=0) == session:
            return False
        self._put(session, created=current is None)
        return True

    def ids_of_host(self, host: str) -> frozenset[str]:
        return frozenset(self._ids_by_host.get(host, ()))

    def local_count(self) -> int:
        """This machine's sessions: the ones ``MAX_SESSIONS`` bounds."""
        return len(self._sessions) - sum(map(len, self._ids_by_host.values()))

    def remove(self, session_id: str) -> Session | None:
        session = self._sessions.pop(session_id, None)
        if session is not None:
            self._unindex(session)
            self.sequence += 1
            for listener in self._listeners:
                listener.session_removed(session)
        return session

    def mark_seen(self, session_id: str) -> Session | None:
        """Mark the session's wait seen: the faces stop nagging until it waits again.

        None when there is no such session.  A session that does not wait, or
        whose wait is marked already, is returned as it stands and nothing is
        signalled: marking is idempotent, so two faces may both send it.
        """
        session = self._sessions.get(session_id)
        if session is None:
            return None
        seen = mark_seen(session)
        return session if seen is session else self._put(seen, created=False)

    def list_all(self) -> list[Session]:
        return list(self._sessions.values())

    def sweep(self, *, stale_after_us: int, retention_us: int, owner_alive: OwnerCheck) -> None:
        """Tell the truth where no hook will: owners gone, quiet work, closed sessions expired.

        Each owner is checked once a sweep, however many sessions it holds (a
        Codex or opencode server holds many).
        """
        now = self._now()
        alive: dict[tuple[int, int], bool] = {}
        for session in list(self._sessions.values()):
            if session.host:
                continue  # its own host's daemon tells its truth
            if session.closed:
                if now.monotonic - session.since_monotonic >= retention_us:
                    self.remove(session.id)
            elif session.owner and not self._owner_alive(session.owner, owner_alive, alive):
                self._put(close(session, CloseReason.PROCESS_EXITED, now), created=False)
            elif (
                session.status is Status.WORKING
                and not session.stale
                and now.monotonic - session.activity_monotonic >= stale_after_us
            ):
                self._put(replace(session, stale=True), created=False)

    @staticmethod
    def _owner_alive(owner: tuple[int, int], owner_alive: OwnerCheck, known: dict[tuple[int, int], bool]) -> bool:
        """``owner_alive`` of ``owner``, asked once a sweep: ``known`` holds the answers so far."""
        if owner not in known:
            known[owner] = owner_alive(*owner)
        return known[owner]

    def _close_others_of(self, session: Session, now: Instant) -> None:
        assert session.owner is not None
        for other_id in list(self._ids_by_owner.get(session.owner, ())):
            other = self._sessions[other_id]
            if other.id != session.id and not other.closed:
                self._put(close(other, CloseReason.REPLACED, now), created=False)

    def _put(self, session: Session, created: bool) -> Session:
        """Store ``session`` stamped with the next sequence number, tell the listeners, return it."""
        self.sequence += 1
        session = replace(session, seq=self.sequence)
        previous = self._sessions.get(session.id)
        if previous is not None and previous.owner != session.owner:
            self._unindex(previous)
        if session.owner is not None:
            self._ids_by_owner.setdefault(session.owner, set()).add(session.id)
        if session.host:
            self._ids_by_host.setdefault(session.host, set()).add(session.id)
        self._sessions[session.id] = session
        for listener in self._listeners:
            listener.session_changed(session, created)
        return session

    def _unindex(self, session: Session) -> None:
        if session.host:
            ids = self._ids_by_host[session.host]
            ids.discard(session.id)
            if not ids:
                del self._ids_by_host[session.host]
        if session.owner is None:
            return
        ids = self._ids_by_owner[session.owner]
        ids.discard(session.id)
        if not ids:
            del self._ids_by_owner[session.owner]

    def monotonic_us(self) -> int:
        """The store's monotonic clock now, on which ``since_monotonic`` is told."""
        return self._clock.monotonic_us()

    def _now(self) -> Instant:
        return Instant(self._clock.wall_us(), self._clock.monotonic_us())

    def __len__(self) -> int:
        return len(self._sessions)

    def __repr__(self) -> str:
        counts = Counter(session.status.value for session in self._sessions.values())
        detail = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        return f"<SessionStore {len(self._sessions)} sessions{': ' + detail if detail else ''}>"
