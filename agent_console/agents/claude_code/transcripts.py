"""Following agents' transcripts for what no hook reports: Esc, API errors, a /compact refused.

Claude Code fires no hook when the person presses Esc, but it appends a user
entry ``[Request interrupted by user]`` (or ``... for tool use``) to the
session's transcript, a JSON-lines file whose path every hook event carries;
an API error is an assistant entry with ``isApiErrorMessage``.  A /compact
that does not compact (``Not enough messages to compact.``) fires PreCompact
and then nothing: its refusal is a ``system`` entry of subtype
``local_command`` whose parent is the ``/compact`` command's own entry (a
compaction that happens ends with PostCompact instead, and its output is
another kind of entry).  Each makes the session the person's turn.  The daemon
looks at the transcript of each open session on a short timer, on its own
event loop (no thread): a ``stat``, and when the file grew, only the bytes
appended since the last look, at most ``MAX_READ_BYTES`` a look.  Following
starts at the file's end when a Set first names it, so what happened before
the daemon knew of it is never replayed.

The path comes from a caller, so it is opened only if it is a regular file
(never a FIFO or a device, which could block or never end), without
following it into a terminal, and a line is parsed only when it holds one of
the markers.  Nothing here raises: a file that vanished or cannot be read is
simply not followed.
"""

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from agent_console.agents.detail import detail_of
from agent_console.daemon.model import Session
from agent_console.system import boottime
from agent_console.vocabulary import Status

MAX_READ_BYTES = 256 * 1024
"""Bytes read from one transcript in one look; the rest waits for the next look.
A line longer than this (a huge tool result) is skipped unparsed: no marker entry is that long."""

MAX_FOLLOWED = 64
"""Transcripts looked at in one look: those of the most recently active open sessions."""

INTERRUPTED = "interrupted"
"""The detail of a session whose person pressed Esc."""

_INTERRUPT_MARKER = "[Request interrupted by user"
_COMPACT_COMMAND = "<command-name>/compact</command-name>"
_LOCAL_COMMAND = "local_command"
_STDOUT_TAGS = ("<local-command-stdout>", "</local-command-stdout>")
_MARKERS = (_INTERRUPT_MARKER.encode(), b'"isApiErrorMessage"', _COMPACT_COMMAND.encode(), f'"{_LOCAL_COMMAND}"'.encode())

US_PER_S = 1_000_000

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)


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

    def __init__(self) -> None:
        self._positions: dict[str, _Position] = {}

    def session_changed(self, session: Session, created: bool) -> None:
        if session.closed or not session.transcript_path:
            self._positions.pop(session.id, None)
            return
        position = self._positions.get(session.id)
        if position is None or position.path != session.transcript_path:
            self._positions[session.id] = _start(session.transcript_path)

    def session_removed(self, session: Session) -> None:
        self._positions.pop(session.id, None)

    def look(self, sessions: Callable[[str], Session | None]) -> list[Observation]:
        """What the transcripts gained since the last look, for the most recently active sessions."""
        followed = sorted(
            filter(None, map(sessions, self._positions)), key=lambda s: s.activity_monotonic, reverse=True
        )[:MAX_FOLLOWED]
        observations = (_read_new(self._positions[session.id], session.id) for session in followed)
        return [observation for observation in observations if observation is not None]


def _start(path: str) -> _Position:
    """Follow from the end of the file as it is now, or from its start once it appears."""
    try:
        info = os.stat(path)
    except OSError:
        return _Position(path, None, 0)
    return _Position(path, (info.st_dev, info.st_ino), info.st_size)


def _read_new(position: _Position, session_id: str) -> Observation | None:
    try:
        info = os.stat(position.path)
    except OSError:
        return None
    identity = (info.st_dev, info.st_ino)
    if identity != position.identity:
        position.identity, position.offset, position.skipping = identity, 0, False
    if info.st_size < position.offset:
        position.offset = info.st_size
    if info.st_size == position.offset or not stat.S_ISREG(info.st_mode):
        return None
    chunk = _read_at(position.path, position.offset)
    if chunk is None:
        return None
    end = chunk.rfind(b"\n") + 1
    if end == 0:
        if len(chunk) == MAX_READ_BYTES:
            position.offset += len(chunk)
            position.skipping = True
        return None
    lines = chunk[:end].split(b"\n")
    if position.skipping:
        lines = lines[1:]
        position.skipping = False
    position.offset += end
    observations = [_observed(line, session_id, position) for line in lines]
    return next(filter(None, reversed(observations)), None)


def _read_at(path: str, offset: int) -> bytes | None:
    """At most ``MAX_READ_BYTES`` from ``offset``, if ``path`` is (still) a regular file."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.pread(fd, MAX_READ_BYTES, offset)
    except OSError:
        return None
    finally:
        os.close(fd)


def _observed(line: bytes, session_id: str, position: _Position) -> Observation | None:
    """The observation an entry makes, if it is an interrupt, an API error or a refused
    /compact; a ``/compact`` command entry is remembered in ``position`` for its output."""
    if not any(marker in line for marker in _MARKERS):
        return None
    try:
        entry = json.loads(line)
    except ValueError:
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
    now = boottime.now_us()
    if not isinstance(timestamp, str):
        return now
    try:
        wall_us = int(datetime.fromisoformat(timestamp).timestamp() * US_PER_S)
    except (ValueError, OverflowError):
        return now
    age = datetime.now().timestamp() * US_PER_S - wall_us
    return max(0, now - max(0, int(age)))
