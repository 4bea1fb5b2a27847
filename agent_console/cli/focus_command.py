"""``agent-console focus ID``: bring the terminal of a session in front."""

import argparse
from typing import Any

from agent_console.cli.runner import (
    Commands,
    add_address_option,
    add_command,
    fail,
    fail_with,
    run_with_client,
)
from agent_console.cli.sessions import add_id_argument, fetch_session

EXIT_CANNOT_FOCUS = 6
"""Nothing recorded, a tool missing, the pane or window gone, or the record refused: an id
of the wrong shape or range, a socket that is not provably the user's own."""


def register(commands: Commands) -> None:
    parser = add_command(
        commands,
        "focus",
        _run,
        "Bring a session's terminal to the front: its tmux pane, terminal and window.",
        "Supported: tmux (the pane's window and pane are selected and the most\n"
        "recently active client is switched to it), kitty (remote control on),\n"
        "WezTerm, and the window itself on sway, Hyprland, i3 and X11 (xdotool\n"
        "or wmctrl). Needs the hooks to have recorded where the session lives.\n"
        "ID may be the start of an id, as list shows it, if only one id starts so.",
        "0 focused, 2 ID is the start of several ids, 4 no such session,\n"
        "5 daemon not running or bus unreachable, 6 cannot focus it (nothing\n"
        "recorded, a tool missing, the pane gone, or a recorded socket or id\n"
        "refused: only the user's own tmux and kitty sockets are talked to).",
        ["agent-console focus 4f1c2a"],
    )
    add_id_argument(parser, "The session id, or its start")
    add_address_option(parser)


def _run(args: argparse.Namespace) -> None:
    from agent_console.focus.bring_forward import FocusError, focus

    session = run_with_client(args.address, lambda client: fetch_session(client, args.session_id))
    try:
        if session.get("host"):
            _focus_remote(session)
        else:
            focus(session)
    except FocusError as error:
        fail_with(str(error), EXIT_CANNOT_FOCUS)


def _focus_remote(session: dict[str, Any]) -> None:
    """Over ssh, on the host the session lives on (``[remotes]`` says how to reach it)."""
    from agent_console.config import load_remotes
    from agent_console.errors import InvalidArgs
    from agent_console.focus.over_ssh import focus_remote

    try:
        remotes = load_remotes(None)
    except InvalidArgs as error:
        fail(error)
    focus_remote(session, remotes)
