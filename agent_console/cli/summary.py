"""What a status bar shows: the most urgent status present and the counts.

One summary feeds both bar formats, so waybar and i3blocks never disagree.
It holds no durations that grow by themselves ("since 14:03", not "for 3m"),
so it changes only when a session does, and ``watch`` can print a line only
when the summary changed.
"""

import html
from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, Field

from agent_console.client.mirror import SessionDict
from agent_console.presentation import (
    QUIET_COLOR,
    STATUS_COLORS,
    STATUS_GLYPHS,
    agent_of,
    by_urgency,
    clock,
    directory_of,
    json_text,
    name_of,
    text_of,
)
from agent_console.vocabulary import URGENCY

NONE = "none"
NOT_RUNNING = "not-running"
OPEN_STATUSES = tuple(status for status in URGENCY if status != "closed")
SYMBOLS = {status: STATUS_GLYPHS[status] for status in OPEN_STATUSES}
NEEDS_A_PERSON = ("question", "attention")
COLORS = {**STATUS_COLORS, NONE: QUIET_COLOR, NOT_RUNNING: QUIET_COLOR}


@dataclass(frozen=True)
class Summary:
    state: str
    """The most urgent open status present, else ``none``, or ``not-running``."""
    short: str
    """Counts as symbols, e.g. ``2? 1~``."""
    long: str
    """Counts in words, e.g. ``2 question, 1 working``."""
    tooltip: str
    """One line per session, most urgent first, Pango-escaped."""
    percentage: int
    """Share of open sessions that wait for a person (question or attention), 0-100."""


def summarize(sessions: list[SessionDict] | None) -> Summary:
    """``sessions`` None means no daemon runs."""
    if sessions is None:
        return Summary(NOT_RUNNING, "off", "daemon not running", "agent-console daemon is not running", 0)
    counts = Counter(session.get("status") for session in sessions)
    present = [status for status in OPEN_STATUSES if counts[status]]
    tooltip = "\n".join(_tooltip_line(s) for s in by_urgency(sessions)) or "no agent sessions"
    if not present:
        return Summary(NONE, "idle", "idle", tooltip, 0)
    waiting = sum(counts[status] for status in NEEDS_A_PERSON)
    return Summary(
        state=present[0],
        short=" ".join(f"{counts[status]}{SYMBOLS[status]}" for status in present),
        long=", ".join(f"{counts[status]} {status}" for status in present),
        tooltip=tooltip,
        percentage=100 * waiting // sum(counts[status] for status in present),
    )


def _tooltip_line(session: SessionDict) -> str:
    """Like ``list``'s row, but with clock times that do not age: "quiet since", not "quiet 14m"."""
    status = text_of(session, "status")
    if session.get("stale") is True:
        status += f", quiet since {clock(session.get('last_activity'))}"
    elif session.get("close_reason"):
        status += f", {text_of(session, 'close_reason')}"
    where = directory_of(session)
    line = f"{status}  {name_of(session)} ({agent_of(session)})  since {clock(session.get('since'))}  {where}"
    return html.escape(line.rstrip(), quote=False)


class WaybarBlock(BaseModel):
    """A line of waybar's custom module protocol (``"return-type": "json"``)."""

    text: str
    alt: str
    css_class: str = Field(serialization_alias="class")
    tooltip: str
    percentage: int


class I3Block(BaseModel):
    """A line of i3blocks' ``format=json`` protocol."""

    full_text: str
    short_text: str
    color: str


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
    block = I3Block(full_text=f"agents: {summary.long}", short_text=summary.short, color=COLORS[summary.state])
    return json_text(block.model_dump())
