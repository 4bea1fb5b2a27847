"""The display rules on plain dictionaries: escaping, durations, order, tables, bar summaries, the watch mirror."""

import json

import pytest

from agent_console.cli.render import (
    event_json,
    event_lines,
    session_details,
    session_table,
)
from agent_console.cli.summary import i3blocks_line, summarize, waybar_line
from agent_console.client.mirror import (
    Changed,
    NotRunning,
    Removed,
    SessionMirror,
    Snapshot,
)
from agent_console.presentation import (
    SHORT_ID_LENGTH,
    by_urgency,
    escape,
    human_duration,
    short_id,
    short_path,
    status_label,
)

pytestmark = pytest.mark.pure

S = 1_000_000
NOW = 1_800_000_000 * S
HOSTILE_DIR = "/tmp/\x1b]0;pwned\x07/\x1b[31mred"


def session(session_id: str, status: str, since_s_ago: int = 0, **extra: object) -> dict:
    return {
        "id": session_id,
        "agent_type": "claude-code",
        "status": status,
        "working_dir": f"/src/{session_id}",
        "display_name": session_id,
        "since": NOW - since_s_ago * S,
        "last_activity": NOW - since_s_ago * S,
        "closed": status == "closed",
        **extra,
    }


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(-5, "0s"), (0, "0s"), (45, "45s"), (60, "1m00s"), (65, "1m05s"), (119, "1m59s"), (120, "2m"),
     (14 * 60 + 59, "14m"), (3 * 3600 + 5 * 60, "3h05m"), (2 * 86400 + 4 * 3600 + 59, "2d4h")],
)
def test_human_duration(seconds: int, shown: str) -> None:
    assert human_duration(seconds) == shown


def test_escape_shows_every_control_character_and_keeps_the_rest() -> None:
    assert escape(HOSTILE_DIR) == "/tmp/\\x1b]0;pwned\\x07/\\x1b[31mred"
    assert escape("a\nb\tc\x7f\x9bd") == "a\\x0ab\\x09c\\x7f\\x9bd"
    assert escape("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert escape("one\u2028two\u2029three") == "one\\u2028two\\u2029three"
    assert escape("café 日本 🙂") == "café 日本 🙂"


def test_short_path_abbreviates_home_only_at_a_boundary() -> None:
    assert short_path("/home/ann/src", "/home/ann") == "~/src"
    assert short_path("/home/ann", "/home/ann") == "~"
    assert short_path("/home/anna/src", "/home/ann") == "/home/anna/src"


def test_order_is_urgency_then_longest_waiting_then_unknown_statuses() -> None:
    sessions = [
        session("w", "working", 500),
        session("c", "closed", 900),
        session("q-new", "question", 10),
        session("future", "sleeping", 999),
        session("a", "attention", 5),
        session("q-old", "question", 300),
    ]
    assert [s["id"] for s in by_urgency(sessions)] == ["q-old", "q-new", "a", "w", "c", "future"]


def test_table_is_aligned_and_escaped() -> None:
    lines = session_table([session("a", "attention", 840), session("x", "question", 45, working_dir=HOSTILE_DIR)], NOW)
    assert lines[0].split() == ["ID", "STATUS", "NAME", "AGENT", "FOR", "DIRECTORY"]
    assert lines[1].split() == ["x", "question", "x", "claude-code", "45s", escape(HOSTILE_DIR)]
    assert lines[2].split() == ["a", "attention", "a", "claude-code", "14m", "/src/a"]
    headings = ["STATUS", "question", "attention"]
    name_columns = {line.index(name, len(line.split()[0]) + 2) for line, name in zip(lines, headings, strict=False)}
    assert len(name_columns) == 1, lines
    assert not any(ch in "".join(lines) for ch in "\x1b\x07")


def test_stale_and_close_reason_are_notes_on_the_status() -> None:
    stale = session("s", "working", 3600, stale=True)
    stale["last_activity"] = NOW - 14 * 60 * S
    assert status_label(stale, NOW) == "working, quiet 14m"
    assert status_label(session("c", "closed", close_reason="process-exited"), NOW) == "closed, process-exited"
    assert status_label(session("w", "working", stale=False, close_reason=""), NOW) == "working"


def test_short_ids_and_colours_keep_the_columns_aligned() -> None:
    uuid = "4f1c2a9e-5d3c-4a7e-9f1b-2c8d7e6f5a4b"
    painted = session_table(
        [session(uuid, "question", 45), session("b", "working", 60)], NOW, lambda status, text: f"<{status}>{text}</>"
    )
    assert painted[1].startswith(f"{uuid[:SHORT_ID_LENGTH]}  <question>question</>  ")
    assert painted[2].startswith(f"{'b':<{SHORT_ID_LENGTH}}  <working>working </>  ")
    assert short_id({"id": "\x1b[2J-long-id"}) == "\\x1b[2J-lon"
    assert "<question>" in "".join(session_details(session(uuid, "question", 45), NOW, lambda s, t: f"<{s}>{t}"))


def test_details_show_unknown_keys_and_history() -> None:
    shown = session(
        "d", "question", 90, pid=4242, close_reason="", shiny_new="\x1b[1mbold",
        history=[{"from": "working", "to": "question", "at": NOW - 90 * S, "duration": 300 * S, "reason": ""}],
    )
    text = "\n".join(session_details(shown, NOW))
    assert "question for 1m30s" in text
    assert "pid:" in text and "4242" in text
    assert "shiny_new:" in text and "\\x1b[1mbold" in text
    assert "close_reason" not in text, "empty values are left out"
    assert "working -> question  (after 5m)" in text


def test_event_lines_for_text() -> None:
    before = session("p", "working", 180)
    after = session("p", "question", 0)
    [changed] = event_lines(Changed(after, before), NOW)
    assert changed.split()[1:] == ["question", "p", "p", "claude-code", "/src/p", "(was", "working", "3m)"]
    [removed] = event_lines(Removed("p", after), NOW)
    assert removed.split()[1:] == ["removed", "p"]
    [unseen] = event_lines(Removed("\x1b[2J", None), NOW)
    assert unseen.endswith("\\x1b[2J")
    assert "daemon not running" in event_lines(NotRunning(), NOW)[0]
    assert "1 session" in event_lines(Snapshot((after,)), NOW)[0]


def test_event_json_is_one_ascii_line() -> None:
    hostile = session("h", "question", working_dir=HOSTILE_DIR)
    line = event_json(Changed(hostile, None))
    assert "\n" not in line and line.isascii() and "\x1b" not in line
    assert json.loads(line) == {"event": "changed", "session": hostile}
    assert json.loads(event_json(Removed("h", hostile))) == {"event": "removed", "id": "h", "session": hostile}
    assert json.loads(event_json(NotRunning())) == {"event": "not-running"}


def test_summary_most_urgent_counts_and_percentage() -> None:
    sessions = [session("w1", "working"), session("w2", "working"), session("a", "attention"), session("c", "closed")]
    summary = summarize(sessions)
    assert (summary.state, summary.short, summary.long) == ("attention", "1! 2~", "1 needs attention, 2 working")
    assert summary.percentage == 33
    assert summarize([session("c", "closed")]).state == "none"
    assert summarize([]).state == "none"
    assert summarize(None).state == "not-running"


def test_waybar_line_has_the_protocol_keys_and_pango_escaped_tooltip() -> None:
    sessions = [session("q", "question", display_name="<b>&"), session("w", "working", 60, stale=True)]
    block = json.loads(waybar_line(sessions))
    assert set(block) == {"text", "alt", "class", "tooltip", "percentage"}
    assert (block["text"], block["alt"], block["class"], block["percentage"]) == ("1? 1~", "question", "question", 50)
    assert "&lt;b&gt;&amp;" in block["tooltip"]
    assert "working, quiet since" in block["tooltip"]
    assert json.loads(waybar_line(None))["alt"] == "not-running"


def test_i3blocks_line() -> None:
    block = json.loads(i3blocks_line([session("q", "question")]))
    assert block == {"full_text": "agents: 1 question", "short_text": "1?", "color": "#ff5555", "urgent": "true"}
    assert json.loads(i3blocks_line(None))["full_text"] == "agents: daemon not running"


def test_mirror_replays_signals_over_a_snapshot_idempotently() -> None:
    mirror = SessionMirror()
    assert mirror.change(session("early", "working")) is None, "no daemon known yet: the snapshot covers it"
    mirror.replace([session("a", "working"), session("b", "question")])
    changed = mirror.change(session("a", "attention"))
    assert changed is not None and changed.previous is not None and changed.previous["status"] == "working"
    removed = mirror.remove("b")
    assert removed is not None and removed.previous is not None
    assert mirror.remove("never") == Removed("never", None)
    assert [s["status"] for s in mirror.current() or []] == ["attention"]
    mirror.lose()
    assert mirror.current() is None and not mirror.running
