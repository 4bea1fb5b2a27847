"""The dashboard driven by Textual's own pilot against a real private bus and daemon,
and the real ``agent-console dashboard`` in tmux as a person runs it.

Every wait is for a condition on the screen, bounded by ``READY_TIMEOUT_S``,
never a sleep that hopes the change has arrived.
"""

import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, READY_TIMEOUT_S, RunningDaemon, start_daemon
from hook_support import event_payload
from textual.pilot import Pilot
from tmux_support import Tmux, run_in_pane, wait_for

from agent_console.client.async_client import SessionsClient
from agent_console.dashboard.session_list import SessionList
from agent_console.dashboard.textual_app import COMPACT_WIDTH, DashboardApp
from agent_console.presentation import STATUS_GLYPHS

pytestmark = pytest.mark.desktop

WIDE = (130, 30)
PAUSE_S = 0.02


async def until(pilot: Pilot, condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {rows(pilot)} {header(pilot)!r}"
        await pilot.pause(PAUSE_S)


def rows(pilot: Pilot) -> list[list[str]]:
    table = pilot.app.query_one(SessionList)
    return [[cell.plain for cell in table.cells_of(session_id)] for session_id in table.ids]


def names(pilot: Pilot) -> list[str]:
    return [row[1] for row in rows(pilot)]


def header(pilot: Pilot) -> str:
    return str(pilot.app.query_one("#counts").render())


Seed = tuple[str, str, str]
"""(id, status, working dir) of a session made before the dashboard starts."""


@asynccontextmanager
async def dashboard(daemon: RunningDaemon, client: SessionsClient, *seeds: Seed, size=WIDE) -> AsyncIterator[Pilot]:
    """The app on the daemon's bus with ``seeds`` set first, once their rows are on screen."""
    for session_id, status, working_dir in seeds:
        await client.set(session_id, status, working_dir=working_dir)
    async with DashboardApp(daemon.address).run_test(size=size) as pilot:
        await until(pilot, lambda: len(names(pilot)) == len(seeds), "the seeded sessions")
        yield pilot


def selected(pilot: Pilot) -> str:
    table = pilot.app.query_one(SessionList)
    return table.cells_of(table.selected_id)[1].plain


async def test_rows_appear_change_place_and_leave_in_urgency_order(
    daemon: RunningDaemon, client: SessionsClient
) -> None:
    async with dashboard(daemon, client, ("w1", "working", "/src/alpha"), ("c1", "closed", "/src/old")) as pilot:
        assert names(pilot) == ["alpha", "old"]
        await client.set("q1", "question", working_dir="/src/beta")
        await client.set("a1", "attention", working_dir="/src/gamma")
        await until(pilot, lambda: names(pilot) == ["beta", "gamma", "alpha", "old"], "new rows in order")
        assert rows(pilot)[0][:4] == [f"{STATUS_GLYPHS['question']} question", "beta", "q1", "0s"]
        assert "? 1 question" in header(pilot) and "x 1 closed" in header(pilot)

        await client.set("w1", "question")
        await until(pilot, lambda: names(pilot) == ["beta", "alpha", "gamma", "old"], "alpha moved up")
        await client.remove("c1")
        await until(pilot, lambda: names(pilot) == ["beta", "alpha", "gamma"], "the removed row gone")
        assert "x 0 closed" in header(pilot)


async def test_the_daemon_stopped_and_restarted(daemon: RunningDaemon, tmp_path: Path) -> None:
    async with DashboardApp(daemon.address).run_test(size=WIDE) as pilot:
        await until(pilot, lambda: "no sessions yet" in header(pilot), "the empty list")
        daemon.stop()
        await until(pilot, lambda: "daemon not running" in header(pilot), "the daemon's absence")
        restarted = start_daemon(daemon.address, tmp_path / "again.log")
        try:
            later = await SessionsClient.connect(daemon.address)
            await later.set("back", "attention", working_dir="/src/back")
            later.close()
            await until(pilot, lambda: names(pilot) == ["back"], "the new daemon's session")
        finally:
            restarted.stop()


async def test_before_the_daemon_and_on_a_bus_that_is_not_there(bus_address: str, tmp_path: Path) -> None:
    async with DashboardApp(bus_address).run_test(size=WIDE) as pilot:
        await until(pilot, lambda: "daemon not running" in header(pilot), "the daemon's absence")
        late = start_daemon(bus_address, tmp_path / "late.log")
        try:
            client = await SessionsClient.connect(bus_address)
            await client.set("late", "working", working_dir="/src/late")
            client.close()
            await until(pilot, lambda: names(pilot) == ["late"], "the late daemon's session")
        finally:
            late.stop()
    async with DashboardApp(f"unix:path={tmp_path}/no-bus").run_test(size=WIDE) as pilot:
        await until(pilot, lambda: "trying again" in header(pilot), "the unreachable bus")


async def test_keys_move_show_info_filter_remove_and_close(daemon: RunningDaemon, client: SessionsClient) -> None:
    await client.set("w1", "attention")
    seeds = ("q1", "question", "/src/beta"), ("w1", "working", "/src/alpha"), ("c1", "closed", "/src/old")
    async with dashboard(daemon, client, *seeds) as pilot:
        assert names(pilot) == ["beta", "alpha", "old"]
        await pilot.press("j", "j")
        assert selected(pilot) == "old"
        await pilot.press("k")
        assert selected(pilot) == "alpha"
        await pilot.press("down", "up", "up")
        assert selected(pilot) == "beta"

        await pilot.press("j", "i")
        info = pilot.app.query_one("#info")
        await until(pilot, lambda: "history" in str(info.render()), "alpha's history in the panel")
        panel = str(info.render()).splitlines()
        assert panel[0] == "alpha" and panel[1].startswith("working for ")
        assert "directory      /src/alpha" in panel
        [was, now] = panel[panel.index("history") + 1 :]
        assert was.split()[1:] == ["attention", "0s"] and now.split()[1:3] == ["working", "0s"]
        await pilot.press("i")
        assert not info.has_class("shown")

        await pilot.press("slash", *"alp")
        await until(pilot, lambda: names(pilot) == ["alpha"], "the filtered rows")
        assert "filter 'alp': 1 of 3" in header(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: len(names(pilot)) == 3, "the filter cleared")

        await pilot.press("j", "j", "d")
        await until(pilot, lambda: names(pilot) == ["beta", "alpha"], "the closed session removed")
        assert selected(pilot) == "alpha"
        await pilot.press("d", "n")
        assert (await client.get("w1"))["status"] == "working"
        await pilot.press("d", "y")
        await until(pilot, lambda: rows(pilot)[1][0] == "x closed", "alpha closed after the confirmation")
        assert (await client.get("w1"))["close_reason"] == "user"


async def test_a_click_selects_and_enter_says_why_it_cannot_focus(
    daemon: RunningDaemon, client: SessionsClient
) -> None:
    async with dashboard(daemon, client, ("q1", "question", "/src/beta"), ("w1", "working", "/src/alpha")) as pilot:
        assert names(pilot) == ["beta", "alpha"]
        await pilot.click(SessionList, offset=(5, 1))
        assert selected(pilot) == "alpha"
        await pilot.press("enter")
        await until(pilot, lambda: pilot.app._notifications, "a notification")
        [notice] = list(pilot.app._notifications)
        assert notice.severity == "error" and notice.message.startswith("no terminal is recorded")


HOSTILE_ID = "[bold red]boom[/] \x1b]0;pwned\x07"
HOSTILE_DIR = "/tmp/[link=http://x]click[/link]/\x1b[31mred"


async def test_hostile_ids_and_paths_are_shown_as_plain_escaped_text(
    daemon: RunningDaemon, client: SessionsClient
) -> None:
    async with dashboard(daemon, client, (HOSTILE_ID, "attention", HOSTILE_DIR)) as pilot:
        [row] = rows(pilot)
        assert row[1] == "\\x1b[31mred"
        assert row[2] == "[bold re"
        assert row[6].startswith("…") and row[6].endswith("[/link]/\\x1b[31mred")
        await pilot.press("i")
        info = pilot.app.query_one("#info")
        await until(pilot, lambda: "boom" in str(info.render()), "the record")
        assert "id             [bold red]boom[/] \\x1b]0;pwned\\x07" in str(info.render())
        assert "directory      /tmp/[link=http://x]click[/link]/\\x1b[31mred" in str(info.render())
        assert "\x1b" not in "".join(cell for r in rows(pilot) for cell in r)


async def test_a_narrow_short_terminal_gets_the_compact_layout(daemon: RunningDaemon, client: SessionsClient) -> None:
    async with dashboard(daemon, client, ("q1", "question", "/src/beta"), size=(COMPACT_WIDTH - 40, 8)) as pilot:
        assert names(pilot) == ["beta"]
        assert rows(pilot)[0][0] == "?"
        assert len(rows(pilot)[0]) == 4
        assert not pilot.app.query_one("#counts").display
        await pilot.resize_terminal(*WIDE)
        await until(pilot, lambda: len(rows(pilot)[0]) == 7, "the wide layout")
        assert pilot.app.query_one("#counts").display


def test_the_real_dashboard_in_tmux_shows_sessions_and_enter_jumps_to_one(
    desk: Tmux, daemon: RunningDaemon, tmp_path: Path
) -> None:
    """As a person runs it: the dashboard in one tmux window, an agent's hook in another,
    read back with capture-pane; Enter switches the attached client to the agent's pane."""
    agent_pane, work_pane = desk.pane("agents:1"), desk.pane("work:0")
    (tmp_path / "event.json").write_bytes(event_payload("PermissionRequest", "5e551011-aaaa", cwd="/src/shop"))
    assert run_in_pane(desk, agent_pane, f"{AGENT_CONSOLE} hook < {tmp_path / 'event.json'}", tmp_path / "hook") == 0
    desk("send-keys", "-t", work_pane, f"{AGENT_CONSOLE} dashboard --address '{daemon.address}'", "Enter")
    wait_for(lambda: "/src/shop" in desk.screen(work_pane),
             lambda: f"the session on the dashboard, wide layout: {desk.screen(work_pane)} "
                     f"{desk('display', '-p', '-t', work_pane, '#{pane_width}')}")
    screen = desk.screen(work_pane)
    assert "! attention" in screen and "5e551011" in screen and "/src/shop" in screen
    assert "! 1 attention" in screen
    desk("send-keys", "-t", work_pane, "Enter")
    wait_for(lambda: desk("list-clients", "-F", "#{client_session} #{pane_id}") == f"agents {agent_pane}",
             "the client switched to the agent's pane")
    desk("send-keys", "-t", work_pane, "q")
    wait_for(lambda: "STATUS" not in desk.screen(work_pane), "the dashboard to quit")


def test_no_other_command_pays_for_textual() -> None:
    """The CLI's commands are registered without importing the dashboard package or Textual."""
    script = ("import sys; from agent_console.cli.commands import parser; parser(); "
              "print(sorted(m for m in sys.modules if 'textual' in m or 'dashboard.textual_app' in m))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=READY_TIMEOUT_S, check=True)
    assert done.stdout.strip() == "[]"


async def test_a_marks_the_selected_wait_seen(daemon: RunningDaemon, client: SessionsClient) -> None:
    seeds = ("q1", "question", "/src/beta"), ("a1", "attention", "/src/gamma"), ("w1", "working", "/src/alpha")
    async with dashboard(daemon, client, *seeds) as pilot:
        assert names(pilot) == ["beta", "gamma", "alpha"]
        await pilot.press("a")
        await until(pilot, lambda: names(pilot) == ["gamma", "beta", "alpha"], "the seen question after the unseen wait")
        assert rows(pilot)[1][0] == "? seen" and (await client.get("q1"))["seen"] is True
        assert "\u2713 1 seen" in header(pilot) and "? 0 question" in header(pilot)
        assert selected(pilot) == "beta", "the cursor stays with its session"
        await pilot.press("j", "a")
        await until(pilot, lambda: pilot.app._notifications, "a notice")
        [notice] = list(pilot.app._notifications)
        assert notice.message == "alpha is not waiting: nothing to mark seen"
        await client.set("q1", "attention")
        await until(pilot, lambda: rows(pilot)[1][0] == "! attention", "a new wait, unseen again")
        assert "\u2713 0 seen" in header(pilot)
