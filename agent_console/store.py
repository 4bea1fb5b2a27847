"""The one in-memory store of sessions, owned by the daemon's event loop.

A plain ``dict``, no locks: every D-Bus call is handled on the asyncio loop,
one at a time, so nothing else can touch it between two statements (the
actor model).  State is volatile by design: the hooks re-announce a session
on their next event, so a restarted daemon fills up again by itself.
"""

from collections import Counter
from typing import Any

from agent_console.clock import Clock, SystemClock
from agent_console.errors import LimitExceeded
from agent_console.limits import MAX_SESSIONS
from agent_console.model import Session, SessionUpdate, apply_update, new_session


class SessionStore:
    def __init__(self, clock: Clock | None = None) -> None:
        self._sessions: dict[str, Session] = {}
        self._clock: Clock = clock or SystemClock()

    def get(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def set(self, session_id: str, status: str, **attributes: Any) -> Session:
        """Create or update a session; raises InvalidArgs or LimitExceeded and then changes nothing."""
        update = SessionUpdate.parse(session_id=session_id, status=status, **attributes)
        current = self._sessions.get(update.session_id)
        if current is None and len(self._sessions) >= MAX_SESSIONS:
            raise LimitExceeded(
                f"the store holds {MAX_SESSIONS} sessions, its limit; remove closed ones first"
            )
        wall, monotonic = self._clock.wall_us(), self._clock.monotonic_us()
        if current is None:
            session = new_session(update, wall, monotonic)
        else:
            session = apply_update(current, update, wall, monotonic)
        self._sessions[update.session_id] = session
        return session

    def remove(self, session_id: str) -> Session | None:
        return self._sessions.pop(session_id, None)

    def list_all(self) -> list[Session]:
        return list(self._sessions.values())

    def __len__(self) -> int:
        return len(self._sessions)

    def __repr__(self) -> str:
        counts = Counter(session.status.value for session in self._sessions.values())
        detail = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        return f"<SessionStore {len(self._sessions)} sessions{': ' + detail if detail else ''}>"
