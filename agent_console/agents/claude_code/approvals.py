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

A look reads ``/proc`` once per owner, not per session: the children of each
owner with a session awaiting a tool, and the environment of each new child
once, however many sessions that process holds (a Codex or opencode server
holds many; anyone on the bus can make thousands).  Should reading one
owner's processes fail in a way not foreseen, its sessions alone are no
longer watched, and the log says why once.
"""

import logging
from collections.abc import Callable

from agent_console.agents.contract import ObservedSession
from agent_console.system import process_info

TOOL_MARK = "CLAUDECODE"
"""In the environment of every process Claude Code starts for a tool or a hook."""

HOOK_MARK = "CLAUDE_PROJECT_DIR"
"""In the environment of hooks only."""

log = logging.getLogger(__name__)


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

    def session_changed(self, session: ObservedSession, created: bool) -> None:
        if session.awaiting_tool and session.owner is not None:
            if session.id not in self._before:
                self._before[session.id] = self._children(session.pid)
        else:
            self._before.pop(session.id, None)

    def session_removed(self, session: ObservedSession) -> None:
        self._before.pop(session.id, None)

    @property
    def watching(self) -> bool:
        """Whether any session awaits a tool: only then is there anything to look at."""
        return bool(self._before)

    def started(self, sessions: Callable[[str], ObservedSession | None]) -> list[ObservedSession]:
        """The awaiting sessions whose tool now runs.  A child is looked at anew
        each time: one seen just after the fork has not yet exec'd its program."""
        waiting_by_owner: dict[int, list[ObservedSession]] = {}
        for session_id in self._before:
            session = sessions(session_id)
            if session is not None and session.awaiting_tool and session.pid:
                waiting_by_owner.setdefault(session.pid, []).append(session)
        running: list[ObservedSession] = []
        for owner, waiting in waiting_by_owner.items():
            try:
                running.extend(self._started_in(owner, waiting))
            except Exception:
                log.exception("process %d: reading its children failed; its sessions' tools are not watched", owner)
                for session in waiting:
                    self._before.pop(session.id, None)
        return running

    def _started_in(self, owner: int, waiting: list[ObservedSession]) -> list[ObservedSession]:
        """Of one owner's waiting sessions, those with a new child that runs a tool."""
        children = self._children(owner)
        runs_a_tool: dict[int, bool] = {}

        def tool(child: int) -> bool:
            if child not in runs_a_tool:
                runs_a_tool[child] = self._runs_a_tool(child)
            return runs_a_tool[child]

        return [session for session in waiting if any(map(tool, children - self._before[session.id]))]

    def _runs_a_tool(self, pid: int) -> bool:
        names = self._environment_names(pid)
        return TOOL_MARK in names and HOOK_MARK not in names
