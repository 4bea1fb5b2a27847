"""The bars' output on plain dictionaries: seen waits apart, plurals, urgency, bounded tooltips."""

import json
import re
from pathlib import Path

import pytest
from test_render import session

from agent_console.cli.summary import (
    TOOLTIP_LINE_CHARS,
    TOOLTIP_SESSIONS,
    i3blocks_line,
    summarize,
    waybar_line,
)
from agent_console.presentation import by_urgency, status_label

pytestmark = pytest.mark.pure

LONG_DIR = "/home/someone/" + "/".join(["a-rather-long-directory-name"] * 12) + "/webshop"


def test_seen_waits_are_counted_apart_and_no_longer_lead() -> None:
    sessions = [
        session("q1", "question", seen=True),
        session("a1", "attention", seen=True),
        session("a2", "attention"),
        session("w", "working"),
    ]
    summary = summarize(sessions)
    assert (summary.state, summary.short) == ("attention", "1! 2\u2713 1~")
    assert summary.long == "1 needs attention, 2 seen, 1 working"
    assert summary.percentage == 25, "only the unseen wait is waiting on you"
    only_seen = summarize(sessions[:2] + sessions[3:])
    assert (only_seen.state, only_seen.short, only_seen.urgent) == ("seen", "2\u2713 1~", False)


def test_a_seen_mark_left_on_a_working_session_counts_as_working() -> None:
    assert summarize([session("w", "working", seen=True)]).short == "1~"


def test_plurals_in_the_long_text() -> None:
    sessions = [session(f"q{n}", "question") for n in range(3)] + [session("a", "attention")]
    assert json.loads(i3blocks_line(sessions))["full_text"] == "agents: 3 questions, 1 needs attention"
    sessions += [session("a2", "attention")]
    assert summarize(sessions).long == "3 questions, 2 need attention"


def test_i3bar_urgent_flag_only_for_an_unseen_wait() -> None:
    """A string, not a JSON boolean: i3blocks 1.4 drops a bare ``true`` and passes the string on bare."""
    assert json.loads(i3blocks_line([session("a", "attention")]))["urgent"] == "true"
    assert json.loads(i3blocks_line([session("a", "attention", seen=True)]))["urgent"] == "false"
    assert json.loads(i3blocks_line([session("w", "working")]))["urgent"] == "false"
    assert json.loads(i3blocks_line(None))["urgent"] == "false"


def test_i3blocks_gets_utf8_not_escapes() -> None:
    """i3blocks 1.4 shows a ``\\u2713`` escape as written; the line carries only counts, no session text."""
    line = i3blocks_line([session("a", "attention", seen=True, display_name="\x1b[31m")])
    assert "\u2713" in line and "\\u" not in line and "\x1b" not in line


def test_waybar_text_carries_the_glyphs_once() -> None:
    """The example config shows ``{}`` alone: the text already has a glyph per count."""
    block = json.loads(waybar_line([session("w", "working")]))
    assert block["text"] == "1~" and block["class"] == "working"


def test_tooltip_has_the_detail_but_neither_the_path_nor_one_agent_repeated() -> None:
    waiting = session(
        "q", "question", working_dir=LONG_DIR, display_name="webshop", detail="Which database: Postgres or SQLite?"
    )
    [line] = json.loads(waybar_line([waiting]))["tooltip"].splitlines()
    assert line.startswith("? webshop: question since ")
    assert line.endswith(": Which database: Postgres or SQLite?")
    assert "a-rather-long" not in line and "claude-code" not in line


def test_tooltip_names_agents_when_several_kinds_run() -> None:
    tooltip = json.loads(waybar_line([session("a", "working"), session("b", "working", agent_type="codex")]))["tooltip"]
    assert "a (claude-code): working" in tooltip and "b (codex): working" in tooltip


def test_tooltip_is_bounded_in_width_and_in_lines() -> None:
    long_name = "n" * 300
    sessions = [session(f"s{n:03d}", "working", display_name=long_name, detail="d" * 200) for n in range(50)]
    lines = json.loads(waybar_line(sessions))["tooltip"].splitlines()
    assert len(lines) == TOOLTIP_SESSIONS + 1 and lines[-1] == "and 30 more: agent-console list"
    assert all(len(line) <= TOOLTIP_LINE_CHARS for line in lines)
    assert lines[0].endswith("\u2026")


def test_seen_waits_sort_after_unseen_ones_and_before_work() -> None:
    sessions = [
        session("w", "working", 900),
        session("qs", "question", 800, seen=True),
        session("a", "attention", 10),
        session("q", "question", 5),
    ]
    assert [s["id"] for s in by_urgency(sessions)] == ["q", "a", "qs", "w"]
    assert status_label(sessions[1], 0) == "question, seen"


def test_the_waybar_example_shows_the_text_alone_and_runs_an_absolute_path() -> None:
    example = Path(__file__).resolve().parent.parent / "packaging" / "widgets" / "waybar.jsonc"
    lines = example.read_text().splitlines()
    without_comments = "\n".join(line for line in lines if not line.lstrip().startswith("//"))
    module = json.loads(without_comments)["custom/agent-console"]
    assert module["format"] == "{}" and "format-icons" not in module
    for command in (module["exec"], module["on-click"]):
        assert "$HOME/.local/bin/agent-console " in command
        assert not re.search(r"(^|\s)agent-console\s", command), "a bare agent-console fails for a venv install"
