"""The dashboard's rows as pure functions of a session: cells, widths, the filter, the header."""

import pytest

from agent_console.dashboard.rows import (
    COMPACT_STATUS_WIDTH,
    cells,
    columns,
    counts_line,
    matches,
    record_lines,
    widths,
)
from agent_console.presentation import clock
from agent_console.system.boottime import US_PER_S

pytestmark = pytest.mark.pure

AT = 1_700_000_000 * US_PER_S
SESSION = {
    "id": "4f1c2a77-0b9e", "status": "working", "stale": True, "since": AT - 90 * US_PER_S,
    "working_dir": "/home/dev/src/a-rather-long-project-name/service", "display_name": "service",
    "agent_type": "claude-code", "detail": "Bash: npm test",
}


def test_the_wide_layout_fills_the_width_and_the_compact_one_keeps_four_columns() -> None:
    wide = widths(compact=False, screen_width=140)
    assert list(wide) == [c.key for c in columns(compact=False)]
    assert sum(wide.values()) + 2 * len(wide) + 2 <= 140
    compact = widths(compact=True, screen_width=60)
    assert list(compact) == ["status", "name", "for", "detail"] and compact["status"] == COMPACT_STATUS_WIDTH


def test_cells_dim_a_stale_session_and_cut_the_directory_at_its_start() -> None:
    row = cells(SESSION, AT, {**widths(compact=False, screen_width=140), "directory": 20})
    assert row["status"].plain == "~ stale"
    assert row["for"].plain == "1m30s" and str(row["for"].style) == "dim"
    assert len(row["directory"].plain) == 20 and row["directory"].plain.startswith("…")
    assert row["directory"].plain.endswith("-name/service")
    assert cells(SESSION, AT, widths(compact=True, screen_width=60))["status"].plain == "~"


def test_the_filter_reads_what_a_row_shows_and_the_whole_id() -> None:
    assert matches(SESSION, "NPM TEST") and matches(SESSION, "0b9e") and matches(SESSION, "rather-long")
    assert not matches(SESSION, "question")


def test_the_header_counts_and_says_when_no_daemon_runs() -> None:
    assert "~ 1 working" in counts_line([SESSION], 1, "").plain
    assert "filter 'npm': 1 of 1" in counts_line([SESSION], 1, "npm").plain
    assert counts_line(None, 0, "").plain.startswith("daemon not running")


def test_detail_gets_the_room_at_120_columns_and_more_than_status_and_name() -> None:
    sizes = widths(compact=False, screen_width=120)
    assert sizes["detail"] >= 30
    assert sizes["detail"] > sizes["status"] and sizes["detail"] > sizes["name"]
    assert sizes["detail"] > sizes["directory"]
    assert sum(sizes.values()) + 2 * len(sizes) + 2 <= 120


def test_every_heading_fits_its_column_or_is_blank() -> None:
    for compact, width in ((True, 80), (True, 60), (False, 100), (False, 120)):
        sizes = widths(compact=compact, screen_width=width)
        for column in columns(compact):
            heading = column.heading(sizes[column.key])
            assert heading in (column.label, "") and len(heading) <= sizes[column.key]
    assert [c.heading(widths(compact=True, screen_width=80)[c.key]) for c in columns(True)] == ["", "NAME", "FOR", "DETAIL"]


def test_a_seen_wait_says_so_in_one_word_dimmed_and_is_counted_apart() -> None:
    seen = {**SESSION, "status": "question", "stale": False, "seen": True}
    row = cells(seen, AT, widths(compact=False, screen_width=120))
    assert row["status"].plain == "? seen" and str(row["name"].style) == "dim"
    header = counts_line([seen, SESSION], 2, "").plain
    assert "? 0 question" in header and "\u2713 1 seen" in header and "~ 1 working" in header
    assert matches(seen, "seen")


def test_the_info_panel_reads_as_labels_times_and_a_timeline() -> None:
    session = {
        **SESSION, "status": "question", "stale": False, "since": AT - 65 * US_PER_S,
        "last_activity": AT - 3 * US_PER_S, "pid": 4242, "terminal": {"tmux_pane": "%3"}, "seq": 58,
        "closed": False, "close_reason": "", "permission": False, "detail": "Which database?",
        "history": [
            {"from": "working", "to": "attention", "at": AT - 400 * US_PER_S, "duration": 200 * US_PER_S, "reason": ""},
            {"from": "attention", "to": "question", "at": AT - 65 * US_PER_S, "duration": 335 * US_PER_S, "reason": ""},
        ],
    }
    lines = record_lines(session, AT).plain.splitlines()
    assert lines[:3] == ["service", "question for 1m05s", "Which database?"]
    assert f"since          {clock(AT - 65 * US_PER_S)}, 1m05s ago" in lines
    assert "process        pid 4242" in lines and "terminal       tmux_pane %3" in lines
    assert not any(line.startswith(("seq", "closed", "pid:", "since:")) for line in lines), "no raw dump"
    history = lines[lines.index("history") + 1 :]
    assert [line.split()[1:] for line in history] == [
        ["working", "3m"], ["attention", "5m"], ["question", "1m05s", "so", "far"]
    ]
    assert history[0].split()[0] == clock(AT - 600 * US_PER_S)


def test_the_compact_layout_says_seen_by_its_glyph_and_counts_without_words() -> None:
    seen = {**SESSION, "status": "attention", "stale": False, "seen": True}
    assert cells(seen, AT, widths(compact=True, screen_width=80))["status"].plain == "\u2713"
    sessions = [seen, SESSION] + [{**SESSION, "id": f"q{n}", "status": "question"} for n in range(12)]
    header = counts_line(sessions, len(sessions), "", compact=True).plain
    assert header.split("  ", 1)[1].split() == ["?", "12", "!", "0", "\u2713", "1", "~", "1", "x", "0"]
    assert len(header.rstrip()) <= 80 - 2
