"""A subscriber's copy of the daemon's sessions, kept current by signals.

Every signal carries a whole session (or a removal), so applying one is
idempotent: a signal that was already reflected in a ``ListAll`` snapshot can
be applied again after it without harm.  That is what lets ``watch``
subscribe first, list second, and then simply apply whatever signals queued
up meanwhile, without losing or reordering a change.
"""

from dataclasses import dataclass
from typing import Any

SessionDict = dict[str, Any]
"""A session as the daemon sends it, variants unwrapped: keys may come and go between versions."""


@dataclass(frozen=True)
class Snapshot:
    """The daemon's sessions as listed, at start or after the daemon came back."""

    sessions: tuple[SessionDict, ...]


@dataclass(frozen=True)
class Changed:
    session: SessionDict
    previous: SessionDict | None
    """The session as it was before, None for a new one."""


@dataclass(frozen=True)
class Removed:
    session_id: str
    previous: SessionDict | None
    """The session as last seen, None if it was never seen."""


@dataclass(frozen=True)
class NotRunning:
    """The daemon is gone (or was never there); nothing is known until it comes."""


WatchEvent = Snapshot | Changed | Removed | NotRunning


class SessionMirror:
    """The sessions as last known, or None while no daemon runs."""

    def __init__(self) -> None:
        self.sessions: dict[str, SessionDict] | None = None

    @property
    def running(self) -> bool:
        return self.sessions is not None

    def current(self) -> list[SessionDict] | None:
        return None if self.sessions is None else list(self.sessions.values())

    def replace(self, sessions: list[SessionDict]) -> Snapshot:
        self.sessions = {session["id"]: session for session in sessions}
        return Snapshot(tuple(sessions))

    def change(self, session: SessionDict) -> Changed | None:
        """None while no daemon is known: such a signal is covered by the next snapshot."""
        if self.sessions is None:
            return None
        previous = self.sessions.get(session["id"])
        self.sessions[session["id"]] = session
        return Changed(session, previous)

    def remove(self, session_id: str) -> Removed | None:
        if self.sessions is None:
            return None
        return Removed(session_id, self.sessions.pop(session_id, None))

    def lose(self) -> NotRunning:
        self.sessions = None
        return NotRunning()
