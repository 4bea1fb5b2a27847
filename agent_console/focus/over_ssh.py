"""Bring a remote session's tmux pane forward on its own host, over the person's ssh.

A session mirrored from a remote host (``host`` set) lives in a terminal
there: the only layer that can be reached from here is the tmux server it
runs under, by running the very tmux commands a local session would get
(``tmux_layer``) on that host through ``ssh DESTINATION``.  The pane is
selected, and the client most recently active there (the person's own ssh
session into that tmux, if any) is switched to it.  A session outside tmux
there gets one line saying what cannot be done.
"""

import re
import shlex
from collections.abc import Mapping
from typing import Any

from agent_console.config import RemoteConfig
from agent_console.focus.bring_forward import FocusError, Step, run, tmux_layer
from agent_console.presentation import escape

SSH_FOCUS_TIMEOUT_S = 10.0
"""Each ssh command: a connection, a login and a tmux call on a distant host."""

SSH_CONNECT_TIMEOUT_S = 5
"""ssh's own ``ConnectTimeout`` (whole seconds): a host that does not answer fails at once
with ssh's line, well inside ``SSH_FOCUS_TIMEOUT_S``."""


_REMOTE_TMUX_SOCKET = re.compile(r"/[^\x00-\x1f]*/tmux-[0-9]{1,10}/[^/\x00-\x1f]+")


def _remote_tmux_socket(path: str) -> str:
    """A socket in a tmux-UID directory, as tmux makes it; what else the host holds is checked there,
    by tmux itself (a server answers only its own user)."""
    if not _REMOTE_TMUX_SOCKET.fullmatch(path):
        raise FocusError(f"refused the recorded tmux socket {escape(path)!r}: not in a tmux-UID directory")
    return path


def _over_ssh(destination: str, command: tuple[str, ...]) -> tuple[str, ...]:
    return ("ssh", "-T", "-oBatchMode=yes", f"-oConnectTimeout={SSH_CONNECT_TIMEOUT_S}", "--", destination,
            shlex.join(command))  # fmt: skip


def plan_remote(session: Mapping[str, Any], remotes: Mapping[str, RemoteConfig]) -> list[Step]:
    """The steps that focus a remote ``session``'s tmux pane; FocusError when it cannot be done from here."""
    host = str(session.get("host", ""))
    remote = remotes.get(host)
    if remote is None:
        raise FocusError(f"session lives on {escape(host)}, which is not in [remotes]: cannot reach it to focus")
    terminal = session.get("terminal") or {}
    layer = tmux_layer(terminal, lambda tool: tool, _remote_tmux_socket) if isinstance(terminal, Mapping) else None
    if layer is None:
        raise FocusError(
            f"session lives on {escape(host)} outside tmux: only a tmux pane there can be brought forward over ssh"
        )
    if isinstance(layer, str):
        raise FocusError(layer)
    choose = layer.choose

    def chosen(output: str) -> tuple[str, ...] | None:
        command = choose(output) if choose is not None else None
        return None if command is None else _over_ssh(remote.destination, command)

    return [Step(f"{layer.what} on {escape(host)}", _over_ssh(remote.destination, layer.command), chosen,
                 SSH_FOCUS_TIMEOUT_S)]  # fmt: skip


def focus_remote(session: Mapping[str, Any], remotes: Mapping[str, RemoteConfig]) -> list[str]:
    steps = plan_remote(session, remotes)
    run(steps)
    return [step.what for step in steps]
