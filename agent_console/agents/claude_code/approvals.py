"""An approved tool proves itself by starting: attention becomes working.

Between a permission dialog and the tool's end Claude Code fires no hook, so
a session whose person approved a 10-minute build would read attention all
along.  But a tool that runs a command (Bash, and whatever else runs one) is
a new child process of the owner: Claude Code starts it as
``bash -c 'source <snapshot> && eval <command>'`` with ``CLAUDECODE`` in its
environment.  Hooks are children too (``/bin/sh -c <hook>``), told apart by
``CLAUDE_PROJECT_DIR``, which Claude gives hooks and not tools; helpers such as
``git`` or ``rg`` that Claude runs for itself carry neither.  (Observed with
Claude Code 2.1.197; these names are Claude Code's own.)

So when a ``permission`` update arrives, the children the owner has are
noted; a later look that finds a new child with the tool's marks is the fact
that the tool was approved.  Tools that run inside Claude Code itself (Edit,
Write, Read, WebFetch, MCP tools, which run in a server started before) start
no process and read attention until PostToolUse.
"""

from collections.abc import Callable

from agent_console.daemon.model import Session
from agent_console.system import process_info

TOOL_MARK = "CLAUDECODE"
"""In the environment of every process Claude Code starts for a tool or a hook."""

HOOK_MARK = "CLAUDE_PROJECT_DIR"
"""In the environment of hooks only."""


class ApprovalWatch:
    """A store listener that notes each awaited tool's starting point, and a looker for new ones."""

    def __init__(
        self,
        children: Callable[[int], frozenset[int]] = process_info.children,
        environment_names: Callable[[int], frozenset[str]] = process_info.environment_names,
    ) -> None:
        self._children = children
        self._environment_names = environment_names
        self._before: dict[str, frozenset[int]] = {}
        """Session id -> the owner's children when its permission was asked."""

    def session_changed(self, session: Session, created: bool) -> None:
        if session.awaiting_tool and session.owner is not None:
            if session.id not in self._before:
                self._before[session.id] = self._children(session.pid)
        else:
            self._before.pop(session.id, None)

    def session_removed(self, session: Session) -> None:
        self._before.pop(session.id, None)

    def started(self, sessions: Callable[[str], Session | None]) -> list[Session]:
        """The awaiting sessions whose tool now runs.  A child is looked at anew
        each time: one seen just after the fork has not yet exec'd its program."""
        running = []
        for session_id, before in list(self._before.items()):
            session = sessions(session_id)
            if session is None or not session.awaiting_tool:
                continue
            if any(self._runs_a_tool(child) for child in self._children(session.pid) - before):
                running.append(session)
        return running

    def _runs_a_tool(self, pid: int) -> bool:
        names = self._environment_names(pid)
        return TOOL_MARK in names and HOOK_MARK not in names
