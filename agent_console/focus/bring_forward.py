"""Bring a session's terminal in front: the tmux pane, the terminal's tab, the window.

The hooks record where a session lives (``terminal``, see
``agent_console.system.terminal``); this turns that record into command lines, from
the inside out: the tmux pane (and the attached client switched to it), then
the kitty window or WezTerm pane, then the desktop window on sway, Hyprland,
i3 or X11.  A layer whose tool is not installed is passed over as long as a
layer inside it was focused; if nothing could be focused, ``FocusError``
says why in one line.

Planning is separate from running (``plan`` is a function of the record,
the environment, which tools exist and the sockets on disk), so the command
lines of terminals that cannot run on a test machine are still checked.

Anyone on the bus can write a session's record, so nothing in it is taken on
trust.  Every value is checked for its shape and range before it reaches a
command line (a number is passed on as the number it is: ``012`` is 12).
A socket is talked to only when it is provably the user's own: a tmux socket
owned by the user in tmux's own directory (``$TMUX_TMPDIR/tmux-UID/``, by
default ``/tmp/tmux-UID/``), a kitty socket that is a unix socket on disk
owned by the user; anything else is refused (``FocusError``) before any
connection: a listener at a path of someone else's choosing would receive
tmux's whole client environment.  What a tool answers (sway's tree,
Hyprland's clients) is read the same way: a node of the wrong shape is
passed over.
"""

import json
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent_console.errors import AgentConsoleError
from agent_console.presentation import escape
from agent_console.system.process_info import ancestors

TOOL_TIMEOUT_S = 2.0
"""Each tool call; they answer in milliseconds unless the terminal is hung."""

_NUMBER = re.compile(r"[0-9]{1,20}")
_TMUX_PANE = re.compile(r"%[0-9]{1,20}")
_X11_WINDOW = re.compile(r"[0-9]{1,20}|0x[0-9a-fA-F]{1,16}")
_HYPRLAND_ADDRESS = re.compile(r"0x[0-9a-fA-F]{1,16}")

MAX_ID = 2**32 - 1
"""The largest tmux pane, kitty window, WezTerm pane or X11 window id taken: each tool keeps
its ids in 32 bits (X11's XIDs in 29), so a larger number names nothing."""

TMUX_DEFAULT_TMPDIR = "/tmp"
"""Where tmux puts its ``tmux-UID`` directory of sockets unless ``$TMUX_TMPDIR`` says otherwise."""

KITTY_UNIX_PREFIX = "unix:"
"""The only form of kitty's ``listen_on`` that names a socket whose owner can be checked."""


class FocusError(AgentConsoleError):
    """The session cannot be brought in front: nothing recorded, a tool missing, the pane gone."""


@dataclass(frozen=True)
class Step:
    """One command line, or a query whose answer ``choose`` turns into the command line."""

    what: str
    """What it focuses, for messages: ``tmux pane %3``."""
    command: tuple[str, ...]
    choose: Callable[[str], tuple[str, ...] | None] | None = None
    """Given the query's output, the command that focuses; None when there is nothing to focus."""
    timeout_s: float = TOOL_TIMEOUT_S
    """How long each of its commands may take (longer over ssh)."""


Which = Callable[[str], str | None]


def plan(session: Mapping[str, Any], environ: Mapping[str, str], which: Which = shutil.which) -> list[Step]:
    """The steps that focus ``session``, inside out; raises FocusError when no layer can be done."""
    terminal = session.get("terminal") or {}
    if not isinstance(terminal, Mapping) or not terminal:
        raise FocusError("no terminal is recorded for this session (its hooks predate focus, or it was set by hand)")
    layers = [
        _tmux(terminal, environ, which),
        _kitty(terminal, which),
        _wezterm(terminal, which),
        _window(terminal, _ancestors(session.get("pid")), environ, which),
    ]
    steps: list[Step] = []
    for layer in layers:
        if isinstance(layer, Step):
            steps.append(layer)
        elif layer and not steps:
            raise FocusError(layer)
    if not steps:
        known = ", ".join(f"{escape(str(k))}={escape(str(v))}" for k, v in sorted(terminal.items()))
        raise FocusError(f"no way to focus this terminal here ({known}): not tmux, kitty or WezTerm, and no window")
    return steps


def run(steps: Sequence[Step]) -> None:
    """Run each step; the first that fails ends it with its tool's own first line."""
    for step in steps:
        answer = _run(step, step.command)
        if step.choose is not None:
            chosen = step.choose(answer)
            if chosen is None:
                raise FocusError(f"cannot focus {step.what}: no window of the session's processes was found")
            _run(step, chosen)


def focus(session: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> list[str]:
    """Focus ``session``'s terminal; returns what was focused, e.g. ``["tmux pane %3"]``."""
    steps = plan(session, os.environ if environ is None else environ)
    run(steps)
    return [step.what for step in steps]


def _run(step: Step, command: Sequence[str]) -> str:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, errors="replace", timeout=step.timeout_s,
            stdin=subprocess.DEVNULL, check=False,
        )
    except subprocess.TimeoutExpired:
        raise FocusError(f"cannot focus {step.what}: {command[0]} did not answer within {step.timeout_s:g} s") from None
    except OSError as error:
        raise FocusError(f"cannot focus {step.what}: {command[0]}: {error.strerror}") from None
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}").splitlines()[0]
        raise FocusError(f"cannot focus {step.what}: {command[0]}: {said}")
    return done.stdout


Layer = Step | str | None
"""A step; or why this layer cannot be done although the record names it; or None: not named."""


def _missing(tool: str, what: str) -> str:
    return f"cannot focus {what}: {tool} is not installed"


def _tmux(terminal: Mapping[str, str], environ: Mapping[str, str], which: Which) -> Layer:
    return tmux_layer(terminal, which, lambda path: _own_tmux_socket(path, environ))


def tmux_layer(terminal: Mapping[str, str], which: Which, checked_socket: Callable[[str], str]) -> Layer:
    """Select the pane's window and the pane, and switch the most recently active client to it.

    ``TMUX`` is ``socket,server pid,session``: the socket reaches the very
    server the session runs under, whichever the caller's own is, provided
    it passes ``checked_socket`` (here: one of the user's own tmux sockets).  The client is asked for first
    because outside tmux there is no "current" client to switch; with none
    attached, the pane is still made the one a person sees on attaching.
    """
    where = terminal.get("tmux")
    if not where or not isinstance(where, str):
        return None
    found = _recorded(terminal, "tmux_pane", _TMUX_PANE, "tmux pane")
    if not isinstance(found, tuple):
        return found
    pane, what = found
    tmux = which("tmux")
    if tmux is None:
        return _missing("tmux", what)
    server = (tmux, "-S", checked_socket(where.rsplit(",", 2)[0]))

    def select_and_switch(clients: str) -> tuple[str, ...]:
        select = (*server, "select-window", "-t", pane, ";", "select-pane", "-t", pane)
        latest = max((line.split(" ", 1) for line in clients.splitlines() if " " in line), default=None,
                     key=lambda fields: int(fields[0]) if fields[0].isdigit() else 0)
        return select if latest is None else (*select, ";", "switch-client", "-c", latest[1], "-t", pane)

    return Step(what, (*server, "list-clients", "-F", "#{client_activity} #{client_name}"), select_and_switch)


def _own_tmux_socket(path: str, environ: Mapping[str, str]) -> str:
    """``path`` if it is a socket of the user's in tmux's own directory; else FocusError."""
    directory = os.path.join(environ.get("TMUX_TMPDIR") or TMUX_DEFAULT_TMPDIR, f"tmux-{os.getuid()}")
    in_place = os.path.isabs(path) and os.path.realpath(os.path.dirname(path)) == os.path.realpath(directory)
    if not (in_place and _owned(directory, stat.S_ISDIR) and _owned(path, stat.S_ISSOCK)):
        raise FocusError(
            f"refused the recorded tmux socket {escape(path)!r}: not a socket of this user's in {directory}/"
        )
    return path


def _own_kitty_socket(listen_on: str) -> str:
    """``listen_on`` if it is ``unix:PATH`` of a socket of the user's; else FocusError.

    kitty also listens on TCP and on abstract sockets (``unix:@name``), whose
    owner cannot be told: a record naming one is refused.
    """
    path = listen_on.removeprefix(KITTY_UNIX_PREFIX)
    if not (listen_on.startswith(KITTY_UNIX_PREFIX) and os.path.isabs(path) and _owned(path, stat.S_ISSOCK)):
        raise FocusError(f"refused the recorded kitty socket {escape(listen_on)!r}: not a unix socket of this user's")
    return listen_on


def _owned(path: str, is_kind: Callable[[int], bool]) -> bool:
    """Whether ``path`` itself (not a link to it) is of that kind, the user's, and writable by no one else."""
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return False
    return is_kind(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _kitty(terminal: Mapping[str, str], which: Which) -> Layer:
    """``kitten @ focus-window``, through the socket kitty was listening on (``allow_remote_control``)."""
    found = _recorded(terminal, "kitty_window_id", _NUMBER, "kitty window")
    if not isinstance(found, tuple):
        return found
    window, what = found
    kitten = which("kitten") or which("kitty")
    if kitten is None:
        return _missing("kitten", what)
    listen_on = terminal.get("kitty_listen_on")
    to = ("--to", _own_kitty_socket(listen_on)) if isinstance(listen_on, str) and listen_on else ()
    return Step(what, (kitten, "@", *to, "focus-window", "--match", f"id:{window}"))


def _wezterm(terminal: Mapping[str, str], which: Which) -> Layer:
    found = _recorded(terminal, "wezterm_pane", _NUMBER, "WezTerm pane")
    if not isinstance(found, tuple):
        return found
    pane, what = found
    wezterm = which("wezterm")
    return Step(what, (wezterm, "cli", "activate-pane", "--pane-id", pane)) if wezterm else _missing("wezterm", what)


def _recorded(terminal: Mapping[str, str], key: str, shape: re.Pattern[str], kind: str) -> tuple[str, str] | str | None:
    """(value, what it names) for a well-formed ``key``, its number written plainly (``012`` is 12);
    None when not recorded, else why it is unusable."""
    value = terminal.get(key)
    if not value:
        return None
    if not isinstance(value, str) or not shape.fullmatch(value):
        return f"the recorded {kind} {escape(str(value))!r} is not an id"
    prefix, digits = ("%", value[1:]) if value.startswith("%") else ("", value)
    number = int(digits, 16) if digits.startswith("0x") else int(digits, 10)
    if not 0 <= number <= MAX_ID:
        return f"the recorded {kind} {escape(value)!r} is out of range (at most {MAX_ID})"
    plain = f"{prefix}{number}"
    return plain, f"{kind} {plain}"


def _window(terminal: Mapping[str, str], ancestors: list[int], environ: Mapping[str, str], which: Which) -> Layer:
    """The desktop window, by the compositor or window manager the caller runs under.

    sway and Hyprland know each window's process, so the window is the one
    owned by the nearest ancestor of the session's process (its terminal
    emulator); i3 and plain X11 go by the X window id the terminal exported
    as ``WINDOWID``.
    """
    found = _recorded(terminal, "window_id", _X11_WINDOW, "X11 window")
    if isinstance(found, str):
        return found
    if environ.get("SWAYSOCK") and ancestors:
        return _by_process("sway window", "swaymsg", ("-t", "get_tree"), _sway_focus, ancestors, which)
    if environ.get("HYPRLAND_INSTANCE_SIGNATURE") and ancestors:
        return _by_process("Hyprland window", "hyprctl", ("clients", "-j"), _hyprland_focus, ancestors, which)
    if found is None:
        return None
    window, what = found
    if environ.get("I3SOCK"):
        i3 = which("i3-msg")
        return Step(what, (i3, f"[id={window}]", "focus")) if i3 else _missing("i3-msg", what)
    for tool, arguments in (("xdotool", ("windowactivate", window)), ("wmctrl", ("-i", "-a", window))):
        path = which(tool)
        if path:
            return Step(what, (path, *arguments))
    return _missing("xdotool or wmctrl", what)


def _by_process(
    what: str,
    tool: str,
    query: tuple[str, ...],
    focus_command: Callable[[Any, list[int]], tuple[str, ...] | None],
    ancestors: list[int],
    which: Which,
) -> Layer:
    found = which(tool)
    if found is None:
        return _missing(tool, what)

    def choose(answer: str) -> tuple[str, ...] | None:
        try:
            chosen = focus_command(json.loads(answer), ancestors)
        except (ValueError, RecursionError):
            return None
        return None if chosen is None else (found, *chosen)

    return Step(what, (found, *query), choose)


def _sway_focus(tree: Any, ancestors: list[int]) -> tuple[str, ...] | None:
    windows: dict[int, int] = {}
    nodes = [tree]
    while nodes:
        node = nodes.pop()
        if not isinstance(node, dict):
            continue
        pid, con_id = node.get("pid"), node.get("id")
        if isinstance(pid, int) and isinstance(con_id, int) and _is_id(pid) and _is_id(con_id):
            windows.setdefault(pid, con_id)
        for key in ("nodes", "floating_nodes"):
            children = node.get(key)
            if isinstance(children, list):
                nodes.extend(children)
    pid = next((p for p in ancestors if p in windows), None)
    return None if pid is None else (f"[con_id={windows[pid]}]", "focus")


def _hyprland_focus(clients: Any, ancestors: list[int]) -> tuple[str, ...] | None:
    windows = {
        client["pid"]: client["address"]
        for client in (clients if isinstance(clients, list) else [])
        if isinstance(client, dict) and _is_id(client.get("pid"))
        and isinstance(client.get("address"), str) and _HYPRLAND_ADDRESS.fullmatch(client["address"])
    }
    pid = next((p for p in ancestors if p in windows), None)
    return None if pid is None else ("dispatch", "focuswindow", f"address:{windows[pid]}")


def _is_id(value: object) -> bool:
    """A whole number in range, as a tool's JSON gives ids and pids (not a bool, a float or a string)."""
    return type(value) is int and 0 <= value <= MAX_ID


def _ancestors(pid: Any) -> list[int]:
    """The session's process and its ancestors, nearest first; empty when no pid was recorded."""
    return ancestors(pid) if isinstance(pid, int) and pid > 0 else []
