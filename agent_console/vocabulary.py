"""The words every layer shares: statuses, close reasons, event kinds and agent types.

Declared once, here, below everything: the daemon validates against these,
the agents' tables produce them, the hook forwards them and the faces show
them.  Standard library only (``enum`` is loaded by ``re`` and ``json``
anyway), so the hook may import it on every event.  Members are ``str``s, so
they compare equal to the plain strings that arrive over the bus.
"""

from enum import StrEnum


class Status(StrEnum):
    """Where a session stands."""

    WORKING = "working"
    ATTENTION = "attention"
    """The agent waits for the person: a permission, a finished turn, an error, an interruption."""
    QUESTION = "question"
    """The agent asks the person something (a question dialog)."""
    CLOSED = "closed"


URGENCY = (Status.QUESTION, Status.ATTENTION, Status.WORKING, Status.CLOSED)
"""Statuses from the most urgent to the least: what every face sorts and counts by."""

WAITING = (Status.QUESTION, Status.ATTENTION)
"""The statuses in which a session waits for a person, and which a person can mark seen."""


class AgentType(StrEnum):
    """The agents whose hooks report here; each has its module in ``agent_console.agents``."""

    CLAUDE_CODE = "claude-code"
    GEMINI_CLI = "gemini-cli"
    CODEX = "codex"
    OPENCODE = "opencode"


DEFAULT_AGENT = AgentType.CLAUDE_CODE
"""The agent a hook or an installer means when none is named."""

OWNER_OPTION = "--owner"
"""Both handlers' option naming the agent's process (or a shell below it), given where the
handler runs in the background and its parent is gone: the hook reads it, the installers write it."""


class CloseReason(StrEnum):
    SESSION_END = "session-end"
    """The agent said so (Claude Code's SessionEnd)."""
    CLEARED = "cleared"
    """The person cleared the conversation (Claude Code's /clear); a new id follows."""
    USER = "user"
    """Someone closed it by hand."""
    PROCESS_EXITED = "process-exited"
    """The owner process is gone, or its pid now belongs to another process."""
    REPLACED = "replaced"
    """A newer session arrived from the same process (/clear, /compact, /resume)."""


class EventKind(StrEnum):
    """What a hook's event means for the store's rules (the ``event`` attribute of Set)."""

    SESSION_START = "session-start"
    """The agent started or resumed this id: the one update that reopens an ended session."""
    PERMISSION = "permission"
    """Attention because a tool waits for approval: the session shows ``permission`` and, for
    Claude Code, the daemon looks for the tool starting."""
    REMINDER = "reminder"
    """A notification repeating a need already shown: it never turns a question into attention."""


class HostState(StrEnum):
    """A followed remote host's link, as ``agent-console remote`` sees it (``host_state``)."""

    CONNECTING = "connecting"
    """ssh is starting or the remote's snapshot has not arrived yet."""
    CONNECTED = "connected"
    """The remote's snapshot arrived and its changes stream in."""
    UNREACHABLE = "unreachable"
    """The link is down, ssh failed, or the remote's daemon is not running: its sessions are as last seen."""


HOST_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}"
"""A remote host's name (at most ``MAX_HOST_NAME_CHARS``, 32): safe in an id, a log line and a TOML key."""

REMOTE_ID_SEPARATOR = ":"
"""A remote session's id is its host's name, this, and the id the remote gave it (``h1:4f1c…``)."""
