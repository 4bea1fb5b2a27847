"""Every bound the service enforces, in one place so docs and code agree.

Input past a bound is refused with a clear error; nothing here is ever
truncated silently.  The one deliberate exception is history, which is a ring:
a long-lived session keeps its newest transitions and drops the oldest.
"""

MAX_ID_LENGTH = 256
"""Characters in a session id; Claude Code's ids are 36-character UUIDs."""

MAX_WORKING_DIR_BYTES = 4096
"""UTF-8 bytes in a working directory or a transcript path: PATH_MAX on Linux."""

MAX_DETAIL_CHARS = 200
"""Characters in a session's ``detail``, the one line that says why it needs a person:
enough for a command or a question, short enough for a notification or a bar's tooltip.
The agents' readings shorten longer texts (``agents.detail``, ending them with "…"); a
longer ``detail`` given to ``Set`` is refused."""

MAX_HISTORY = 100
"""Transitions kept per session; the oldest is dropped when a new one comes."""

MAX_SESSIONS = 10_000
"""Local sessions held at once; a Set that would create one more is refused.  Remote
sessions are bounded apart (``MAX_REMOTE_HOSTS`` x ``MAX_SESSIONS_PER_HOST``), so no
remote can fill the store and lock out this machine's own agents."""

MAX_REMOTE_HOSTS = 32
"""Remote hosts followed at once: a ``[remotes]`` table longer than this is refused."""

MAX_HOST_NAME_CHARS = 32
"""Characters in a remote host's name (letters, digits, ``.``, ``_``, ``-``), which prefixes its sessions' ids."""

MAX_SESSIONS_PER_HOST = 1_000
"""Sessions mirrored from one remote host; those past it are skipped and counted, not stored."""

MAX_REMOTE_LINE_BYTES = 8 * 1024 * 1024
"""Bytes in one line of a remote's ``watch --format json`` stream.  A snapshot of
``MAX_SESSIONS_PER_HOST`` sessions takes about 0.5 MB (8 MB with every field at its
bound); a longer line is skipped unread, and counted, so a remote cannot make the
follower hold more than this of one line."""

MAX_REMOTE_LINES_PER_S = 500
"""Lines read from one remote per second; past it the follower stops reading until the
next second, so ssh and TCP hold a flooding remote back instead of the follower's CPU."""

MAX_REMOTE_CHANGES_PER_S = 200
"""Sessions per second one host's follower may change in the daemon (a snapshot counts
each of its sessions, up to one second's worth).  Changes past it wait, coalesced by id
(only the latest of each is sent), so a flooding remote costs the daemon's subscribers
at most about this many signals a second."""

MAX_TERMINAL_VALUE_BYTES = 256
"""UTF-8 bytes in one value of the ``terminal`` attribute (a tty path, a tmux socket, a pane id)."""

CLIENT_CONNECT_TIMEOUT_S = 3.0
"""Seconds a client may spend connecting, authenticating and saying Hello to the bus.

A local bus answers in milliseconds; a socket that accepts and then stays
silent (a stopped or wedged bus) would otherwise hold a command forever.
"""

CLIENT_CALL_TIMEOUT_S = 5.0
"""Seconds a client waits for the reply to any one call, to the daemon or to the bus.

The daemon answers in about a millisecond and D-Bus activation starts it in
well under one second, so a call still unanswered after this is stuck: the
daemon is stopped (SIGSTOP) or wedged.  dbus-daemon's own reply timeout is
25 s and its activation timeout 120 s, far too long for a person to wait.
"""

MAX_QUOTED_CHARS = 64
"""Characters of a refused argument that an error message quotes back; the rest is only counted.

An error must say what was wrong without echoing a caller's 100 MB id whole.
"""

MAX_SETTINGS_FILE_BYTES = 4 * 1024 * 1024
"""Bytes of an agent's settings file (or a service file) the installers read: a real one
holds a few KiB.  A larger one, or anything but a regular file (a FIFO, a link to a
device), is refused with one line and left untouched."""

MAX_PAYLOAD_BYTES = 64 * 1024
"""The head of an agent's hook payload that a hook reads and sends, and the daemon reads: the
fields needed come first and fit many times over (``agents.payload``).  A longer payload is
refused; a hook sends its head with ``truncated``.  The shell hook's ``STDIN_LIMIT`` is this."""
