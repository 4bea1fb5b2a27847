"""What the daemon watches for Claude Code besides its hooks, as the agent contract's observers.

The transcript follower, the approved-tool watch and the state files are written
as they are (``transcripts``, ``approvals``, ``state_files``); this only gives the
approved-tool watch the contract's shape: an approved tool starting reads ``working``, the detail kept.
"""

from collections.abc import Callable, Sequence

from agent_console.agents.claude_code.approvals import ApprovalWatch
from agent_console.agents.claude_code.state_files import StateFiles
from agent_console.agents.claude_code.transcripts import Observation, TranscriptFollower
from agent_console.agents.contract import ObservedSession
from agent_console.system import boottime
from agent_console.system.inotify import DirectoryWatch
from agent_console.system.inotify import Event as WriteEvent
from agent_console.vocabulary import Status


class ApprovedTools(ApprovalWatch):
    """The approved-tool watch, looked at like every observer."""

    def wanted(self) -> bool:
        return self.watching

    def notice_writes(self, events: Sequence[WriteEvent]) -> None:
        """It watches processes, not files."""

    def look(self, sessions: Callable[[str], ObservedSession | None]) -> list[Observation]:
        return [
            Observation(session.id, Status.WORKING, session.detail, boottime.now_us())
            for session in self.started(sessions)
        ]


def watchers(watch: DirectoryWatch | None) -> list[TranscriptFollower | ApprovedTools | StateFiles]:
    """A transcript follower (Esc, API errors; told of writes through ``watch``), an
    approved-tool watch and Claude's own state files, one each per daemon."""
    return [TranscriptFollower(watch), ApprovedTools(), StateFiles(watch=watch)]
