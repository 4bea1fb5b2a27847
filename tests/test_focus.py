"""``agent-console focus`` for real against tmux servers the test starts, and the
command lines of the terminals that cannot run here (kitty, WezTerm, sway,
Hyprland, i3, X11: none is installed on a test machine, so their lines are
checked from ``focus.plan`` with a stand-in for ``shutil.which``)."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, READY_TIMEOUT_S, RunningDaemon
from hook_support import event_payload
from tmux_support import Tmux, run_in_pane

from agent_console.client.async_client import SessionsClient
from agent_console.focus.bring_forward import FocusError, Step, plan

SESSION = "f0c5e55e-1d2c-4b7e-9a6f-1f2e3d4c5b6a"


def focus_from(tmux: Tmux, pane: str, tmp_path: Path, address: str) -> tuple[int, str]:
    """Run the real ``agent-console focus`` in ``pane`` as a person would; its exit status and stderr."""
    errors = tmp_path / "focus.err"
    status = run_in_pane(tmux, pane, f"{AGENT_CONSOLE} focus {SESSION} --address '{address}' 2> {errors}",
                         tmp_path / "focus.status")
    return status, errors.read_text()


async def test_focus_switches_the_client_to_the_pane_the_hook_recorded(
    desk: Tmux, daemon: RunningDaemon, client: SessionsClient, tmp_path: Path
) -> None:
    agent_pane, work_pane = desk.pane("agents:1"), desk.pane("work:0")
    (tmp_path / "event.json").write_bytes(event_payload("PermissionRequest", SESSION, tool_name="Bash"))
    assert run_in_pane(desk, agent_pane, f"{AGENT_CONSOLE} hook < {tmp_path / 'event.json'}", tmp_path / "hook") == 0
    recorded = (await client.get(SESSION))["terminal"]
    assert recorded["tmux_pane"] == agent_pane and recorded["tmux"].startswith(str(desk.socket) + ",")

    assert focus_from(desk, work_pane, tmp_path, daemon.address) == (0, "")
    shown = desk("list-clients", "-F", "#{client_session} #{window_index} #{pane_id}")
    assert shown == f"agents 1 {agent_pane}"


async def test_a_pane_that_is_gone_is_one_line_and_exit_6(
    desk: Tmux, daemon: RunningDaemon, client: SessionsClient, tmp_path: Path
) -> None:
    await client.set(SESSION, "attention", terminal={"tmux": f"{desk.socket},1,0", "tmux_pane": "%999"})
    status, stderr = focus_from(desk, desk.pane("work:0"), tmp_path, daemon.address)
    assert status == 6
    assert stderr.splitlines() == [stderr.strip()] and "cannot focus tmux pane %999" in stderr


def run_focus(address: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AGENT_CONSOLE, "focus", SESSION, "--address", address], capture_output=True, text=True,
        timeout=READY_TIMEOUT_S, check=False,
    )


async def test_nothing_recorded_and_no_such_session(daemon: RunningDaemon, client: SessionsClient) -> None:
    missing = run_focus(daemon.address)
    assert (missing.returncode, missing.stdout) == (4, "")
    await client.set(SESSION, "question")
    bare = run_focus(daemon.address)
    assert (bare.returncode, bare.stdout) == (6, "")
    assert bare.stderr.startswith("agent-console: no terminal is recorded") and bare.stderr.count("\n") == 1


def tools(*names: str):
    return lambda name: f"/usr/bin/{name}" if name in names else None


def commands(session: dict, environ: dict[str, str] | None = None, *installed: str) -> list[tuple[str, ...]]:
    return [step.command for step in plan(session, environ or {}, tools(*installed))]


def test_kitty_through_its_socket_and_wezterm_by_pane() -> None:
    kitty = {"terminal": {"kitty_window_id": "4", "kitty_listen_on": "unix:/tmp/kitty-1"}}
    assert commands(kitty, {}, "kitten") == [
        ("/usr/bin/kitten", "@", "--to", "unix:/tmp/kitty-1", "focus-window", "--match", "id:4")
    ]
    assert commands({"terminal": {"wezterm_pane": "12"}}, {}, "wezterm") == [
        ("/usr/bin/wezterm", "cli", "activate-pane", "--pane-id", "12")
    ]


def test_x11_windows_by_id_with_i3_xdotool_or_wmctrl() -> None:
    session = {"terminal": {"window_id": "94371843", "tty": "/dev/pts/3"}}
    assert commands(session, {"I3SOCK": "/run/i3"}, "i3-msg") == [("/usr/bin/i3-msg", "[id=94371843]", "focus")]
    assert commands(session, {"DISPLAY": ":0"}, "xdotool", "wmctrl") == [
        ("/usr/bin/xdotool", "windowactivate", "94371843")
    ]
    assert commands(session, {"DISPLAY": ":0"}, "wmctrl") == [("/usr/bin/wmctrl", "-i", "-a", "94371843")]


def test_sway_and_hyprland_find_the_window_of_the_nearest_ancestor() -> None:
    """The session's process is this test; the window found belongs to our parent (pytest's runner)."""
    session = {"terminal": {"tty": "/dev/pts/3"}, "pid": os.getpid()}
    [sway] = plan(session, {"SWAYSOCK": "/run/sway"}, tools("swaymsg"))
    assert sway.command == ("/usr/bin/swaymsg", "-t", "get_tree")
    tree = {"id": 1, "nodes": [{"id": 7, "pid": 1, "nodes": []}, {"id": 9, "pid": os.getppid(), "nodes": []}]}
    assert sway.choose(json.dumps(tree)) == ("/usr/bin/swaymsg", "[con_id=9]", "focus")
    assert sway.choose(json.dumps({"id": 1, "nodes": []})) is None
    [hyprland] = plan(session, {"HYPRLAND_INSTANCE_SIGNATURE": "x"}, tools("hyprctl"))
    clients = [{"pid": os.getppid(), "address": "0x55d1"}]
    assert hyprland.choose(json.dumps(clients)) == ("/usr/bin/hyprctl", "dispatch", "focuswindow", "address:0x55d1")


def test_tmux_inside_kitty_focuses_both_and_a_missing_outer_tool_is_passed_over() -> None:
    session = {"terminal": {"tmux": "/tmp/t/default,1,0", "tmux_pane": "%3", "kitty_window_id": "2"}}
    [tmux, kitty] = plan(session, {}, tools("tmux", "kitten"))
    assert (tmux.what, kitty.what) == ("tmux pane %3", "kitty window 2")
    assert tmux.choose("") == ("/usr/bin/tmux", "-S", "/tmp/t/default", "select-window", "-t", "%3", ";",
                               "select-pane", "-t", "%3")
    assert tmux.choose("100 /dev/pts/1\n300 /dev/pts/2\n")[-4:] == ("-c", "/dev/pts/2", "-t", "%3")
    assert [step.what for step in plan(session, {}, tools("tmux"))] == ["tmux pane %3"]


@pytest.mark.parametrize(
    ("terminal", "message"),
    [
        ({}, "no terminal is recorded"),
        ({"tty": "/dev/pts/3"}, "no way to focus this terminal here (tty=/dev/pts/3)"),
        ({"tmux": "/tmp/s,1,0", "tmux_pane": "%3"}, "tmux is not installed"),
        ({"tmux": "/tmp/s,1,0", "tmux_pane": "-t;kill-server"}, "is not an id"),
        ({"kitty_window_id": "1 --all"}, "is not an id"),
        ({"window_id": "\x1b]0;x"}, "'\\\\x1b]0;x' is not an id"),
    ],
)
def test_what_cannot_be_focused_says_why(terminal: dict[str, str], message: str) -> None:
    with pytest.raises(FocusError, match=None) as raised:
        plan({"terminal": terminal}, {"DISPLAY": ":0"}, tools())
    assert message in str(raised.value)


def test_a_step_is_a_plain_command_line() -> None:
    """Values reach tools as single argv entries, never through a shell."""
    step = plan({"terminal": {"wezterm_pane": "5"}}, {}, tools("wezterm"))[0]
    assert isinstance(step, Step) and all(isinstance(part, str) for part in step.command)
