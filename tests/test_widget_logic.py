"""The widgets' shared JavaScript (agent_console/widgets/sessions.js) run in gjs, beside the Python it mirrors.

The GNOME Shell indicator and the Plasma applet take their rules from that one
file; these tests hold it to the Python that every other face uses: the seq
rules of ``client.mirror.SessionMirror`` on the same event sequences, ``escape``
and ``human_duration`` on the same inputs, and the vocabulary written in at
install time.  gjs is GNOME's JavaScript, the engine the indicator runs on.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agent_console.cli.summary import summarize as bar_summary
from agent_console.client.mirror import SessionMirror
from agent_console.presentation import (
    QUIET_COLOR,
    SEEN_GLYPH,
    STATUS_COLORS,
    STATUS_GLYPHS,
    by_urgency,
    elapsed,
    escape,
    human_duration,
    status_label,
)
from agent_console.widgets.install import script_header

pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(
        shutil.which("gjs") is None and not os.environ.get("CI"), reason="needs gjs (packaging/install-deps --test)"
    ),
]

SESSIONS_JS = Path(__file__).resolve().parent.parent / "agent_console" / "widgets" / "sessions.js"
DRIVER = """
const cases = JSON.parse(ARGV[0]);
const out = cases.map(([fn, args]) => {
    if (fn === 'mirror') {
        const mirror = new SessionMirror();
        return args.map(([op, arg, seq]) => {
            if (op === 'replace') mirror.replace(arg, seq);
            else if (op === 'change') mirror.change(arg);
            else if (op === 'remove') mirror.remove(arg);
            else if (op === 'announce') mirror.announce(arg);
            else if (op === 'lose') mirror.lose();
            const current = mirror.current();
            return [current === null ? null : current.map(s => s.id).sort(), mirror.sequence, mirror.missed];
        });
    }
    return eval(fn)(...args);  // the names sessions.js declares at its top level
});
print(JSON.stringify(out));
"""


def run_js(cases: list[tuple[str, list[Any]]], tmp_path: Path) -> list[Any]:
    script = tmp_path / "driver.js"
    script.write_text(script_header("/opt/agent-console/bin/agent-console") + SESSIONS_JS.read_text() + DRIVER)
    done = subprocess.run(["gjs", str(script), json.dumps(cases)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    result: list[Any] = json.loads(done.stdout)
    return result


def python_mirror(operations: list[list[Any]]) -> list[Any]:
    mirror = SessionMirror()
    out = []
    for op, arg, *rest in operations:
        if op == "replace":
            mirror.replace(arg, rest[0] if rest else None)
        elif op == "change":
            mirror.change(arg)
        elif op == "remove":
            mirror.remove(arg)
        elif op == "announce":
            mirror.announce(arg)
        elif op == "lose":
            mirror.lose()
        current = mirror.current()
        out.append([None if current is None else sorted(s["id"] for s in current), mirror.sequence, mirror.missed])
    return out


def s(session_id: str, seq: int | None = None, status: str = "working", **extra: Any) -> dict[str, Any]:
    session: dict[str, Any] = {"id": session_id, "status": status, **extra}
    if seq is not None:
        session["seq"] = seq
    return session


MIRROR_CASES = {
    "in order": [["replace", [s("a", 3)], 3], ["change", s("b", 4)], ["change", s("a", 5)]],
    "already in the snapshot": [["replace", [s("a", 3)], 5], ["change", s("b", 4)], ["change", s("a", 5)]],
    "a gap": [["replace", [], 2], ["change", s("a", 3)], ["change", s("b", 5)], ["change", s("c", 6)]],
    "removal waits for its number": [["replace", [s("a", 1), s("b", 2)], 2], ["remove", "a", None],
                                     ["announce", 3, None], ["change", s("b", 4)]],
    "removal with a gap": [["replace", [s("a", 1)], 1], ["remove", "a", None], ["announce", 4, None]],
    "two removals before a number": [["replace", [s("a", 1), s("b", 2)], 2], ["remove", "a", None],
                                     ["remove", "b", None], ["announce", 3, None]],
    "a creation's number alone": [["replace", [], 1], ["announce", 2, None]],
    "no daemon": [["change", s("a", 1)], ["remove", "a", None], ["replace", [s("a")], None],
                  ["change", s("b")], ["remove", "a", None], ["lose", None, None], ["change", s("c")]],
}


@pytest.mark.parametrize("name", MIRROR_CASES)
def test_the_seq_rules_are_those_of_the_python_mirror(name: str, tmp_path: Path) -> None:
    operations = MIRROR_CASES[name]
    [from_js] = run_js([("mirror", operations)], tmp_path)
    assert from_js == python_mirror(operations)


def test_escaping_and_durations_agree_with_presentation(tmp_path: Path) -> None:
    texts = ["plain", "tab\there", "nl\nx", "esc\x1b[31m", "del\x7f", "c1\x9b", "rtl\u202eevil", "\u2066iso\u2069",
             "line\u2028sep", "<b>markup</b> & 'quotes'", "emoji \U0001f600", "\u061c"]
    seconds = [0, 1, 59, 60, 61, 119, 120, 121, 3599, 3600, 3661, 86399, 86400, 90061, -5, 12.7]
    cases = [("escapeText", [t]) for t in texts] + [("humanDuration", [n]) for n in seconds]
    assert run_js(cases, tmp_path) == [escape(t) for t in texts] + [human_duration(n) for n in seconds]


def test_the_vocabulary_is_the_python_one(tmp_path: Path) -> None:
    sessions = [s(str(i), status=status, since=0) for i, status in enumerate(STATUS_GLYPHS)]
    sessions.append(s("seen", status="attention", since=0, seen=True))
    [rows] = run_js([("rows", [sessions, 0])], tmp_path)
    assert [(row["glyph"], row["color"]) for row in rows] == [
        *[(STATUS_GLYPHS[status], STATUS_COLORS[status]) for status in ("question", "attention")],
        (SEEN_GLYPH, QUIET_COLOR),
        *[(STATUS_GLYPHS[status], STATUS_COLORS[status]) for status in ("working", "closed")],
    ]


US = 1_000_000
SESSION_SETS = {
    "none": [],
    "every kind": [
        s("q1", status="question", since=5 * US), s("q2", status="question", seen=True, since=1 * US),
        s("a1", status="attention", seen=True), s("w1", since=3 * US), s("w2", since=2 * US),
        s("c1", status="closed", close_reason="process-exited"),
    ],
    "only seen waits and work": [s("a", status="attention", seen=True), s("w")],
    "only closed": [s("c", status="closed", close_reason="user")],
    "seen on a status that cannot be": [s("w", seen=True), s("q", status="question")],
    "stale and unknown": [s("st", stale=True, last_activity=10 * US, since=0), s("new", status="someday")],
}


@pytest.mark.parametrize("name", SESSION_SETS)
def test_the_bar_is_the_status_bars_summary(name: str, tmp_path: Path) -> None:
    sessions = SESSION_SETS[name]
    [summary] = run_js([("summarize", [sessions])], tmp_path)
    expected = bar_summary(sessions)
    assert (summary["state"], summary["text"]) == (expected.state, expected.short)


def test_the_bar_without_a_daemon(tmp_path: Path) -> None:
    [summary] = run_js([("summarize", [None])], tmp_path)
    expected = bar_summary(None)
    assert (summary["state"], summary["text"]) == (expected.state, expected.short)


def test_seen_waits_are_counted_apart_in_the_quiet_colour(tmp_path: Path) -> None:
    [summary] = run_js([("summarize", [SESSION_SETS["every kind"]])], tmp_path)
    assert summary["text"] == f"1? 2{SEEN_GLYPH} 2~"
    assert [p["color"] for p in summary["parts"]] == [STATUS_COLORS["question"], QUIET_COLOR, STATUS_COLORS["working"]]


@pytest.mark.parametrize("name", SESSION_SETS)
def test_rows_are_in_the_order_and_words_of_presentation(name: str, tmp_path: Path) -> None:
    sessions, at = SESSION_SETS[name], 200 * US
    [rows] = run_js([("rows", [sessions, at])], tmp_path)
    ordered = by_urgency(sessions)
    assert [r["id"] for r in rows] == [session["id"] for session in ordered]
    assert [r["status"] for r in rows] == [status_label(session, at) for session in ordered]
    assert [r["time"] for r in rows] == [elapsed(session.get("since"), at) for session in ordered]


def test_rows_shorten_the_detail_and_offer_mark_seen_for_unseen_waits(tmp_path: Path) -> None:
    sessions = [s("q", status="question", detail="x" * 200, display_name="api"), s("a", status="attention", seen=True),
                s("w", detail="Bash: npm test")]
    [rows] = run_js([("rows", [sessions, 0])], tmp_path)
    assert len(rows[0]["detail"]) == 120 and rows[0]["detail"].endswith("…") and rows[0]["name"] == "api"
    assert [r["canMarkSeen"] for r in rows] == [True, False, False]
    assert rows[2]["detail"] == "Bash: npm test"


def test_focus_is_an_argv_and_quoted_for_a_shell(tmp_path: Path) -> None:
    hostile = "it's $(touch pwned) `x` \"q\" ; rm -rf ~"
    [focus, line] = run_js([("focusCommand", [hostile]), ("shellLine", [["printf", "%s\\n", hostile]])], tmp_path)
    assert focus == ["/opt/agent-console/bin/agent-console", "focus", "--", hostile]
    printed = subprocess.run(["sh", "-c", line], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert printed.stdout == hostile + "\n"
    assert not (tmp_path / "pwned").exists()
