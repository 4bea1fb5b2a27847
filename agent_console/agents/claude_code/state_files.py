"""Claude Code's own account of itself: one more fact where hooks and transcript leave a doubt.

Since 2.1.332 each Claude process keeps ``<config>/sessions/<pid>.json``
(``<config>`` is where the transcripts live, ``~/.claude`` by default): its
``pid``, ``sessionId``, ``procStart`` (the process's start time as
``/proc/<pid>/stat`` counts it), ``status`` (``busy``, ``idle``,
``waiting``), ``waitingFor`` ("permission prompt", "input needed", "dialog
open", ...) and ``statusUpdatedAt`` (epoch milliseconds).  It has no detail,
no history and no close reason, and a ``kill -9`` leaves it behind.

The one doubt it settles: a session that reads ``working`` while the file
says Claude ``waiting`` for the person since after our newest event, for at
least ``SETTLE_MS``.  Seen
with auto mode's "needs your choice" (its ``agent_needs_input`` Notification
comes about 6 s after the dialog, its PreToolUse before it), and it covers a
dialog whose hook is late or lost.  It then reads ``attention``, keeping the
detail (the tool the dialog is about, from PreToolUse), or naming what Claude
waits for.  It settles nothing else: ``idle`` while we show ``working`` is
also what a main thread shows while its background subagents run, and whether
``busy`` answers a subagent's dialog while another thread runs was not seen.

Bounded: only open Claude Code sessions that read ``working`` and whose
owner process and transcript are known are looked at, on the daemon's
observation tick (no timer of its own, armed while ``wanted``: 2 looks a
second while such a session changed within ``WATCH_AFTER_EVENT_S`` and its
Claude keeps a state file, none otherwise); a ``stat`` each, and a read (at
most ``MAX_STATE_BYTES``) only when the file changed.  A file whose ``pid``,
``sessionId`` or ``procStart`` is not the session's owner (a pid reused, a
file left by a killed process) is ignored, and so is one whose process no
longer runs, and one that cannot be parsed (nested past the parser, say).
Nothing here raises: should reading one session's file fail in a way not
foreseen, that session alone is no longer looked at, and the log says why once.
"""

import json
import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import PurePosixPath

from agent_console.agents.claude_code.transcripts import Observation
from agent_console.agents.detail import detail_of
from agent_console.daemon.model import Session
from agent_console.system import boottime, process_info
from agent_console.vocabulary import AgentType, Status

MAX_STATE_BYTES = 16 * 1024
"""Bytes read from one state file; the files seen hold under 1 KiB.  A longer one is ignored."""

MAX_WATCHED = 64
"""State files looked at in one look: those of the most recently active working sessions."""

WATCH_AFTER_EVENT_S = 60.0
"""How long after a session's latest change its state file is looked at.  Claude starts
waiting right after a hook event (PreToolUse, then the permission check: 6 s before
``agent_needs_input`` here, 43 s behind a slow gateway in issue 18); a session working
quietly for longer (a long build) costs no wakeups.  Its next event looks again."""

SETTLE_MS = 1000
"""How old Claude's ``waiting`` must be before it counts.  Its hooks run in the background and
land a few hundred milliseconds after the fact; the PreToolUse that names the tool is stamped
just before the wait, so a wait believed at once would make it late (seen on 2.1.332: the
dialog read "dialog open" for 6 s instead of ``Bash: …``).  The wait itself is seconds long."""

WAITING = "waiting"
US_PER_MS = 1000

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)

log = logging.getLogger(__name__)


def state_path(session: Session) -> str | None:
    """``<config>/sessions/<pid>.json`` for a session whose transcript is
    ``<config>/projects/<project>/<id>.jsonl``; None when either is unknown."""
    transcript = PurePosixPath(session.transcript_path)
    if not session.pid or not transcript.is_absolute() or len(transcript.parts) < 4:
        return None
    if transcript.parent.parent.name != "projects":
        return None
    return str(transcript.parent.parent.parent / "sessions" / f"{session.pid}.json")


class StateFiles:
    """A store listener that notes the working Claude sessions, and a looker at their state files."""

    def __init__(self, is_running: Callable[[int, int], bool] = process_info.is_running) -> None:
        self._is_running = is_running
        self._read: dict[str, tuple[int, int, int]] = {}
        """Session id -> (inode, size, mtime_ns) of its state file when last read."""
        self._watched: dict[str, float] = {}
        """Working Claude sessions whose state file is known, with when they last changed
        (``time.monotonic``)."""

    def wanted(self) -> bool:
        """Whether a session reads working where its state file could say otherwise, and
        changed lately: only then is the daemon woken to look."""
        quiet_since = time.monotonic() - WATCH_AFTER_EVENT_S
        for session_id, changed in list(self._watched.items()):
            if changed < quiet_since:
                del self._watched[session_id]
        return bool(self._watched)

    def notice_writes(self) -> None:
        """Its files are looked at on each look, not told of by inotify."""

    def session_changed(self, session: Session, created: bool) -> None:
        if session.agent_type is AgentType.CLAUDE_CODE and session.status is Status.WORKING and state_path(session):
            self._watched[session.id] = time.monotonic()
        else:
            self._forget(session.id)

    def session_removed(self, session: Session) -> None:
        self._forget(session.id)

    def _forget(self, session_id: str) -> None:
        self._watched.pop(session_id, None)
        self._read.pop(session_id, None)

    def look(self, sessions: Callable[[str], Session | None]) -> list[Observation]:
        """What the state files of working sessions say that the session does not show."""
        working = [s for s in map(sessions, list(self._watched)) if s is not None and s.status is Status.WORKING]
        working.sort(key=lambda s: s.activity_monotonic, reverse=True)
        observations = (self._contained(session) for session in working[:MAX_WATCHED])
        return [observation for observation in observations if observation is not None]

    def _contained(self, session: Session) -> Observation | None:
        try:
            return self._observed(session)
        except Exception:
            log.exception("session %r: reading its state file failed; it is no longer looked at", session.id)
            self._forget(session.id)
            return None

    def _observed(self, session: Session) -> Observation | None:
        path = state_path(session)
        if path is None:
            return None
        try:
            info = os.stat(path)
        except OSError:
            self._watched.pop(session.id, None)  # a Claude that keeps none (before 2.1.332): until its next event
            return None
        version = (info.st_ino, info.st_size, info.st_mtime_ns)
        if self._read.get(session.id) == version or not stat.S_ISREG(info.st_mode):
            return None
        state = _read_json(path)
        updated = None if state is None else state.get("statusUpdatedAt")
        if not isinstance(updated, int) or isinstance(updated, bool):
            self._read[session.id] = version
            return None
        if time.time_ns() // 1_000_000 - updated < SETTLE_MS:
            return None  # read again at the next look, once the hooks have landed
        self._read[session.id] = version
        assert state is not None
        if not _is_owners(state, session) or state.get("status") != WAITING or not self._is_running(*session.owner or (0, 0)):
            return None
        waiting_for = state.get("waitingFor")
        detail = session.detail or (detail_of(waiting_for) if isinstance(waiting_for, str) else "")
        # The end of the millisecond Claude stamped: its PreToolUse hook, started just
        # before the permission check, must not count as newer than the wait that followed.
        at = boottime.of_wall_us(updated * US_PER_MS + US_PER_MS - 1)
        return Observation(session.id, Status.ATTENTION, detail, at)


def _is_owners(state: dict[str, object], session: Session) -> bool:
    """The file is the session's owner's own: same pid, same start, same session."""
    return (
        state.get("pid") == session.pid
        and state.get("procStart") == str(session.pid_start)
        and state.get("sessionId") == session.id
    )


def _read_json(path: str) -> dict[str, object] | None:
    """The file's object, if it is a regular file of at most ``MAX_STATE_BYTES`` holding one."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, MAX_STATE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_STATE_BYTES:
        return None
    try:
        state = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return state if isinstance(state, dict) else None
