"""A subscriber's copy of the daemon's sessions, kept current by signals.

A subscriber subscribes first and takes a ``Snapshot`` (the daemon's sequence
number with its sessions) second, then applies the signals that queued up
meanwhile and after.  Each change carries its ``seq``: one up to the
snapshot's number is already in it and is skipped; one more than the last
applied is next; a larger jump means the bus dropped signals to this
subscriber (it does so, silently, when a subscriber does not read in time),
so ``missed`` is set and the owner takes a new snapshot.  A removal carries
no number of its own: the PropertiesChanged that follows it does
(``Sequence``), so a removal waits for that number before it is applied.
A session without ``seq`` (a daemon before it existed) is applied as it comes.
"""

from dataclasses import dataclass

from agent_console.presentation import SessionDict


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
        self.sequence: int | None = None
        """The daemon's sequence number the copy reflects; None when unknown."""
        self.missed = False
        """A signal was lost: the copy is stale until the next ``replace``."""
        self._pending_removal: str | None = None

    @property
    def running(self) -> bool:
        return self.sessions is not None

    def current(self) -> list[SessionDict] | None:
        return None if self.sessions is None else list(self.sessions.values())

    def replace(self, sessions: list[SessionDict], sequence: int | None = None) -> Snapshot:
        self.sessions = {session["id"]: session for session in sessions}
        self.sequence = sequence
        self.missed = False
        self._pending_removal = None
        return Snapshot(tuple(sessions))

    def change(self, session: SessionDict) -> Changed | None:
        """None while no daemon is known (the next snapshot covers it), or when already applied or missed."""
        if self.sessions is None or not self._in_order(session.get("seq")):
            return None
        previous = self.sessions.get(session["id"])
        self.sessions[session["id"]] = session
        return Changed(session, previous)

    def remove(self, session_id: str) -> Removed | None:
        """Applied at once without sequence numbers; else held until ``announce`` brings the removal's."""
        if self.sessions is None:
            return None
        if self.sequence is None:
            return Removed(session_id, self.sessions.pop(session_id, None))
        if self._pending_removal is not None:
            self.missed = True
        self._pending_removal = session_id
        return None

    def announce(self, sequence: int) -> Removed | None:
        """The daemon's number after a creation or a removal (``Sequence`` in PropertiesChanged)."""
        session_id, self._pending_removal = self._pending_removal, None
        if self.sessions is None or not self._in_order(sequence):
            return None
        if session_id is None:
            self.missed = True
            return None
        return Removed(session_id, self.sessions.pop(session_id, None))

    def lose(self) -> NotRunning:
        self.sessions = None
        self.sequence = None
        self._pending_removal = None
        return NotRunning()

    def _in_order(self, seq: object) -> bool:
        """Whether a change numbered ``seq`` is the next one; notes a gap in ``missed``."""
        if self.sequence is None or not isinstance(seq, int):
            return True
        if seq <= self.sequence:
            return False
        if seq > self.sequence + 1:
            self.missed = True
            return False
        self.sequence = seq
        return True
