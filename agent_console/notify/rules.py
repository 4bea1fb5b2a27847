"""When a session deserves a bubble, and what the bubble says: plain decisions, no bus.

A person wants to be told once, when a session starts to need them, and to
stop being told when it no longer does.  So the rules look at *transitions*,
per session, against the notifier's own memory of the last status it saw:

- a bubble when a session *enters* ``question`` or ``attention``; a
  ``Set`` that repeats the status posts nothing (at most it updates the
  text of the bubble already up);
- the bubble is withdrawn when the session goes back to ``working``,
  closes, or is removed, and when a person marks the wait seen (``ack``, a
  face's key, or dismissing the bubble itself): a seen wait gets no bubble,
  and nor do the changes that keep it the same wait;
- a new session that starts in ``attention`` gets none: that is a person
  who just started it, looking at it;
- a finished turn (``attention`` after ``working`` that is not a permission
  request) gets one only when the turn worked ``min_working`` seconds;
- within ``coalesce`` seconds of a bubble for the same session, a change
  replaces that bubble without a sound (Claude Code sends PermissionRequest
  and, about 6 s later, a ``permission_prompt`` notification for the same
  wait: one bubble, one sound);
- a new text for the same wait (the detail changed) updates the bubble
  in place, without a sound;
- a list of all sessions (at start, after the daemon came back, after a
  resync) never posts: only withdraws what no longer waits.  A burst of
  bubbles for things that happened while nobody listened helps nobody.

The memory of statuses outlives a daemon restart on purpose: a session that
comes back after the restart in the status it had before did not *enter* it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from agent_console.client.mirror import Changed, NotRunning, Removed, Snapshot, WatchEvent
from agent_console.config import NotifyConfig
from agent_console.presentation import SessionDict, is_seen_wait, name_of, text_of
from agent_console.system.boottime import US_PER_S
from agent_console.vocabulary import WAITING


class Urgency(IntEnum):
    """The ``urgency`` hint of the notification spec."""

    LOW = 0
    NORMAL = 1
    CRITICAL = 2


@dataclass(frozen=True)
class Bubble:
    summary: str
    """Names the session and what it waits for; plain text."""
    body: str
    """Why: the session's ``detail``, or its status where it sent none; plain text.
    Both are escaped like every face's output (``presentation.escape``)."""
    urgency: Urgency
    loud: bool
    """False for an update within the coalescing window: no sound, no new bubble."""


@dataclass(frozen=True)
class Post:
    session_id: str
    session: SessionDict
    bubble: Bubble


@dataclass(frozen=True)
class Withdraw:
    session_id: str


Action = Post | Withdraw


def detail_of(session: SessionDict) -> str:
    detail = session.get("detail")
    return detail if isinstance(detail, str) else ""


def is_permission(session: SessionDict) -> bool:
    """The daemon's word, not the detail's form: a turn's last answer may well read ``Note: …``."""
    return session.get("status") == "attention" and session.get("permission") is True


def bubble_for(session: SessionDict, loud: bool) -> Bubble:
    """The text and urgency for a waiting session: a question or a permission outranks a finished turn."""
    name, detail = name_of(session), text_of(session, "detail")
    if session.get("status") == "question":
        return Bubble(f"{name} asks a question", detail or "question", Urgency.CRITICAL, loud)
    if is_permission(session):
        return Bubble(f"{name} needs permission", detail, Urgency.CRITICAL, loud)
    return Bubble(f"{name} needs you", detail or "attention", Urgency.NORMAL, loud)


def worked_s(session: SessionDict, previous: SessionDict | None) -> float | None:
    """How long the session was ``working`` before this change; None where the signals don't tell."""
    if previous is None or previous.get("status") != "working":
        return None
    began, ended = previous.get("since"), session.get("since")
    if not isinstance(began, int) or not isinstance(ended, int):
        return None
    return (ended - began) / US_PER_S


@dataclass
class _Shown:
    status: str
    detail: str


class Policy:
    """Turns the follower's events into posts and withdrawals, one session at a time."""

    def __init__(self, config: NotifyConfig, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._monotonic = monotonic
        self._statuses: dict[str, Any] = {}
        """The last status seen per session, across daemon restarts."""
        self._shown: dict[str, _Shown] = {}
        """Bubbles believed to be on screen."""
        self._loud_at: dict[str, float] = {}
        """When each session's last bubble with a sound went up."""

    def on_event(self, event: WatchEvent) -> list[Action]:
        if isinstance(event, Snapshot):
            return self._listed(event.sessions)
        if isinstance(event, Changed):
            return self._changed(event.session, event.previous)
        if isinstance(event, Removed):
            self._statuses.pop(event.session_id, None)
            self._loud_at.pop(event.session_id, None)
            return self._withdraw(event.session_id)
        assert isinstance(event, NotRunning)
        return []

    def gone(self, session_id: str) -> None:
        """The bubble is no longer up: dismissed, expired, not shown after all, or its server went away."""
        self._shown.pop(session_id, None)

    def _listed(self, sessions: tuple[SessionDict, ...]) -> list[Action]:
        """Remember the listed sessions, and those whose bubble is up (they may come back after a
        daemon restart); forget the rest, so that memory follows the store rather than grow forever."""
        actions: list[Action] = []
        listed = {session["id"]: session.get("status") for session in sessions}
        for session in sessions:
            if session.get("status") not in WAITING or is_seen_wait(session):
                actions += self._withdraw(session["id"])
        self._statuses = {
            **{session_id: status for session_id, status in self._statuses.items() if session_id in self._shown},
            **listed,
        }
        self._loud_at = {session_id: at for session_id, at in self._loud_at.items() if session_id in self._statuses}
        return actions

    def _withdraw(self, session_id: str) -> list[Action]:
        return [Withdraw(session_id)] if self._shown.pop(session_id, None) else []

    def _changed(self, session: SessionDict, previous: SessionDict | None) -> list[Action]:
        session_id, status = session["id"], session.get("status")
        before = self._statuses.get(session_id)
        self._statuses[session_id] = status
        if status not in WAITING or is_seen_wait(session):
            return self._withdraw(session_id)
        shown = self._shown.get(session_id)
        if before in WAITING:
            if shown is None and before == status:
                return []
            if shown is not None and (shown.status, shown.detail) == (status, detail_of(session)):
                return []
        elif before is None and status != "question":
            return []
        elif self._too_short(session, previous):
            return []
        return [self._post(session, fresh=before != status)]

    def _too_short(self, session: SessionDict, previous: SessionDict | None) -> bool:
        """A finished turn that worked less than ``min_working``: its person has hardly looked away."""
        if session.get("status") != "attention" or is_permission(session):
            return False
        worked = worked_s(session, previous)
        return worked is not None and worked < self._config.min_working

    def _post(self, session: SessionDict, fresh: bool) -> Post:
        """``fresh``: the session entered this status; a new text for the same wait is never loud."""
        session_id = session["id"]
        now = self._monotonic()
        last_loud = self._loud_at.get(session_id)
        loud = fresh and (last_loud is None or now - last_loud >= self._config.coalesce)
        if loud:
            self._loud_at[session_id] = now
        self._shown[session_id] = _Shown(str(session.get("status")), detail_of(session))
        return Post(session_id, session, bubble_for(session, loud))
