"""What an agent's module is: written once, checked against every agent by tests/test_agents.py.

An agent is a module (``agent_named`` returns it), not a class: its table and
its reader are plain data and functions, and the daemon imports only the
agents it hears from.  A module satisfies a Protocol whose members are its
globals; mypy checks each module where it is passed as an ``Agent``.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from agent_console.agents import Event, Groups, Reading
from agent_console.vocabulary import AgentType, Status

if TYPE_CHECKING:
    from agent_console.system.inotify import DirectoryWatch
    from agent_console.system.inotify import Event as WriteEvent


class ObservedSession(Protocol):
    """A session as an agent's observers read it.  The daemon's ``Session`` (``daemon.model``)
    is one; named here so that agents/, which the daemon imports, never imports the daemon."""

    @property
    def id(self) -> str: ...

    @property
    def agent_type(self) -> AgentType: ...

    @property
    def status(self) -> Status: ...

    @property
    def closed(self) -> bool: ...

    @property
    def detail(self) -> str: ...

    @property
    def pid(self) -> int: ...

    @property
    def pid_start(self) -> int: ...

    @property
    def owner(self) -> tuple[int, int] | None: ...

    @property
    def transcript_path(self) -> str: ...

    @property
    def awaiting_tool(self) -> bool: ...

    @property
    def activity_monotonic(self) -> int: ...


class Observation(Protocol):
    """What the daemon saw for an open session that no hook reported (a transcript's Esc,
    an approved tool starting), as a Set would say it."""

    @property
    def session_id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def detail(self) -> str: ...

    @property
    def event_time(self) -> int: ...


class Observer(Protocol):
    """Something the daemon runs for an agent beside its hooks: a store listener (it learns
    of every change) that the daemon looks at, ``OBSERVE_INTERVAL_S`` apart, while it
    ``wanted`` a look, for what it saw (``daemon.observers``)."""

    def session_changed(self, session: ObservedSession, created: bool) -> None: ...

    def session_removed(self, session: ObservedSession) -> None: ...

    def wanted(self) -> bool:
        """Whether there is anything to look at: while not, the daemon is not woken for it."""

    def notice_writes(self, events: "Sequence[WriteEvent]") -> None:
        """inotify said files in the daemon's watch were written: note which of ``events``
        (read once for every observer) are this observer's (a no-op for one that reads no files)."""

    def look(self, sessions: Callable[[str], ObservedSession | None]) -> Iterable[Observation]: ...


@runtime_checkable
class Agent(Protocol):
    """One coding agent, as every part of agent-console knows it."""

    NAME: str
    """Its ``agent_type``, and the NAME of ``--agent NAME``."""
    TITLE: str
    """How a person names it."""
    SHARED_PROCESS: bool
    """One of its processes hosts many sessions at once (a Codex app-server, an opencode
    server): a new session there replaces none of the others."""
    HOOK_STDOUT: str
    """What it reads on its hook's stdout: the hooks print this (their own small table)."""
    HOOK_STDERR: bool
    """Whether the hook may say on stderr why an event was not recorded (not where the
    agent shows that line to the person)."""
    PROGRAMS: tuple[str, ...]
    """The commands that tell it is installed here."""
    INSTALL_NOTE: str
    """What the person must still do after ``install-hooks``, if anything."""

    def read(self, event: Event) -> Reading | None:
        """The session and status an event announces; None for one that says nothing about it."""

    def event_name(self, event: Event) -> str:
        """The event's name, for the line that says why it was not recorded."""

    def config_dir(self) -> str:
        """Its configuration folder: that it exists tells the agent was used here."""

    def hooks_path(self) -> str:
        """Where its hooks (or plugin) are registered."""

    def registration(self, command: list[str]) -> Groups | str:
        """What goes there: matcher groups by event for a settings file of Claude Code's shape,
        or the whole text of a plugin file of ours."""

    def observers(self, watch: "DirectoryWatch | None") -> Iterable[Observer]:
        """What the daemon watches for it besides its hooks, told of file writes through
        ``watch`` (None where inotify is missing); nothing for most agents."""
