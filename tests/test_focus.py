"""``agent-console focus`` for real against tmux servers the test starts, and the
command lines of the terminals that cannot run here (kitty, WezTerm, sway,
Hyprland, i3, X11: none is installed on a test machine, so their lines are
checked from ``focus.plan`` with a stand-in for ``shutil.which``, and the
real command run with stand-in ``i3-msg`` and ``swaymsg`` scripts that
answer as those tools do).  Sockets are real unix sockets the test binds."""

import json
import os
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AGENT_CONSOLE, READY_TIMEOUT_S, RunningDaemon
from hook_support import event_payload
from tmux_support import Tmux, own_socket_directory, run_in_pane

from agent_console.client.async_client import SessionsClient
from agent_console.focus.bring_forward import FocusError, Step, plan
from agent_console.system.process_info import start_time

pytestmark = pytest.mark.desktop

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


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[Path]:
    """A unix socket of this user's, bound for the test: the one kind of path focus talks to."""
    sockets, _ = own_socket_directory(tmp_path)
    path = sockets / "default"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    yield path
    server.close()


def test_kitty_through_its_socket_and_wezterm_by_pane(listening: Path) -> None:
    kitty = {"terminal": {"kitty_window_id": "4", "kitty_listen_on": f"unix:{listening}"}}
    assert commands(kitty, {}, "kitten") == [
        ("/usr/bin/kitten", "@", "--to", f"unix:{listening}", "focus-window", "--match", "id:4")
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


def test_tmux_inside_kitty_focuses_both_and_a_missing_outer_tool_is_passed_over(listening: Path) -> None:
    session = {"terminal": {"tmux": f"{listening},1,0", "tmux_pane": "%3", "kitty_window_id": "2"}}
    environ = {"TMUX_TMPDIR": str(listening.parent.parent)}
    [tmux, kitty] = plan(session, environ, tools("tmux", "kitten"))
    assert (tmux.what, kitty.what) == ("tmux pane %3", "kitty window 2")
    assert tmux.choose("") == ("/usr/bin/tmux", "-S", str(listening), "select-window", "-t", "%3", ";",
                               "select-pane", "-t", "%3")
    assert tmux.choose("100 /dev/pts/1\n300 /dev/pts/2\n")[-4:] == ("-c", "/dev/pts/2", "-t", "%3")
    assert [step.what for step in plan(session, environ, tools("tmux"))] == ["tmux pane %3"]


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


def test_a_tmux_socket_not_the_users_own_is_refused_before_any_connection(
    listening: Path, tmp_path: Path
) -> None:
    environ = {"TMUX_TMPDIR": str(listening.parent.parent)}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    stray = socket.socket(socket.AF_UNIX)
    stray.bind(str(elsewhere / "sock"))
    (listening.parent / "file").touch()
    (listening.parent / "link").symlink_to(listening)
    try:
        for path in (elsewhere / "sock", listening.parent / "file", listening.parent / "link",
                     listening.parent / ".." / listening.parent.name / "missing", "relative/default"):
            with pytest.raises(FocusError, match="refused the recorded tmux socket"):
                plan({"terminal": {"tmux": f"{path},1,0", "tmux_pane": "%1"}}, environ, tools("tmux"))
        with pytest.raises(FocusError, match="refused"):
            plan({"terminal": {"tmux": f"{listening},1,0", "tmux_pane": "%1"}}, {}, tools("tmux"))
        listening.parent.chmod(0o770)
        with pytest.raises(FocusError, match="refused"):
            plan({"terminal": {"tmux": f"{listening},1,0", "tmux_pane": "%1"}}, environ, tools("tmux"))
    finally:
        stray.close()


@pytest.mark.parametrize("listen_on", ["tcp:127.0.0.1:9", "unix:@kitty", "unix:relative", "unix:/dev/null", "fd:3"])
def test_a_kitty_socket_not_a_unix_socket_of_the_users_is_refused(listen_on: str) -> None:
    with pytest.raises(FocusError, match="refused the recorded kitty socket"):
        plan({"terminal": {"kitty_window_id": "1", "kitty_listen_on": listen_on}}, {}, tools("kitten"))


async def test_focus_sends_nothing_to_a_listener_a_record_names(
    daemon: RunningDaemon, client: SessionsClient, tmp_path: Path
) -> None:
    """tmux 3.3a sent a plain listener there the client's whole environment (2,353 bytes)."""
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "trap"))
    listener.listen()
    listener.settimeout(0.5)
    try:
        await client.set(SESSION, "attention", terminal={"tmux": f"{tmp_path / 'trap'},1,0", "tmux_pane": "%1"})
        refused = run_focus(daemon.address)
        assert (refused.returncode, refused.stdout, refused.stderr.count("\n")) == (6, "", 1), refused.stderr
        assert "refused the recorded tmux socket" in refused.stderr
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()


@pytest.mark.parametrize(
    ("window", "shown"), [("012", "12"), ("0x00a", "10"), ("4294967295", "4294967295")]
)
def test_an_x11_window_id_is_read_as_the_number_it_is(window: str, shown: str) -> None:
    session = {"terminal": {"window_id": window}}
    assert commands(session, {"I3SOCK": "/run/i3"}, "i3-msg") == [("/usr/bin/i3-msg", f"[id={shown}]", "focus")]
    assert commands(session, {"DISPLAY": ":0"}, "xdotool") == [("/usr/bin/xdotool", "windowactivate", shown)]


@pytest.mark.parametrize("terminal", [{"window_id": "4294967296"}, {"kitty_window_id": "99999999999999999999"},
                                      {"tmux": "/x,1,0", "tmux_pane": "%4294967296"}])
def test_an_id_past_its_range_is_refused(terminal: dict[str, str]) -> None:
    with pytest.raises(FocusError, match="is out of range"):
        plan({"terminal": terminal}, {"I3SOCK": "/run/i3"}, tools("i3-msg", "kitten", "tmux"))


def test_a_sway_tree_or_hyprland_list_of_the_wrong_shape_finds_nothing_and_raises_nothing() -> None:
    session = {"terminal": {"tty": "/dev/pts/3"}, "pid": os.getpid()}
    [sway] = plan(session, {"SWAYSOCK": "/run/sway"}, tools("swaymsg"))
    for tree in ([1, 2], {"nodes": [5, "x", None, [], {"id": True, "pid": os.getpid()}], "floating_nodes": 7},
                 {"id": 1, "pid": os.getpid(), "nodes": {"a": 1}}, "[" * 5000):
        answer = tree if isinstance(tree, str) else json.dumps(tree)
        found = sway.choose(answer)
        assert found is None or found == ("/usr/bin/swaymsg", "[con_id=1]", "focus")
    [hyprland] = plan(session, {"HYPRLAND_INSTANCE_SIGNATURE": "x"}, tools("hyprctl"))
    for clients in ({"pid": 1}, [1, None, {"pid": os.getpid(), "address": "0x1;exit"}, {"pid": "1"}]):
        assert hyprland.choose(json.dumps(clients)) is None


STAND_IN = """#!/bin/sh
# Stands in for {tool}, which cannot run here: prints what {tool} would, records its arguments.
echo "$@" >> {log}
case "$*" in *get_tree*) cat {tree} ;; *) echo '[{{"success": true}}]' ;; esac
"""


def stand_ins(directory: Path, tree: object) -> tuple[dict[str, str], Path]:
    """A PATH with stand-in ``i3-msg`` and ``swaymsg`` first, and the log of their arguments."""
    bin_dir, log = directory / "bin", directory / "tools.log"
    bin_dir.mkdir()
    (directory / "tree.json").write_text(json.dumps(tree))
    for tool in ("i3-msg", "swaymsg"):
        script = bin_dir / tool
        script.write_text(STAND_IN.format(tool=tool, log=log, tree=directory / "tree.json"))
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}"}, log


async def test_the_command_reads_012_under_i3_and_a_bad_sway_tree_in_one_line(
    daemon: RunningDaemon, client: SessionsClient, tmp_path: Path
) -> None:
    """Under i3 ``012`` was a traceback (``int("012", 0)``); sway's non-object node another."""
    path, log = stand_ins(tmp_path, {"id": 1, "nodes": [7, {"id": 5, "pid": os.getpid(), "nodes": []}]})
    await client.set(SESSION, "attention", terminal={"window_id": "012"}, pid=os.getpid(),
                     pid_start=start_time(os.getpid()))
    base = {k: v for k, v in os.environ.items() if k not in ("SWAYSOCK", "I3SOCK", "HYPRLAND_INSTANCE_SIGNATURE")}
    for extra, said in (({"I3SOCK": "/run/i3"}, "[id=12] focus"), ({"SWAYSOCK": "/run/sway"}, "[con_id=5] focus")):
        done = subprocess.run([AGENT_CONSOLE, "focus", SESSION, "--address", daemon.address],
                              env={**base, **path, **extra}, capture_output=True, text=True,
                              timeout=READY_TIMEOUT_S, check=False)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert log.read_text().splitlines()[-1] == said


async def test_the_dashboard_survives_enter_on_such_sessions(
    daemon: RunningDaemon, client: SessionsClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on ``012`` under i3 ended the dashboard; on a refused socket or a bad tree it must say one line."""
    from test_dashboard import dashboard, until

    path, log = stand_ins(tmp_path, [1, {"nodes": "x"}])
    monkeypatch.setenv("PATH", path["PATH"])
    for name in ("SWAYSOCK", "I3SOCK", "HYPRLAND_INSTANCE_SIGNATURE"):
        monkeypatch.delenv(name, raising=False)
    await client.set("i3", "attention", terminal={"window_id": "012"}, pid=os.getpid(),
                     pid_start=start_time(os.getpid()))
    async with dashboard(daemon, client, ("i3", "attention", "/src/i3")) as pilot:
        for variable, expected in (("I3SOCK", ("information", "focused X11 window 12")),
                                   ("SWAYSOCK", ("error", "cannot focus sway window: no window"))):
            monkeypatch.setenv(variable, "/run/wm")
            pilot.app.clear_notifications()
            await pilot.press("enter")
            await until(pilot, lambda: pilot.app._notifications, "a notification")
            [notice] = list(pilot.app._notifications)
            assert (notice.severity, notice.message[: len(expected[1])]) == expected
            monkeypatch.delenv(variable)
        await client.set("i3", "attention", terminal={"tmux": "/tmp/trap,1,0", "tmux_pane": "%1"})
        await until(pilot, lambda: "tmux" in pilot.app._mirror.sessions["i3"]["terminal"], "the new record")
        pilot.app.clear_notifications()
        await pilot.press("enter")
        await until(pilot, lambda: pilot.app._notifications, "a notification")
        assert list(pilot.app._notifications)[0].message.startswith("refused the recorded tmux socket")
        assert pilot.app.is_running
