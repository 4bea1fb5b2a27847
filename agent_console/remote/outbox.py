"""What one host's follower still has to tell the local daemon, coalesced, and how fast it may.

The stream from a remote is read as fast as it comes (within its bounds);
the daemon is told at its own pace, one call at a time.  Between the two,
changes are coalesced by session id: only the newest of each is sent, so a
remote that changes one session a thousand times a second costs the daemon,
and its subscribers, one change per call.  ``TokenBucket`` paces the calls at
``MAX_REMOTE_CHANGES_PER_S`` sessions a second.

At least ``CALL_INTERVAL_S`` separates two calls.

A state (the link went down, is being tried) goes first and drops the
changes still pending: they came over a link that no longer holds, and the
snapshot of the next connection replaces them.  A snapshot supersedes both.
"""

import asyncio
import time
from dataclasses import dataclass, field

from agent_console.limits import MAX_REMOTE_CHANGES_PER_S, MAX_SESSIONS_PER_HOST
from agent_console.vocabulary import HostState

Wire = dict[str, object]
"""A session as the remote sent it, plain values (``session_form.session_from_json``)."""


@dataclass(frozen=True)
class StateCall:
    state: HostState
    detail: str


@dataclass(frozen=True)
class SnapshotCall:
    sessions: list[Wire]


@dataclass(frozen=True)
class ChangesCall:
    changed: list[Wire] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NoteCall:
    """A line about the stream (what was skipped) for ``remote list``, while connected."""

    detail: str


@dataclass(frozen=True)
class ForgetCall:
    """The host is no longer followed: the follower's own call, never in an outbox."""


Call = StateCall | SnapshotCall | ChangesCall | NoteCall | ForgetCall


def cost(call: Call) -> int:
    """Sessions the call may change in the daemon: what the rate bounds."""
    if isinstance(call, SnapshotCall):
        return max(1, len(call.sessions))
    if isinstance(call, ChangesCall):
        return len(call.changed) + len(call.removed)
    return 1


class Outbox:
    """The remote's sessions as last heard (at most ``max_sessions``) and what the daemon has not been told."""

    def __init__(self, max_sessions: int = MAX_SESSIONS_PER_HOST) -> None:
        self._max_sessions = max_sessions
        self.known: dict[str, Wire] = {}
        self.over_bound = 0
        """Sessions left out because the host already had ``max_sessions``."""
        self._state: StateCall | None = None
        self._link = StateCall(HostState.CONNECTING, "")
        """The link's latest state, sent or not: what ``resend`` says again."""
        self._snapshot_due = False
        self._changed: dict[str, None] = {}
        """Ids changed since the last call, in the order they first changed."""
        self._removed: set[str] = set()
        self._note: NoteCall | None = None
        self.ready = asyncio.Event()
        """Set while something waits to be sent."""

    def set_state(self, state: HostState, detail: str) -> None:
        self._state = self._link = StateCall(state, detail)
        self._changed.clear()
        self._removed.clear()
        self._snapshot_due = False
        self.ready.set()

    def snapshot(self, sessions: list[Wire]) -> None:
        self.known = {}
        for session in sessions:
            self._keep(session)
        self._state = None
        self._link = StateCall(HostState.CONNECTED, "")
        self._snapshot_due = True
        self._changed.clear()
        self._removed.clear()
        self.ready.set()

    def resend(self) -> None:
        """The daemon lost what it was told (it restarted): tell it everything again.

        A link that is down says only so: its sessions come back with its next snapshot.
        """
        if self._link.state is HostState.CONNECTED:
            self._snapshot_due = True
        else:
            self._state = self._link
        self.ready.set()

    def change(self, session: Wire) -> None:
        session_id = str(session["id"])
        if self._keep(session) and not self._snapshot_due:
            self._changed[session_id] = None
            self._removed.discard(session_id)
            self.ready.set()

    def remove(self, session_id: str) -> None:
        if self.known.pop(session_id, None) is not None and not self._snapshot_due:
            self._changed.pop(session_id, None)
            self._removed.add(session_id)
            self.ready.set()

    def note(self, detail: str) -> None:
        self._note = NoteCall(detail)
        self.ready.set()

    def pending(self) -> int:
        """The cost of the next call; 0 when nothing waits."""
        call = self._peek(MAX_SESSIONS_PER_HOST)
        return 0 if call is None else cost(call)

    def take(self, budget: int) -> Call | None:
        """The next call, changing at most ``budget`` sessions (a snapshot is whole), or None."""
        call = self._peek(budget)
        if isinstance(call, StateCall):
            self._state = None
        elif isinstance(call, SnapshotCall):
            self._snapshot_due = False
        elif isinstance(call, ChangesCall):
            for session in call.changed:
                del self._changed[str(session["id"])]
            self._removed.difference_update(call.removed)
        elif isinstance(call, NoteCall):
            self._note = None
        if self._peek(1) is None:
            self.ready.clear()
        return call

    def _peek(self, budget: int) -> Call | None:
        if self._state is not None:
            return self._state
        if self._snapshot_due:
            return SnapshotCall(list(self.known.values()))
        if self._changed or self._removed:
            removed = sorted(self._removed)[:budget]
            changed = [self.known[i] for i in list(self._changed)[: max(0, budget - len(removed))]]
            return ChangesCall(changed, removed)
        return self._note

    def _keep(self, session: Wire) -> bool:
        session_id = str(session["id"])
        if session_id not in self.known and len(self.known) >= self._max_sessions:
            self.over_bound += 1
            return False
        self.known[session_id] = session
        return True


CALL_INTERVAL_S = 0.05
"""At least this between two calls of one host: what arrives meanwhile is coalesced, so one
session changing without pause costs the daemon's subscribers at most 20 signals a second,
and a change waits at most this long for its call."""


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; ``spend`` waits until enough are there
    (a call dearer than ``burst``, a big snapshot, waits for ``burst`` and goes)."""

    def __init__(self, rate: float = MAX_REMOTE_CHANGES_PER_S, burst: float = MAX_REMOTE_CHANGES_PER_S) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = burst
        self._at = time.monotonic()

    async def spend(self, tokens: int) -> None:
        tokens = min(tokens, int(self._burst))
        self._refill()
        if self._tokens < tokens:
            await asyncio.sleep((tokens - self._tokens) / self._rate)
            self._refill()
        self._tokens -= tokens

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
