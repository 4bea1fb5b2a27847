"""A session as the dashboard's table shows it: cells, order, filter, the info panel's text.

Every cell is a ``rich.text.Text`` built from text that went through
``presentation.escape``: Textual reads a plain ``str`` cell as markup, and a
session id or a directory named ``[red]…`` or ``\\x1b]0;…`` must show as
itself.  Pure functions of the session and the time, so they are tested
without a terminal.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from agent_console.client.mirror import SessionDict
from agent_console.presentation import (
    SHORT_ID_LENGTH,
    STATUS_COLORS,
    STATUS_GLYPHS,
    agent_of,
    clock,
    detail_line,
    directory_of,
    elapsed,
    escape,
    name_of,
    short_id,
    status_note,
    text_of,
    transition_line,
)
from agent_console.vocabulary import URGENCY

DIM = "dim"
"""Stale and closed sessions: present, but not asking for anything."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    compact: bool
    """Shown in the compact layout too (a narrow terminal)."""
    width: int | None
    """Fixed cells, None for the columns that share what is left: widths are never measured
    from the rows, so 1,000 rows cost nothing to lay out and a row never widens the table."""


COLUMNS = (
    Column("status", "STATUS", True, len("? attention (stale)")),
    Column("name", "NAME", True, 20),
    Column("id", "ID", False, SHORT_ID_LENGTH),
    Column("for", "FOR", True, len("23h59m")),
    Column("detail", "DETAIL", True, None),
    Column("agent", "AGENT", False, len("claude-code")),
    Column("directory", "DIRECTORY", False, None),
)
COMPACT_STATUS_WIDTH = 1
"""The compact layout shows the status as its glyph alone."""
MIN_SHARED_WIDTH = 8
CELL_PADDING = 2
"""The list pads each cell by one on either side (``session_list.CELL_GAP``)."""
SCROLLBAR_WIDTH = 2


def columns(compact: bool) -> list[Column]:
    return [column for column in COLUMNS if column.compact or not compact]


def widths(compact: bool, screen_width: int) -> dict[str, int]:
    """Each column's width for a table ``screen_width`` wide: the fixed ones, and the rest shared."""
    shown = columns(compact)
    fixed = {c.key: (COMPACT_STATUS_WIDTH if compact and c.key == "status" else c.width) for c in shown if c.width}
    shared = [c.key for c in shown if c.width is None]
    left = screen_width - sum(fixed.values()) - CELL_PADDING * len(shown) - SCROLLBAR_WIDTH
    share = max(MIN_SHARED_WIDTH, left // len(shared))
    return {c.key: fixed.get(c.key, share) for c in shown}


def status_cell(session: SessionDict, compact: bool) -> Text:
    status = session.get("status")
    glyph = STATUS_GLYPHS.get(status, "·") if isinstance(status, str) else "·"
    label = glyph if compact else f"{glyph} {text_of(session, 'status')}"
    if session.get("stale") is True and not compact:
        label += " (stale)"
    return Text(label, style=STATUS_COLORS.get(status, "") if isinstance(status, str) else "")


def is_dim(session: SessionDict) -> bool:
    return session.get("stale") is True or session.get("status") == "closed"


def cells(session: SessionDict, at_us: int, sizes: Mapping[str, int]) -> dict[str, Text]:
    """The row's cells by column key, for the columns laid out in ``sizes`` (see ``widths``)."""
    style = DIM if is_dim(session) else ""
    texts = {
        "name": name_of(session),
        "id": short_id(session),
        "detail": detail_line(session),
        "agent": agent_of(session),
        "directory": _tail(directory_of(session), sizes.get("directory", 0)),
    }
    row = {"status": status_cell(session, compact=sizes["status"] == COMPACT_STATUS_WIDTH),
           "for": duration_cell(session, at_us)}
    if style:
        row["status"].stylize(style)
    for key in sizes.keys() - row.keys():
        row[key] = Text(texts[key], style=style, no_wrap=True, overflow="ellipsis")
    return row


def duration_cell(session: SessionDict, at_us: int) -> Text:
    """How long in this status: the one cell that changes by itself, once a second at most."""
    return Text(elapsed(session.get("since"), at_us), style=DIM if is_dim(session) else "", no_wrap=True)


def _tail(path: str, width: int) -> str:
    """A path cut at its start, where it says least: ``…/src/webshop``."""
    return path if len(path) <= width else "…" + path[len(path) - width + 1 :]


def matches(session: SessionDict, needle: str) -> bool:
    """The filter: ``needle`` anywhere in what a row shows, or in the full id, ignoring case."""
    if not needle:
        return True
    shown = (
        text_of(session, "status"), name_of(session), text_of(session, "id"), detail_line(session),
        agent_of(session), directory_of(session), text_of(session, "working_dir"),
    )
    return needle.casefold() in " ".join(shown).casefold()


def counts_line(sessions: Iterable[SessionDict] | None, shown: int, needle: str) -> Text:
    """The header: counts per status, most urgent first, and the filter when one is set."""
    if sessions is None:
        return Text("daemon not running: waiting for it to start", style="bold")
    listed = list(sessions)
    parts = [Text("agent-console  ", style="bold")]
    for status in URGENCY:
        count = sum(1 for s in listed if s.get("status") == status)
        parts.append(Text(f"{STATUS_GLYPHS[status]} {count} {status}   ", style=STATUS_COLORS[status] if count else DIM))
    if needle:
        parts.append(Text(f"filter {escape(needle)!r}: {shown} of {len(listed)}"))
    elif not listed:
        parts.append(Text("no sessions yet", style=DIM))
    return Text.assemble(*parts)


def record_lines(session: SessionDict, at_us: int) -> Text:
    """The info panel: every field of the record as the daemon sent it, then the history."""
    lines = [
        f"{name_of(session)}",
        f"{text_of(session, 'status')} for {elapsed(session.get('since'), at_us)}"
        + (f" ({note})" if (note := status_note(session, at_us)) else ""),
        "",
    ]
    for key in sorted(session):
        if key != "history":
            lines.append(f"{escape(str(key))}: {_field(key, session[key])}")
    history = session.get("history") or []
    if history:
        lines += ["", "history:", *(f"  {transition_line(t)}" for t in history)]
    return Text("\n".join(lines))


def _field(key: str, value: Any) -> str:
    if key in ("since", "last_activity") and isinstance(value, int):
        return clock(value)
    if isinstance(value, dict):
        return ", ".join(f"{escape(str(k))}={escape(str(v))}" for k, v in sorted(value.items())) or "-"
    return escape(str(value))
