"""When the daemon looks for what no hook reports, and that no look can end it.

Three observers tell what the hooks cannot: transcripts (an Esc, an API error),
awaited tools starting, and Claude's own state file (Claude waiting for the
person while its hooks said nothing).  A look is a timer armed only when there is
something to look at: a transcript inotify says was written (or one that has
to be polled), a session awaiting a tool, a Claude session that reads working.  While nothing happens the daemon
is not woken at all; while transcripts are written it looks at most every
``OBSERVE_INTERVAL_S``, however often they are written (inotify's reader is
off until that look).

Each observer contains a failure to the session it was reading; a failure
outside them (a bug) is logged with its traceback the first time and the
next look goes on: an observation is never a reason for the daemon to end.
"""

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from agent_console.agents.claude_code.approvals import ApprovalWatch
from agent_console.agents.claude_code.state_files import StateFiles
from agent_console.agents.claude_code.transcripts import TranscriptFollower
from agent_console.daemon.model import Session
from agent_console.daemon.store import SessionStore
from agent_console.system import boottime
from agent_console.system.inotify import DirectoryWatch
from agent_console.vocabulary import Status

OBSERVE_INTERVAL_S = 0.5
"""The longest an Esc or an approved tool waits to be seen (the issue asks for 2 s); also
the shortest time between two looks, so a transcript written constantly costs 2 looks/s."""

log = logging.getLogger("agent_console")


class Failures:
    """Logs an unforeseen failure of a recurring task with its traceback once, then quietly."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()

    @contextmanager
    def contained(self, task: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            kind = (task, type(error).__name__)
            if kind in self._seen:
                log.debug("%s failed again: %r", task, error)
            else:
                self._seen.add(kind)
                log.exception("%s failed; the daemon goes on (further failures like it are logged at debug)", task)


class Observers:
    """The transcript follower, the approval watch and the state files, looked through on a timer
    armed only when needed."""

    def __init__(self, store: SessionStore, watch: DirectoryWatch | None, failures: Failures) -> None:
        self._store = store
        self._watch = watch
        self._failures = failures
        self._follower = TranscriptFollower(watch)
        self._approvals = ApprovalWatch()
        self._state_files = StateFiles()
        self._loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = None
        store.add_listener(self._follower)
        store.add_listener(self._approvals)
        store.add_listener(self._state_files)
        store.add_listener(self)
        self._listen_to_writes()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._watch is not None:
            self._loop.remove_reader(self._watch.fileno())

    def session_changed(self, session: Session, created: bool) -> None:
        if self._wanted():
            self._arm()

    def _wanted(self) -> bool:
        return self._follower.wanted() or self._approvals.watching or self._state_files.wanted()

    def session_removed(self, session: Session) -> None:
        """Nothing to arm: a removal gives nothing to look at."""

    def _listen_to_writes(self) -> None:
        if self._watch is not None:
            self._loop.add_reader(self._watch.fileno(), self._on_writes)

    def _on_writes(self) -> None:
        """Note what was written, and hear no more until the look: a wakeup per look, not per write."""
        assert self._watch is not None
        self._loop.remove_reader(self._watch.fileno())
        with self._failures.contained("noting transcript writes"):
            self._follower.notice_writes()
        self._arm()

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = self._loop.call_later(OBSERVE_INTERVAL_S, self._look)

    def _look(self) -> None:
        self._timer = None
        with self._failures.contained("looking at transcripts"):
            for seen in self._follower.look(self._store.get):
                self._store.observe(seen.session_id, seen.status, seen.detail, seen.event_time)
        with self._failures.contained("looking for approved tools"):
            for session in self._approvals.started(self._store.get):
                log.debug("session %r: its approved tool runs", session.id)
                self._store.observe(session.id, Status.WORKING, session.detail, boottime.now_us())
        with self._failures.contained("looking at Claude's state files"):
            for seen in self._state_files.look(self._store.get):
                self._store.observe(seen.session_id, seen.status, seen.detail, seen.event_time)
        self._listen_to_writes()
        if self._wanted():
            self._arm()

