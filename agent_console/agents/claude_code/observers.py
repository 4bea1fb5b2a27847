"""What the daemon watches for Claude Code besides its hooks, as the agent contract's observers.

The transcript follower and the approved-tool watch are written as they are
(``transcripts``, ``approvals``); this only gives the second the contract's
shape: an approved tool starting reads ``working``, the detail kept.
"""

from collections.abc import Callable

from agent_console.agents.claude_code.approvals import ApprovalWatch
from agent_console.agents.claude_code.transcripts import Observation, TranscriptFollower
from agent_console.daemon.model import Session
from agent_console.system import boottime
from agent_console.vocabulary import Status


class ApprovedTools(ApprovalWatch):
    """The approved-tool watch, looked at like every observer."""

    def look(self, sessions: Callable[[str], Session | None]) -> list[Observation]:
        return [
            Observation(session.id, Status.WORKING, session.detail, boottime.now_us())
            for session in self.started(sessions)
        ]


def watchers() -> list[TranscriptFollower | ApprovedTools]:
    """A transcript follower (Esc, API errors) and an approved-tool watch, one each per daemon."""
    return [TranscriptFollower(), ApprovedTools()]
