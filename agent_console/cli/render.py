"""The CLI's views of sessions: tables, ``get``'s details and ``watch``'s event lines.

The rules every face shares (order, durations, escaping) are in
:mod:`agent_console.presentation`; this module only lays them out as lines.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from agent_console.mirror import (
    Changed,
    NotRunning,
    Removed,
    SessionDict,
    Snapshot,
    WatchEvent,
)
from agent_console.presentation import (
    URGENCY,
    agent_of,
    by_urgency,
    clock,
    directory_of,
    elapsed,
    escape,
    json_text,
    name_of,
    status_label,
    status_note,
    text_of,
    transition_line,
)

STATUS_WIDTH = max(map(len, URGENCY))
"""Event lines pad the status to this, so names line up while statuses stay short."""


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns two spaces apart; the last column is not padded."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return ["  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]]).rstrip() for row in rows]


def session_table(sessions: Iterable[SessionDict], at_us: int) -> list[str]:
    """The ``list`` table, most urgent first; no lines at all for no sessions."""
    rows = [
        [status_label(s, at_us), name_of(s), agent_of(s), elapsed(s.get("since"), at_us), directory_of(s)]
        for s in by_urgency(sessions)
    ]
    return table([["STATUS", "NAME", "AGENT", "FOR", "DIRECTORY"], *rows]) if rows else []


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


def event_lines(event: WatchEvent, at_us: int) -> list[str]:
    """``watch``'s text: one line per change, a count and the table for each snapshot."""
    stamp = clock(at_us)
    match event:
        case Snapshot(sessions):
            plural = "" if len(sessions) == 1 else "s"
            return [f"{stamp}  daemon running, {len(sessions)} session{plural}", *session_table(sessions, at_us)]
        case Changed(session, previous):
            where = directory_of(session)
            line = f"{stamp}  {status_label(session, at_us):<{STATUS_WIDTH}}  {name_of(session)}  {agent_of(session)}  {where}"
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
