"""A remote's ``agent-console watch --format json``, read as events, whatever the remote sends.

The remote is not trusted to be well-formed: a line longer than
``MAX_REMOTE_LINE_BYTES`` is skipped without being held, a line that is not
one of watch's four events (or holds a session of the wrong shape) is
skipped, and both are counted.  Reading stops for the rest of a second once
``MAX_REMOTE_LINES_PER_S`` lines were read in it, so a flood waits in ssh's
and TCP's buffers (which then hold the remote back) instead of costing CPU here.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from agent_console.limits import MAX_ID_LENGTH, MAX_REMOTE_LINE_BYTES, MAX_REMOTE_LINES_PER_S
from agent_console.wire.session_form import session_from_json

READ_CHUNK_BYTES = 64 * 1024
"""What one read of the ssh stream takes; lines are cut from it, each bounded by
``MAX_REMOTE_LINE_BYTES``, so this bounds only a read, not what is held."""


@dataclass(frozen=True)
class RemoteSnapshot:
    sessions: list[dict[str, object]]
    malformed: int
    """Sessions of the snapshot left out for their shape."""


@dataclass(frozen=True)
class RemoteChanged:
    session: dict[str, object]


@dataclass(frozen=True)
class RemoteRemoved:
    session_id: str


@dataclass(frozen=True)
class RemoteNotRunning:
    """The remote's daemon is not running: its sessions are unknown until it comes back."""


RemoteEvent = RemoteSnapshot | RemoteChanged | RemoteRemoved | RemoteNotRunning


def parse_event(line: bytes) -> RemoteEvent | None:
    """One line of watch's JSON output as an event; None for anything else."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    kind = value.get("event")
    if kind == "snapshot" and isinstance(value.get("sessions"), list):
        sessions = [session_from_json(item) for item in value["sessions"]]
        kept = [session for session in sessions if session is not None]
        return RemoteSnapshot(kept, len(sessions) - len(kept))
    if kind == "changed":
        session = session_from_json(value.get("session"))
        return None if session is None else RemoteChanged(session)
    if kind == "removed":
        session_id = value.get("id")
        valid = isinstance(session_id, str) and 0 < len(session_id) <= MAX_ID_LENGTH
        return RemoteRemoved(str(session_id)) if valid else None
    if kind == "not-running":
        return RemoteNotRunning()
    return None


class BoundedLines:
    """Lines of a stream, each at most ``max_bytes``; ``skipped`` counts the longer ones."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        max_bytes: int = MAX_REMOTE_LINE_BYTES,
        per_second: int = MAX_REMOTE_LINES_PER_S,
    ) -> None:
        self._reader = reader
        self._max_bytes = max_bytes
        self._per_second = per_second
        self.skipped = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        buffer = bytearray()
        overlong = False
        second, lines = time.monotonic(), 0
        while chunk := await self._reader.read(READ_CHUNK_BYTES):
            buffer += chunk
            while (end := buffer.find(b"\n")) >= 0:
                line, buffer = bytes(buffer[:end]), buffer[end + 1 :]
                if overlong or len(line) > self._max_bytes:
                    self.skipped += not overlong
                    overlong = False
                    continue
                second, lines = await self._paced(second, lines + 1)
                yield line
            if len(buffer) > self._max_bytes:
                if not overlong:
                    self.skipped += 1
                overlong = True
                buffer.clear()

    async def _paced(self, second: float, lines: int) -> tuple[float, int]:
        """Sleep out the second once it has had its lines; the count and the second's start after."""
        now = time.monotonic()
        if now - second >= 1:
            return now, 1
        if lines > self._per_second:
            await asyncio.sleep(1 - (now - second))
            return time.monotonic(), 1
        return second, lines
