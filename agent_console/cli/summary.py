"""What a status bar shows: the most urgent status present, the counts, a tooltip.

One summary feeds both bar formats, so waybar and i3blocks never disagree.
It holds no durations that grow by themselves ("since 14:03", not "for 3m"),
so it changes only when a session does, and ``watch`` can print a line only
when the summary changed.

Waits a person marked seen are counted apart (``2? 1✓``): they no longer make
the bar red or urgent, yet they are still there to come back to.
"""

import html
import json
from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, Field

from agent_console.presentation import (
    FACE_ORDER,
    QUIET_COLOR,
    SEEN,
    SEEN_GLYPH,
    STATUS_COLORS,
    STATUS_GLYPHS,
    SessionDict,
    agent_of,
    by_urgency,
    clock,
    detail_line,
    face_status,
    json_text,
    name_of,
    status_note,
    text_of,
)
from agent_console.vocabulary import WAITING

NONE = "none"
NOT_RUNNING = "not-running"
OPEN = tuple(status for status in FACE_ORDER if status != "closed")
"""What the bars count, most urgent first: the unseen waits, the seen ones, the work."""
SYMBOLS = {**STATUS_GLYPHS, SEEN: SEEN_GLYPH}
WORDS = {
    "question": ("question", "questions"),
    "attention": ("needs attention", "need attention"),
    SEEN: ("seen", "seen"),
    "working": ("working", "working"),
}
"""How i3blocks' long text says a count, singular and plural: ``1 question, 2 need attention``."""
COLORS = {**STATUS_COLORS, SEEN: QUIET_COLOR, NONE: QUIET_COLOR, NOT_RUNNING: QUIET_COLOR}

TOOLTIP_LINE_CHARS = 72
"""A tooltip line is cut to this many characters (before Pango escaping): a long name, path or
question once made waybar's tooltip 1,170 px wide."""
TOOLTIP_SESSIONS = 20
"""Sessions listed in a tooltip, most urgent first; the rest are counted on one more line."""
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class Summary:
    state: str
    """The most urgent of ``OPEN`` present (a seen wait only when no unseen one is), else
    ``none``, or ``not-running``."""
    short: str
    """Counts as symbols, e.g. ``2? 1✓ 1~``."""
    long: str
    """Counts in words, e.g. ``2 questions, 1 seen, 1 working``."""
    tooltip: str
    """One line per session, most urgent first, bounded, Pango-escaped."""
    percentage: int
    """Share of open sessions that wait for a person and are not seen, 0-100."""

    @property
    def urgent(self) -> bool:
        """An unseen wait: what i3bar's urgent flag is for."""
        return self.state in WAITING


def summarize(sessions: list[SessionDict] | None) -> Summary:
    """``sessions`` None means no daemon runs."""
    if sessions is None:
        return Summary(NOT_RUNNING, "off", "daemon not running", "agent-console daemon is not running", 0)
    counts = Counter(face_status(session) for session in sessions)
    present = [status for status in OPEN if counts[status]]
    tooltip = _tooltip(sessions)
    if not present:
        return Summary(NONE, "idle", "idle", tooltip, 0)
    waiting = sum(counts[status] for status in WAITING)
    return Summary(
        state=present[0],
        short=" ".join(f"{counts[status]}{SYMBOLS[status]}" for status in present),
        long=", ".join(_counted(counts[status], status) for status in present),
        tooltip=tooltip,
        percentage=100 * waiting // sum(counts[status] for status in present),
    )


def _counted(count: int, status: str) -> str:
    singular, plural = WORDS[status]
    return f"{count} {singular if count == 1 else plural}"


def _tooltip(sessions: list[SessionDict]) -> str:
    """The most urgent sessions, a line each; the agent named only where several kinds run."""
    ordered = by_urgency(sessions)
    several_agents = len({agent_of(session) for session in sessions}) > 1
    lines = [_tooltip_line(session, several_agents) for session in ordered[:TOOLTIP_SESSIONS]]
    if len(ordered) > TOOLTIP_SESSIONS:
        lines.append(f"and {len(ordered) - TOOLTIP_SESSIONS} more: agent-console list")
    return "\n".join(html.escape(_cut(line), quote=False) for line in lines) or "no agent sessions"


def _tooltip_line(session: SessionDict, with_agent: bool) -> str:
    """The name, the status and since when (a clock time that does not age), then the detail;
    never the directory, whose end the name already is."""
    status = text_of(session, "status")
    if session.get("stale") is True:
        status += f", quiet since {clock(session.get('last_activity'))}"
    elif note := status_note(session, 0):
        status += f", {note}"
    glyph = SYMBOLS.get(face_status(session), " ")
    agent = f" ({agent_of(session)})" if with_agent else ""
    line = f"{glyph} {name_of(session)}{agent}: {status} since {clock(session.get('since'))}"
    detail = detail_line(session)
    return f"{line}: {detail}" if detail else line


def _cut(line: str) -> str:
    return line if len(line) <= TOOLTIP_LINE_CHARS else line[: TOOLTIP_LINE_CHARS - 1] + ELLIPSIS


class WaybarBlock(BaseModel):
    """A line of waybar's custom module protocol (``"return-type": "json"``)."""

    text: str
    alt: str
    css_class: str = Field(serialization_alias="class")
    tooltip: str
    percentage: int


class I3Block(BaseModel):
    """A line of i3blocks' ``format=json`` protocol.

    ``urgent`` is i3bar's own flag (i3bar draws the block in its urgent
    colours), set for an unseen wait.  It goes as the string ``"true"`` or
    ``"false"``: i3blocks 1.4 (Debian 12) reads only strings and digits and
    silently drops a JSON ``true``, and passes a boolean key's string on
    bare, as 1.5 does too.  The line is UTF-8, not ``\\u`` escapes, which
    1.4 would show as written; it holds no text from a session, only counts.
    """

    full_text: str
    short_text: str
    color: str
    urgent: str


def waybar_line(sessions: list[SessionDict] | None) -> str:
    summary = summarize(sessions)
    block = WaybarBlock(
        text=summary.short,
        alt=summary.state,
        css_class=summary.state,
        tooltip=summary.tooltip,
        percentage=summary.percentage,
    )
    return json_text(block.model_dump(by_alias=True))


def i3blocks_line(sessions: list[SessionDict] | None) -> str:
    summary = summarize(sessions)
    block = I3Block(
        full_text=f"agents: {summary.long}",
        short_text=summary.short,
        color=COLORS[summary.state],
        urgent=str(summary.urgent).lower(),
    )
    return json.dumps(block.model_dump(), ensure_ascii=False)
