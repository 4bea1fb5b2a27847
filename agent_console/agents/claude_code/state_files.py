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
observation tick (no timer of its own, armed while ``wanted``).  An inotify
watch on each ``<config>/sessions`` directory says which files were written:
a session's file is looked at when it starts working, when its file is
written, and again at each look while its wait is younger than
``SETTLE_MS``; nothing wakes the daemon while no file is written.  Where the
directory cannot be watched (no inotify; the user's watches used up) its
working sessions' files are looked at on every look, 2 a second, within
``WATCH_AFTER_EVENT_S`` of the session's latest change and while the file
exists (a Claude that keeps none: until its next event); where the directory
does not exist, Claude keeps no state file (before 2.1.332; a Claude that
does makes the directory when it starts), and nothing is looked at.  A look is a
``stat`` each, and a read (at most ``MAX_STATE_BYTES``) only when the file
changed.  A file whose ``pid``,
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
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from agent_console.agents.claude_code.transcripts import Observation
from agent_console.agents.contract import ObservedSession
from agent_console.agents.detail import detail_of
from agent_console.system import boottime, process_info
from agent_console.system.inotify import DirectoryWatch
from agent_console.system.inotify import Event as WriteEvent
from agent_console.system.regular_file import read_regular
from agent_console.system.watched_files import File, WatchedFiles
from agent_console.vocabulary import AgentType, Status

MAX_STATE_BYTES = 16 * 1024
"""Bytes read from one state file; the files seen hold under 1 KiB.  A longer one is ignored."""

MAX_WATCHED = 64
"""State files looked at in one look, of those inotify said were written (the rest wait for
the next look), and where there is no watch, of the most recently active working sessions."""

WATCH_AFTER_EVENT_S = 60.0
"""Where no watch tells of writes: how long after a session's latest change its state file is
looked at.  Claude starts waiting right after a hook event (PreToolUse, then the permission
check: 6 s before ``agent_needs_input`` here, 43 s behind a slow gateway, as reported); a
session working quietly for longer (a long build) costs no wakeups.  Its next event looks again."""

SETTLE_MS = 1000
"""How old Claude's ``waiting`` must be before it counts.  Its hooks run in the background and
land a few hundred milliseconds after the fact; the PreToolUse that names the tool is stamped
just before the wait, so a wait believed at once would make it late (seen on 2.1.332: the
dialog read "dialog open" for 6 s instead of ``Bash: …``).  The wait itself is seconds long."""

WAITING = "waiting"
US_PER_MS = 1000

log = logging.getLogger(__name__)


def state_path(session: ObservedSession) -> str | None:
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

    def __init__(
        self, is_running: Callable[[int, int], bool] = process_info.is_running, watch: DirectoryWatch | None = None
    ) -> None:
        self._is_running = is_running
        self._watch = watch
        self._read: dict[str, tuple[int, int, int]] = {}
        """Session id -> (inode, size, mtime_ns) of its state file when last read."""
        self._files = WatchedFiles(watch)
        """Working Claude sessions whose state file is known, and that file."""
        self._due: dict[str, None] = {}
        """Ids to look at: newly working, their file written, or its wait not settled yet."""
        self._polled: dict[str, float] = {}
        """Ids whose directory has no watch, with when they last changed (``time.monotonic``):
        looked at on every look within ``WATCH_AFTER_EVENT_S`` of that."""

    def wanted(self) -> bool:
        """Whether a file may say something new: only then is the daemon woken to look."""
        quiet_since = time.monotonic() - WATCH_AFTER_EVENT_S
        for session_id, changed in list(self._polled.items()):
            if changed < quiet_since:
                del self._polled[session_id]
        return bool(self._due or self._polled)

    def notice_writes(self, events: Sequence[WriteEvent]) -> None:
        """The state files inotify says were written are due a look; those in a directory that
        went away are looked at on every look until they stop working."""
        written, unwatched = self._files.written(events)
        self._due.update(dict.fromkeys(written))
        now = time.monotonic()
        self._polled.update((session_id, now) for session_id in unwatched)

    def session_changed(self, session: ObservedSession, created: bool) -> None:
        path = state_path(session)
        if session.agent_type is not AgentType.CLAUDE_CODE or session.status is not Status.WORKING or path is None:
            self._forget(session.id)
            return
        file = (os.path.dirname(path), os.path.basename(path))
        if self._files.file(session.id) != file:
            self._forget(session.id)
            self._note(session.id, file)
        elif not self._files.is_watched(file[0]) and (self._watch is None or os.path.isdir(file[0])):
            self._polled[session.id] = time.monotonic()

    def session_removed(self, session: ObservedSession) -> None:
        self._forget(session.id)

    def _note(self, session_id: str, file: File) -> None:
        if self._files.follow(session_id, file):
            self._due[session_id] = None
        elif self._watch is None or os.path.isdir(file[0]):
            self._polled[session_id] = time.monotonic()
        # else: no sessions directory, so a Claude that keeps no state file (before 2.1.332): nothing to look at

    def _forget(self, session_id: str) -> None:
        self._read.pop(session_id, None)
        self._due.pop(session_id, None)
        self._polled.pop(session_id, None)
        self._files.stop(session_id)

    def look(self, sessions: Callable[[str], ObservedSession | None]) -> list[Observation]:
        """What the state files of working sessions say that the session does not show: those
        written since (``MAX_WATCHED`` a look, the rest at the next), and the polled ones."""
        due = list(self._due)[:MAX_WATCHED]
        for session_id in due:
            del self._due[session_id]
        polled = [s for s in map(sessions, self._polled) if s is not None and s.status is Status.WORKING]
        polled.sort(key=lambda s: s.activity_monotonic, reverse=True)
        looked_at = [s for s in map(sessions, due) if s is not None and s.status is Status.WORKING]
        observations = []
        for session in looked_at + polled[:MAX_WATCHED]:
            observation, again = self._contained(session)
            if again and session.id in self._files and session.id not in self._polled:
                self._due[session.id] = None
            if observation is not None:
                observations.append(observation)
        return observations

    def _contained(self, session: ObservedSession) -> tuple[Observation | None, bool]:
        try:
            return self._observed(session)
        except Exception:
            log.exception("session %r: reading its state file failed; it is no longer looked at", session.id)
            self._forget(session.id)
            return None, False

    def _observed(self, session: ObservedSession) -> tuple[Observation | None, bool]:
        """What the file says, and whether to look again at the next look (a wait not settled yet)."""
        path = state_path(session)
        if path is None:
            return None, False
        try:
            info = os.stat(path)
        except OSError:
            self._polled.pop(session.id, None)  # a Claude that keeps none (before 2.1.332): until its next event
            return None, False
        version = (info.st_ino, info.st_size, info.st_mtime_ns)
        if self._read.get(session.id) == version or not stat.S_ISREG(info.st_mode):
            return None, False
        state = _read_json(path)
        updated = None if state is None else state.get("statusUpdatedAt")
        if not isinstance(updated, int) or isinstance(updated, bool):
            self._read[session.id] = version
            return None, False
        if time.time_ns() // 1_000_000 - updated < SETTLE_MS:
            return None, True  # read again at the next look, once the hooks have landed
        self._read[session.id] = version
        assert state is not None
        if not _is_owners(state, session) or state.get("status") != WAITING or not self._is_running(*session.owner or (0, 0)):
            return None, False
        waiting_for = state.get("waitingFor")
        detail = session.detail or (detail_of(waiting_for) if isinstance(waiting_for, str) else "")
        # The end of the millisecond Claude stamped: its PreToolUse hook, started just
        # before the permission check, must not count as newer than the wait that followed.
        at = boottime.of_wall_us(updated * US_PER_MS + US_PER_MS - 1)
        return Observation(session.id, Status.ATTENTION, detail, at), False


def _is_owners(state: dict[str, object], session: ObservedSession) -> bool:
    """The file is the session's owner's own: same pid, same start, same session."""
    return (
        state.get("pid") == session.pid
        and state.get("procStart") == str(session.pid_start)
        and state.get("sessionId") == session.id
    )


def _read_json(path: str) -> dict[str, object] | None:
    """The file's object, if it is a regular file of at most ``MAX_STATE_BYTES`` holding one."""
    try:
        data = read_regular(path, MAX_STATE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_STATE_BYTES:
        return None
    try:
        state = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return state if isinstance(state, dict) else None
