"""Sessions as a person reads them: order, durations, tables and event lines.

Nothing here talks to the bus or to typer, so every rule of the display can be
tested on plain dictionaries.  Every string that came from outside (ids,
paths, names, and whatever keys a newer daemon adds) goes through ``escape``
before it reaches a terminal: a working directory is chosen by whoever created
it, and a crafted one must not be able to retitle or recolour the terminal of
the person who lists sessions.
"""

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from agent_console.cli.mirror import Changed, NotRunning, Removed, Snapshot, WatchEvent
from agent_console.client import SessionDict

URGENCY = ("question", "attention", "working", "closed")
"""Statuses, most in need of a person first: the order of ``list`` and of widgets."""

US_PER_S = 1_000_000
STATUS_WIDTH = max(map(len, URGENCY))
"""Event lines pad the status to this, so names line up while statuses stay short."""

_BIDI_CONTROLS = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_ESCAPES = {
    code: f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), *_BIDI_CONTROLS)
}


def escape(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b``-style escapes.

    C0 and C1 controls (ESC, BEL, CSI, newlines...) would otherwise be obeyed
    by the terminal; bidirectional overrides could make one path look like
    another.  Newlines are escaped too, so one value is always one line.
    """
    return text.translate(_ESCAPES)


def human_duration(seconds: float) -> str:
    """Two units at most, e.g. ``45s``, ``14m``, ``3h05m``, ``2d4h``: enough to compare waits."""
    total = max(0, int(seconds))
    minutes, secs = divmod(total, 60)
    hours, mins = divmod(minutes, 60)
    days, hrs = divmod(hours, 24)
    if days:
        return f"{days}d{hrs}h"
    if hours:
        return f"{hours}h{mins:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def now_us() -> int:
    """Wall-clock microseconds, the unit of ``since`` and ``last_activity`` on the wire."""
    return time.time_ns() // 1000


def elapsed(since_us: Any, at_us: Any) -> str:
    """How long from ``since_us`` to ``at_us``; ``?`` where a daemon sent no usable time."""
    if not isinstance(since_us, int) or not isinstance(at_us, int):
        return "?"
    return human_duration((at_us - since_us) / US_PER_S)


def clock(at_us: Any) -> str:
    """Local wall-clock time of day, e.g. ``14:03:07``."""
    if not isinstance(at_us, int):
        return "?"
    return datetime.fromtimestamp(at_us / US_PER_S).strftime("%H:%M:%S")


def _urgency(status: Any) -> int:
    """Unknown statuses from a newer daemon sort after every known one."""
    return URGENCY.index(status) if status in URGENCY else len(URGENCY)


def by_urgency(sessions: Iterable[SessionDict]) -> list[SessionDict]:
    """What needs a person first; within a status, whoever has waited longest."""

    def key(session: SessionDict) -> tuple[int, int, str]:
        since = session.get("since")
        return (_urgency(session.get("status")), since if isinstance(since, int) else 0, str(session.get("id")))

    return sorted(sessions, key=key)


def text_of(session: Mapping[str, Any], key: str) -> str:
    """A field as escaped text, empty where missing: a newer or older daemon may differ."""
    value = session.get(key)
    return "" if value is None else escape(str(value))


def status_label(session: SessionDict, at_us: int) -> str:
    """The status with its note, e.g. ``working, quiet 14m`` or ``closed, process-exited``."""
    note = status_note(session, at_us)
    return f"{text_of(session, 'status')}, {note}" if note else text_of(session, "status")


def status_note(session: SessionDict, at_us: int) -> str:
    """How long a stale session has been quiet, or why a closed one closed; else nothing."""
    if session.get("stale") is True:
        return f"quiet {elapsed(session.get('last_activity'), at_us)}"
    return text_of(session, "close_reason")


def name_of(session: SessionDict) -> str:
    return text_of(session, "display_name") or text_of(session, "id")


def directory_of(session: SessionDict) -> str:
    return short_path(str(session.get("working_dir", "")))


def short_path(path: str, home: str | None = None) -> str:
    """The home directory as ``~``, as a shell prompt shows it; escaped."""
    home = str(Path.home()) if home is None else home
    if home and home != "/" and (path == home or path.startswith(home + "/")):
        path = "~" + path[len(home) :]
    return escape(path)


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns two spaces apart; the last column is not padded."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return ["  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]]).rstrip() for row in rows]


def session_table(sessions: Iterable[SessionDict], at_us: int) -> list[str]:
    """The ``list`` table, most urgent first; no lines at all for no sessions."""
    rows = [
        [status_label(s, at_us), name_of(s), elapsed(s.get("since"), at_us), directory_of(s)]
        for s in by_urgency(sessions)
    ]
    return table([["STATUS", "NAME", "FOR", "DIRECTORY"], *rows]) if rows else []


SHOWN_KEYS = frozenset(
    {"id", "display_name", "status", "since", "agent_type", "working_dir", "last_activity"}
    | {"closed", "close_reason", "stale", "history"}
)
"""Keys ``get`` shows in its own way; any other key with a value is shown as it is."""


def session_details(session: SessionDict, at_us: int) -> list[str]:
    """``get``'s view: every field, then the history; keys a newer daemon adds are shown as they are."""
    note = status_note(session, at_us)
    note = f" ({note})" if note else ""
    rows = [
        ["id:", text_of(session, "id")],
        ["name:", name_of(session)],
        ["status:", f"{text_of(session, 'status')} for {elapsed(session.get('since'), at_us)}{note}"],
        ["agent:", text_of(session, "agent_type")],
        ["directory:", directory_of(session)],
        ["last activity:", f"{elapsed(session.get('last_activity'), at_us)} ago"],
        *(
            [f"{escape(str(key))}:", text_of(session, key)]
            for key in sorted(session)
            if key not in SHOWN_KEYS and session[key] not in ("", 0, None)
        ),
    ]
    lines = table(rows)
    history = session.get("history") or []
    if history:
        lines.append("history:")
        lines.extend(f"  {transition_line(t)}" for t in history)
    return lines


def transition_line(transition: Mapping[str, Any]) -> str:
    lasted = transition.get("duration")
    spent = human_duration(lasted / US_PER_S) if isinstance(lasted, int) else "?"
    reason = f", {text_of(transition, 'reason')}" if transition.get("reason") else ""
    return (
        f"{clock(transition.get('at'))}  {text_of(transition, 'from')} -> {text_of(transition, 'to')}"
        f"  (after {spent}{reason})"
    )


def json_text(value: Any, indent: int | None = None) -> str:
    """JSON with every non-ASCII and control character as a ``\\u`` escape: safe on any terminal."""
    return json.dumps(value, ensure_ascii=True, indent=indent)


def event_lines(event: WatchEvent, at_us: int) -> list[str]:
    """``watch``'s text: one line per change, a count and the table for each snapshot."""
    stamp = clock(at_us)
    match event:
        case Snapshot(sessions):
            plural = "" if len(sessions) == 1 else "s"
            return [f"{stamp}  daemon running, {len(sessions)} session{plural}", *session_table(sessions, at_us)]
        case Changed(session, previous):
            where = directory_of(session)
            line = f"{stamp}  {status_label(session, at_us):<{STATUS_WIDTH}}  {name_of(session)}  {where}"
            return [line.rstrip() + _previous_status(session, previous)]
        case Removed(session_id, previous):
            return [f"{stamp}  {'removed':<{STATUS_WIDTH}}  {name_of(previous) if previous else escape(session_id)}"]
        case NotRunning():
            return [f"{stamp}  daemon not running; waiting for it to start"]


def _previous_status(session: SessionDict, previous: SessionDict | None) -> str:
    """``  (was working 3m)`` when the status changed, else nothing."""
    if previous is None or previous.get("status") == session.get("status"):
        return ""
    return f"  (was {text_of(previous, 'status')} {elapsed(previous.get('since'), session.get('since'))})"


def event_json(event: WatchEvent) -> str:
    """``watch --format json``: one object per line, the event and the session as on the wire."""
    match event:
        case Snapshot(sessions):
            value: dict[str, Any] = {"event": "snapshot", "sessions": list(sessions)}
        case Changed(session, _):
            value = {"event": "changed", "session": session}
        case Removed(session_id, previous):
            value = {"event": "removed", "id": session_id, "session": previous}
        case NotRunning():
            value = {"event": "not-running"}
    return json_text(value)
