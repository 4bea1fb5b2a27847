"""Sessions as a person reads them, whatever the face: order, durations, escaping.

The CLI, the dashboard and the notifier all show sessions; the rules they must
agree on live here, below all three.  Nothing here talks to the bus, to a CLI parser
or to a terminal library, so every rule can be tested on plain dictionaries.  Every string that came from outside (ids,
paths, names, and whatever keys a newer daemon adds) goes through ``escape``
before it reaches a terminal: a working directory is chosen by whoever created
it, and a crafted one must not be able to retitle or recolour the terminal of
the person who lists sessions.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from agent_console.system.boottime import US_PER_S
from agent_console.vocabulary import URGENCY, WAITING

SessionDict = dict[str, Any]
"""A session as the daemon sends it, variants unwrapped: keys may come and go between versions.
Named here, below the clients that make it, since every rule here reads one."""

QUIET_COLOR = "#888888"
STATUS_COLORS = {"question": "#ff5555", "attention": "#ffb86c", "working": "#50fa7b", "closed": QUIET_COLOR}
"""One colour per status for every face: the status bars' and the terminal's."""

STATUS_GLYPHS = {"question": "?", "attention": "!", "working": "~", "closed": "x"}
"""A sign per status that survives NO_COLOR and monochrome terminals: the status bars' symbols."""

SEEN = "seen"
"""What a face counts a seen wait as: a question or attention a person marked seen, apart from
the waits that still need them.  Not a status: the session keeps its own."""
SEEN_GLYPH = "\u2713"
"""CHECK MARK, the bars' sign for seen waits (``2? 1\u2713``): checked off, still there."""
FACE_ORDER = (*URGENCY[: len(WAITING)], SEEN, *URGENCY[len(WAITING) :])
"""``URGENCY`` with seen waits after the unseen ones and before work: what every face sorts and counts by."""

EXACT_BELOW_S = 120
"""Below two minutes a duration shows its seconds too (``1m05s``): ``1m`` alone would hide up to half of it."""

SHORT_ID_LENGTH = 8
"""Characters of an id that ``list`` and ``watch`` show, as ``docker ps`` shows 12 of 64:
eight hex digits of a UUID tell thousands of sessions apart, and ``get``/``rm`` take any unique prefix."""

_BIDI_CONTROLS = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_LINE_BREAKS = (0x2028, 0x2029)
"""LINE SEPARATOR and PARAGRAPH SEPARATOR: lines to many terminals, editors and JSON readers."""
_ESCAPES = {
    code: f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), *_BIDI_CONTROLS, *_LINE_BREAKS)
}


def escape(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b``-style escapes.

    C0 and C1 controls (ESC, BEL, CSI, newlines...) would otherwise be obeyed
    by the terminal; bidirectional overrides could make one path look like
    another.  Newlines, U+2028 and U+2029 are escaped too, so one value is always one line.
    """
    return text.translate(_ESCAPES)


def human_duration(seconds: float) -> str:
    """Two units at most, e.g. ``45s``, ``1m05s``, ``14m``, ``3h05m``, ``2d4h``: enough to compare waits.

    Exact below ``EXACT_BELOW_S``; from there on the minutes alone, so that a
    face redraws a duration once a minute, not once a second.
    """
    total = max(0, int(seconds))
    minutes, secs = divmod(total, 60)
    hours, mins = divmod(minutes, 60)
    days, hrs = divmod(hours, 24)
    if days:
        return f"{days}d{hrs}h"
    if hours:
        return f"{hours}h{mins:02d}m"
    if total >= EXACT_BELOW_S:
        return f"{minutes}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
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


def is_seen_wait(session: Mapping[str, Any]) -> bool:
    """A question or attention that a person marked seen: still waiting, no longer nagging."""
    return session.get("status") in WAITING and session.get("seen") is True


def face_status(session: Mapping[str, Any]) -> Any:
    """What a face counts the session as: its status, or ``SEEN`` for a seen wait."""
    return SEEN if is_seen_wait(session) else session.get("status")


def _urgency(session: Mapping[str, Any]) -> int:
    """Unknown statuses from a newer daemon sort after every known one."""
    status = face_status(session)
    return FACE_ORDER.index(status) if status in FACE_ORDER else len(FACE_ORDER)


def urgency_key(session: SessionDict) -> tuple[int, int, str]:
    """What needs a person first, then the waits they have seen; within each, whoever has
    waited longest; then by id."""
    since = session.get("since")
    return (_urgency(session), since if isinstance(since, int) else 0, str(session.get("id")))


def by_urgency(sessions: Iterable[SessionDict]) -> list[SessionDict]:
    return sorted(sessions, key=urgency_key)


def text_of(session: Mapping[str, Any], key: str) -> str:
    """A field as escaped text, empty where missing: a newer or older daemon may differ."""
    value = session.get(key)
    return "" if value is None else escape(str(value))


def status_label(session: SessionDict, at_us: int) -> str:
    """The status with its note, e.g. ``question, seen``, ``working, quiet 14m`` or ``closed, process-exited``."""
    note = status_note(session, at_us)
    return f"{text_of(session, 'status')}, {note}" if note else text_of(session, "status")


def status_note(session: SessionDict, at_us: int) -> str:
    """That a wait was seen, how long a stale session has been quiet, or why a closed one closed; else nothing."""
    if is_seen_wait(session):
        return SEEN
    if session.get("stale") is True:
        return f"quiet {elapsed(session.get('last_activity'), at_us)}"
    return text_of(session, "close_reason")


def short_id(session: SessionDict) -> str:
    """The id's first ``SHORT_ID_LENGTH`` characters, escaped."""
    return escape(str(session.get("id", ""))[:SHORT_ID_LENGTH])


def detail_line(session: SessionDict) -> str:
    """Why the session needs a person (``Bash: npm test``, a question, ``interrupted``), escaped; "" if unknown.

    The daemon keeps it to one line of at most ``MAX_DETAIL_CHARS``, but a
    face must not trust that: escaping turns any newline into ``\\x0a``.
    """
    return text_of(session, "detail")


def name_of(session: SessionDict) -> str:
    return text_of(session, "display_name") or text_of(session, "id")


def agent_of(session: SessionDict) -> str:
    """Which agent runs the session, as ``--agent`` names it (``claude-code``, ``gemini-cli``...).

    Sessions of several agents side by side need telling apart; the
    ``agent_type`` string is short, one word, and the name a person types.
    """
    return text_of(session, "agent_type") or "?"


def directory_of(session: SessionDict) -> str:
    return short_path(str(session.get("working_dir", "")))


def short_path(path: str, home: str | None = None) -> str:
    """The home directory as ``~``, as a shell prompt shows it; escaped."""
    home = os.path.expanduser("~") if home is None else home
    if home and home != "/" and (path == home or path.startswith(home + "/")):
        path = "~" + path[len(home) :]
    return escape(path)


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
