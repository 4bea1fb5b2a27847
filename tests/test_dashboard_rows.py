"""The dashboard's rows as pure functions of a session: cells, widths, the filter, the header."""

from agent_console.dashboard.rows import (
    COMPACT_STATUS_WIDTH,
    cells,
    columns,
    counts_line,
    matches,
    widths,
)
from agent_console.presentation import US_PER_S

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
    assert row["status"].plain == "~ working (stale)"
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
