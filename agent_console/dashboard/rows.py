"""A session as the dashboard's table shows it: cells, order, filter, the info panel's text.

Every cell is a ``rich.text.Text`` built from text that went through
``presentation.escape``: Textual reads a plain ``str`` cell as markup, and a
session id or a directory named ``[red]…`` or ``\\x1b]0;…`` must show as
itself.  Pure functions of the session and the time, so they are tested
without a terminal.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from agent_console.presentation import (
    FACE_ORDER,
    QUIET_COLOR,
    SEEN,
    SEEN_GLYPH,
    SHORT_ID_LENGTH,
    STATUS_COLORS,
    STATUS_GLYPHS,
    SessionDict,
    agent_of,
    clock,
    detail_line,
    directory_of,
    elapsed,
    escape,
    face_status,
    human_duration,
    is_seen_wait,
    name_of,
    short_id,
    status_note,
    text_of,
)
from agent_console.system.boottime import US_PER_S

FACE_GLYPHS = {**STATUS_GLYPHS, SEEN: SEEN_GLYPH}
FACE_COLORS = {**STATUS_COLORS, SEEN: QUIET_COLOR}
DIM = "dim"
"""Stale and closed sessions and seen waits: present, but not asking for anything now."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    compact: bool
    """Shown in the compact layout too (a narrow terminal)."""
    width: int | None
    """Fixed cells, None for the columns that share what is left: widths are never measured
    from the rows, so 1,000 rows cost nothing to lay out and a row never widens the table."""
    share: int = 1
    """A sharing column's part of what is left."""

    def heading(self, width: int) -> str:
        """The label, or nothing where it does not fit: a lone ``…`` over a column says nothing."""
        return self.label if len(self.label) <= width else ""


COLUMNS = (
    Column("status", "STATUS", True, len("? attention")),
    Column("name", "NAME", True, 16),
    Column("id", "ID", False, SHORT_ID_LENGTH),
    Column("for", "FOR", True, len("23h59m")),
    Column("detail", "DETAIL", True, None, share=2),
    Column("agent", "AGENT", False, len("claude-code")),
    Column("directory", "DIRECTORY", False, None),
)
"""The status says its note in one word (``? seen``, ``~ stale``) so that it stays narrow, and
DETAIL, what a person reads to decide, takes two shares of the room left to DIRECTORY's one."""
COMPACT_STATUS_WIDTH = 1
"""The compact layout shows the status as its glyph alone, under a blank heading."""
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
    shares = {c.key: c.share for c in shown if c.width is None}
    left = screen_width - sum(fixed.values()) - CELL_PADDING * len(shown) - SCROLLBAR_WIDTH
    part = left // sum(shares.values())
    return {c.key: fixed[c.key] if c.key in fixed else max(MIN_SHARED_WIDTH, part * shares[c.key]) for c in shown}


def status_cell(session: SessionDict, compact: bool) -> Text:
    """The glyph and one word: the status, or ``seen`` for a seen wait, ``stale`` for quiet work;
    the compact layout's glyph alone is the seen sign for a seen wait."""
    status = session.get("status")
    glyph = STATUS_GLYPHS.get(status, "·") if isinstance(status, str) else "·"
    seen = is_seen_wait(session)
    word = SEEN if seen else "stale" if session.get("stale") is True else text_of(session, "status")
    label = (SEEN_GLYPH if seen else glyph) if compact else f"{glyph} {word}"
    return Text(label, style=STATUS_COLORS.get(status, "") if isinstance(status, str) else "")


def is_dim(session: SessionDict) -> bool:
    """Stale, closed, or a wait already seen: present, but not asking for anything now."""
    return session.get("stale") is True or session.get("status") == "closed" or is_seen_wait(session)


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
        text_of(session, "status"), str(face_status(session)), name_of(session), text_of(session, "id"), detail_line(session),
        agent_of(session), directory_of(session), text_of(session, "working_dir"),
    )
    return needle.casefold() in " ".join(shown).casefold()


def counts_line(sessions: Iterable[SessionDict] | None, shown: int, needle: str, compact: bool = False) -> Text:
    """The header: counts most urgent first, seen waits apart, and the filter when one is set;
    the glyphs without their words in the compact layout, where the words would not fit."""
    if sessions is None:
        return Text("daemon not running: waiting for it to start", style="bold")
    listed = list(sessions)
    counts = Counter(face_status(session) for session in listed)
    parts = [Text("agent-console  ", style="bold")]
    for status in FACE_ORDER:
        count = counts[status]
        label = f"{FACE_GLYPHS[status]} {count}" if compact else f"{FACE_GLYPHS[status]} {count} {status}"
        parts.append(Text(f"{label}   ", style=FACE_COLORS[status] if count else DIM))
    if needle:
        parts.append(Text(f"filter {escape(needle)!r}: {shown} of {len(listed)}"))
    elif not listed:
        parts.append(Text("no sessions yet", style=DIM))
    return Text.assemble(*parts)


RECORD_LABEL_WIDTH = len("last activity")
RECORD_SHOWN = frozenset(
    {"id", "display_name", "status", "detail", "since", "agent_type", "working_dir", "last_activity", "closed"}
    | {"close_reason", "stale", "seen", "permission", "pid", "terminal", "seq", "history"}
)
"""Keys the panel shows in its own way, or not at all (``closed`` repeats the status, ``seq`` is
for subscribers); any other key a newer daemon sends is listed as it is, at the end."""


def record_lines(session: SessionDict, at_us: int) -> Text:
    """The info panel: what the session waits for, its facts under labels, then its history as
    a timeline of statuses with how long each lasted."""
    title = Text(name_of(session), style="bold")
    state = f"{text_of(session, 'status')} for {elapsed(session.get('since'), at_us)}"
    if note := status_note(session, at_us):
        state += f", {note}"
    if session.get("permission") is True:
        state += ", a tool waits for permission"
    lines = [state]
    if detail := detail_line(session):
        lines.append(detail)
    lines.append("")
    facts = [
        ("id", text_of(session, "id")),
        ("agent", agent_of(session)),
        ("directory", directory_of(session)),
        ("since", _clock_ago(session.get("since"), at_us)),
        ("last activity", _clock_ago(session.get("last_activity"), at_us)),
        ("process", f"pid {session['pid']}" if session.get("pid") else "unknown"),
        ("terminal", _terminal(session.get("terminal"))),
        *((escape(str(key)), text_of(session, key)) for key in sorted(session) if key not in RECORD_SHOWN),
    ]
    parts: list[Text | str] = [title, "\n", "\n".join(lines), "\n"]
    for label, value in facts:
        parts += [Text(f"{label:<{RECORD_LABEL_WIDTH}}  ", style=DIM), value, "\n"]
    history = session.get("history")
    if isinstance(history, list) and history:
        parts += ["\n", Text("history", style="bold"), "\n", "\n".join(f"  {line}" for line in timeline(history, session, at_us))]
    return Text.assemble(*parts)


def _clock_ago(at: Any, now_us: int) -> str:
    """``14:03:07, 1m05s ago``: the time of day to match with a terminal, the age to judge it."""
    return f"{clock(at)}, {elapsed(at, now_us)} ago" if isinstance(at, int) else "?"


def _terminal(terminal: Any) -> str:
    if not isinstance(terminal, dict) or not terminal:
        return "unknown"
    return ", ".join(f"{escape(str(key))} {escape(str(value))}" for key, value in sorted(terminal.items()))


def timeline(history: list[Any], session: SessionDict, at_us: int) -> list[str]:
    """One line per status the session went through, oldest first: when it began, what, how long
    (``14:01:02  working    3m12s``); the last is the status now, ``for`` how long so far."""
    rows: list[tuple[str, str, str]] = []
    for change in history:
        if not isinstance(change, dict):
            continue
        lasted, at = change.get("duration"), change.get("at")
        began = at - lasted if isinstance(at, int) and isinstance(lasted, int) else None
        spent = human_duration(lasted / US_PER_S) if isinstance(lasted, int) else "?"
        rows.append((clock(began), text_of(change, "from"), spent))
    reason = f", {text_of(session, 'close_reason')}" if session.get("close_reason") else ""
    now = f"{elapsed(session.get('since'), at_us)} so far" if session.get("status") != "closed" else "ended"
    rows.append((clock(session.get("since")), text_of(session, "status"), now + reason))
    width = max(len(status) for _, status, _ in rows)
    return [f"{began}  {status:<{width}}  {spent}" for began, status, spent in rows]
