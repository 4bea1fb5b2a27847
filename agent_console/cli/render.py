"""The CLI's views of sessions: tables, ``get``'s details and ``watch``'s event lines.

The rules every face shares (order, durations, escaping) are in
:mod:`agent_console.presentation`; this module only lays them out as lines.

``list`` and ``get`` use this module too, and must not pay for what only
``watch`` needs: the mirror's event classes are imported where events are
rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from agent_console.cli.color import Paint
from agent_console.presentation import (
    agent_of,
    by_urgency,
    clock,
    detail_line,
    directory_of,
    elapsed,
    escape,
    json_text,
    name_of,
    short_id,
    status_label,
    status_note,
    text_of,
    transition_line,
)
from agent_console.vocabulary import URGENCY

if TYPE_CHECKING:
    from agent_console.client.mirror import WatchEvent
    from agent_console.presentation import SessionDict

STATUS_WIDTH = max(map(len, URGENCY))
"""Event lines pad the status to this, so names line up while statuses stay short."""


def table(rows: Sequence[Sequence[str]], colors: Sequence[Callable[[str], str]] = ()) -> list[str]:
    """Left-aligned columns two spaces apart; the last column is not padded.

    ``colors[n]`` (if given) colours row n's second column once it is padded,
    so the escape codes take no part in the widths.
    """
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    lines = []
    for index, row in enumerate(rows):
        cells = [*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]
        if index < len(colors):
            cells[1] = colors[index](cells[1])
        lines.append("  ".join(cells).rstrip())
    return lines


def plain(status: str, text: str) -> str:
    return text


def session_table(sessions: Iterable[SessionDict], at_us: int, paint: Paint = plain) -> list[str]:
    """The ``list`` table, most urgent first, the status coloured by ``paint``; no lines for no sessions.

    The DETAIL column appears only when some session has a detail.
    """
    ordered = by_urgency(sessions)
    if not ordered:
        return []
    header = ["ID", "STATUS", "NAME", "AGENT", "FOR", "DIRECTORY", "DETAIL"]
    rows = [
        [short_id(s), status_label(s, at_us), name_of(s), agent_of(s), elapsed(s.get("since"), at_us), directory_of(s),
         detail_line(s)]
        for s in ordered
    ]
    if not any(row[-1] for row in rows):
        header, rows = header[:-1], [row[:-1] for row in rows]
    colors: list[Callable[[str], str]] = [str, *(partial(paint, str(s.get("status"))) for s in ordered)]
    return table([header, *rows], colors)


SHOWN_KEYS = frozenset(
    {"id", "display_name", "status", "detail", "since", "agent_type", "working_dir", "last_activity"}
    | {"closed", "close_reason", "stale", "seen", "history"}
)
"""Keys ``get`` shows in its own way; any other key with a value is shown as it is."""


def session_details(session: SessionDict, at_us: int, paint: Paint = plain) -> list[str]:
    """``get``'s view: every field, then the history; keys a newer daemon adds are shown as they are."""
    note = status_note(session, at_us)
    note = f" ({note})" if note else ""
    rows = [
        ["id:", text_of(session, "id")],
        ["name:", name_of(session)],
        ["status:", f"{text_of(session, 'status')} for {elapsed(session.get('since'), at_us)}{note}"],
        ["detail:", detail_line(session)],
        ["agent:", text_of(session, "agent_type")],
        ["directory:", directory_of(session)],
        ["last activity:", f"{elapsed(session.get('last_activity'), at_us)} ago"],
        *(
            [f"{escape(str(key))}:", text_of(session, key)]
            for key in sorted(session)
            if key not in SHOWN_KEYS and session[key] not in ("", 0, None)
        ),
    ]
    lines = table(rows, [str, str, partial(paint, str(session.get("status")))])
    history = session.get("history") or []
    if history:
        lines.append("history:")
        lines.extend(f"  {transition_line(t)}" for t in history)
    return lines


def event_lines(event: WatchEvent, at_us: int, paint: Paint = plain) -> list[str]:
    """``watch``'s text: one line per change, a count and the table for each snapshot."""
    from agent_console.client.mirror import Changed, NotRunning, Removed, Snapshot

    stamp = clock(at_us)
    match event:
        case Snapshot(sessions):
            plural = "" if len(sessions) == 1 else "s"
            count = f"{stamp}  daemon running, {len(sessions)} session{plural}"
            return [count, *session_table(sessions, at_us, paint)]
        case Changed(session, previous):
            label = paint(str(session.get("status")), f"{status_label(session, at_us):<{STATUS_WIDTH}}")
            where = directory_of(session)
            line = f"{stamp}  {label}  {short_id(session)}  {name_of(session)}  {agent_of(session)}  {where}"
            detail = detail_line(session)
            return [line.rstrip() + (f"  {detail}" if detail else "") + _previous_status(session, previous)]
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
    from agent_console.client.mirror import Changed, NotRunning, Removed, Snapshot

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
