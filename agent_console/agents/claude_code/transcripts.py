"""Following agents' transcripts for what no hook reports: Esc, API errors, a /compact refused.

Claude Code fires no hook when the person presses Esc, but it appends a user
entry ``[Request interrupted by user]`` (or ``... for tool use``) to the
session's transcript, a JSON-lines file whose path every hook event carries;
an API error is an assistant entry with ``isApiErrorMessage``.  A /compact
that does not compact (``Not enough messages to compact.``) fires PreCompact
and then nothing: its refusal is a ``system`` entry of subtype
``local_command`` whose parent is the ``/compact`` command's own entry (a
compaction that happens ends with PostCompact instead, and its output is
another kind of entry).  Each makes the session the person's turn.

The transcript of every open session is followed, on the daemon's own event
loop (no thread).  On Linux an inotify watch on each transcript's directory
(one for all of a project's transcripts) says which files were written, so
a look reads only those, and nothing wakes the daemon while nothing is
written.  A transcript whose directory cannot be watched (no inotify, as on
macOS; the directory not there yet; the user's ``max_user_watches`` used up)
is looked at by turns instead, ``MAX_POLLED`` a look, each a ``stat``.  A
look reads at most ``MAX_READ_BYTES`` of a file and ``MAX_READS`` files; what
is left waits for the next look.  Following starts at the file's end when a
Set first names it, so what happened before the daemon knew of it is never
replayed.

The path comes from a caller, so it is opened only if it is a regular file
(never a FIFO or a device, which could block or never end), without
following it into a terminal, and a line is parsed only when it holds one of
the markers.  Nothing here raises: a file that vanished or cannot be read is
simply not followed.  A line that cannot be read (nested too deeply for the
parser, say) is skipped; should reading a transcript fail in a way not
foreseen, its session alone stops being followed, and the log says why once.
"""

import json
import logging
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from agent_console.agents.contract import ObservedSession
from agent_console.agents.detail import detail_of
from agent_console.system import boottime
from agent_console.system.boottime import US_PER_S
from agent_console.system.inotify import DirectoryWatch
from agent_console.system.inotify import Event as WriteEvent
from agent_console.system.regular_file import read_regular
from agent_console.system.watched_files import WatchedFiles
from agent_console.vocabulary import Status

log = logging.getLogger(__name__)

MAX_READ_BYTES = 256 * 1024
"""Bytes read from one transcript in one look; the rest waits for the next look.
A line longer than this (a huge tool result) is skipped unparsed: no marker entry is that long."""

MAX_READS = 256
"""Transcripts read in one look, of those inotify said were written; the rest wait for the next."""

MAX_POLLED = 64
"""Transcripts without a watch ``stat``-ed in one look, by turns."""

INTERRUPTED = "interrupted"
"""The detail of a session whose person pressed Esc."""

_INTERRUPT_MARKER = "[Request interrupted by user"
_COMPACT_COMMAND = "<command-name>/compact</command-name>"
_LOCAL_COMMAND = "local_command"
_STDOUT_TAGS = ("<local-command-stdout>", "</local-command-stdout>")
_MARKERS = (_INTERRUPT_MARKER.encode(), b'"isApiErrorMessage"', _COMPACT_COMMAND.encode(), f'"{_LOCAL_COMMAND}"'.encode())


@dataclass(frozen=True, slots=True)
class Observation:
    """What a transcript showed, as the store's ``observe`` takes it."""

    session_id: str
    status: Status
    detail: str
    event_time: int
    """CLOCK_BOOTTIME microseconds of the entry, so that a newer hook event wins."""


@dataclass(slots=True)
class _Position:
    path: str
    file: tuple[str, str]
    """(directory, name) of the file once symbolic links are resolved: what inotify reports."""
    identity: tuple[int, int] | None
    """(device, inode) of the file being followed; None until it exists."""
    offset: int
    skipping: bool = False
    """Inside a line too long to parse: drop bytes up to its end."""
    compact_command: str | None = None
    """The ``uuid`` of the latest ``/compact`` command entry: its local command output is its refusal."""


class TranscriptFollower:
    """A store listener that starts following a transcript the moment it is named,
    and a looker at what the followed ones gained."""

    def __init__(self, watch: DirectoryWatch | None = None) -> None:
        self._positions: dict[str, _Position] = {}
        self._files = WatchedFiles(watch)
        self._written: dict[str, None] = {}
        """Ids whose transcript inotify says was written, oldest first: an ordered set."""
        self._polled: dict[str, None] = {}
        """Ids whose transcript has no watch, looked at by turns."""

    def session_changed(self, session: ObservedSession, created: bool) -> None:
        if session.closed or not session.transcript_path:
            self._stop(session.id)
            return
        position = self._positions.get(session.id)
        if position is None or position.path != session.transcript_path:
            self._stop(session.id)
            self._follow(session.id, _start(session.transcript_path))

    def session_removed(self, session: ObservedSession) -> None:
        self._stop(session.id)

    def wanted(self) -> bool:
        """Whether a look would find anything to read: transcripts written, or some to poll."""
        return bool(self._written or self._polled)

    def notice_writes(self, events: Sequence[WriteEvent]) -> None:
        """Take inotify's news: which followed transcripts were written since; those in a
        directory that went away are polled until it is back."""
        written, unwatched = self._files.written(events)
        self._written.update(dict.fromkeys(written))
        self._polled.update(dict.fromkeys(unwatched))

    def look(self, sessions: Callable[[str], ObservedSession | None]) -> list[Observation]:
        """What the transcripts written since the last look gained, and a turn of those polled."""
        observations = []
        for session_id in [*self._take_written(), *self._take_polled_turn()]:
            session = sessions(session_id)
            position = self._positions.get(session_id)
            if session is None or position is None:
                continue
            try:
                observation, more = _read_new(position, session_id)
            except Exception:
                log.exception("session %r: reading its transcript failed; it is no longer followed", session_id)
                self._stop(session_id)
                continue
            if more and session_id not in self._polled:
                self._written[session_id] = None
            if observation is not None:
                observations.append(observation)
        return observations

    def _take_written(self) -> list[str]:
        taken: list[str] = []
        for session_id in self._written:
            if len(taken) == MAX_READS:
                break
            taken.append(session_id)
        for session_id in taken:
            del self._written[session_id]
        return taken

    def _take_polled_turn(self) -> Iterator[str]:
        """The next ``MAX_POLLED`` of the polled ids; each goes to the back of the line."""
        for session_id in list(self._polled)[:MAX_POLLED]:
            del self._polled[session_id]
            self._polled[session_id] = None
            yield session_id

    def _follow(self, session_id: str, position: _Position) -> None:
        self._positions[session_id] = position
        if not self._files.follow(session_id, position.file):
            self._polled[session_id] = None

    def _stop(self, session_id: str) -> None:
        self._positions.pop(session_id, None)
        self._written.pop(session_id, None)
        self._polled.pop(session_id, None)
        self._files.stop(session_id)


def _start(path: str) -> _Position:
    """Follow from the end of the file as it is now, or from its start once it appears."""
    resolved = os.path.realpath(path)
    file = (os.path.dirname(resolved), os.path.basename(resolved))
    try:
        info = os.stat(path)
    except OSError:
        return _Position(path, file, None, 0)
    return _Position(path, file, (info.st_dev, info.st_ino), info.st_size)


def _read_new(position: _Position, session_id: str) -> tuple[Observation | None, bool]:
    """The latest observation in what the file gained, and whether more waits to be read."""
    try:
        info = os.stat(position.path)
    except OSError:
        return None, False
    identity = (info.st_dev, info.st_ino)
    if identity != position.identity:
        position.identity, position.offset, position.skipping = identity, 0, False
    if info.st_size < position.offset:
        position.offset = info.st_size
    if info.st_size == position.offset or not stat.S_ISREG(info.st_mode):
        return None, False
    chunk = _read_at(position.path, position.offset)
    if chunk is None:
        return None, False
    more = len(chunk) == MAX_READ_BYTES
    end = chunk.rfind(b"\n") + 1
    if end == 0:
        if more:
            position.offset += len(chunk)
            position.skipping = True
        return None, more
    lines = chunk[:end].split(b"\n")
    if position.skipping:
        lines = lines[1:]
        position.skipping = False
    position.offset += end
    observations = [_observed(line, session_id, position) for line in lines]
    return next(filter(None, reversed(observations)), None), more


def _read_at(path: str, offset: int) -> bytes | None:
    """At most ``MAX_READ_BYTES`` from ``offset``, if ``path`` is (still) a regular file."""
    try:
        return read_regular(path, MAX_READ_BYTES, offset)
    except OSError:
        return None


def _observed(line: bytes, session_id: str, position: _Position) -> Observation | None:
    """The observation an entry makes, if it is an interrupt, an API error or a refused
    /compact; a ``/compact`` command entry is remembered in ``position`` for its output."""
    if not any(marker in line for marker in _MARKERS):
        return None
    try:
        entry = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict):
        return None
    texts = _texts(entry.get("message"))
    kind = entry.get("type")
    if kind == "user" and any(text.startswith(_COMPACT_COMMAND) for text in texts):
        uuid = entry.get("uuid")
        position.compact_command = uuid if isinstance(uuid, str) else None
        return None
    if kind == "user" and any(text.startswith(_INTERRUPT_MARKER) for text in texts):
        detail = INTERRUPTED
    elif kind == "assistant" and entry.get("isApiErrorMessage") is True and texts:
        detail = detail_of(texts[0])
    elif (
        kind == "system"
        and entry.get("subtype") == _LOCAL_COMMAND
        and position.compact_command is not None
        and entry.get("parentUuid") == position.compact_command
    ):
        detail = detail_of(_command_output(entry.get("content")))
    else:
        return None
    return Observation(session_id, Status.ATTENTION, detail, _boottime_of(entry.get("timestamp")))


def _command_output(content: object) -> str:
    """A local command's output without the tags around it."""
    text = content if isinstance(content, str) else ""
    opening, closing = _STDOUT_TAGS
    return text.removeprefix(opening).removesuffix(closing)


def _texts(message: object) -> list[str]:
    """The text of a message: its content string, or the text of each of its blocks."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [b["text"] for b in content if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)]


def _boottime_of(timestamp: object) -> int:
    """An entry's wall-clock ISO time on the boot clock (0 if before the boot); now, if it has none."""
    if not isinstance(timestamp, str):
        return boottime.now_us()
    try:
        wall_us = int(datetime.fromisoformat(timestamp).timestamp() * US_PER_S)
    except (ValueError, OverflowError):
        return boottime.now_us()
    return boottime.of_wall_us(wall_us)
