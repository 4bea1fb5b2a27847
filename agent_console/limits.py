"""Every bound the service enforces, in one place so docs and code agree.

Input past a bound is refused with a clear error; nothing here is ever
truncated silently.  The one deliberate exception is history, which is a ring:
a long-lived session keeps its newest transitions and drops the oldest.
"""

MAX_ID_LENGTH = 256
"""Characters in a session id; Claude Code's ids are 36-character UUIDs."""

MAX_WORKING_DIR_BYTES = 4096
"""UTF-8 bytes in a working directory: PATH_MAX on Linux."""

MAX_HISTORY = 100
"""Transitions kept per session; the oldest is dropped when a new one comes."""

MAX_SESSIONS = 10_000
"""Sessions held at once; a Set that would create one more is refused."""

MAX_TERMINAL_VALUE_BYTES = 256
"""UTF-8 bytes in one value of the ``terminal`` attribute (a tty path, a tmux socket, a pane id)."""
