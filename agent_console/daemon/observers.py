"""When the daemon looks for what no hook reports, and that no look can end it.

Each agent's observers tell what its hooks cannot (``agents.contract.Observer``;
Claude Code's: transcripts, an Esc or an API error; awaited tools starting; its own
state file, Claude waiting for the person while its hooks said nothing).  A look
is a timer armed only when there is
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

from agent_console.agents import all_agents
from agent_console.daemon.model import Session
from agent_console.daemon.store import SessionStore
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
    """Every agent's observers, looked through on a timer armed only when one wants a look."""

    def __init__(self, store: SessionStore, watch: DirectoryWatch | None, failures: Failures) -> None:
        self._store = store
        self._watch = watch
        self._failures = failures
        self._observers = [observer for agent in all_agents() for observer in agent.observers(watch)]
        self._loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = None
        for observer in self._observers:
            store.add_listener(observer)
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
        return any(observer.wanted() for observer in self._observers)

    def session_removed(self, session: Session) -> None:
        """Nothing to arm: a removal gives nothing to look at."""

    def _listen_to_writes(self) -> None:
        if self._watch is not None:
            self._loop.add_reader(self._watch.fileno(), self._on_writes)

    def _on_writes(self) -> None:
        """Note what was written, and hear no more until the look: a wakeup per look, not per write."""
        assert self._watch is not None
        self._loop.remove_reader(self._watch.fileno())
        events = []
        with self._failures.contained("reading inotify's events"):
            events = self._watch.events()
            self._watch.forget_gone(events)
        for observer in self._observers:
            with self._failures.contained(f"noting writes ({type(observer).__name__})"):
                observer.notice_writes(events)
        self._arm()

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = self._loop.call_later(OBSERVE_INTERVAL_S, self._look)

    def _look(self) -> None:
        self._timer = None
        for observer in self._observers:
            with self._failures.contained(f"looking ({type(observer).__name__})"):
                for seen in observer.look(self._store.get):
                    log.debug("session %r: %s seen (%s)", seen.session_id, seen.status, type(observer).__name__)
                    self._store.observe(seen.session_id, Status(seen.status), seen.detail, seen.event_time)
        self._listen_to_writes()
        if self._wanted():
            self._arm()

