"""What a session is, and how one changes.

Stored sessions are frozen, slotted dataclasses: a change replaces the value
instead of editing it, so whatever a caller holds is a snapshot it cannot use
to change the store, and no copy is ever needed to hand one out.  Values that
arrive from outside are checked by pydantic's validation engine before they
touch a session (``SessionUpdate``, see ``agent_console.validation`` for why
not a pydantic model).
"""

from dataclasses import dataclass, replace
from typing import Any

from agent_console.errors import InvalidArgs, quoted
from agent_console.limits import (
    MAX_DETAIL_CHARS,
    MAX_HISTORY,
    MAX_ID_LENGTH,
    MAX_TERMINAL_VALUE_BYTES,
    MAX_WORKING_DIR_BYTES,
)
from agent_console.system.terminal import TERMINAL_KEYS
from agent_console.validation import (
    Checker,
    ValidationError,
    after,
    checked,
    one_of,
    optional,
)
from agent_console.vocabulary import DEFAULT_AGENT, WAITING, AgentType, CloseReason, EventKind, Status

CLIENT_CLOSE_REASONS = (CloseReason.SESSION_END, CloseReason.CLEARED, CloseReason.USER)
"""The reasons a caller may give; the others are facts only the daemon observes."""

REOPENED_BY_ANY_SET = (CloseReason.USER,)
"""Close reasons after which any Set reopens the session.  A session whose agent
announced its start (an update marked ``EventKind.SESSION_START``) and that its
agent ended, or the daemon found over (replaced, owner gone), reopens only by
another start: whatever else still arrives for it is an event that happened
before the end and only reached us late.  Agents whose hooks announce no start
(Codex, opencode so far) keep the older rule: any Set reopens."""


DISPLAY_NAME_FALLBACK_LENGTH = 8
"""Characters of the id shown when the working dir gives no usable name."""

MAX_PID = 2**32 - 1
"""The largest pid D-Bus carries (``u``); the kernel's own limit is lower."""


@dataclass(frozen=True, slots=True)
class StateTransition:
    from_status: Status
    to_status: Status
    at: int
    """Wall-clock microseconds since the epoch."""
    duration: int
    """Microseconds the old status lasted, measured on the monotonic clock."""
    reason: CloseReason | None = None
    """Why, for a transition to closed."""


MAIN_THREAD = ""
"""The ``subagent`` of an event from the agent's main conversation (or an agent without subagents)."""

MAX_THREADS = 16
"""Threads (the main conversation and subagents) whose newest event time a session keeps, the
most recently heard first: more subagents than this at once are not seen in practice."""


@dataclass(frozen=True, slots=True)
class Dialog:
    """A permission dialog still open: which thread asked, what for, and when."""

    subagent: str
    detail: str
    event_time: int


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    agent_type: AgentType
    status: Status
    working_dir: str
    since: int
    """Wall-clock microseconds when the status last changed."""
    last_activity: int
    """Wall-clock microseconds of the latest Set, whatever it changed."""
    since_monotonic: int
    """Monotonic twin of ``since``: what durations and retention are measured from."""
    activity_monotonic: int
    """Monotonic twin of ``last_activity``: what quiet time is measured from."""
    history: tuple[StateTransition, ...] = ()
    pid: int = 0
    """The owner process (Claude Code itself), 0 when unknown."""
    pid_start: int = 0
    """The owner's start time as ``process_info.start_time`` reads it: with ``pid``, its identity."""
    stale: bool = False
    """Working, yet quiet for longer than the daemon's threshold."""
    close_reason: CloseReason | None = None
    terminal: tuple[tuple[str, str], ...] = ()
    """Where the session lives (``agent_console.system.terminal``), as the latest Set that named it said."""
    seq: int = 0
    """The store's sequence number at this session's latest change (see ``SessionStore.sequence``)."""
    detail: str = ""
    """Why the session needs a person, or what it does: one line, "" when nothing is known."""
    event_time: int = 0
    """CLOCK_BOOTTIME microseconds of the newest event applied; older ones are dropped."""
    transcript_path: str = ""
    """The agent's transcript, which the daemon follows for events no hook reports."""
    awaiting_tool: bool = False
    """Attention for a tool's permission: the tool starting proves it was approved."""
    announced_start: bool = False
    """Its agent said when it started: then only another start reopens it once ended."""
    seen: bool = False
    """A person marked this wait seen (``mark_seen``); any status change clears it."""
    dialogs: tuple[Dialog, ...] = ()
    """Permission dialogs still open, oldest (the one on screen) first.  While any is, the
    session shows it, whatever other threads say meanwhile (see ``apply_update``)."""
    beneath: tuple[Status, str] | None = None
    """The status and detail the session would show without its dialogs: what the other
    threads said meanwhile, shown once the last dialog is answered.  None without dialogs."""
    thread_times: tuple[tuple[str, int], ...] = ()
    """(subagent, newest event_time) per thread heard from, most recent first, at most
    ``MAX_THREADS``: an event late within its own thread changes nothing at all."""
    host: str = ""
    """The remote host it was mirrored from (``agent_console.daemon.remote_hosts``); "" for this machine's."""
    host_state: str = ""
    """That host's link as the session last knew it (a ``HostState``); "" for this machine's."""

    @property
    def closed(self) -> bool:
        return self.status is Status.CLOSED

    @property
    def display_name(self) -> str:
        name = self.working_dir.rstrip("/").rpartition("/")[2]
        return name or self.id[:DISPLAY_NAME_FALLBACK_LENGTH]

    @property
    def owner(self) -> tuple[int, int] | None:
        """None for a remote session: its pid is the remote's, which that host's own daemon checks."""
        return (self.pid, self.pid_start) if self.pid and not self.host else None

    @property
    def waiting(self) -> bool:
        """It waits for a person: a question, or attention."""
        return self.status in WAITING


def _lowercase(value: Any) -> Any:
    """Statuses, agent types and reasons are matched without regard to case."""
    return value.lower() if isinstance(value, str) else value


def _callers_reason(value: Any) -> Any:
    """Refused with the reasons a caller may give, not every reason there is."""
    value = _lowercase(value)
    if isinstance(value, str) and value not in {reason.value for reason in CLIENT_CLOSE_REASONS}:
        allowed = " or ".join(repr(reason.value) for reason in CLIENT_CLOSE_REASONS)
        observed = f"; {value!r} is observed by the daemon" if value in {r.value for r in CloseReason} else ""
        raise ValueError(f"a caller may give {allowed}{observed}")
    return value


def _path_fits(value: str) -> str:
    if len(value.encode()) > MAX_WORKING_DIR_BYTES:
        raise ValueError(f"at most {MAX_WORKING_DIR_BYTES} bytes are allowed")
    return value


def _terminal_known_and_bounded(value: dict[str, str]) -> dict[str, str]:
    for key, item in value.items():
        if key not in TERMINAL_KEYS:
            raise ValueError(f"unknown key {quoted(key)}: the known ones are {', '.join(TERMINAL_KEYS)}")
        if len(item.encode()) > MAX_TERMINAL_VALUE_BYTES:
            raise ValueError(f"{key!r}: at most {MAX_TERMINAL_VALUE_BYTES} bytes are allowed")
    return value


def _absolute(value: str) -> str:
    """The daemon's working directory is not the agent's: a relative path would name another file."""
    if not value.startswith("/"):
        raise ValueError("must be an absolute path")
    return value


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must be one line")
    return value


_TEXT = {"type": "str", "strict": True}
ID_SCHEMA = {**_TEXT, "min_length": 1, "max_length": MAX_ID_LENGTH}
STATUS_SCHEMA = one_of(Status, _lowercase)
AGENT_TYPE_SCHEMA = one_of(AgentType, _lowercase)
WORKING_DIR_SCHEMA = after(_path_fits, _TEXT)
TERMINAL_SCHEMA = after(_terminal_known_and_bounded, {"type": "dict", "keys_schema": _TEXT, "values_schema": _TEXT})
DETAIL_SCHEMA = after(_one_line, {**_TEXT, "max_length": MAX_DETAIL_CHARS})
"""The bounds of a session's fields, for a Set and for a session mirrored from a remote host alike."""


@dataclass(frozen=True, slots=True)
class SessionUpdate:
    """One Set request, checked against every bound before it is applied (``parse``)."""

    session_id: str = checked(ID_SCHEMA)
    status: Status = checked(STATUS_SCHEMA)
    working_dir: str | None = checked(optional(WORKING_DIR_SCHEMA), None)
    agent_type: AgentType | None = checked(optional(AGENT_TYPE_SCHEMA), None)
    pid: int | None = checked(optional({"type": "int", "strict": True, "ge": 1, "le": MAX_PID}), None)
    pid_start: int | None = checked(optional({"type": "int", "strict": True, "ge": 0}), None)
    reason: CloseReason | None = checked(optional(one_of(CloseReason, _callers_reason)), None)
    terminal: dict[str, str] | None = checked(optional(TERMINAL_SCHEMA), None)
    shared_owner: bool | None = checked(optional({"type": "bool", "strict": True}), None)
    """The owner process hosts many sessions at once (a Codex app-server, an
    opencode server), so this one replaces none of its others."""
    detail: str | None = checked(optional(DETAIL_SCHEMA), None)
    event_time: int | None = checked(optional({"type": "int", "strict": True, "ge": 0, "le": 2**64 - 1}), None)
    transcript_path: str | None = checked(optional(after(_absolute, after(_path_fits, _TEXT))), None)
    event: EventKind | None = checked(optional(one_of(EventKind, _lowercase)), None)
    subagent: str | None = checked(optional({**_TEXT, "max_length": MAX_ID_LENGTH}), None)
    """The thread the event came from: a subagent's id (Claude Code's ``agent_id``), ""
    or absent for the main conversation.  A permission dialog is answered by its own thread."""

    @classmethod
    def parse(cls, **fields: Any) -> "SessionUpdate":
        """Validate, turning pydantic-core's report into one readable InvalidArgs."""
        try:
            update = _check_update(fields)
        except ValidationError as error:
            raise InvalidArgs(_describe(error)) from None
        if update.reason is not None and update.status is not Status.CLOSED:
            raise InvalidArgs("a reason goes only with status 'closed'")
        if (update.pid is None) != (update.pid_start is None):
            raise InvalidArgs("pid and pid_start go together: a pid alone is no identity")
        return update


_check_update = Checker(SessionUpdate)


def _describe(error: ValidationError) -> str:
    """Name the field and the rule, never echo the (possibly huge) input."""
    first = error.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "string_too_long":
        message = f"at most {first['ctx']['max_length']} characters are allowed"
    elif first["type"] == "string_too_short":
        message = "must not be empty"
    return f"{field}: {message}" if field else message


@dataclass(frozen=True, slots=True)
class Instant:
    """One reading of both clocks, so every field set by one change agrees."""

    wall: int
    monotonic: int


def new_session(update: SessionUpdate, now: Instant) -> Session:
    """A session first heard of; one that opens with a dialog was working on a turn before it."""
    closed = update.status is Status.CLOSED
    return Session(
        id=update.session_id,
        agent_type=update.agent_type or DEFAULT_AGENT,
        status=update.status,
        working_dir=update.working_dir or "",
        since=now.wall,
        last_activity=now.wall,
        since_monotonic=now.monotonic,
        activity_monotonic=now.monotonic,
        pid=update.pid or 0,
        pid_start=update.pid_start or 0,
        terminal=_terminal(update.terminal or {}),
        close_reason=(update.reason or CloseReason.USER) if closed else None,
        detail=update.detail or "",
        event_time=update.event_time or 0,
        transcript_path=update.transcript_path or "",
        awaiting_tool=bool(_opened(update)),
        announced_start=update.event is EventKind.SESSION_START,
        dialogs=_opened(update),
        beneath=(Status.WORKING, "") if _opened(update) else None,
        thread_times=_heard(update, ()),
    )


LATE_END_GRACE_US = 5_000_000
"""How long after the daemon closed a session as ``process-exited`` the agent's own end may
still say why: a hook started in the background as the agent exits (Claude's SessionEnd)
may reach the daemon after the owner check found the agent gone.  Covers the hook's start
on a loaded machine and its 3 s bus deadline."""

AGENT_END_REASONS = (CloseReason.SESSION_END, CloseReason.CLEARED)


def amends_close(session: Session, update: SessionUpdate, now: Instant) -> bool:
    """Whether ``update`` is the agent's end of a session the daemon closed as
    ``process-exited`` a moment ago: it ended before it exited, so its reason is the truer one."""
    return (
        session.close_reason is CloseReason.PROCESS_EXITED
        and update.status is Status.CLOSED
        and update.reason in AGENT_END_REASONS
        and now.monotonic - session.since_monotonic <= LATE_END_GRACE_US
    )


def amend_close(session: Session, update: SessionUpdate) -> Session:
    """``session`` closed for ``update``'s reason instead, in its history too; nothing else changes."""
    reason = update.reason
    history = session.history
    if history and history[-1].to_status is Status.CLOSED:
        history = (*history[:-1], replace(history[-1], reason=reason))
    return replace(session, close_reason=reason, history=history)


def is_late(session: Session, update: SessionUpdate) -> bool:
    """Whether ``update`` must change nothing at all.

    Older than the newest event applied from its own thread (the main
    conversation, or the subagent it names), or anything but a start for a
    session that announced its start and that its agent ended or the daemon
    found over.  An update older only than another thread's newest event is
    ``overtaken``: it still opens or answers its own thread's dialog.
    """
    if update.event_time is not None and update.event_time < _thread_time(session, _thread(update)):
        return True
    return (
        session.closed
        and session.announced_start
        and session.close_reason not in REOPENED_BY_ANY_SET
        and update.event is not EventKind.SESSION_START
    )


def is_overtaken(session: Session, update: SessionUpdate) -> bool:
    """Older than the newest event applied from any thread, though not late within its own.

    Claude Code's subagents run beside the main conversation, and the hooks
    of two threads race: the main turn's Stop may land before a subagent's
    PermissionRequest that it followed by milliseconds.
    """
    return update.event_time is not None and update.event_time < session.event_time


def changes_anything(session: Session, update: SessionUpdate) -> bool:
    """Whether an overtaken ``update`` opens or answers a dialog: all it may still do."""
    return _dialogs_after(session, update, overtaken=True) != session.dialogs


def with_late_start(session: Session, update: SessionUpdate) -> Session:
    """``session`` as a late ``update`` leaves it: unchanged, but that its agent announced its
    start stays true however late the announcement came.

    Hooks started in the background race: a SessionStart may land after the
    prompt that followed it and be dropped as older, and without this its
    session would still reopen for any late event after its end (a StopFailure
    landing after SessionEnd).
    """
    if update.event is EventKind.SESSION_START and not session.announced_start:
        return replace(session, announced_start=True)
    return session


def apply_update(session: Session, update: SessionUpdate, now: Instant) -> Session:
    """The next value of ``session`` after a Set: any Set is activity, so it is no longer stale.

    A reminder leaves a question a question.  The detail is the Set's; a Set
    without one keeps the old detail while the status stays, and clears it
    when the status changes, since it explained the old status.

    A permission dialog stays in front until its own thread answers it: any
    later event of that thread but a reminder (the tool runs, fails, is
    refused and the thread goes on, or the thread stops), a start or an end,
    or what the daemon observes for it (the approved tool's process, an
    interruption in the transcript).  Meanwhile the other threads' events
    change only what lies ``beneath``, shown once the last dialog is answered:
    a subagent's dialog is still on screen when the main turn stops or
    Claude starts a turn by itself.  An ``overtaken`` update changes only the
    dialogs.
    """
    overtaken = is_overtaken(session, update)
    dialogs = _dialogs_after(session, update, overtaken)
    below = session.beneath or (session.status, session.detail)
    if not overtaken and not _over_the_dialogs(session, update):
        below = _below_after(below, update)
    status, detail = (Status.ATTENTION, dialogs[0].detail) if dialogs else below
    changes: dict[str, Any] = {
        "last_activity": now.wall,
        "activity_monotonic": now.monotonic,
        "stale": False,
        "awaiting_tool": bool(dialogs),
        "dialogs": dialogs,
        "beneath": below if dialogs else None,
        "thread_times": _heard(update, session.thread_times),
        "detail": detail,
    }
    if not overtaken:
        changes.update(_facts_of(update))
    if status is not session.status:
        reason = (update.reason or CloseReason.USER) if status is Status.CLOSED else None
        changes.update(_transition(session, status, reason, now))
    return replace(session, **changes)


def _facts_of(update: SessionUpdate) -> dict[str, Any]:
    """What an update says besides the status, as session fields: only the newest event's count."""
    facts: dict[str, Any] = {}
    if update.working_dir is not None:
        facts["working_dir"] = update.working_dir
    if update.agent_type is not None:
        facts["agent_type"] = update.agent_type
    if update.pid is not None:
        facts.update(pid=update.pid, pid_start=update.pid_start)
    if update.terminal is not None:
        facts["terminal"] = _terminal(update.terminal)
    if update.event is EventKind.SESSION_START:
        facts["announced_start"] = True
    if update.transcript_path is not None:
        facts["transcript_path"] = update.transcript_path
    if update.event_time is not None:
        facts["event_time"] = update.event_time
    return facts


def _below_after(below: tuple[Status, str], update: SessionUpdate) -> tuple[Status, str]:
    """The status and detail ``update`` makes of ``below``, dialogs aside."""
    status, detail = below
    new_status = status if update.event is EventKind.REMINDER and status is Status.QUESTION else update.status
    if update.detail is not None:
        return new_status, update.detail
    return new_status, detail if new_status is status else ""


def _thread(update: SessionUpdate) -> str:
    return update.subagent or MAIN_THREAD


def _thread_time(session: Session, thread: str) -> int:
    return next((time for name, time in session.thread_times if name == thread), 0)


def _heard(update: SessionUpdate, times: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    """``times`` with ``update``'s thread heard from at its event time, most recent first."""
    if update.event_time is None:
        return times
    thread = _thread(update)
    newest = max(update.event_time, next((time for name, time in times if name == thread), 0))
    return ((thread, newest), *((name, time) for name, time in times if name != thread))[:MAX_THREADS]


def _opened(update: SessionUpdate) -> tuple[Dialog, ...]:
    """The dialog a permission update opens, if it is one."""
    if update.event is EventKind.PERMISSION and update.status is Status.ATTENTION:
        return (Dialog(_thread(update), update.detail or "", update.event_time or 0),)
    return ()


def _dialogs_after(session: Session, update: SessionUpdate, overtaken: bool = False) -> tuple[Dialog, ...]:
    """The dialogs still open after ``update``: a start or an end closes them all (unless
    ``overtaken``: then it touches its own thread's only), a reminder none, anything else its
    own thread's (a permission opens that thread's anew)."""
    if not overtaken and (update.status is Status.CLOSED or update.event is EventKind.SESSION_START):
        return ()
    if update.event is EventKind.REMINDER:
        return session.dialogs
    thread = _thread(update)
    return (*(dialog for dialog in session.dialogs if dialog.subagent != thread), *_opened(update))


def _over_the_dialogs(session: Session, update: SessionUpdate) -> bool:
    """A dialog itself, or a reminder of one still open: shown over what lies beneath, not in it."""
    return bool(_opened(update)) or (update.event is EventKind.REMINDER and bool(session.dialogs))


def _terminal(terminal: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Frozen and in a fixed order, so two equal terminals compare equal."""
    return tuple(sorted(terminal.items()))


def mark_seen(session: Session) -> Session:
    """``session`` with its wait marked seen by a person; unchanged unless it waits.

    Seen belongs to one wait: ``_transition`` clears it on the next status
    change, so a session that asks again nags again.  Marking a working or
    closed session would mark nothing, and would silence its next wait.
    """
    return replace(session, seen=True) if session.waiting and not session.seen else session


def close(session: Session, reason: CloseReason, now: Instant) -> Session:
    """Closed by what the daemon observed; not activity, so last_activity stays."""
    return replace(
        session, stale=False, awaiting_tool=False, detail="", dialogs=(), beneath=None,
        **_transition(session, Status.CLOSED, reason, now),
    )


def _transition(session: Session, status: Status, reason: CloseReason | None, now: Instant) -> dict[str, Any]:
    transition = StateTransition(
        from_status=session.status,
        to_status=status,
        at=now.wall,
        duration=max(0, now.monotonic - session.since_monotonic),
        reason=reason,
    )
    return {
        "status": status,
        "since": now.wall,
        "since_monotonic": now.monotonic,
        "history": (*session.history, transition)[-MAX_HISTORY:],
        "close_reason": reason,
        "seen": False,
    }
