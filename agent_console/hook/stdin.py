"""Reading the hook's input without ever waiting or holding too much.

Claude Code writes the event and closes the pipe, but a ``PostToolUse`` carries
the whole ``tool_response``: a file read or a command's output can make it
megabytes.  The hook reads only a bounded head, which is where the fields it
needs are (see ``payload``), and drains the rest without keeping it: leaving
it unread would make Claude Code's write fail with EPIPE, and a writer should
never be punished for a hook's economy.  Every wait is bounded by a deadline,
so a writer that never closes the pipe cannot hang the hook either.
"""

import os
import select
import time

_DRAIN_CHUNK_BYTES = 1 << 20
"""What one read takes while the rest of a long payload is dropped: few reads for a large one."""


def read_head(fd: int, limit: int, seconds: float) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes (one more, to tell), and whether that was all of the input.

    The input counts as incomplete when it is longer than ``limit``, when the
    deadline passes before end of file, or when the descriptor fails.
    """
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = _read_before(fd, limit + 1 - size, deadline)
        if chunk is None:
            return b"".join(chunks), False
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:limit], False


def drain(fd: int, seconds: float) -> None:
    """Read and discard until end of file or the deadline, whichever comes first."""
    deadline = time.monotonic() + seconds
    while _read_before(fd, _DRAIN_CHUNK_BYTES, deadline):
        pass


def _read_before(fd: int, size: int, deadline: float) -> bytes | None:
    """Bytes (empty at end of file), or None if the deadline passed or reading failed."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    try:
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        return os.read(fd, size)
    except (OSError, ValueError):
        return None
